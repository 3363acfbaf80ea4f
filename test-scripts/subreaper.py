#!/usr/bin/env python3
"""Run a command as a child subreaper (Linux): every process it leaves behind is reaped here, never a zombie.

A process pair orphans its members by design: when a primary dies, its standby (now the primary) is re-parented
to the nearest subreaper, or to PID 1. A normal init reaps orphans; some container and sandbox inits do not, and
there the dead members would stay zombies. The tests run each pair under this script so that what they check is
phoenix's own behaviour. Usage: subreaper.py COMMAND [ARG...]; exits when the last descendant has ended.

Nothing under it outlives its parent (the test JVM or the benchmark): when the parent dies, however it dies, the
kernel signals this script (PR_SET_PDEATHSIG), which then kills every descendant by pid, found in /proc (as
their subreaper it is the ancestor of all of them, orphans included), reaps them and exits. SIGTERM does the same.
A parent that sets SUBREAPER_PARENT to its own pid is also covered if it dies before this script is ready: then
it starts nothing.
"""
import ctypes
import os
import signal
import sys
import time

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
# A real-time signal that nothing else sends: the kernel's word that the parent died.
PARENT_DIED = signal.SIGRTMIN + 1


def children_by_parent():
    """Maps each pid to its children's pids, from /proc/PID/stat (the field after the ')' of the name + 1)."""
    out = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry, "rb") as f:
                stat = f.read().decode("ascii", "replace")
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2:].split()
        if len(fields) > 1:
            out.setdefault(int(fields[1]), []).append(int(entry))
    return out


def descendants(pid):
    """Every process below pid, found by walking the parent links in /proc."""
    tree = children_by_parent()
    found, todo = [], list(tree.get(pid, []))
    while todo:
        p = todo.pop()
        found.append(p)
        todo.extend(tree.get(p, []))
    return found


def kill_everything_below_me():
    """SIGKILL to every descendant by pid, again until none is left (one may spawn another meanwhile), reaping."""
    me = os.getpid()
    for _ in range(100):
        below = descendants(me)
        for p in below:
            try:
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass
        while True:
            try:
                if os.waitpid(-1, os.WNOHANG)[0] == 0:
                    break
            except ChildProcessError:
                break
        if not below:
            return
        time.sleep(0.02)


def main(argv):
    if len(argv) < 2:
        print("usage: subreaper.py COMMAND [ARG...]", file=sys.stderr)
        return 2
    # The parent may name itself (SUBREAPER_PARENT=pid): it may have died already while this script started
    # (a shim of the Python installation can take a second), and only its pid tells that apart.
    named = os.environ.pop("SUBREAPER_PARENT", "")
    parent = int(named) if named.isdigit() else os.getppid()
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        print("subreaper.py: prctl(PR_SET_CHILD_SUBREAPER) failed: errno %d" % ctypes.get_errno(), file=sys.stderr)
        return 2

    def on_parent_died(signum, frame):
        # The kernel also sends it when the parent's thread that started this one ends: act only when the
        # parent process is really gone (this process was re-parented).
        if os.getppid() != parent:
            end(signum, frame)

    def end(signum, frame):
        kill_everything_below_me()
        os._exit(128 + (signal.SIGTERM if signum == PARENT_DIED else signum))

    signal.signal(PARENT_DIED, on_parent_died)
    signal.signal(signal.SIGTERM, end)
    if libc.prctl(PR_SET_PDEATHSIG, int(PARENT_DIED), 0, 0, 0) != 0:
        print("subreaper.py: prctl(PR_SET_PDEATHSIG) failed: errno %d" % ctypes.get_errno(), file=sys.stderr)
        return 2
    if os.getppid() != parent:
        return 2  # the parent died before the signal was armed: start nothing
    child = os.fork()
    if child == 0:
        signal.signal(PARENT_DIED, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
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
