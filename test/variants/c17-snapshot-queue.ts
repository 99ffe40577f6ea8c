// C17: a Raft with log compaction (labs 2A-2D), written from the Raft paper
// (Figures 2 and 13, §5 and §7) and the lab's text, independently of the
// reference and of the other variants. What sets it apart:
//
// - One applier with one FIFO queue. Everything bound for applyCh goes through
//   it: committed commands (queued the moment commitIndex moves) and installed
//   snapshots (queued by the InstallSnapshot handler, which moves commitIndex
//   to the snapshot's index). The queue is in index order by construction, so
//   the service never sees a command at or below a snapshot it was handed.
//   The applier is an async loop: applyCh.send() runs outside every handler,
//   and the service's snapshot() (called from inside send()) finds the Raft
//   at rest.
// - Lazy trimming. snapshot() records the service's snapshot, its index and
//   term, and saves them with the Raft state at once (persister.save), before
//   it returns; the in-memory log keeps the entries the snapshot covers until
//   the next heartbeat tick (every server ticks, leader or not), which cuts
//   the log and persists the cut log. Between the two, a leader can still
//   send those entries by AppendEntries.
// - Whole snapshots (one InstallSnapshot, no chunks).
// - Backing up nextIndex: when the follower's log is shorter than
//   prevLogIndex, jump to its length (xLen); otherwise step back 1, 2, 4, 8...
//   entries (doubling on each refusal, reset on success), so logs n entries
//   apart converge in about log2(n) round trips.
// - 115 ms heartbeat tick, 380-760 ms election timeouts (a one-shot timer),
//   replication 3 ms after start() (several start()s share one batch), at
//   most 300 entries per AppendEntries, and one chain of sends per peer: a
//   start() batch skips a peer whose latest request is unanswered, and only
//   the reply to the latest request sends the next one.
//
// Durability. The service's snapshot and the Raft state that names its index
// are saved together, atomically: on a restart the tester hands the service
// the stored snapshot and expects commands from the index after it, which the
// restarted Raft reads from the same save. The log the state carries may
// still hold entries the snapshot covers (until the next tick cuts them), so
// the state stays bounded by what a tick's worth of traffic adds.
import type {
  AppendEntriesArgs,
  AppendEntriesReply,
  ApplyChannel,
  ApplyMsg,
  InstallSnapshotArgs,
  InstallSnapshotReply,
  LogEntry,
  MakeRaft,
  Peer,
  Persister,
  RaftPeer,
  RaftRuntime,
  RaftState,
  RaftTiming,
  RequestVoteArgs,
  RequestVoteReply,
  StartResult,
} from '../../raft/contract.ts';
import { RPC } from '../../raft/contract.ts';
import type { Timer } from '../../runtime/clock.ts';
import { LogJson } from './log-json.ts';

const HEARTBEAT_MS = 115;
const ELECTION_MS: readonly [number, number] = [380, 760];
/** A heartbeat tick skips a peer that got an AppendEntries this recently (the lab's 10 per second). */
const MIN_HEARTBEAT_GAP_MS = 100;
const BATCH_MS = 3;
/** At most this many entries in one AppendEntries (a far-behind follower is caught up in a chain of them). */
const MAX_ENTRIES = 300;

export const persists = true;
export const timing: RaftTiming = { heartbeatMs: HEARTBEAT_MS, electionTimeoutMs: ELECTION_MS };

type Role = 'follower' | 'candidate' | 'leader';

interface Saved {
  term: number;
  vote: number | null;
  /** Index and term of log[0] (the in-memory log's base, at or below the snapshot). */
  base: number;
  baseTerm: number;
  snapIndex: number;
  snapTerm: number;
  /** The entries after base. */
  log: LogEntry[];
}

class SnapshotQueueRaft implements RaftPeer {
  private currentTerm = 0;
  private votedFor: number | null = null;
  /** log[0] stands for index logBase (its command is never used); log[k] is index logBase + k. */
  private log: LogEntry[] = [{ term: 0, command: null }];
  private logBase = 0;
  /** The latest snapshot: it covers every index up to snapIndex. logBase <= snapIndex <= commitIndex. */
  private snapIndex = 0;
  private snapTerm = 0;
  private snapData = '';
  /** Every index up to commitIndex is committed and already in the apply queue (or delivered). */
  private commitIndex = 0;

  private role: Role = 'follower';
  private readonly n: number;
  private nextIndex: number[] = [];
  private matchIndex: number[] = [];
  /** How far the next refusal steps nextIndex back. */
  private backStep: number[] = [];
  /** When a request last went to each peer (heartbeats skip a peer served recently). */
  private lastSent: number[] = [];
  /** Each peer's latest send, numbered, and whether its reply is still awaited. */
  private sendSeq: number[] = [];
  private awaiting: boolean[] = [];

  private electionTimer: Timer | undefined;
  private batchTimer: Timer | undefined;
  private dead = false;

  private readonly queue: ApplyMsg[] = [];
  private wake: (() => void) | undefined;
  private readonly logJson = new LogJson();

  constructor(
    private readonly peers: Peer[],
    private readonly me: number,
    private readonly persister: Persister,
    private readonly applyCh: ApplyChannel,
    private readonly runtime: RaftRuntime,
  ) {
    this.n = peers.length;
    this.restore();
    this.resetElectionTimer();
    void this.applier();
    void this.ticker();
  }

  // ---- persistence ----

  private restore(): void {
    const raw = this.persister.readRaftState();
    if (raw === '') return;
    const s = JSON.parse(raw) as Saved;
    this.currentTerm = s.term;
    this.votedFor = s.vote;
    this.logBase = s.base;
    this.log = [{ term: s.baseTerm, command: null }, ...s.log];
    this.snapIndex = s.snapIndex;
    this.snapTerm = s.snapTerm;
    this.snapData = this.persister.readSnapshot();
    // The tester gives the service the stored snapshot itself before make():
    // applies resume after it.
    this.commitIndex = this.snapIndex;
  }

  private persist(): void {
    if (this.dead) return;
    const state =
      `{"term":${this.currentTerm},"vote":${JSON.stringify(this.votedFor)},"base":${this.logBase},` +
      `"baseTerm":${(this.log[0] as LogEntry).term},"snapIndex":${this.snapIndex},"snapTerm":${this.snapTerm},` +
      `"log":${this.logJson.of(this.log)}}`;
    this.persister.save(state, this.snapData === '' ? null : this.snapData);
  }

  // ---- the log ----

  private lastIndex(): number {
    return this.logBase + this.log.length - 1;
  }

  private termAt(index: number): number {
    return (this.log[index - this.logBase] as LogEntry).term;
  }

  /** The tick's lazy cut: drop the entries the latest snapshot covers, and persist the shorter log. */
  private trimLog(): void {
    if (this.snapIndex <= this.logBase) return;
    this.log = [{ term: this.snapTerm, command: null }, ...this.log.slice(this.snapIndex - this.logBase + 1)];
    this.logBase = this.snapIndex;
    this.persist();
  }

  // ---- the applier: one FIFO queue ----

  private commitTo(index: number): void {
    if (index <= this.commitIndex) return;
    for (let i = this.commitIndex + 1; i <= index; i++) {
      const entry = this.log[i - this.logBase] as LogEntry;
      this.queue.push({ commandValid: true, command: entry.command, commandIndex: i });
    }
    this.commitIndex = index;
    this.wakeApplier();
  }

  private wakeApplier(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private async applier(): Promise<void> {
    for (;;) {
      while (this.queue.length === 0) {
        if (this.dead) return;
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
      }
      if (this.dead) return;
      // The service may call snapshot() from inside send().
      this.applyCh.send(this.queue.shift() as ApplyMsg);
    }
  }

  // ---- timers ----

  private resetElectionTimer(): void {
    this.electionTimer?.cancel();
    if (this.dead) return;
    const [lo, hi] = ELECTION_MS;
    this.electionTimer = this.runtime.setTimer(this.runtime.random.between(lo, hi), () => this.startElection());
  }

  private async ticker(): Promise<void> {
    while (!this.dead) {
      this.trimLog();
      if (this.role === 'leader') this.broadcast(true);
      await this.runtime.sleep(HEARTBEAT_MS);
    }
  }

  // ---- roles ----

  private becomeFollower(term: number): void {
    if (term > this.currentTerm) {
      this.currentTerm = term;
      this.votedFor = null;
      this.persist();
    }
    if (this.role !== 'follower') {
      const wasLeader = this.role === 'leader';
      this.role = 'follower';
      if (wasLeader) this.resetElectionTimer();
    }
  }

  private startElection(): void {
    if (this.dead || this.role === 'leader') return;
    this.currentTerm++;
    this.votedFor = this.me;
    this.role = 'candidate';
    this.persist();
    this.resetElectionTimer();
    const term = this.currentTerm;
    const last = this.lastIndex();
    const args: RequestVoteArgs = { term, candidateId: this.me, lastLogIndex: last, lastLogTerm: this.termAt(last) };
    let votes = 1;
    if (votes * 2 > this.n) {
      this.becomeLeader();
      return;
    }
    for (let p = 0; p < this.n; p++) {
      if (p === this.me) continue;
      void (this.peers[p] as Peer).call<RequestVoteReply>(RPC.RequestVote, args).then((reply) => {
        if (this.dead || reply === null) return;
        if (reply.term > this.currentTerm) {
          this.becomeFollower(reply.term);
          return;
        }
        if (this.role !== 'candidate' || this.currentTerm !== term || !reply.voteGranted) return;
        votes++;
        if (votes * 2 > this.n) this.becomeLeader();
      });
    }
  }

  private becomeLeader(): void {
    this.role = 'leader';
    this.electionTimer?.cancel();
    this.electionTimer = undefined;
    const next = this.lastIndex() + 1;
    this.nextIndex = Array.from({ length: this.n }, () => next);
    this.matchIndex = Array.from({ length: this.n }, () => 0);
    this.matchIndex[this.me] = this.lastIndex();
    this.backStep = Array.from({ length: this.n }, () => 1);
    this.lastSent = Array.from({ length: this.n }, () => -Infinity);
    this.sendSeq = Array.from({ length: this.n }, () => 0);
    this.awaiting = Array.from({ length: this.n }, () => false);
    this.broadcast(true);
  }

  // ---- the leader's side ----

  /**
   * A heartbeat tick sends to every peer not served in the last
   * MIN_HEARTBEAT_GAP_MS; a start() batch only to peers that are behind and
   * have no request outstanding (the reply to that one sends what is new).
   */
  private broadcast(heartbeat: boolean): void {
    if (this.dead || this.role !== 'leader') return;
    const now = this.runtime.now();
    for (let p = 0; p < this.n; p++) {
      if (p === this.me) continue;
      const due = heartbeat && now - (this.lastSent[p] as number) >= MIN_HEARTBEAT_GAP_MS;
      const behind = (this.nextIndex[p] as number) <= this.lastIndex();
      if (due || (behind && !(this.awaiting[p] as boolean))) this.sendTo(p);
    }
  }

  /** Numbers this send to p; the reply to the latest one clears `awaiting`. */
  private nextSeq(p: number): number {
    const seq = (this.sendSeq[p] as number) + 1;
    this.sendSeq[p] = seq;
    this.awaiting[p] = true;
    this.lastSent[p] = this.runtime.now();
    return seq;
  }

  /** True when seq is p's latest send (nothing newer outstanding): its reply may send again. */
  private answered(p: number, seq: number): boolean {
    if (seq !== this.sendSeq[p]) return false;
    this.awaiting[p] = false;
    return true;
  }

  private sendTo(p: number): void {
    const next = this.nextIndex[p] as number;
    if (next <= this.logBase) {
      this.sendSnapshot(p);
      return;
    }
    const prev = next - 1;
    const args: AppendEntriesArgs = {
      term: this.currentTerm,
      leaderId: this.me,
      prevLogIndex: prev,
      prevLogTerm: this.termAt(prev),
      entries: this.log.slice(next - this.logBase, next - this.logBase + MAX_ENTRIES),
      leaderCommit: this.commitIndex,
    };
    const seq = this.nextSeq(p);
    void (this.peers[p] as Peer).call<AppendEntriesReply>(RPC.AppendEntries, args).then((reply) => this.onAppendReply(p, seq, args, reply));
  }

  private onAppendReply(p: number, seq: number, args: AppendEntriesArgs, reply: AppendEntriesReply | null): void {
    if (this.dead || this.role !== 'leader' || this.currentTerm !== args.term) {
      if (reply !== null && !this.dead && reply.term > this.currentTerm) this.becomeFollower(reply.term);
      return;
    }
    const latest = this.answered(p, seq);
    if (reply === null) return; // lost: the next tick sends again
    if (reply.term > this.currentTerm) {
      this.becomeFollower(reply.term);
      return;
    }
    if (reply.success) {
      const matched = args.prevLogIndex + args.entries.length;
      if (matched > (this.matchIndex[p] as number)) this.matchIndex[p] = matched;
      if (matched + 1 > (this.nextIndex[p] as number)) this.nextIndex[p] = matched + 1;
      this.backStep[p] = 1;
      this.advanceCommit();
      // Only the reply to the latest send goes on: one chain per peer, however many duplicates the ticks added.
      if (latest && (this.nextIndex[p] as number) <= this.lastIndex()) this.sendTo(p);
      return;
    }
    // A refusal of an older probe says nothing about where nextIndex is now.
    if (args.prevLogIndex + 1 !== this.nextIndex[p]) return;
    let target: number;
    if (reply.xLen !== undefined && reply.xLen <= args.prevLogIndex) {
      target = reply.xLen; // the follower's log ends before prevLogIndex
    } else {
      const step = this.backStep[p] as number;
      target = args.prevLogIndex + 1 - step;
      this.backStep[p] = step * 2;
    }
    this.nextIndex[p] = Math.max(1, Math.min(this.nextIndex[p], target));
    this.sendTo(p);
  }

  private sendSnapshot(p: number): void {
    const args: InstallSnapshotArgs = {
      term: this.currentTerm,
      leaderId: this.me,
      lastIncludedIndex: this.snapIndex,
      lastIncludedTerm: this.snapTerm,
      data: this.snapData,
    };
    const seq = this.nextSeq(p);
    void (this.peers[p] as Peer).call<InstallSnapshotReply>(RPC.InstallSnapshot, args).then((reply) => {
      if (this.dead || this.role !== 'leader' || this.currentTerm !== args.term) {
        if (reply !== null && !this.dead && reply.term > this.currentTerm) this.becomeFollower(reply.term);
        return;
      }
      const latest = this.answered(p, seq);
      if (reply === null) return;
      if (reply.term > this.currentTerm) {
        this.becomeFollower(reply.term);
        return;
      }
      // The follower now holds everything up to lastIncludedIndex (installed now, or committed before).
      const s = args.lastIncludedIndex;
      if (s > (this.matchIndex[p] as number)) this.matchIndex[p] = s;
      if (s + 1 > (this.nextIndex[p] as number)) this.nextIndex[p] = s + 1;
      this.backStep[p] = 1;
      this.advanceCommit();
      if (latest && (this.nextIndex[p] as number) <= this.lastIndex()) this.sendTo(p);
    });
  }

  /** Figure 2: the highest N of this term that a majority holds is committed (§5.4.2: only this term's entries by counting). */
  private advanceCommit(): void {
    for (let index = this.lastIndex(); index > this.commitIndex; index--) {
      if (this.termAt(index) !== this.currentTerm) return; // terms only fall going back
      let count = 0;
      for (let p = 0; p < this.n; p++) if (p === this.me || (this.matchIndex[p] as number) >= index) count++;
      if (count * 2 > this.n) {
        this.commitTo(index);
        return;
      }
    }
  }

  // ---- what the tester calls ----

  getState(): RaftState {
    return { term: this.currentTerm, isLeader: this.role === 'leader' };
  }

  kill(): void {
    this.dead = true;
    this.electionTimer?.cancel();
    this.batchTimer?.cancel();
    this.queue.length = 0;
    this.wakeApplier();
  }

  start(command: unknown): StartResult {
    if (this.dead || this.role !== 'leader') return { index: -1, term: this.currentTerm, isLeader: false };
    this.log.push({ term: this.currentTerm, command });
    this.persist();
    const index = this.lastIndex();
    this.matchIndex[this.me] = index;
    this.advanceCommit(); // a one-server cluster commits at once
    if (this.batchTimer === undefined) {
      this.batchTimer = this.runtime.setTimer(BATCH_MS, () => {
        this.batchTimer = undefined;
        this.broadcast(false);
      });
    }
    return { index, term: this.currentTerm, isLeader: true };
  }

  snapshot(index: number, snapshot: string): void {
    if (this.dead) return;
    // Older than what we hold (an installed snapshot overtook the service), or not committed here.
    if (index <= this.snapIndex || index > this.commitIndex) return;
    this.snapTerm = this.termAt(index);
    this.snapIndex = index;
    this.snapData = snapshot;
    this.persist(); // the log is cut at the next tick
  }

  requestVote(args: RequestVoteArgs): RequestVoteReply {
    if (this.dead) return { term: this.currentTerm, voteGranted: false };
    if (args.term > this.currentTerm) this.becomeFollower(args.term);
    const last = this.lastIndex();
    const lastTerm = this.termAt(last);
    const upToDate = args.lastLogTerm > lastTerm || (args.lastLogTerm === lastTerm && args.lastLogIndex >= last);
    const grant = args.term === this.currentTerm && (this.votedFor === null || this.votedFor === args.candidateId) && upToDate;
    if (grant) {
      this.votedFor = args.candidateId;
      this.persist();
      this.resetElectionTimer();
    }
    return { term: this.currentTerm, voteGranted: grant };
  }

  appendEntries(args: AppendEntriesArgs): AppendEntriesReply {
    if (this.dead || args.term < this.currentTerm) return { term: this.currentTerm, success: false };
    this.becomeFollower(args.term);
    this.resetElectionTimer();
    let prev = args.prevLogIndex;
    let entries = args.entries;
    if (prev < this.logBase) {
      // Up to logBase everything is committed here, and so matches any current leader's log.
      const skip = this.logBase - prev;
      if (skip >= entries.length) return { term: this.currentTerm, success: true };
      entries = entries.slice(skip);
      prev = this.logBase;
    } else if (prev > this.lastIndex() || this.termAt(prev) !== args.prevLogTerm) {
      return { term: this.currentTerm, success: false, xLen: this.lastIndex() + 1 };
    }
    let changed = false;
    for (let i = 0; i < entries.length; i++) {
      const index = prev + 1 + i;
      if (index <= this.lastIndex()) {
        if (this.termAt(index) === (entries[i] as LogEntry).term) continue;
        this.log.length = index - this.logBase; // a conflict: drop it and all that follow
      }
      for (let j = i; j < entries.length; j++) this.log.push(entries[j] as LogEntry);
      changed = true;
      break;
    }
    if (changed) this.persist();
    const lastNew = args.prevLogIndex + args.entries.length;
    if (args.leaderCommit > this.commitIndex) this.commitTo(Math.min(args.leaderCommit, lastNew));
    return { term: this.currentTerm, success: true };
  }

  /** Figure 13, the whole snapshot in one call. */
  installSnapshot(args: InstallSnapshotArgs): InstallSnapshotReply {
    if (this.dead || args.term < this.currentTerm) return { term: this.currentTerm };
    this.becomeFollower(args.term);
    this.resetElectionTimer();
    const s = args.lastIncludedIndex;
    // Not newer than what is committed here: it would take the service backwards.
    if (s <= this.commitIndex) return { term: this.currentTerm };
    if (s <= this.lastIndex() && this.termAt(s) === args.lastIncludedTerm) {
      // Step 6: the entries after the snapshot's last one are kept.
      this.log = [{ term: args.lastIncludedTerm, command: null }, ...this.log.slice(s - this.logBase + 1)];
    } else {
      this.log = [{ term: args.lastIncludedTerm, command: null }]; // step 7: discard the whole log
    }
    this.logBase = s;
    this.snapIndex = s;
    this.snapTerm = args.lastIncludedTerm;
    this.snapData = args.data;
    this.commitIndex = s;
    this.persist();
    // Step 8, through the same queue as the commands: after every command already queued, before any after s.
    this.queue.push({
      commandValid: false,
      command: null,
      commandIndex: 0,
      snapshotValid: true,
      snapshot: args.data,
      snapshotTerm: args.lastIncludedTerm,
      snapshotIndex: s,
    });
    this.wakeApplier();
    return { term: this.currentTerm };
  }
}

export const make: MakeRaft = (peers, me, persister, applyCh, runtime) => new SnapshotQueueRaft(peers, me, persister, applyCh, runtime);
