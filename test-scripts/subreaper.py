#!/usr/bin/env python3
"""Run a command as a child subreaper (Linux): every process it leaves behind is reaped here, never a zombie.

A process pair orphans its members by design: when a primary dies, its standby (now the primary) is re-parented
to the nearest subreaper, or to PID 1. A normal init reaps orphans; some container and sandbox inits do not, and
there the dead members would stay zombies. The tests run each pair under this script so that what they check is
phoenix's own behaviour. Usage: subreaper.py COMMAND [ARG...]; exits when the last descendant has ended.
"""
import ctypes
import os
import sys

PR_SET_CHILD_SUBREAPER = 36


def main(argv):
    if len(argv) < 2:
        print("usage: subreaper.py COMMAND [ARG...]", file=sys.stderr)
        return 2
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        print("subreaper.py: prctl(PR_SET_CHILD_SUBREAPER) failed: errno %d" % ctypes.get_errno(), file=sys.stderr)
        return 2
    child = os.fork()
    if child == 0:
        try:
            os.execvp(argv[1], argv[1:])
        except OSError as e:
            print("subreaper.py: cannot run %s: %s" % (argv[1], e), file=sys.stderr)
            os._exit(127)
    status = 0
    while True:
        try:
            pid, st = os.wait()
        except ChildProcessError:
            return status
        except InterruptedError:
            continue
        if pid == child:
            status = os.waitstatus_to_exitcode(st) if hasattr(os, "waitstatus_to_exitcode") else st >> 8
            if status < 0:
                status = 128 - status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
