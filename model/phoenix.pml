/*
 * phoenix.pml -- Promela model of phoenix's takeover protocol
 * (Java process-pair fault-tolerant counter).
 *
 * Checked by check.sh with spin.  Read README.md first.
 *
 * ROLES (Java -> model)
 *   Standby / Primary   one proctype Member; a member starts as STANDBY (spawned
 *                       by a primary) or as PRIMARY (fresh start by Launcher) and a
 *                       standby turns itself into a primary by promotion, as the
 *                       Java process does.  Members live in slots 0..NM-1; the
 *                       shared per-slot arrays below are their observable state.
 *   output              maxPrinted (plus the bookkeeping of the properties): the
 *                       printed sequence is only observed through PRINT().
 *   checkpoint file     ckCount, ckEpoch: one atomic record (count, epoch).
 *   heartbeats (UDP)    channel hb (capacity 2) of (epoch, seq, count).  Loss,
 *                       duplication and reordering are done by the receiver: it may
 *                       drop the head, read it without removing it (duplicate), or
 *                       rotate it to the tail (reorder).  A full channel drops sends.
 *   watch connection    TCP from the standby to its primary (watch[s] = primary's
 *                       slot).  EOF = the watched member's role is DEAD (the
 *                       standby sees it at its next step: reliable, any delay).
 *                       FENCE(e) standby->old primary = fence[old] := max(.., e):
 *                       reliable and in order, seen at the old primary's next
 *                       fencing check, irrelevant once it is dead.  The handshake
 *                       (primary -> new standby: epoch, seq, count) is one step
 *                       of the primary and may happen late or never.
 *   crash / pause       process Faults: kills any live member at any point between
 *                       two steps (Member's body is wrapped in `unless DEAD`),
 *                       or pauses a primary (every primary step is guarded by
 *                       !paused[me]); a pause is temporary or permanent.
 *   fresh start         process Launcher: when no member is alive, start a primary
 *                       from the checkpoint (last = count, epoch = epoch + 1).
 *   heartbeat timeout   nondeterministic: allowed whenever the watched primary is
 *                       paused, plus at most MAXFT "false" timeouts while it runs
 *                       (heartbeats lost or late): the split-brain case.
 *
 * PROTOCOL VARIANTS
 *   Default = the protocol of the brief plus three fixes found with this model
 *   (see README.md "Findings"); -DAS_BRIEFED (or -DNO_FIX_x for one of them)
 *   gives the protocol exactly as briefed, which violates properties 2 and 4.
 *     FIX_MONO   the checkpoint never goes backwards: count and epoch are merged
 *                with max (Java: one file per epoch, ckpt-<epoch>, each written
 *                only by the member owning that epoch; the checkpoint read is
 *                (max count, max epoch) over the files).  As briefed, a fenced
 *                primary's one late checkpoint write overwrites the new primary's
 *                (count, epoch) with its own older pair.
 *     FIX_ORDER  promotion claims the new epoch in the checkpoint first (Java:
 *                create ckpt-<newEpoch> with CREATE_NEW), then sends FENCE, and
 *                only then reads the count.  As briefed, the count is read
 *                before the old primary is fenced, and it keeps printing.
 *     FIX_START  a fresh start writes its epoch to the checkpoint before it
 *                spawns its standby or prints.  As briefed, the standby of a
 *                fresh primary that has not printed yet computes the same epoch.
 *   The handshake carries the primary's heartbeat seq, not only (epoch, count):
 *   otherwise an old heartbeat accepted after the handshake moves the
 *   standby's view back (property 5).
 *
 * PROPERTIES (each switched on by a -D so that check.sh checks them one by one)
 *   PROP_NOSKIP  (1) every printed n satisfies n <= maxPrinted + 1: by induction
 *                the printed numbers are always exactly {1..maxPrinted}, so n - 1
 *                was printed before n.  Duplicates are allowed.
 *   PROP_FENCE   (2) once a member that became primary later (higher generation;
 *                generation = order in which members became primary) has printed,
 *                each earlier member prints at most one more number.  The same
 *                assertion with epochs instead of generations (the wording of the
 *                brief) is checked too; generations also catch two members that
 *                got the same epoch.
 *   ltl live     (3) <> done: after one failure (MAXFAIL=1, MAXFT=0), under weak
 *                fairness, the count reaches MAXN, which needs a working primary
 *                again.  check.sh runs it with -a -f.
 *   PROP_REWIND  (4, extra) the newest primary never prints a number below the
 *                highest printed one: a takeover repeats at most the number that
 *                was in flight.  Needed to catch BUG_NO_CHECKPOINT_MAX, which
 *                only causes duplicates.
 *   PROP_VIEW    (5, extra) an accepted heartbeat never moves the standby's view
 *                back (same epoch, lower count).  Needed to catch
 *                BUG_ACCEPT_REPLAY: with the checkpoint max at promotion a stale
 *                view is harmless for the output.
 *
 * MUTANTS: BUG_NO_FENCE (no fencing at all: no FENCE check, no checkpoint-epoch
 *   check), BUG_RESUME_PLUS_TWO, BUG_ACCEPT_REPLAY, BUG_NO_CHECKPOINT_MAX,
 *   BUG_NO_TIMEOUT (standby promotes only on EOF: a paused primary is never
 *   replaced, so the liveness check can fail too).
 */

/* ---------------- bounds ---------------- */
#ifndef MAXN
#define MAXN 3        /* count to MAXN */
#endif
#ifndef NM
#define NM 6          /* member slots (members ever started); max 6 */
#endif
#ifndef MAXFAIL
#define MAXFAIL 2     /* crashes + pauses */
#endif
#ifndef MAXFT
#define MAXFT 1       /* false heartbeat timeouts (primary running) */
#endif
#ifndef MAXNET
#define MAXNET 2      /* duplicate/reorder events of the network */
#endif
#ifndef MAXHB
#define MAXHB 1       /* periodic heartbeats per primary */
#endif

#ifdef AS_BRIEFED
#define NO_FIX_MONO
#define NO_FIX_ORDER
#define NO_FIX_START
#endif

#define NONE    0
#define STANDBY 1
#define PRIMARY 2
#define DEAD    3
#define NOSLOT  255

#define MAX(a,b) ((a) > (b) -> (a) : (b))

/* ---------------- shared state ---------------- */
byte role[NM];        /* NONE (free slot), STANDBY, PRIMARY, DEAD */
bool paused[NM];      /* a paused member takes no step */
bool permanent[NM];   /* the pause never ends */
byte epoch[NM];       /* a primary's epoch (myEpoch) */
byte gen[NM];         /* generation: order of becoming primary (for properties) */
byte watch[NM];       /* standby: slot of the primary it watches */
byte fence[NM];       /* highest FENCE epoch sent to this member (watch conn.) */
byte knownEpoch[NM];  /* standby view, set by heartbeats and the handshake */
byte lastCount[NM];
byte lastSeq[NM];
byte late[NM];        /* PROP_FENCE: prints after a later generation printed */
byte lateE[NM];       /* same, by epoch */

byte ckCount, ckEpoch;        /* checkpoint file */
chan hb = [2] of { byte, byte, byte };  /* heartbeats: epoch, seq, count */

byte nextSlot;        /* slots are not reused */
byte nalive;          /* members with role STANDBY or PRIMARY */
byte genCtr;
byte failures;        /* crashes and pauses so far */
byte falseTO;         /* false timeouts so far */
byte netEv;           /* duplicate/reorder events so far */

byte maxPrinted;      /* output: highest number printed */
byte topGen, topEpoch;/* highest generation / epoch that has printed */
bool done;            /* maxPrinted == MAXN */

ltl live { <> done }

/* ---------------- output ---------------- */
inline PRINT(n) {
#ifdef PROP_NOSKIP
  assert(n <= maxPrinted + 1);
#endif
#ifdef PROP_FENCE
  if
  :: gen[me] < topGen -> late[me]++; assert(late[me] <= 1)
  :: else -> topGen = gen[me]
  fi;
  if
  :: epoch[me] < topEpoch -> lateE[me]++; assert(lateE[me] <= 1)
  :: else -> topEpoch = epoch[me]
  fi;
#endif
#ifdef PROP_REWIND
  /* the newest primary (nobody became primary after it) must not go back */
  assert(gen[me] != genCtr || n >= maxPrinted);
#endif
  if
  :: n > maxPrinted -> maxPrinted = n
  :: else -> skip
  fi;
  done = (maxPrinted >= MAXN)
}

/* ---------------- checkpoint ---------------- */
inline CKPT_WRITE(cnt, ep) {
#ifndef NO_FIX_MONO
  ckCount = MAX(ckCount, cnt);
  ckEpoch = MAX(ckEpoch, ep)
#else
  ckCount = cnt;
  ckEpoch = ep
#endif
}

/* ---------------- standby view ---------------- */
inline SETVIEW(s, e, q, c) {
#ifdef PROP_VIEW
  assert(e > knownEpoch[s] || c >= lastCount[s]);
#endif
  knownEpoch[s] = e; lastSeq[s] = q; lastCount[s] = c
}

/* heartbeat acceptance rule (Standby) */
inline ACCEPT(e, q, c) {
  if
  :: e > knownEpoch[me] || (e == knownEpoch[me] && q > lastSeq[me]) -> SETVIEW(me, e, q, c)
#ifdef BUG_ACCEPT_REPLAY
  :: e == knownEpoch[me] && q <= lastSeq[me] -> SETVIEW(me, e, q, c)
#endif
  :: else -> skip
  fi
}

#define RUN (!paused[me])

inline SEND_HB() {
  seq++;
  if
  :: nfull(hb) -> hb!ep, seq, last
  :: full(hb) -> skip        /* socket buffer full: lost */
  fi
}

inline DIE() {
  role[me] = DEAD; nalive--
}

proctype Member(byte me; byte startLast)
{
  byte e, q, c;           /* a received heartbeat */
  byte w;                 /* standby: the primary I watch */
  byte ep;                /* primary: myEpoch */
  byte last = startLast;  /* primary: last number printed (or resumed from) */
  byte seq, hbs;          /* primary: heartbeat seq, periodic heartbeats sent */
  byte sb = NOSLOT;       /* primary: my standby */
  bool hsPending;

  {
    if
    :: role[me] == PRIMARY -> ep = epoch[me]; goto primary
    :: else -> w = watch[me]
    fi;

    /* ===================== STANDBY ===================== */
end_standby:
    do
    :: atomic { hb?e, q, c -> ACCEPT(e, q, c) }                    /* delivery */
    :: atomic { netEv < MAXNET && nempty(hb) -> netEv++;           /* duplicate */
                hb?<e, q, c>; ACCEPT(e, q, c) }
    :: atomic { netEv < MAXNET && len(hb) > 1 -> netEv++;          /* reorder */
                hb?e, q, c; hb!e, q, c }
    :: atomic { hb?_, _, _ }                                       /* loss */
    :: role[w] == DEAD -> break                                    /* EOF */
#ifndef BUG_NO_TIMEOUT
    :: atomic { paused[w] && role[w] != DEAD -> break }            /* timeout */
    :: atomic { falseTO < MAXFT && !paused[w] && role[w] != DEAD ->
                falseTO++; break }                                 /* false timeout */
#endif
    od;

    /* ===================== PROMOTION ===================== */
#ifndef NO_FIX_ORDER
    atomic {  /* claim a new epoch: exclusive create of ckpt-<newEpoch> */
      role[me] = PRIMARY; genCtr++; gen[me] = genCtr;
      ep = MAX(knownEpoch[me], ckEpoch) + 1; epoch[me] = ep;
      ckEpoch = ep
    }
    atomic { RUN -> fence[w] = MAX(fence[w], ep) }                 /* FENCE */
    atomic { RUN ->                                                /* read count */
#ifdef BUG_NO_CHECKPOINT_MAX
      last = lastCount[me];
#else
      last = MAX(lastCount[me], ckCount);
#endif
      CKPT_WRITE(last, ep)
    }
#else
    atomic {  /* as briefed: read checkpoint, compute epoch and resume point */
      role[me] = PRIMARY; genCtr++; gen[me] = genCtr;
      ep = MAX(knownEpoch[me], ckEpoch) + 1; epoch[me] = ep;
#ifdef BUG_NO_CHECKPOINT_MAX
      last = lastCount[me]
#else
      last = MAX(lastCount[me], ckCount)
#endif
    }
    atomic { RUN -> CKPT_WRITE(last, ep) }                         /* write */
    atomic { RUN -> fence[w] = MAX(fence[w], ep) }                 /* FENCE */
#endif
#ifdef BUG_RESUME_PLUS_TWO
    last++;
#endif

    /* ===================== PRIMARY ===================== */
primary:
    atomic { RUN ->                                                /* spawn standby */
      if
      :: nextSlot < NM ->
           sb = nextSlot; nextSlot++; nalive++;
           role[sb] = STANDBY; watch[sb] = me; hsPending = true;
           run Member(sb, 0)
      :: else -> skip                    /* model bound: no slot left */
      fi
    }
    do
    :: atomic { RUN && last >= MAXN -> break }                     /* finished */
    :: atomic { RUN && last < MAXN ->                              /* (1) fencing */
#ifndef BUG_NO_FENCE
         if
         :: fence[me] > ep -> DIE()                                /* FENCE seen */
         :: else ->
              if
              :: ckEpoch > ep -> DIE()    /* after a long stall: checkpoint */
              :: true -> skip
              fi
         fi
#else
         skip
#endif
       }
       atomic { RUN -> last++; PRINT(last) }                       /* (2)+(3) */
       atomic { RUN -> CKPT_WRITE(last, ep) }                      /* (4) */
       atomic { RUN -> SEND_HB() }                                 /* (5) */
    :: atomic { RUN && hbs < MAXHB -> hbs++; SEND_HB() }           /* periodic hb */
    :: atomic { RUN && hsPending -> hsPending = false;             /* handshake */
         if
         :: role[sb] == STANDBY &&
            (ep > knownEpoch[sb] || (ep == knownEpoch[sb] && seq >= lastSeq[sb])) ->
              SETVIEW(sb, ep, seq, last)
         :: else -> skip
         fi
       }
    od
  } unless {
    atomic { role[me] == DEAD ->   /* crashed or fenced: forget everything, so */
      e = 0; q = 0; w = 0; ep = 0; last = 0; seq = 0; hbs = 0; /* that dead */
      sb = 0; hsPending = false;                        /* members do not */
      paused[me] = false; permanent[me] = false; epoch[me] = 0; /* multiply */
      gen[me] = 0; watch[me] = 0; fence[me] = 0; knownEpoch[me] = 0; /* states */
      lastCount[me] = 0; lastSeq[me] = 0; late[me] = 0; lateE[me] = 0
    }
  }
}

/* ---------------- failures ---------------- */
#define CRASH(i) :: atomic { failures < MAXFAIL && (role[i] == STANDBY || role[i] == PRIMARY) -> \
                     failures++; role[i] = DEAD; nalive--; paused[i] = false }
#define PAUSE(i) :: atomic { failures < MAXFAIL && role[i] == PRIMARY && !paused[i] -> \
                     failures++; paused[i] = true; \
                     if :: permanent[i] = true :: skip fi }
#define RESUME(i) :: atomic { paused[i] && !permanent[i] -> paused[i] = false }

active proctype Faults()
{
end_faults:
  do
  CRASH(0) PAUSE(0) RESUME(0)
  CRASH(1) PAUSE(1) RESUME(1)
#if NM > 2
  CRASH(2) PAUSE(2) RESUME(2)
#endif
#if NM > 3
  CRASH(3) PAUSE(3) RESUME(3)
#endif
#if NM > 4
  CRASH(4) PAUSE(4) RESUME(4)
#endif
#if NM > 5
  CRASH(5) PAUSE(5) RESUME(5)
#endif
  od
}

/* ---------------- (fresh) start ---------------- */
active proctype Launcher()
{
  byte s;
end_launch:
  do
  :: atomic { nalive == 0 && nextSlot < NM ->
       s = nextSlot; nextSlot++; nalive++;
       role[s] = PRIMARY; genCtr++; gen[s] = genCtr;
       epoch[s] = ckEpoch + 1; watch[s] = NOSLOT;
#ifndef NO_FIX_START
       CKPT_WRITE(ckCount, epoch[s]);
#endif
       run Member(s, ckCount)
     }
  od
}
