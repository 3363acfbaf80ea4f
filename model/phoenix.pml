/*
 * phoenix.pml -- Promela model of phoenix's takeover protocol
 * (the Java process-pair fault-tolerant counter).  Checked by check.sh.
 *
 * ===================== WHAT STANDS FOR WHAT =====================
 * Member (proctype)   one phoenix process.  It starts as STANDBY (spawned by a
 *                     primary) or as PRIMARY (fresh start by Launcher); a standby
 *                     promotes itself in place, as the Java process does.  Members
 *                     live in slots 0..NM-1 (slots are not reused); the per-slot
 *                     arrays below hold what other processes can observe of them.
 * output              only observed through PRINT(): maxPrinted and the
 *                     bookkeeping of the properties.
 * checkpoint file     ckCount, ckEpoch: one record (count, epoch), written and
 *                     read atomically.
 * heartbeats (UDP)    SEND_HB(): (epoch, seq, count) to the standby that is
 *                     listening (sbSlot; there is never more than one, asserted).
 *                     Each heartbeat is on time, lost, delayed or duplicated; a
 *                     delayed/duplicated one sits in a one-message network buffer
 *                     (dFull, dE, dQ, dC) and reaches whichever standby listens
 *                     later, after newer ones (reordering).  MAXNET bounds the
 *                     delays + duplicates; losses are unbounded.
 * watch connection    TCP standby -> primary: watch[s] = the watched primary.
 *                     EOF: the standby sees role[watch] == DEAD at any later step
 *                     (reliable, any delay; a paused primary gives no EOF).
 *                     FENCE(e) standby -> old primary: fence[old] := max(.., e);
 *                     reliable, in order, seen at the old primary's next fencing
 *                     check, lost only if it is dead.  Handshake (primary -> its
 *                     new standby: epoch, seq, count): one primary step that may
 *                     come late or never.
 * crash, pause        steps of the victim itself (same interleavings as an
 *                     outside killer, fewer states): any live member may crash
 *                     between any two of its steps, a primary (also one in the
 *                     middle of its promotion) may pause: every primary step is
 *                     guarded by !paused[me].  A pause may end later (resume);
 *                     with -DLIVE it may also be permanent.  A crashed member
 *                     (and one that exits because it was fenced) is DEAD.
 * fresh start         process Launcher: when no member is alive, starts a primary
 *                     from the checkpoint (last = count, epoch = epoch + 1) which
 *                     spawns its standby.  It also makes the very first start.
 * heartbeat timeout   abstracted to nondeterminism: allowed whenever the watched
 *                     primary is paused, and at most MAXFT times while it is
 *                     running ("false" timeout: heartbeats lost or late, the
 *                     split-brain case fencing must handle).  A false timeout
 *                     counts as a failure (MAXFAIL).
 *
 * ===================== PROTOCOL VARIANTS =====================
 * Default: the first design plus fixes for the flaws this model found
 * (README.md, "Findings").  -DAS_BRIEFED gives the protocol exactly as
 * first designed; -DNO_FIX_MONO, -DNO_FIX_ORDER, -DNO_FIX_START, -DNO_FIX_HSSEQ
 * remove one fix each.
 *   FIX_MONO   the checkpoint never goes backwards: writes merge count and epoch
 *              with max.  (Java: one file per epoch, ckpt-<epoch>, written only
 *              by the member that owns the epoch; reading the checkpoint = max
 *              count and max epoch over the files.)  As first designed, a fenced
 *              primary's one late write puts back its older (count, epoch).
 *   FIX_ORDER  promotion first claims its new epoch in the checkpoint (Java:
 *              create ckpt-<newEpoch> with CREATE_NEW; on "exists" retry with a
 *              higher one), then sends FENCE, and only then reads the count.
 *              As first designed, the count is read before the old primary is fenced
 *              while it may still be printing.
 *   FIX_START  a fresh start writes its epoch to the checkpoint before it spawns
 *              its standby or prints.  As first designed, the standby of a fresh
 *              primary that has not checkpointed yet computes the same epoch.
 *   FIX_HSSEQ  the handshake carries the primary's heartbeat seq as well.  As
 *              briefed it gives only (epoch, count), and an older heartbeat
 *              accepted after it moves the standby's view back (property 5).
 *   -DALT_FENCE_ANY (experiment, not in check.sh): the old primary exits on
 *              any FENCE, whatever its epoch.  AS_BRIEFED + ALT_FENCE_ANY
 *              satisfies property 2 but not property 4.
 *
 * ===================== PROPERTIES =====================
 * Each is switched on by a -D, so that check.sh checks them one at a time.
 *   PROP_NOSKIP  (1) no number skipped: every printed n has n <= maxPrinted + 1.
 *                By induction the printed set is always {1..maxPrinted}, so n-1
 *                was printed before n.  Duplicates are allowed.
 *   PROP_FENCE   (2) after fencing, at most one member prints: once a member
 *                that became primary later (higher generation; generation =
 *                order of becoming primary) has printed, every earlier member
 *                prints at most ONE more number.  Asserted both with generations
 *                and, as worded in the brief, with epochs; generations also catch
 *                two members that got the same epoch.
 *   ltl live     (3) after one failure (MAXFAIL=1: one crash or pause of the
 *                primary or death of the standby; MAXFT=0) the count reaches MAXN
 *                under weak fairness, which needs a working primary again.
 *                Built with -DLIVE (pauses may then be permanent), run as
 *                pan -a -f (acceptance cycles, weak fairness).
 *   PROP_REWIND  (4, extra) a takeover repeats at most the number in flight: the
 *                newest primary (nobody became primary after it) never prints a
 *                number below maxPrinted.  Needed for BUG_NO_CHECKPOINT_MAX,
 *                whose only symptom is extra duplicates.
 *   PROP_VIEW    (5, extra) an accepted heartbeat never moves the standby's view
 *                back (same epoch, lower count).  Needed for BUG_ACCEPT_REPLAY:
 *                since promotion takes the max with the checkpoint, a stale view
 *                does not show in the output.  With all fixes it also asserts
 *                view <= checkpoint: a heartbeat is sent after the checkpoint
 *                write, and the checkpoint never goes back, so heartbeats can
 *                never change a promotion (this is why check.sh may check
 *                properties 1, 2, 4 with MAXNET=0).
 *   Always on: at most one standby listens at a time.
 *
 * ===================== MUTANTS =====================
 *   BUG_NO_FENCE           the old primary never fences itself (neither FENCE
 *                          nor the checkpoint epoch)              -> PROP_FENCE
 *   BUG_RESUME_PLUS_TWO    promoted standby continues at last+2   -> PROP_NOSKIP
 *   BUG_ACCEPT_REPLAY      standby accepts seq <= lastSeq         -> PROP_VIEW
 *   BUG_NO_CHECKPOINT_MAX  promotion ignores the checkpoint       -> PROP_REWIND
 *   BUG_NO_TIMEOUT         standby promotes only on EOF           -> live
 *
 * printf("MSC: ...") lines narrate a counterexample (spin -t); the verifier
 * ignores them.
 */

/* ===================== bounds ===================== */
#ifndef MAXN
#define MAXN 3        /* count to MAXN */
#endif
#ifndef NM
#define NM 4          /* member slots = members ever started */
#endif
#ifndef MAXFAIL
#define MAXFAIL 2     /* crashes + pauses + false timeouts */
#endif
#ifndef MAXFT
#define MAXFT 1       /* of which false timeouts */
#endif
#ifndef MAXNET
#define MAXNET 1      /* delayed + duplicated heartbeats */
#endif
#ifndef MAXHB
#define MAXHB 0       /* periodic heartbeats per primary */
#endif

#ifdef AS_BRIEFED
#define NO_FIX_MONO
#define NO_FIX_ORDER
#define NO_FIX_START
#define NO_FIX_HSSEQ
#endif

#if defined(PROP_FENCE) || defined(PROP_REWIND)
#define GENS          /* keep generations */
#endif
#if defined(PROP_NOSKIP) || defined(PROP_REWIND) || defined(LIVE)
#define MAXP          /* keep maxPrinted */
#endif

#define NONE    0
#define STANDBY 1
#define PRIMARY 2
#define DEAD    3
#define NOSLOT  255

#define MAX(a,b) ((a) > (b) -> (a) : (b))

/* ===================== shared state ===================== */
byte role[NM];        /* NONE (free slot), STANDBY, PRIMARY, DEAD */
bool paused[NM];      /* a paused member takes no step */
bool permanent[NM];   /* LIVE only: the pause never ends */
byte epoch[NM];       /* a primary's epoch (myEpoch) */
byte watch[NM];       /* standby: slot of the primary it watches */
byte fence[NM];       /* watch connection: highest FENCE epoch sent to member */
byte knownEpoch[NM];  /* standby view: set by heartbeats and the handshake */
byte lastCount[NM];
byte lastSeq[NM];

byte ckCount, ckEpoch;        /* the checkpoint file */

byte sbSlot = NOSLOT; /* the standby listening for heartbeats */
bool dFull;           /* network: one delayed heartbeat (epoch, seq, count) */
byte dE, dQ, dC;

byte nextSlot;        /* next free slot */
byte nalive;          /* members that are STANDBY or PRIMARY */
byte failures;        /* crashes + pauses + false timeouts so far */
byte falseTO;         /* false timeouts so far */
byte netEv;           /* delayed + duplicated heartbeats so far */

/* bookkeeping of the properties (not part of the protocol) */
#ifdef GENS
byte gen[NM];         /* generation: order of becoming primary */
byte genCtr;          /* generations handed out */
#define NEWGEN(s) genCtr++; gen[s] = genCtr
#else
#define NEWGEN(s) skip
#endif
#ifdef PROP_FENCE
byte late[NM];        /* prints after a later generation printed */
byte lateE[NM];       /* prints after a higher epoch printed */
byte topGen, topEpoch;/* highest generation / epoch that has printed */
#endif
byte maxPrinted;      /* highest number printed */
bool done;            /* maxPrinted == MAXN (LIVE) */

ltl live { <> done }

/* ===================== output ===================== */
inline PRINT(n) {
  printf("MSC: M%d (epoch %d) PRINTS %d\n", me, ep, n);
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
  assert(gen[me] != genCtr || n >= maxPrinted);
#endif
#ifdef MAXP
  maxPrinted = MAX(maxPrinted, n);
#endif
#ifdef LIVE
  done = (maxPrinted >= MAXN);
#endif
  skip
}

/* ===================== checkpoint ===================== */
inline CKPT_WRITE(cnt, e) {
#ifndef NO_FIX_MONO
  ckCount = MAX(ckCount, cnt);
  ckEpoch = MAX(ckEpoch, e);
#else
  ckCount = cnt;
  ckEpoch = e;
#endif
  printf("MSC: checkpoint := (count %d, epoch %d)\n", ckCount, ckEpoch)
}

/* ===================== standby view, heartbeats ===================== */
inline SETVIEW(s, e, q, c) {
#ifdef PROP_VIEW
  assert(e > knownEpoch[s] || c >= lastCount[s]);     /* view never goes back */
#if !defined(NO_FIX_MONO) && !defined(NO_FIX_START)
  assert(e <= ckEpoch && c <= ckCount);  /* view <= checkpoint: see PROP_VIEW */
#endif
#endif
  knownEpoch[s] = e; lastSeq[s] = q; lastCount[s] = c;
  printf("MSC: M%d view := (epoch %d, seq %d, count %d)\n", s, e, q, c)
}

/* the Standby's acceptance rule, for the standby in slot s */
inline ACCEPT(s, e, q, c) {
  if
  :: e > knownEpoch[s] || (e == knownEpoch[s] && q > lastSeq[s]) -> SETVIEW(s, e, q, c)
#ifdef BUG_ACCEPT_REPLAY
  :: e == knownEpoch[s] && q <= lastSeq[s] -> SETVIEW(s, e, q, c)
#endif
  :: else -> skip                        /* replay or stale epoch */
  fi
}

inline SEND_HB() {     /* heartbeat (ep, ++seq, last) */
#ifndef NOHB
  seq++;
  if
  :: sbSlot != NOSLOT -> ACCEPT(sbSlot, ep, seq, last)         /* on time */
  :: true -> skip                              /* lost, or nobody listens */
  :: netEv < MAXNET && !dFull -> netEv++;                      /* delayed */
       dFull = true; dE = ep; dQ = seq; dC = last
  :: netEv < MAXNET && !dFull && sbSlot != NOSLOT -> netEv++;  /* duplicated */
       ACCEPT(sbSlot, ep, seq, last);
       dFull = true; dE = ep; dQ = seq; dC = last
  fi
#else
  skip
#endif
}

/* ===================== helpers ===================== */
#define RUN (!paused[me])

#ifdef BUG_NO_CHECKPOINT_MAX
#define RESUME_FROM lastCount[me]
#else
#define RESUME_FROM MAX(lastCount[me], ckCount)
#endif

/* spawn a standby for primary p (sb := its slot, or NOSLOT if none is left) */
inline SPAWN_STANDBY(p, sb) {
  if
  :: nextSlot < NM ->
       sb = nextSlot; nextSlot++; nalive++;
       assert(sbSlot == NOSLOT);             /* at most one standby at a time */
       sbSlot = sb;
       role[sb] = STANDBY; watch[sb] = p;
       printf("MSC: M%d spawned, standby of M%d\n", sb, p);
       run Member(sb, 0, NOSLOT)
  :: else -> sb = NOSLOT                     /* model bound: no slot left */
  fi
}

/* member i is dead (crashed or fenced): a dead standby stops listening, and
   its shared state is cleared so that dead members do not multiply states */
inline BURY(i) {
  if :: sbSlot == i -> sbSlot = NOSLOT :: else -> skip fi;
  role[i] = DEAD; nalive--;
  paused[i] = false; permanent[i] = false; epoch[i] = 0; watch[i] = 0;
  fence[i] = 0; knownEpoch[i] = 0; lastCount[i] = 0; lastSeq[i] = 0
}

/* a Member's position (pc) */
#define SB   0    /* standby, waiting */
#define PR1  1    /* promotion, second step */
#define PR2  2    /* promotion, third step */
#define CHK  3    /* primary: (1) fencing check next */
#define PRT  4    /* primary: (2) next = last+1, (3) print */
#define CKP  5    /* primary: (4) write checkpoint */
#define HBT  6    /* primary: (5) send heartbeat */

/* promotion, first step; the standby detected EOF or a timeout */
#ifndef NO_FIX_ORDER
inline PROMOTE() {   /* claim a new epoch (exclusive create of ckpt-<newEpoch>) */
  role[me] = PRIMARY; NEWGEN(me); sbSlot = NOSLOT;
  ep = MAX(knownEpoch[me], ckEpoch) + 1; epoch[me] = ep;
  ckEpoch = ep; pc = PR1;
  printf("MSC: M%d promotes, claims epoch %d\n", me, ep)
}
#else
inline PROMOTE() {   /* as first designed: read the checkpoint, compute epoch and last */
  role[me] = PRIMARY; NEWGEN(me); sbSlot = NOSLOT;
  ep = MAX(knownEpoch[me], ckEpoch) + 1; epoch[me] = ep;
  last = RESUME_FROM; pc = PR1;
  printf("MSC: M%d promotes: epoch %d, resumes after %d\n", me, ep, last)
}
#endif

inline SEND_FENCE() {
  if :: role[w] != DEAD -> fence[w] = MAX(fence[w], ep) :: else -> skip fi;
  printf("MSC: M%d sends FENCE(%d) to M%d\n", me, ep, w)
}

/* after promotion: spawn the new standby, then count on */
inline PROMOTED() {
  printf("MSC: M%d is primary, resumes after %d\n", me, last);
  SPAWN_STANDBY(me, sb); w = 0;
#ifdef BUG_RESUME_PLUS_TWO
  last++;                                    /* continues at last + 2 */
#endif
  pc = CHK
}

/* leaves the do loop: the process ends */
#define EXIT  w = 0; ep = 0; last = 0; seq = 0; hbs = 0; sb = 0; hsDone = false; \
              pc = 0; break

#ifdef LIVE
#define MAYBE_PERMANENT  if :: permanent[me] = true :: skip fi
#else      /* safety: a pause that never ends is a prefix of one that does */
#define MAYBE_PERMANENT  skip
#endif

/* ===================== a phoenix process ===================== */
/* Failures are steps of the victim itself (same interleavings as an outside
   killer, fewer states): crash at any point, pause any time it is primary. */
proctype Member(byte me; byte startLast; byte mysb)
{
  byte pc;                /* position, see above */
  byte w;                 /* standby: the primary I watch */
  byte ep;                /* primary: myEpoch */
  byte last = startLast;  /* primary: last number printed or resumed from */
  byte seq, hbs;          /* primary: heartbeat seq, periodic heartbeats sent */
  byte sb = mysb;         /* primary: my standby's slot */
  bool hsDone;            /* primary: handshake with it done */

  if
  :: role[me] == PRIMARY -> ep = epoch[me]; pc = CHK
  :: else -> w = watch[me]; pc = SB
  fi;
end_member:
  do
  /* ---------------- STANDBY ---------------- */
  :: atomic { pc == SB && dFull -> dFull = false;         /* late heartbeat */
              ACCEPT(me, dE, dQ, dC); dE = 0; dQ = 0; dC = 0 }
  :: atomic { pc == SB && role[w] == DEAD ->                         /* EOF */
              printf("MSC: M%d gets EOF\n", me); PROMOTE() }
#ifndef BUG_NO_TIMEOUT
  :: atomic { pc == SB && paused[w] && role[w] != DEAD ->         /* timeout */
              printf("MSC: M%d times out\n", me); PROMOTE() }
  :: atomic { pc == SB && failures < MAXFAIL && falseTO < MAXFT &&  /* false */
              !paused[w] && role[w] != DEAD ->                   /* timeout */
              failures++; falseTO++;
              printf("MSC: M%d times out falsely\n", me); PROMOTE() }
#endif
  /* ---------------- PROMOTION ---------------- */
#ifndef NO_FIX_ORDER
  :: atomic { pc == PR1 && RUN -> SEND_FENCE(); pc = PR2 }
  :: atomic { pc == PR2 && RUN -> last = RESUME_FROM;     /* read the count */
              CKPT_WRITE(last, ep); PROMOTED() }
#else
  :: atomic { pc == PR1 && RUN -> CKPT_WRITE(last, ep); pc = PR2 }
  :: atomic { pc == PR2 && RUN -> SEND_FENCE(); PROMOTED() }
#endif
  /* ---------------- PRIMARY ---------------- */
  :: atomic { pc == CHK && RUN && last >= MAXN -> break }  /* counted to MAXN */
  :: atomic { pc == CHK && RUN && last < MAXN ->            /* (1) fencing */
#ifndef BUG_NO_FENCE
       if
#ifndef ALT_FENCE_ANY
       :: fence[me] > ep ->                                       /* FENCE */
#else
       :: fence[me] > 0 ->                         /* FENCE, whatever epoch */
#endif
            printf("MSC: M%d fenced by FENCE, exits\n", me); BURY(me); EXIT
       :: else ->
            if
            :: ckEpoch > ep ->                 /* long stall: checkpoint */
                 printf("MSC: M%d fenced by checkpoint, exits\n", me); BURY(me); EXIT
            :: true -> skip
            fi
       fi;
#endif
       pc = PRT }
  :: atomic { pc == PRT && RUN -> last++; PRINT(last); pc = CKP }  /* (2),(3) */
  :: atomic { pc == CKP && RUN -> CKPT_WRITE(last, ep); pc = HBT }     /* (4) */
  :: atomic { pc == HBT && RUN -> SEND_HB(); pc = CHK }                /* (5) */
  :: atomic { pc == CHK && RUN && hbs < MAXHB -> hbs++; SEND_HB() } /* periodic */
  :: atomic { pc == CHK && RUN && !hsDone && sb != NOSLOT ->      /* handshake */
       hsDone = true;
       if
       :: role[sb] == STANDBY &&
          (ep > knownEpoch[sb] || (ep == knownEpoch[sb] && seq >= lastSeq[sb])) ->
#ifndef NO_FIX_HSSEQ
            SETVIEW(sb, ep, seq, last)
#else
            SETVIEW(sb, ep, lastSeq[sb], last)  /* as first designed: no seq */
#endif
       :: else -> skip
       fi }
  /* ---------------- FAILURES ---------------- */
  :: atomic { failures < MAXFAIL -> failures++;                     /* crash */
              printf("MSC: M%d CRASHES\n", me); BURY(me); EXIT }
  :: atomic { failures < MAXFAIL && pc != SB && !paused[me] ->       /* pause */
              failures++; paused[me] = true; MAYBE_PERMANENT;
              printf("MSC: M%d PAUSES\n", me) }
  :: atomic { paused[me] && !permanent[me] -> paused[me] = false;  /* resume */
              printf("MSC: M%d resumes\n", me) }
  od
}

/* ===================== (fresh) start ===================== */
active proctype Launcher()
{
  byte s, sb;
end_launch:
  do
  :: atomic { nalive == 0 && nextSlot < NM ->
       s = nextSlot; nextSlot++; nalive++;
       role[s] = PRIMARY; NEWGEN(s);
       epoch[s] = ckEpoch + 1;                     /* last = ckCount below */
#ifndef NO_FIX_START
       CKPT_WRITE(ckCount, epoch[s]);
#endif
       SPAWN_STANDBY(s, sb);           /* the fresh primary's first act */
       printf("MSC: fresh start: M%d primary, epoch %d, resumes after %d\n",
              s, epoch[s], ckCount);
       run Member(s, ckCount, sb); s = 0; sb = 0
     }
  od
}
