/*
 * phoenix.pml -- Promela model of phoenix's takeover protocol
 * (the Java process-pair fault-tolerant counter).  Checked by check.sh;
 * README.md maps every step below to the Java method that carries it out.
 *
 * ===================== WHAT STANDS FOR WHAT =====================
 * Member (proctype)   one phoenix process.  It starts as STANDBY (spawned by a
 *                     primary) or is started by the Launcher (a person's start);
 *                     a standby promotes itself in place, as the Java process
 *                     does.  Members live in slots 0..NM-1 (slots are not
 *                     reused); the per-slot arrays below hold what other
 *                     processes can observe of them.
 * output              only observed through PRINT(): the bookkeeping of the
 *                     properties, per run (see "runs" below).
 * checkpoint files    one file per epoch, checkpoint-<epoch>: ckP[e] (exists),
 *                     ckC[e] (count), ckB[e] (base: the epoch of the last fresh
 *                     start), e in 1..NM (every member claims at most one epoch).
 *                     Each write is atomic.  A primary writes only its own
 *                     epoch's file.  A reader takes the base from the highest
 *                     epoch's file and the count as the newest over the files
 *                     whose epoch >= base (CK_READ).
 * claim               create checkpoint-<E> if absent (atomic link), retry E+1
 *                     on collision.  A takeover computes E = max(held epoch,
 *                     highest file epoch) + 1 when it decides to promote (PROMOTE)
 *                     and creates the file in its next step (CLM), as
 *                     Takeover.promote and Takeover.claim do.
 * heartbeats          SEND_HB(): (epoch, seq, count, base), on two paths:
 *   UDP               to the standby listening on the port (sbSlot; there is never
 *                     more than one, asserted).  Each copy is on time, lost,
 *                     delayed or duplicated; a delayed/duplicated one sits in a
 *                     one-message network buffer (dFull, dE, dQ, dC, dB) and reaches
 *                     whichever standby listens later, after newer ones
 *                     (reordering).  Losses are unbounded.
 *   watch connection  the same heartbeat on the Unix-domain watch connection, once
 *                     the standby has attached (handshake done): reliable and in
 *                     order while both ends live; it may be held back in a
 *                     one-message buffer (wFull, ...) but a later copy pushes it
 *                     out first, and the standby reads it before it sees EOF.
 *                     MAXNET bounds the delayed + duplicated UDP copies + the
 *                     held-back watch copies.
 *                     The standby takes the first copy of a heartbeat and ignores
 *                     the second (same epoch and seq: not newer).
 * watch connection    standby -> primary: watch[s] = the watched primary.
 *                     EOF: the standby sees role[watch] == DEAD at any later step
 *                     (reliable, any delay; a paused primary gives no EOF).
 *                     FENCE(e) standby -> old primary: fence[old] := max(.., e);
 *                     reliable, in order, seen at the old primary's next fencing
 *                     check, lost only if it is dead.  Handshake (WELCOME, primary
 *                     -> its new standby: epoch, seq, count, base): one primary
 *                     step that may come late or never.
 * crash, pause        steps of the victim itself (same interleavings as an
 *                     outside killer, fewer states): any live member may crash
 *                     between any two of its steps, a primary (also one in the
 *                     middle of its promotion) may pause: every primary step is
 *                     guarded by !paused[me].  A pause may end later (resume);
 *                     with -DLIVE it may also be permanent.  A crashed member
 *                     (and one that exits because it was fenced) is DEAD.
 * start, fresh start  process Launcher: a person starts the pair when no member
 *                     answers: every live member is paused (a paused old primary
 *                     may still exist) and none holds the standby slot.  Also the
 *                     very first start.  After the first, each start is
 *                     nondeterministically normal or --fresh (at most MAXFRESH).
 *                     normal: claims E = highest + 1 keeping the highest file's
 *                     base, then reads.  --fresh: claims E = highest + 1 with
 *                     count 0 and base E.  The started member then reads and runs
 *                     the primary's loop; it spawns its standby after its first
 *                     print.  It fences nobody (the Java fences a paused primary
 *                     that still owns the control socket: the model relies on the
 *                     stall check alone, the harder case).
 * heartbeat timeout   abstracted to nondeterminism: allowed whenever the watched
 *                     primary is paused, and at most MAXFT times while it is
 *                     running ("false" timeout: the split-brain case fencing must
 *                     handle).  A false timeout counts as a failure (MAXFAIL).
 * stall               Primary.onRunning reads the highest checkpoint epoch when a
 *                     pass comes more than half the takeover timeout after the
 *                     previous one.  A member that is paused while another takes
 *                     over by timeout, or while a person starts the pair (both
 *                     wait at least the takeover timeout), gets stall[m]: its next
 *                     fencing check must read the epoch, and it sends no periodic
 *                     heartbeat before that check.  Otherwise the read is a
 *                     nondeterministic choice (any starvation).
 * runs                (bookkeeping) a run is the count since a fresh start: run 0
 *                     begins at the first start, each --fresh start begins a new
 *                     one; a standby belongs to the run of the primary it watches
 *                     (the newest run if that one is dead), a normal start to the
 *                     newest run.
 *
 * ===================== PROTOCOL VARIANTS =====================
 * Default: the protocol as the Java runs it (the first design plus the fixes
 * for the flaws this model found, README.md "Findings") with the fresh-start
 * rule, and FIX_SLOT and FIX_HELDBASE (Findings 5 and 6, now in the Java too).
 * -DAS_BRIEFED gives the protocol's fixes 1-4 as first designed;
 * -DNO_FIX_MONO, -DNO_FIX_ORDER, -DNO_FIX_START, -DNO_FIX_HSSEQ, -DNO_FIX_SLOT,
 * -DNO_FIX_HELDBASE remove one fix each.
 *   FIX_MONO   the checkpoint never goes backwards: one file per epoch, written
 *              only by the member that owns the epoch; readers take the newest.
 *              As first designed, one record that a fenced primary's one late
 *              write puts back to its older (count, epoch).
 *   FIX_ORDER  a takeover first claims its new epoch (create checkpoint-<E>,
 *              retry higher), then sends FENCE, and only then reads the count.
 *              As first designed, the count is read before the old primary is
 *              fenced, while it may still be printing.
 *   FIX_START  a start claims its epoch (creates its file) before it prints.
 *              As first designed, the epoch appears on disk only with the first
 *              write, and a start in between computes the same epoch.
 *   FIX_HSSEQ  the handshake carries the primary's heartbeat seq as well.  As
 *              first designed it gives only (epoch, count), and an older
 *              heartbeat accepted after it moves the standby's view back.
 *   FIX_SLOT   a member taking over keeps the standby slot until it has claimed
 *              its epoch, so that no person's start can claim in between.  The
 *              Java keeps it until Takeover.finish, after the claim (NO_FIX_SLOT: before).
 *   FIX_HELDBASE  a takeover's held state counts only if it belongs to the
 *              newest run: the claim carries base = max(held base, highest
 *              file's base), and the held count is used only if the held epoch
 *              >= that base (else 0, and the claim file holds 0).  Without it
 *              (the rule as specified: claim with the held base, resume from the
 *              newer of held and read), a paused old primary's late heartbeat,
 *              accepted by a fresh primary's new standby before its handshake,
 *              carries an old run's count into the new run.
 *
 * ===================== PROPERTIES =====================
 * Each is switched on by a -D, so that check.sh checks them one at a time.
 *   PROP_NOSKIP  (1) no number skipped, per run: every n printed by a member of
 *                run r has n <= maxP[r] + 1.  A fresh start's 1 is the first of
 *                a new run, not a skip.  Duplicates are allowed.
 *   PROP_FENCE   (2) after fencing, at most one member prints: once a member
 *                that became primary later (higher generation; generation =
 *                order of becoming primary, across runs) has printed, every
 *                earlier member prints at most ONE more number.  Asserted with
 *                generations and with epochs (epochs never repeat, --fresh
 *                included, so both hold across runs).
 *   ltl live     (3) after one failure (MAXFAIL=1: one crash or pause of the
 *                primary or death of the standby; MAXFT=0) some run counts to
 *                MAXN under weak fairness.  Built with -DLIVE (pauses may then
 *                be permanent), run as pan -a -f.
 *   PROP_REWIND  (4, extra) a takeover repeats at most the number in flight: the
 *                newest primary never prints a number below the highest its run
 *                has printed.
 *   PROP_VIEW    (5, extra) an accepted heartbeat never moves the standby's view
 *                back (same epoch, lower count); the second copy of a heartbeat
 *                that is ignored equals the one taken; with all fixes the view
 *                is at most what a reader of the checkpoint files gets, and a
 *                standby that promotes on EOF after its handshake holds the last
 *                heartbeat its primary sent (the watch copy is never lost).
 *   PROP_FENCEX  (6, -DHOSTS) across hosts: a member prints only in a generation
 *                above every generation that has printed on the other host,
 *                unless it was paused (or starved past a heartbeat timeout)
 *                between its lease check and that print: the lease stops a
 *                running primary before any other host may act.
 *   Always on: at most one standby listens at a time; the claim never runs out
 *   of epochs.
 *
 * -DHOSTS checks the pair across hosts instead (--coordinator, --bind): see
 * "ACROSS HOSTS" below for what stands for what and its mutants (HBUG_x).
 *
 * ===================== MUTANTS =====================
 *   BUG_NO_FENCE           the old primary never fences itself (neither FENCE
 *                          nor the checkpoint epoch)              -> PROP_FENCE
 *   BUG_RESUME_PLUS_TWO    a member that takes over or starts continues at
 *                          last+2                                 -> PROP_NOSKIP
 *   BUG_ACCEPT_REPLAY      standby accepts seq <= lastSeq         -> PROP_VIEW
 *   BUG_NO_CHECKPOINT_MAX  takeover and start ignore the files    -> PROP_REWIND
 *   BUG_NO_TIMEOUT         standby promotes only on EOF           -> live
 *   BUG_FRESH_REUSE        --fresh deletes every file and claims epoch 1
 *                          (the Java before the fresh-start rule) -> PROP_NOSKIP
 *   BUG_IGNORE_BASE        readers take the newest over all files -> PROP_NOSKIP
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
#define MAXNET 1      /* delayed + duplicated UDP, held-back watch heartbeats */
#endif
#ifndef MAXHB
#define MAXHB 0       /* periodic heartbeats per primary */
#endif
#ifndef MAXFRESH
#define MAXFRESH 1    /* --fresh starts */
#endif
#define NE (NM+1)     /* epochs 1..NM (index 0: no file) */
#define NR (MAXFRESH+1) /* runs */

#ifdef AS_BRIEFED
#define NO_FIX_MONO
#define NO_FIX_ORDER
#define NO_FIX_START
#define NO_FIX_HSSEQ
#endif

#if defined(PROP_FENCE) || defined(PROP_REWIND) || defined(PROP_FENCEX)
#define GENS          /* keep generations */
#endif
#if defined(PROP_NOSKIP) || defined(PROP_REWIND) || defined(LIVE)
#define MAXP          /* keep the runs and what each printed */
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
bool stall[NM];       /* paused across a takeover by timeout or a start */
byte epoch[NM];       /* a primary's claimed epoch (myEpoch) */
byte watch[NM];       /* standby: slot of the primary it watches */
byte fence[NM];       /* watch connection: highest FENCE epoch sent to member */
byte knownEpoch[NM];  /* standby view: set by heartbeats and the handshake */
byte lastCount[NM];
byte lastSeq[NM];
byte knownBase[NM];
bool wopen[NM];       /* standby (or taker before its FENCE): watch connection open */

#ifndef NO_FIX_MONO
bool ckP[NE];         /* checkpoint-<e> exists */
byte ckC[NE];         /* its count */
byte ckB[NE];         /* its base */
#else
byte ckCount, ckEpoch, ckBase;   /* as first designed: one record */
#endif

byte sbSlot = NOSLOT; /* the standby listening for heartbeats */
bool dFull;           /* UDP: one delayed heartbeat (epoch, seq, count, base) */
byte dE, dQ, dC, dB;
bool wFull;           /* watch connection: one held-back heartbeat to sbSlot */
byte wE, wQ, wC, wB;

byte nextSlot;        /* next free slot */
byte nalive;          /* members that are STANDBY or PRIMARY */
byte npaused;         /* of which paused */
byte claimer = NOSLOT;/* member that decided to take over and has not claimed */
byte ctl;             /* member that listens on the control socket path */
byte failures;        /* crashes + pauses + false timeouts so far */
byte falseTO;         /* false timeouts so far */
byte netEv;           /* network events (see MAXNET) so far */
byte nfresh;          /* --fresh starts so far */

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
#ifdef MAXP
byte runOf[NM];       /* the run a member belongs to */
byte maxP[NR];        /* highest number printed, per run */
byte curRun, runCtr;  /* newest run; runs begun */
#define JOINRUN(s, r) runOf[s] = r
#else
#define JOINRUN(s, r) skip
#endif
#ifdef PROP_VIEW
bool gAtt[NM];        /* standby: its primary has sent on the watch connection */
byte gE[NM], gQ[NM], gC[NM];  /* the last (epoch, seq, count) it sent there */
#define GWATCH(s, e, q, c) gAtt[s] = true; gE[s] = e; gQ[s] = q; gC[s] = c
#define GATT_OFF(s) gAtt[s] = false
#else
#define GWATCH(s, e, q, c) skip
#define GATT_OFF(s) skip
#endif
#ifdef PROP_FENCEX
byte topH[2];         /* per host: the highest generation that has printed there */
#endif
bool done;            /* a run counted to MAXN (LIVE) */

ltl live { <> done }

/* ===================== output ===================== */
inline PRINT(n) {
  printf("MSC: M%d (epoch %d, base %d) PRINTS %d\n", me, ep, bs, n);
#ifdef PROP_NOSKIP
  assert(n <= maxP[runOf[me]] + 1);
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
#ifdef PROP_FENCEX
  /* across hosts: once a member of another host has printed in a newer
     epoch, an older member prints only the one number it was about to print
     when it was paused (the lease stops a running one first) */
  assert(pmid[me] || gen[me] > topH[1 - host[me]]);
  topH[host[me]] = MAX(topH[host[me]], gen[me]);
#endif
#ifdef PROP_REWIND
  assert(gen[me] != genCtr || n >= maxP[runOf[me]]);
#endif
#ifdef MAXP
  maxP[runOf[me]] = MAX(maxP[runOf[me]], n);
#endif
#ifdef LIVE
  if :: n >= MAXN -> done = true :: else -> skip fi;
#endif
  skip
}

#ifndef HOSTS
/* ===================== checkpoint files ===================== */
/* The inlines use the caller's i (loop), h (highest epoch), rb (base), rc (count). */
#ifndef NO_FIX_MONO
inline CK_HIGHEST() {            /* h := highest epoch with a file, 0 if none */
  h = 0; i = 1;
  do
  :: i < NE -> if :: ckP[i] -> h = i :: else -> skip fi; i++
  :: else -> break
  od; i = 0
}
inline CK_READ() {               /* StateDir.readCheckpoint */
  CK_HIGHEST(); rb = ckB[h]; rc = 0; i = 1;
  do
  :: i < NE ->
#ifndef BUG_IGNORE_BASE
       if :: ckP[i] && i >= rb -> rc = MAX(rc, ckC[i]) :: else -> skip fi;
#else
       if :: ckP[i] -> rc = MAX(rc, ckC[i]) :: else -> skip fi;
#endif
       i++
  :: else -> break
  od; i = 0
}
inline CK_WRITE(e, c, b) {       /* StateDir.writeCheckpoint: file e only */
  ckP[e] = true; ckC[e] = c; ckB[e] = b;
  printf("MSC: checkpoint-%d := (count %d, base %d)\n", e, c, b)
}
inline CK_CLAIM(e, c, b) {       /* StateDir.claimEpoch, retried higher */
  do
  :: ckP[e] -> printf("MSC: checkpoint-%d exists, claim %d\n", e, e + 1); e++
  :: else -> break
  od;
  assert(e < NE);
  CK_WRITE(e, c, b)
}
#define CK_START(e, c, b) CK_CLAIM(e, c, b)   /* a start claims as a takeover does */
inline CK_DELETE_BEFORE(e) {     /* StateDir.deleteCheckpointsBefore */
  i = 1;
  do
  :: i < e -> ckP[i] = false; ckC[i] = 0; ckB[i] = 0; i++
  :: else -> break
  od; i = 0
}
#else
inline CK_HIGHEST() { h = ckEpoch }
inline CK_READ() { h = ckEpoch; rb = ckBase; rc = ckCount }
inline CK_WRITE(e, c, b) {
  ckCount = c; ckEpoch = e; ckBase = b;
  printf("MSC: checkpoint := (count %d, epoch %d, base %d)\n", c, e, b)
}
inline CK_CLAIM(e, c, b) { ckEpoch = e; ckBase = b }   /* the takeover's new epoch */
#define CK_START(e, c, b) CK_WRITE(e, c, b)   /* a start writes its record */
inline CK_DELETE_BEFORE(e) { skip }
#endif

/* ===================== standby view, heartbeats ===================== */
inline SETVIEW(s, e, q, c, b) {
#ifdef PROP_VIEW
  assert(e > knownEpoch[s] || c >= lastCount[s]);     /* view never goes back */
#if !defined(NO_FIX_MONO) && !defined(NO_FIX_START)
  CK_READ();      /* a view of the newest run <= checkpoint: see PROP_VIEW */
  assert(e < rb || (e <= h && c <= rc));
  h = 0; rb = 0; rc = 0;
#endif
#endif
  knownEpoch[s] = e; lastSeq[s] = q; lastCount[s] = c; knownBase[s] = b;
  printf("MSC: M%d view := (epoch %d, seq %d, count %d, base %d)\n", s, e, q, c, b)
}

/* the Standby's acceptance rule (Standby.onHeartbeat, both paths), for the standby in slot s */
inline ACCEPT(s, e, q, c, b) {
  if
  :: e > knownEpoch[s] || (e == knownEpoch[s] && q > lastSeq[s]) -> SETVIEW(s, e, q, c, b)
#ifdef BUG_ACCEPT_REPLAY
  :: e == knownEpoch[s] && q <= lastSeq[s] -> SETVIEW(s, e, q, c, b)
#endif
  :: else ->                             /* second copy, replay or stale epoch */
#ifdef PROP_VIEW
       /* the second copy of the heartbeat taken is the same heartbeat */
       assert(e != knownEpoch[s] || q != lastSeq[s] || (c == lastCount[s] && b == knownBase[s]));
#endif
       skip
  fi
}

inline SEND_HB() {     /* Primary.sendHeartbeat -> PrimaryLoop.Io.sendHeartbeat */
#ifndef NOHB
  seq++;
  /* the watch copy: once attached, to my standby, reliable and in order */
  if
  :: hsDone && sb != NOSLOT && role[sb] == STANDBY && watch[sb] == me ->
       GWATCH(sb, ep, seq, last);
       if
       :: wFull -> wFull = false; ACCEPT(sb, wE, wQ, wC, wB);  /* older first */
            wE = 0; wQ = 0; wC = 0; wB = 0
       :: else -> skip
       fi;
       if
       :: ACCEPT(sb, ep, seq, last, bs)                         /* arrives */
       :: netEv < MAXNET -> netEv++;                           /* held back */
            wFull = true; wE = ep; wQ = seq; wC = last; wB = bs
       fi
  :: else -> skip
  fi;
  /* the UDP copy */
  if
  :: sbSlot != NOSLOT -> ACCEPT(sbSlot, ep, seq, last, bs)      /* on time */
  :: true -> skip                              /* lost, or nobody listens */
  :: netEv < MAXNET && !dFull -> netEv++;                       /* delayed */
       dFull = true; dE = ep; dQ = seq; dC = last; dB = bs
  :: netEv < MAXNET && !dFull && sbSlot != NOSLOT -> netEv++;   /* duplicated */
       ACCEPT(sbSlot, ep, seq, last, bs);
       dFull = true; dE = ep; dQ = seq; dC = last; dB = bs
  fi
#else
  skip
#endif
}

/* ===================== helpers ===================== */
/* the standby slot (StateDir.tryLockStandbySlot) is free of a taker */
#ifndef NO_FIX_SLOT
#define SLOT_FREE (claimer == NOSLOT)
#else
#define SLOT_FREE true
#endif
/* a Member's position (pc) */
#define SB   0    /* standby, waiting */
#define CLM  1    /* takeover: claim the epoch next */
#define PR1  2    /* takeover: send FENCE next */
#define PR2  3    /* takeover or start: read the count next */
#define CHK  4    /* primary: (1) fencing check next */
#define PRT  5    /* primary: (2) next = last+1, (3) print */
#define CKP  6    /* primary: (4) write checkpoint */
#define HBT  7    /* primary: (5) send heartbeat; first pass: spawn, delete */

#define RUN (!paused[me])

/* spawn a standby for primary p (sb := its slot, or NOSLOT if none is left) */
inline SPAWN_STANDBY(p, sb) {
  /* Java: the new standby takes the standby slot, then attaches to whoever
     listens on the control socket (normally p), which says BUSY while another
     watch connection to it is open */
  h = 0; i = 0;
  do
  :: i < NM -> if :: wopen[i] && watch[i] == ctl -> h = 1 :: else -> skip fi; i++
  :: else -> break
  od; i = 0;
  if
  :: nextSlot < NM && sbSlot == NOSLOT && SLOT_FREE && h == 0 ->
       sb = nextSlot; nextSlot++; nalive++;
       sbSlot = sb;
       role[sb] = STANDBY; watch[sb] = ctl; wopen[sb] = (role[ctl] != DEAD);
       JOINRUN(sb, (role[ctl] != DEAD -> runOf[ctl] : curRun));
       printf("MSC: M%d spawned by M%d, standby of M%d\n", sb, p, ctl);
       run Member(sb, SB, 0, 0, 0)
  :: else -> sb = NOSLOT   /* slot taken or BUSY: the new one is not needed;
                              or the model's bound */
  fi; h = 0
}

/* member x is dead (crashed or fenced): a dead standby stops listening, and
   its shared state is cleared so that dead members do not multiply states */
inline BURY(x) {
  if :: sbSlot == x -> sbSlot = NOSLOT; wFull = false; wE = 0; wQ = 0; wC = 0; wB = 0
     :: else -> skip fi;
  if :: claimer == x -> claimer = NOSLOT :: else -> skip fi;
  if :: paused[x] -> npaused-- :: else -> skip fi;
  role[x] = DEAD; nalive--; wopen[x] = false;
  paused[x] = false; permanent[x] = false; stall[x] = false; epoch[x] = 0;
  watch[x] = 0; fence[x] = 0;
  knownEpoch[x] = 0; lastCount[x] = 0; lastSeq[x] = 0; knownBase[x] = 0;
  JOINRUN(x, 0);
  GWATCH(x, 0, 0, 0); GATT_OFF(x)
}

/* every paused member has been silent for at least the takeover timeout */
inline STALL_PAUSED() {
  i = 0;
  do
  :: i < NM -> if :: paused[i] -> stall[i] = true :: else -> skip fi; i++
  :: else -> break
  od; i = 0
}

/* takeover, first step; the standby detected EOF or a timeout */
#ifndef NO_FIX_ORDER
inline PROMOTE() {   /* Takeover.promote: stops taking heartbeats, keeps the slot, computes the epoch */
  role[me] = PRIMARY; NEWGEN(me); sbSlot = NOSLOT;
  wFull = false; wE = 0; wQ = 0; wC = 0; wB = 0;
#ifndef NO_FIX_SLOT
  claimer = me;                          /* keeps the standby slot until CLM */
#endif
#ifndef NO_FIX_HELDBASE
  CK_READ(); rc = 0;                     /* rb: the newest run's base */
  bs = MAX(knownBase[me], rb);
  if :: knownEpoch[me] < bs -> lastCount[me] = 0 :: else -> skip fi;  /* not this run's */
  rb = 0;
#else
  CK_HIGHEST(); bs = knownBase[me];
#endif
  ep = MAX(knownEpoch[me], h) + 1; h = 0;
  pc = CLM;
  printf("MSC: M%d promotes, will claim epoch %d (base %d)\n", me, ep, bs)
}
#else
inline PROMOTE() {   /* as first designed: read the checkpoint, compute epoch and last */
  role[me] = PRIMARY; NEWGEN(me); sbSlot = NOSLOT;
  wFull = false; wE = 0; wQ = 0; wC = 0; wB = 0;
#ifndef NO_FIX_SLOT
  claimer = me;
#endif
  CK_READ(); bs = knownBase[me];
  ep = MAX(knownEpoch[me], h) + 1; epoch[me] = ep;
  last = MAX(lastCount[me], rc); h = 0; rb = 0; rc = 0;
  pc = PR1;
  printf("MSC: M%d promotes: epoch %d, resumes after %d\n", me, ep, last)
}
#endif

inline SEND_FENCE() {
  if :: role[w] != DEAD -> fence[w] = MAX(fence[w], ep) :: else -> skip fi;
  printf("MSC: M%d sends FENCE(%d) to M%d\n", me, ep, w)
}

/* leaves the do loop: the process ends */
#define EXIT  w = 0; ep = 0; bs = 0; last = 0; seq = 0; hbs = 0; sb = 0; \
              hsDone = false; first = false; pc = 0; break

#ifdef LIVE
#define MAYBE_PERMANENT  if :: permanent[me] = true :: skip fi
#else      /* safety: a pause that never ends is a prefix of one that does */
#define MAYBE_PERMANENT  skip
#endif

/* ===================== a phoenix process ===================== */
/* Failures are steps of the victim itself (same interleavings as an outside
   killer, fewer states): crash at any point, pause any time it is primary. */
proctype Member(byte me; byte pc0; byte e0; byte b0; byte last0)
{
  byte pc = pc0;          /* position, see above */
  byte w;                 /* standby: the primary I watch */
  byte ep = e0;           /* primary: myEpoch */
  byte bs = b0;           /* primary: my base (the run's fresh epoch) */
  byte last = last0;      /* primary: last number printed or resumed from */
  byte seq, hbs;          /* primary: heartbeat seq, periodic heartbeats sent */
  byte sb = NOSLOT;       /* primary: my standby's slot */
  bool hsDone;            /* primary: handshake with it done */
  bool first = true;      /* primary: first pass (spawn, delete) still to come */
  byte i, h, rb, rc;      /* scratch for the checkpoint inlines */

  if
  :: pc == SB -> w = watch[me]
  :: else -> skip
  fi;
end_member:
  do
  /* ---------------- STANDBY ---------------- */
  :: atomic { pc == SB && dFull -> dFull = false;        /* late UDP copy */
              ACCEPT(me, dE, dQ, dC, dB); dE = 0; dQ = 0; dC = 0; dB = 0 }
  :: atomic { pc == SB && wFull -> wFull = false;        /* watch copy */
              ACCEPT(me, wE, wQ, wC, wB); wE = 0; wQ = 0; wC = 0; wB = 0 }
  :: atomic { pc == SB && role[w] == DEAD && !wFull ->               /* EOF */
              printf("MSC: M%d gets EOF\n", me); wopen[me] = false;
#ifdef PROP_VIEW
              /* attached: the watch copy of every heartbeat has arrived */
              assert(!gAtt[me] || (knownEpoch[me] == gE[me] &&
                     lastSeq[me] == gQ[me] && lastCount[me] == gC[me]));
#endif
              PROMOTE() }
#ifndef BUG_NO_TIMEOUT
  :: atomic { pc == SB && paused[w] && role[w] != DEAD ->         /* timeout */
              printf("MSC: M%d times out\n", me); STALL_PAUSED(); PROMOTE() }
  :: atomic { pc == SB && failures < MAXFAIL && falseTO < MAXFT &&  /* false */
              !paused[w] && role[w] != DEAD ->                   /* timeout */
              failures++; falseTO++;
              printf("MSC: M%d times out falsely\n", me); PROMOTE() }
#endif
  /* ---------------- TAKEOVER ---------------- */
#ifndef NO_FIX_ORDER
  :: atomic { pc == CLM && RUN ->                      /* 1. claim the epoch */
              CK_CLAIM(ep, lastCount[me], bs); epoch[me] = ep; ctl = me;
              if :: claimer == me -> claimer = NOSLOT :: else -> skip fi;
              printf("MSC: M%d claims epoch %d\n", me, ep); pc = PR1 }
  :: atomic { pc == PR1 && RUN -> SEND_FENCE(); wopen[me] = false;  /* 2. fence */
              pc = PR2 }
#else
  :: atomic { pc == PR1 && RUN -> CK_WRITE(ep, last, bs); ctl = me;  /* write, fence */
              if :: claimer == me -> claimer = NOSLOT :: else -> skip fi;
              pc = PR2 }
  :: atomic { pc == PR2 && RUN -> SEND_FENCE(); wopen[me] = false; pc = CHK }
#endif
#ifndef NO_FIX_ORDER
  :: atomic { pc == PR2 && RUN ->                          /* 3. read the count */
              CK_READ();
#ifndef BUG_NO_CHECKPOINT_MAX
              last = MAX(lastCount[me], rc);
#else
              last = lastCount[me];
#endif
              h = 0; rb = 0; rc = 0;
#ifdef BUG_RESUME_PLUS_TWO
              last++;                                /* continues at last + 2 */
#endif
              printf("MSC: M%d is primary, resumes after %d\n", me, last);
              pc = CHK }
#endif
  /* ---------------- PRIMARY ---------------- */
  :: atomic { pc == CHK && RUN && last >= MAXN -> break }  /* counted to MAXN */
  :: atomic { pc == CHK && RUN && last < MAXN ->            /* (1) fencing */
#ifndef BUG_NO_FENCE
       if
       :: fence[me] > ep ->                                       /* FENCE */
            printf("MSC: M%d fenced by FENCE, exits\n", me); BURY(me); EXIT
       :: else ->
            CK_HIGHEST();
            if
            :: h > ep ->                      /* stalled: checkpoint epoch */
                 if
                 :: printf("MSC: M%d fenced by checkpoint, exits\n", me); BURY(me); EXIT
                 :: !stall[me] -> skip            /* no stall: not read */
                 fi
            :: else -> skip
            fi;
            h = 0
       fi;
#endif
       stall[me] = false; pc = PRT }
  :: atomic { pc == PRT && RUN -> last++; PRINT(last); pc = CKP }  /* (2),(3) */
  :: atomic { pc == CKP && RUN -> CK_WRITE(ep, last, bs); pc = HBT }   /* (4) */
  :: atomic { pc == HBT && RUN -> SEND_HB();                           /* (5) */
       if
       :: first -> first = false;   /* the keeper spawns, then old files go */
            SPAWN_STANDBY(me, sb); CK_DELETE_BEFORE(ep)
       :: else -> skip
       fi;
       pc = CHK }
  :: atomic { pc == CHK && RUN && hbs < MAXHB && !stall[me] ->     /* periodic */
              hbs++; SEND_HB() }        /* (after a stall, the epoch read first) */
  :: atomic { pc == CHK && RUN && !hsDone && sb != NOSLOT ->      /* handshake */
       hsDone = true;
       if :: role[sb] == STANDBY && watch[sb] == me -> GWATCH(sb, ep, seq, last)
          :: else -> skip fi;
       if
       :: role[sb] == STANDBY && watch[sb] == me &&
          (ep > knownEpoch[sb] || (ep == knownEpoch[sb] && seq >= lastSeq[sb])) ->
#ifndef NO_FIX_HSSEQ
            SETVIEW(sb, ep, seq, last, bs)
#else
            SETVIEW(sb, ep, lastSeq[sb], last, bs)  /* as first designed: no seq */
#endif
       :: else -> skip
       fi }
  /* ---------------- FAILURES ---------------- */
  :: atomic { failures < MAXFAIL -> failures++;                     /* crash */
              printf("MSC: M%d CRASHES\n", me); BURY(me); EXIT }
  :: atomic { failures < MAXFAIL && pc != SB && !paused[me] ->       /* pause */
              failures++; paused[me] = true; npaused++; MAYBE_PERMANENT;
              printf("MSC: M%d PAUSES\n", me) }
  :: atomic { paused[me] && !permanent[me] -> paused[me] = false;  /* resume */
              npaused--; printf("MSC: M%d resumes\n", me) }
  od
}

/* ===================== (fresh) start ===================== */
/* A person starts the pair when no member answers: every live member is paused
   (Member.refuseIfRunning gets no answer; or Member.startAlone finds no member's
   socket file, before and again after it takes the slot) and nobody holds the
   standby slot (Member.takeStandbySlot).  The started member waits the takeover
   timeout as a standby of nobody, then claims (Takeover.promote), with no one to
   fence. */
active proctype Launcher()
{
  byte s, e, b, c, pc0;
  byte i, h, rb, rc;
end_launch:
  do
  :: atomic { nalive == npaused && SLOT_FREE && nextSlot < NM ->
       s = nextSlot; nextSlot++; nalive++;
       STALL_PAUSED();
       role[s] = PRIMARY; NEWGEN(s);
       CK_HIGHEST(); e = h + 1;
       if
       :: s > 0 && nfresh < MAXFRESH -> nfresh++;                 /* --fresh */
#ifdef BUG_FRESH_REUSE
            /* the Java before the rule: delete every file, count from epoch 1 */
#ifndef NO_FIX_MONO
            i = 1;
            do :: i < NE -> ckP[i] = false; ckC[i] = 0; ckB[i] = 0; i++
               :: else -> break od; i = 0;
#endif
            e = 1;
#endif
            b = e; c = 0;
#ifdef MAXP
            runCtr++; curRun = runCtr;
#endif
            printf("MSC: fresh start: M%d\n", s)
       :: true ->                                            /* normal start */
#ifndef NO_FIX_MONO
            b = ckB[h];
#else
            b = ckBase;
#endif
            c = 0;
            printf("MSC: start: M%d\n", s)
       fi;
       JOINRUN(s, curRun);
#ifndef NO_FIX_START
       CK_START(e, c, b);            /* claim first; the member reads next */
#ifndef NO_FIX_ORDER
       pc0 = PR2;
#else
       if :: b != e -> CK_READ(); c = rc :: else -> skip fi;
       pc0 = CHK;
#endif
#else
       /* as first designed: nothing on disk until the first write */
       if :: b != e -> CK_READ(); c = rc :: else -> skip fi;
       pc0 = CHK;
#endif
       epoch[s] = e; ctl = s;
       printf("MSC: M%d primary, epoch %d, base %d\n", s, e, b);
       run Member(s, pc0, e, b, c);
       s = 0; e = 0; b = 0; c = 0; pc0 = 0; h = 0; rb = 0; rc = 0
     }
  od
}
#else  /* HOSTS */
/* ===================== ACROSS HOSTS (-DHOSTS) ===================== */
/*
 * The pair with --coordinator and --bind: the epochs and the checkpoint in
 * ZooKeeper, members on two hosts.  Everything above the single-host part
 * still holds (PRINT and the properties' bookkeeping); what follows replaces
 * the state directory, the UDP heartbeats and the Launcher.
 *
 * ZooKeeper           one linearizable store; each of its operations is one
 *                     atomic step, possible only while the member's host reaches
 *                     it (ZKOK).  zkHigh: the newest claimed epoch (epochs/E);
 *                     zkOwn[E]: its claimer, whose ephemeral owners/E lives as
 *                     long as the claimer's session (sess[]); zkC: the checkpoint.
 *                     The fence znode moves with every claim, so "the fence has
 *                     not moved since my claim" is zkHigh == my epoch.
 * sessions, lease     process ZooKeeper: a session expires only when its member
 *                     is dead, paused, or cut off from ZooKeeper; a running,
 *                     cut-off member's session expires only after its lease has
 *                     lapsed (conf[] false) and not while it is between its lease
 *                     check and its print (mid[]): that is the timing assumption,
 *                     bounded clock drift plus the margin (SessionLease).  A
 *                     paused member may be mid-step: pmid[] records it, and it may
 *                     print that one number when it resumes (a fencing token can
 *                     stop its writes, not its output).  The lease is confirmed
 *                     by an answered request (renewal, or the claim itself) and
 *                     lapses while the host is cut off from ZooKeeper.  A member
 *                     that has not claimed gets a new session once it reaches
 *                     ZooKeeper again (Curator); a primary's loss is for good.
 * hosts               two, NH; host[m].  Faults (process Faults) per host: cut
 *                     off from everything, from ZooKeeper only, or from the other
 *                     hosts only (healed later, or never with -DLIVE); every
 *                     member killed at once (as a test's kill of every process of
 *                     the host: the kernel lives, so peers see FIN and a refused
 *                     connection); every member paused.  Members also crash and
 *                     pause one by one, as in the single-host part.
 * members             the initial primary M0 and its local standby M1 on host 0,
 *                     a standby M2 on host 1 watching M0 over TCP; each new
 *                     primary spawns a local standby after its first print.
 *                     A local standby watches its primary over the Unix-domain
 *                     connection: EOF on its death, a timeout when it is paused
 *                     (or falsely, MAXFT), then it takes over as on one host
 *                     (claim above the epoch it holds, FENCE, read), without
 *                     waiting for the old session (the same-host contract: the
 *                     old primary may print one more number).  A standby on
 *                     another host (loc[] false) that loses its primary (EOF,
 *                     FIN, silence, no heartbeats while the primary's lease is
 *                     unconfirmed) decides (DEC, OtherHosts.tryOnce): the owner
 *                     of the newest epoch has no session -> take over; the
 *                     owner's host answers -> watch whoever listens there (a
 *                     paused listener accepts nothing, one without a confirmed
 *                     lease answers NOLEASE: wait); nobody listens
 *                     there -> take over (the kernel refused: the owner is dead);
 *                     the host is unreachable -> wait.  A taker listens at its
 *                     address before it claims (lsn[]), and a claim that finds an
 *                     epoch above the one it saw yields (Takeover.Yielded): the
 *                     member decides again and watches the winner.
 * primary loop        lease check (and FENCE, a lost session, the stall read of
 *                     the newest epoch), print, heartbeat (to standbys on other
 *                     hosts only while the lease is confirmed), checkpoint write
 *                     with the fence check.  The next step begins only after the
 *                     write (Primary.Io.lastStepKept): the model's write is
 *                     synchronous; HBUG_NO_KEPT_GATE defers it.
 * Left out            ZooKeeper's own faults (an ensemble is one atomic store
 *                     here; its leader's death is a delay), persons' starts (the
 *                     single-host part has them), --fresh, UDP.
 *
 * Mutants: HBUG_NO_LEASE (the primary steps without a confirmed lease),
 * HBUG_NO_OWNER_CHECK (a standby on another host takes over as a local one
 * does, on silence), HBUG_CLAIM_BEFORE_LISTEN (a taker listens only after its
 * claim), HBUG_NO_YIELD (a claim that finds a newer epoch claims above it),
 * HBUG_NO_KEPT_GATE (a step begins before the last one is in ZooKeeper),
 * HBUG_NO_FENCE_ZNODE (a write checks only that no newer epoch wrote).
 */
#define NH 2
#define CUT_NONE  0
#define CUT_ALL   1
#define CUT_ZK    2
#define CUT_PEERS 3

byte host[NM];        /* a member's host */
bool loc[NM];         /* standby: watches a primary of its own host (Unix-domain) */
bool sess[NM];        /* its ZooKeeper session lives */
bool conf[NM];        /* primary: its lease is confirmed */
bool mid[NM];         /* primary: past its lease check, not yet printed */
bool pmid[NM];        /* paused since its lease check */
bool lsn[NM];         /* listens at its host's address (taker or primary) */
bool hw[NM];          /* standby: its watch connection is open (to watch[]) */
bool quiet[NM];       /* unheard by ZooKeeper over a TICK: its session may expire */
bool fencing[NM];     /* claimed, FENCE not yet sent */
bool doomed[NM];
bool hpaused[NH];     /* every member of the host is stopped (SIGSTOP), resumed together */
bool hperm[NH];       /* LIVE: that pause never ends */      /* its host's processes are being killed */
byte cut[NH];         /* CUT_NONE, CUT_ALL, CUT_ZK, CUT_PEERS */
bool permCut;         /* LIVE: the cut never heals */
byte zkHigh;          /* newest claimed epoch (the fence's version) */
byte zkOwn[NE];       /* claimer of each epoch */
byte zkC;             /* the checkpoint's count */
byte zkR[NE];         /* the count each claim was made with (epochs/E's record) */
byte zkCE;            /* the epoch that wrote it */

#define ZKOK(m)   (cut[host[m]] != CUT_ALL && cut[host[m]] != CUT_ZK)
#define NETOK(h)  (cut[h] != CUT_ALL && cut[h] != CUT_PEERS)
#define PEEROK(a, b) (host[a] == host[b] || (NETOK(host[a]) && NETOK(host[b])))
#define ALIVE(m)  (role[m] == STANDBY || role[m] == PRIMARY)

/* positions */
#define SB   0    /* standby, watching w */
#define CLM  1    /* takeover: claim next */
#define PR1  2    /* takeover: FENCE next */
#define PR2  3    /* takeover: read next */
#define CHK  4    /* primary: checks (lease, FENCE, session, stall) next */
#define PRT  5    /* primary: print next */
#define HBT  6    /* primary: heartbeat (first pass: spawn) next */
#define CKP  7    /* primary: checkpoint write next */
#define DEC  8    /* standby of another host's primary: decide (OtherHosts) */

#define PAUSED(k) (paused[k] || hpaused[host[k]])
#define RUN (!PAUSED(me))

/* every paused member has been silent for at least the takeover timeout */
inline STALL_PAUSED_H() {
  i = 0;
  do
  :: i < NM -> if :: PAUSED(i) -> stall[i] = true :: else -> skip fi; i++
  :: else -> break
  od; i = 0
}

inline BURY_H(x) {   /* dead: its session lives on until ZooKeeper expires it */
  role[x] = DEAD; paused[x] = false; permanent[x] = false; stall[x] = false;
  mid[x] = false; pmid[x] = false; lsn[x] = false; conf[x] = false; loc[x] = false;
  doomed[x] = false; fencing[x] = false; fence[x] = 0; knownEpoch[x] = 0; lastCount[x] = 0
}

#define EXIT_H  w = 0; ep = 0; last = 0; seen = 0; first = false; hasW = false; \
                pc = 0; pend = false; pendC = 0; break

/* the decision to take over: listen at the host's address, then claim */
inline PROMOTE_H() {
  role[me] = PRIMARY;
#ifndef HBUG_CLAIM_BEFORE_LISTEN
  lsn[me] = true;
#endif
  pc = CLM;
  printf("MSC: M%d takes over above epoch %d\n", me, seen)
}

/* a new local standby for primary me, after its first print */
inline SPAWN_H() {
  if
  :: nextSlot < NM ->
       s = nextSlot; nextSlot++;
       host[s] = host[me]; role[s] = STANDBY; loc[s] = true; sess[s] = true;
       watch[s] = me; hw[s] = true;
       knownEpoch[s] = ep; lastCount[s] = last;
       printf("MSC: M%d spawns M%d on host %d\n", me, s, host[me]);
       run HMember(s, SB, 0, 0, me);
       s = 0
  :: else -> skip
  fi
}

/* the heartbeat of primary me to every live standby watching it */
inline HEARTBEAT_H() {
  i = 0;
  do
  :: i < NM ->
       if
       :: role[i] == STANDBY && watch[i] == me && hw[i] &&
          (loc[i] || (conf[me] && PEEROK(me, i))) ->
            knownEpoch[i] = ep; lastCount[i] = last
       :: else -> skip
       fi; i++
  :: else -> break
  od; i = 0
}

#ifdef LIVE
#define MAYBE_PERMANENT_H(x)  if :: permanent[x] = true :: skip fi
#else
#define MAYBE_PERMANENT_H(x)  skip
#endif

proctype HMember(byte me; byte pc0; byte e0; byte last0; byte w0)
{
  byte pc = pc0;
  byte w = w0;            /* standby: the member it watches */
  byte ep = e0;           /* primary: its epoch */
  byte bs;                /* (no --fresh across hosts: base 0) */
  byte last = last0;
  byte seen;              /* takeover: the newest epoch it saw without a live owner */
  bool first = (pc0 == CHK && e0 > 1);
  bool hasW = (pc0 == SB);
  bool pend;              /* HBUG_NO_KEPT_GATE: a write not yet in ZooKeeper */
  byte pendC;
  byte i, s, h, o, x;

end_hmember:
  do
  /* ---------------- STANDBY ---------------- */
  :: atomic { pc == SB && RUN && (role[w] == DEAD || (!loc[me] && !lsn[w])) &&
              (loc[me] || PEEROK(me, w)) ->                       /* EOF, FIN */
              printf("MSC: M%d: its primary M%d is gone\n", me, w);
              hasW = false; hw[me] = false;
#ifndef HBUG_NO_OWNER_CHECK
              if :: loc[me] -> seen = knownEpoch[me]; PROMOTE_H()
                 :: else -> pc = DEC fi
#else
              seen = knownEpoch[me]; PROMOTE_H()
#endif
            }
  :: atomic { pc == SB && RUN &&                                 /* timeout */
              (PAUSED(w) || role[w] == DEAD || (!loc[me] && (!PEEROK(me, w) || !conf[w]))) ->
              printf("MSC: M%d: its primary M%d is silent\n", me, w); STALL_PAUSED_H();
              if :: loc[me] -> seen = knownEpoch[me]; PROMOTE_H()
                 :: else ->
#ifndef HBUG_NO_OWNER_CHECK
                      pc = DEC
#else
                      seen = knownEpoch[me]; PROMOTE_H()
#endif
              fi }
  :: atomic { pc == SB && RUN && failures < MAXFAIL && falseTO < MAXFT &&
              !PAUSED(w) && ALIVE(w) && (loc[me] || (PEEROK(me, w) && conf[w])) ->
              failures++; falseTO++; pmid[w] = pmid[w] || mid[w];   /* it lost that time */
              printf("MSC: M%d times out falsely\n", me);
              if :: loc[me] -> seen = knownEpoch[me]; PROMOTE_H()
                 :: else ->
#ifndef HBUG_NO_OWNER_CHECK
                      pc = DEC
#else
                      seen = knownEpoch[me]; PROMOTE_H()
#endif
              fi }
  /* ---------------- DECIDE (OtherHosts.tryOnce) ---------------- */
  :: atomic { pc == DEC && RUN && sess[me] && ZKOK(me) ->
       quiet[me] = false; hasW = false; hw[me] = false;
       h = zkHigh; o = zkOwn[h];
       if
#ifndef HBUG_NO_SESSION_VERDICT
       :: !sess[o] -> seen = h;                     /* no live owner */
            printf("MSC: M%d: the owner of epoch %d has no session\n", me, h); PROMOTE_H()
#endif
       :: sess[o] && PEEROK(me, o) ->
            x = NOSLOT; i = 0;                      /* who answers at its host */
            do
            :: i < NM ->
                 if
                 :: ALIVE(i) && lsn[i] && host[i] == host[o] && i != me ->
                      if :: x = i :: x != NOSLOT -> skip fi
                 :: else -> skip
                 fi; i++
            :: else -> break
            od; i = 0;
            if
            :: x == NOSLOT -> seen = h;                   /* refused */
                 printf("MSC: M%d: host %d refuses: nobody listens for epoch %d's owner\n", me, host[o], h);
                 PROMOTE_H()
            :: x != NOSLOT && !PAUSED(x) && epoch[x] > 0 && conf[x] -> /* watch it */
                 w = x; watch[me] = x; hasW = true; hw[me] = true; loc[me] = false;
                 knownEpoch[me] = epoch[x]; role[me] = STANDBY; pc = SB;
                 printf("MSC: M%d watches M%d over TCP\n", me, x)
            :: else -> skip                                /* no answer: wait */
            fi
       :: else -> skip                                     /* unreachable: wait */
       fi;
       h = 0; o = 0; x = 0 }
  /* ---------------- TAKEOVER ---------------- */
  :: atomic { pc == CLM && RUN && sess[me] && ZKOK(me) ->         /* claim */
       quiet[me] = false;                      /* any request: heard */
#ifndef HBUG_NO_YIELD
       if
       :: zkHigh > seen ->
            printf("MSC: M%d yields: epoch %d was claimed after %d\n", me, zkHigh, seen);
            role[me] = STANDBY; lsn[me] = false; loc[me] = false; pc = DEC
       :: else ->
#endif
            ep = zkHigh + 1; assert(ep < NE);
            zkHigh = ep; zkOwn[ep] = me; zkR[ep] = lastCount[me]; epoch[me] = ep; conf[me] = true;
            fencing[me] = true; NEWGEN(me);
            printf("MSC: M%d claims epoch %d\n", me, ep); pc = PR1
#ifndef HBUG_NO_YIELD
       fi
#endif
     }
  :: atomic { pc == PR1 && RUN ->                                 /* FENCE */
       if
       :: hasW && ALIVE(w) && (loc[me] || PEEROK(me, w)) -> fence[w] = MAX(fence[w], ep);
            printf("MSC: M%d sends FENCE(%d) to M%d\n", me, ep, w)
       :: else -> skip
       fi;
       hasW = false; hw[me] = false; fencing[me] = false; pc = PR2 }
  :: atomic { pc == PR2 && RUN && sess[me] && ZKOK(me) ->          /* read */
       quiet[me] = false;
#ifdef HBUG_CLAIM_BEFORE_LISTEN
       lsn[me] = true;                       /* listens only once it has claimed */
#endif
       last = MAX(lastCount[me], zkC); i = 1;
       do
       :: i <= zkHigh -> last = MAX(last, zkR[i]); i++
       :: else -> break
       od; i = 0; first = true;
       printf("MSC: M%d is primary (epoch %d), resumes after %d\n", me, ep, last); pc = CHK }
  /* ---------------- PRIMARY ---------------- */
  :: atomic { pc == CHK && RUN && last >= MAXN && !pend -> break }
  :: atomic { pc == CHK && RUN && last < MAXN && (fence[me] > ep || !sess[me]) ->
       printf("MSC: M%d fenced (FENCE or its session lost), exits\n", me); BURY_H(me); EXIT_H }
  :: atomic { pc == CHK && RUN && last < MAXN && fence[me] <= ep && sess[me] &&
#ifndef HBUG_NO_LEASE
              conf[me] &&
#endif
              true ->
       /* no stall read with a coordinator (PrimaryLoop.Io.checkpointEpoch): FENCE, the
          renewal's fence check and the write's are what fence a primary here */
       mid[me] = true; pmid[me] = false; pc = PRT }
  :: atomic { pc == PRT && RUN -> last++; PRINT(last); mid[me] = false; pc = HBT }
  :: atomic { pc == HBT && RUN ->
       HEARTBEAT_H();
       if :: first -> first = false; SPAWN_H() :: else -> skip fi;
       pc = CKP }
#ifndef HBUG_NO_KEPT_GATE
  :: atomic { pc == CKP && RUN && sess[me] && ZKOK(me) ->         /* write */
       quiet[me] = false;
       if
#ifndef HBUG_NO_FENCE_ZNODE
       :: zkHigh == ep -> zkC = last; zkCE = ep; pc = CHK
#else
       :: zkCE <= ep -> zkC = last; zkCE = ep; pc = CHK
#endif
       :: else -> printf("MSC: M%d: write refused (fenced), exits\n", me); BURY_H(me); EXIT_H
       fi }
#else
  :: atomic { pc == CKP && RUN -> pend = true; pendC = last; pc = CHK }    /* queued */
  :: atomic { pend && RUN && sess[me] && ZKOK(me) ->
       if
       :: zkHigh == ep -> zkC = pendC; zkCE = ep; pend = false; pendC = 0
       :: else -> printf("MSC: M%d: write refused (fenced), exits\n", me); BURY_H(me); EXIT_H
       fi }
#endif
  /* ---------------- FAILURES ---------------- */
  :: atomic { doomed[me] || failures < MAXFAIL ->                  /* crash */
       if :: !doomed[me] -> failures++ :: else -> skip fi;
       printf("MSC: M%d CRASHES\n", me); BURY_H(me); EXIT_H }
  :: atomic { failures < MAXFAIL && pc != SB && pc != DEC && !PAUSED(me) ->
       failures++; paused[me] = true; pmid[me] = mid[me]; MAYBE_PERMANENT_H(me);
       printf("MSC: M%d PAUSES\n", me) }
  :: atomic { paused[me] && !permanent[me] -> paused[me] = false;
       printf("MSC: M%d resumes\n", me) }
  od
}

/* ---------------- ZooKeeper: time, expiry, renewals, new sessions ---------------- */
/* Time enters at one point, TICK: "a session timeout less the margin has
   passed".  A member that ZooKeeper cannot hear (dead, paused, or cut off from
   it) over a TICK is quiet: its lease has lapsed by its own clock, and from then
   on ZooKeeper may expire its session.  A TICK cannot pass while a running
   member is between its lease check and its print, or between its claim and its
   FENCE: those take less than the margin (the timing assumption; a pause is
   what may stretch them, and a paused member does not hold a TICK back). */
#define UNHEARD(k)  (sess[k] && (role[k] == DEAD || PAUSED(k) || !ZKOK(k)))
#define HOLDS(k)    (ALIVE(k) && !PAUSED(k) && (mid[k] || fencing[k]))
#ifndef HBUG_RENEW_IGNORES_FENCE
#define MOVED(k)    (conf[k] && epoch[k] < zkHigh)   /* renewed only while its fence stood */
#else
#define MOVED(k)    false
#endif
#define TICKS(k)    ((UNHEARD(k) && (!quiet[k] || conf[k])) || MOVED(k))
#define TICK_K(k)   if :: UNHEARD(k) -> quiet[k] = true; conf[k] = false :: else -> skip fi; \
                    if :: MOVED(k) -> conf[k] = false :: else -> skip fi
#define EXPIRABLE(k) (quiet[k] && UNHEARD(k))
#define HEARD(k)    (sess[k] && quiet[k] && ALIVE(k) && !PAUSED(k) && ZKOK(k))
#define RENEWABLE(k) (role[k] == PRIMARY && epoch[k] > 0 && sess[k] && !conf[k] && !quiet[k] && \
                      !PAUSED(k) && ZKOK(k) && !ANYFENCING)
#ifndef HBUG_RENEW_IGNORES_FENCE
#define RENEW(k)    if :: epoch[k] == zkHigh -> conf[k] = true \
                       :: else -> fence[k] = MAX(fence[k], zkHigh) fi   /* the fence moved: fenced */
#else
#define RENEW(k)    conf[k] = true
#endif
#define NEWSESS(k)   (ALIVE(k) && epoch[k] == 0 && !sess[k] && !PAUSED(k) && ZKOK(k))
#define ZK_K(k) \
  :: atomic { EXPIRABLE(k) -> sess[k] = false; conf[k] = false; quiet[k] = false; \
              if :: PAUSED(k) -> stall[k] = true :: else -> skip fi; \
              printf("MSC: the session of M%d expires\n", k) } \
  :: atomic { HEARD(k) -> quiet[k] = false } \
  :: atomic { RENEWABLE(k) && fence[k] < zkHigh -> RENEW(k) } \
  :: atomic { NEWSESS(k) -> sess[k] = true }

#define FENCING(k) (ALIVE(k) && !PAUSED(k) && fencing[k])
#if NM == 4
#define ANYFENCING (FENCING(0) || FENCING(1) || FENCING(2) || FENCING(3))
#define ANYHOLDS (HOLDS(0) || HOLDS(1) || HOLDS(2) || HOLDS(3))
#define ANYTICKS (TICKS(0) || TICKS(1) || TICKS(2) || TICKS(3))
#define TICK_ALL TICK_K(0); TICK_K(1); TICK_K(2); TICK_K(3)
#elif NM == 5
#define ANYFENCING (FENCING(0) || FENCING(1) || FENCING(2) || FENCING(3) || FENCING(4))
#define ANYHOLDS (HOLDS(0) || HOLDS(1) || HOLDS(2) || HOLDS(3) || HOLDS(4))
#define ANYTICKS (TICKS(0) || TICKS(1) || TICKS(2) || TICKS(3) || TICKS(4))
#define TICK_ALL TICK_K(0); TICK_K(1); TICK_K(2); TICK_K(3); TICK_K(4)
#elif NM == 3
#define ANYFENCING (FENCING(0) || FENCING(1) || FENCING(2))
#define ANYHOLDS (HOLDS(0) || HOLDS(1) || HOLDS(2))
#define ANYTICKS (TICKS(0) || TICKS(1) || TICKS(2))
#define TICK_ALL TICK_K(0); TICK_K(1); TICK_K(2)
#else
#error "the across-hosts part is written for NM = 3 to 5"
#endif

active proctype ZooKeeper()
{
end_zk:
  do
  :: atomic { ANYTICKS && !ANYHOLDS -> TICK_ALL; printf("MSC: time passes (a lease)\n") }
  ZK_K(0)
  ZK_K(1)
  ZK_K(2)
#if NM > 3
  ZK_K(3)
#endif
#if NM > 4
  ZK_K(4)
#endif
  od
}

/* ---------------- faults of a whole host ---------------- */
inline HOST_FAULT(hh) {
  if
  :: cut[hh] == CUT_NONE -> failures++;
       if :: cut[hh] = CUT_ALL :: cut[hh] = CUT_ZK :: cut[hh] = CUT_PEERS fi;
#ifdef LIVE
       if :: permCut = true :: skip fi;
#endif
       printf("MSC: host %d cut off (%d)\n", hh, cut[hh])
  :: failures++; i = 0;                                   /* kill every member */
       do
       :: i < NM -> if :: ALIVE(i) && host[i] == hh -> doomed[i] = true :: else -> skip fi; i++
       :: else -> break
       od; i = 0; printf("MSC: every member of host %d killed\n", hh)
  :: !hpaused[hh] -> failures++; hpaused[hh] = true; i = 0;           /* pause the host */
#ifdef LIVE
       if :: hperm[hh] = true :: skip fi;
#endif
       do
       :: i < NM -> if :: ALIVE(i) && host[i] == hh -> pmid[i] = pmid[i] || mid[i]
                       :: else -> skip fi; i++
       :: else -> break
       od; i = 0; printf("MSC: host %d paused\n", hh)
  fi
}

active proctype Faults()
{
  byte i;
end_faults:
  do
  :: atomic { failures < MAXFAIL -> HOST_FAULT(0) }
  :: atomic { failures < MAXFAIL -> HOST_FAULT(1) }
  :: atomic { cut[0] != CUT_NONE && !permCut -> cut[0] = CUT_NONE; printf("MSC: host 0 healed\n") }
  :: atomic { cut[1] != CUT_NONE && !permCut -> cut[1] = CUT_NONE; printf("MSC: host 1 healed\n") }
  :: atomic { hpaused[0] && !hperm[0] -> hpaused[0] = false; printf("MSC: host 0 resumes\n") }
  :: atomic { hpaused[1] && !hperm[1] -> hpaused[1] = false; printf("MSC: host 1 resumes\n") }
  od
}

/* M0 primary of epoch 1 on host 0, M1 its local standby, M2 on host 1 */
init {
  atomic {
    host[0] = 0; host[1] = 0; host[2] = 1;
    role[0] = PRIMARY; role[1] = STANDBY; role[2] = STANDBY;
    sess[0] = true; sess[1] = true; sess[2] = true;
    conf[0] = true; lsn[0] = true; loc[1] = true;
    zkHigh = 1; zkOwn[1] = 0; zkCE = 1; epoch[0] = 1;
    knownEpoch[1] = 1; knownEpoch[2] = 1; hw[1] = true; hw[2] = true;
    nextSlot = 3; NEWGEN(0);
    run HMember(0, CHK, 1, 0, 0);
    run HMember(1, SB, 0, 0, 0);
    run HMember(2, SB, 0, 0, 0)
  }
}
#endif /* HOSTS */
