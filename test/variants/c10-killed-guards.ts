// C10: the Go skeleton's `rf.killed()` guards.
//
// What sets this variant apart: kill() only raises a `dead` flag, and every
// piece of work asks `this.killed()` before it acts, exactly where the lab's
// Go skeleton puts its `rf.killed()` checks: at the top of each RPC handler
// (a killed server answers its current term and refuses), at the top of
// start() (a killed server is not leader), in every iteration of every loop
// (the ticker, each leader's heartbeat loop, the applier), and after every
// awaited RPC reply, before the reply is acted on. Nothing is cancelled
// explicitly: each loop notices the flag at its next check and ends, and
// its last sleep (at most 110 ms) runs out on its own.
//
// Structure: one class; one ticker loop that wakes every 10-20 ms and starts
// an election once the randomized deadline (300-600 ms) has passed; a
// separate heartbeat loop per term led (110 ms); the lab's xTerm/xIndex/xLen
// fast backup with a prompt retry; and an applier loop woken when
// commitIndex moves.
//
// Written from the Raft paper (Figure 2, §5) and the MIT 6.824 lab's text,
// independently of the project's reference Raft and of the other variants.
import type {
  AppendEntriesArgs,
  AppendEntriesReply,
  ApplyChannel,
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
import { LogJson } from './log-json.ts';

const HEARTBEAT_MS = 110;
const ELECTION_MIN_MS = 300;
const ELECTION_MAX_MS = 600;
const TICK_MIN_MS = 10;
const TICK_MAX_MS = 20;
const NOBODY = -1;

type Role = 'follower' | 'candidate' | 'leader';

class KilledGuardRaft implements RaftPeer {
  // Persistent state (Figure 2). log[0] is a sentinel of term 0.
  private currentTerm = 0;
  private votedFor = NOBODY;
  private log: LogEntry[] = [{ term: 0, command: null }];

  // Volatile state.
  private commitIndex = 0;
  private lastApplied = 0;
  private role: Role = 'follower';
  private electionDeadline = 0;

  // Leader state, reset on each election won.
  private nextIndex: number[] = [];
  private matchIndex: number[] = [];

  private dead = false;
  private readonly logJson = new LogJson();
  /** Resolves the applier's wait; set while the applier sleeps. */
  private wakeApplier: (() => void) | null = null;

  constructor(
    private readonly peers: Peer[],
    private readonly me: number,
    private readonly persister: Persister,
    private readonly applyCh: ApplyChannel,
    private readonly runtime: RaftRuntime,
  ) {
    this.readPersist(persister.readRaftState());
    this.resetElectionDeadline();
    void this.ticker();
    void this.applier();
  }

  // ---- the guard ----

  kill(): void {
    this.dead = true;
    // Let a sleeping applier see the flag and end.
    this.signalApplier();
  }

  killed(): boolean {
    return this.dead;
  }

  // ---- state ----

  getState(): RaftState {
    return { term: this.currentTerm, isLeader: this.role === 'leader' };
  }

  private lastIndex(): number {
    return this.log.length - 1;
  }

  private lastTerm(): number {
    return (this.log[this.log.length - 1] as LogEntry).term;
  }

  private termAt(index: number): number {
    return (this.log[index] as LogEntry).term;
  }

  private majority(): number {
    return Math.floor(this.peers.length / 2) + 1;
  }

  private resetElectionDeadline(): void {
    this.electionDeadline = this.runtime.now() + this.runtime.random.between(ELECTION_MIN_MS, ELECTION_MAX_MS);
  }

  // ---- persistence ----

  private persist(): void {
    const log = this.logJson.of(this.log);
    this.persister.saveRaftState(`{"currentTerm":${this.currentTerm},"votedFor":${this.votedFor},"log":${log}}`);
  }

  private readPersist(data: string): void {
    if (data === '') return;
    const parsed: unknown = JSON.parse(data);
    if (typeof parsed !== 'object' || parsed === null) return;
    const state = parsed as { currentTerm?: unknown; votedFor?: unknown; log?: unknown };
    if (typeof state.currentTerm === 'number') this.currentTerm = state.currentTerm;
    if (typeof state.votedFor === 'number') this.votedFor = state.votedFor;
    if (Array.isArray(state.log)) {
      const log: LogEntry[] = [{ term: 0, command: null }];
      for (const item of state.log as unknown[]) {
        const entry = item as { term?: unknown; command?: unknown };
        log.push({ term: typeof entry.term === 'number' ? entry.term : 0, command: entry.command });
      }
      this.log = log;
    }
  }

  /** Figure 2, all servers: a higher term seen makes this server a follower of it. */
  private becomeFollower(term: number): void {
    this.currentTerm = term;
    this.votedFor = NOBODY;
    this.role = 'follower';
    this.persist();
  }

  // ---- RPC handlers ----

  requestVote(args: RequestVoteArgs): RequestVoteReply {
    if (this.killed()) return { term: this.currentTerm, voteGranted: false };

    if (args.term > this.currentTerm) this.becomeFollower(args.term);
    if (args.term < this.currentTerm) return { term: this.currentTerm, voteGranted: false };

    const upToDate = args.lastLogTerm > this.lastTerm() || (args.lastLogTerm === this.lastTerm() && args.lastLogIndex >= this.lastIndex());
    if ((this.votedFor === NOBODY || this.votedFor === args.candidateId) && upToDate) {
      this.votedFor = args.candidateId;
      this.persist();
      this.resetElectionDeadline();
      return { term: this.currentTerm, voteGranted: true };
    }
    return { term: this.currentTerm, voteGranted: false };
  }

  appendEntries(args: AppendEntriesArgs): AppendEntriesReply {
    if (this.killed()) return { term: this.currentTerm, success: false };

    if (args.term < this.currentTerm) return { term: this.currentTerm, success: false };
    if (args.term > this.currentTerm) this.becomeFollower(args.term);
    // The leader of our own term: a candidate steps down, everyone waits again.
    this.role = 'follower';
    this.resetElectionDeadline();

    // Receiver rule 2, with the lab's hints for backing up fast.
    if (args.prevLogIndex > this.lastIndex()) {
      return { term: this.currentTerm, success: false, xTerm: -1, xIndex: -1, xLen: this.log.length };
    }
    if (this.termAt(args.prevLogIndex) !== args.prevLogTerm) {
      const xTerm = this.termAt(args.prevLogIndex);
      let xIndex = args.prevLogIndex;
      while (xIndex > 1 && this.termAt(xIndex - 1) === xTerm) xIndex--;
      return { term: this.currentTerm, success: false, xTerm, xIndex, xLen: this.log.length };
    }

    // Rules 3 and 4: cut at the first conflict only, then append what is new.
    let changed = false;
    for (let i = 0; i < args.entries.length; i++) {
      const index = args.prevLogIndex + 1 + i;
      const entry = args.entries[i] as LogEntry;
      if (index <= this.lastIndex()) {
        if (this.termAt(index) === entry.term) continue;
        this.log.length = index;
      }
      this.log.push({ term: entry.term, command: entry.command });
      changed = true;
    }
    if (changed) this.persist();

    // Rule 5.
    if (args.leaderCommit > this.commitIndex) {
      const lastNew = args.prevLogIndex + args.entries.length;
      const newCommit = Math.min(args.leaderCommit, lastNew);
      if (newCommit > this.commitIndex) {
        this.commitIndex = newCommit;
        this.signalApplier();
      }
    }
    return { term: this.currentTerm, success: true };
  }

  // ---- start ----

  start(command: unknown): StartResult {
    if (this.killed()) return { index: -1, term: this.currentTerm, isLeader: false };
    if (this.role !== 'leader') return { index: -1, term: this.currentTerm, isLeader: false };

    this.log.push({ term: this.currentTerm, command });
    this.persist();
    const index = this.lastIndex();
    this.matchIndex[this.me] = index;
    this.nextIndex[this.me] = index + 1;
    const term = this.currentTerm;
    if (this.peers.length === 1) this.advanceCommit();
    // Push the entry at once to followers known to hold everything before it;
    // one that lags catches up with the next heartbeat (which carries the whole
    // tail), so that a far-behind follower is not sent its tail once per start().
    for (let peer = 0; peer < this.peers.length; peer++) {
      if (peer !== this.me && this.nextIndex[peer] === index) void this.sendAppend(peer, term);
    }
    return { index, term, isLeader: true };
  }

  // ---- the ticker: elections ----

  private async ticker(): Promise<void> {
    while (!this.killed()) {
      await this.runtime.sleep(this.runtime.random.between(TICK_MIN_MS, TICK_MAX_MS));
      if (this.killed()) return;
      if (this.role !== 'leader' && this.runtime.now() >= this.electionDeadline) this.startElection();
    }
  }

  private startElection(): void {
    this.currentTerm++;
    this.votedFor = this.me;
    this.role = 'candidate';
    this.persist();
    this.resetElectionDeadline();

    const term = this.currentTerm;
    const args: RequestVoteArgs = {
      term,
      candidateId: this.me,
      lastLogIndex: this.lastIndex(),
      lastLogTerm: this.lastTerm(),
    };
    const votes = { count: 1 };
    if (votes.count >= this.majority()) {
      this.becomeLeader();
      return;
    }
    for (let peer = 0; peer < this.peers.length; peer++) {
      if (peer !== this.me) void this.askVote(peer, args, votes);
    }
  }

  private async askVote(peer: number, args: RequestVoteArgs, votes: { count: number }): Promise<void> {
    if (this.killed()) return;
    const reply = await (this.peers[peer] as Peer).call<RequestVoteReply>(RPC.RequestVote, args);
    if (this.killed()) return;
    if (reply === null) return;
    if (reply.term > this.currentTerm) {
      this.becomeFollower(reply.term);
      return;
    }
    if (this.role !== 'candidate' || this.currentTerm !== args.term) return;
    if (!reply.voteGranted) return;
    votes.count++;
    if (votes.count >= this.majority()) this.becomeLeader();
  }

  private becomeLeader(): void {
    this.role = 'leader';
    this.nextIndex = this.peers.map(() => this.lastIndex() + 1);
    this.matchIndex = this.peers.map(() => 0);
    this.matchIndex[this.me] = this.lastIndex();
    void this.heartbeatLoop(this.currentTerm);
  }

  // ---- the leader: heartbeats and replication ----

  private async heartbeatLoop(term: number): Promise<void> {
    while (!this.killed()) {
      if (this.role !== 'leader' || this.currentTerm !== term) return;
      for (let peer = 0; peer < this.peers.length; peer++) {
        if (peer !== this.me) void this.sendAppend(peer, term);
      }
      await this.runtime.sleep(HEARTBEAT_MS);
    }
  }

  private async sendAppend(peer: number, term: number): Promise<void> {
    if (this.killed()) return;
    if (this.role !== 'leader' || this.currentTerm !== term) return;

    const next = this.nextIndex[peer] as number;
    const prevLogIndex = next - 1;
    const args: AppendEntriesArgs = {
      term,
      leaderId: this.me,
      prevLogIndex,
      prevLogTerm: this.termAt(prevLogIndex),
      entries: this.log.slice(next),
      leaderCommit: this.commitIndex,
    };
    const reply = await (this.peers[peer] as Peer).call<AppendEntriesReply>(RPC.AppendEntries, args);
    if (this.killed()) return;
    if (reply === null) return;
    if (reply.term > this.currentTerm) {
      this.becomeFollower(reply.term);
      return;
    }
    if (this.role !== 'leader' || this.currentTerm !== term) return;

    if (reply.success) {
      const match = prevLogIndex + args.entries.length;
      if (match > (this.matchIndex[peer] as number)) this.matchIndex[peer] = match;
      if (match + 1 > (this.nextIndex[peer] as number)) this.nextIndex[peer] = match + 1;
      this.advanceCommit();
      return;
    }

    // Refused. A reply to a request whose prevLogIndex is no longer ours is stale.
    if ((this.nextIndex[peer] as number) !== next) return;
    this.nextIndex[peer] = this.backedUpNext(reply, next);
    // Retry at once: the new request carries entries (nextIndex is now at or below the last index).
    void this.sendAppend(peer, term);
  }

  /** The lab's fast backup from xTerm/xIndex/xLen; one entry back when a reply lacks them. */
  private backedUpNext(reply: AppendEntriesReply, next: number): number {
    let target: number;
    if (reply.xTerm === undefined || reply.xIndex === undefined || reply.xLen === undefined) {
      target = next - 1;
    } else if (reply.xTerm === -1) {
      target = reply.xLen;
    } else {
      let last = -1;
      for (let i = Math.min(this.lastIndex(), next - 1); i >= 1; i--) {
        const t = this.termAt(i);
        if (t === reply.xTerm) {
          last = i;
          break;
        }
        if (t < reply.xTerm) break;
      }
      target = last !== -1 ? last + 1 : reply.xIndex;
    }
    // Always move back, never past the start, never beyond our own log.
    return Math.max(1, Math.min(target, next - 1, this.lastIndex() + 1));
  }

  /** Figure 2, leaders: commit the highest index of the current term that a majority holds. */
  private advanceCommit(): void {
    for (let n = this.lastIndex(); n > this.commitIndex; n--) {
      if (this.termAt(n) !== this.currentTerm) break;
      let count = 0;
      for (const m of this.matchIndex) if (m >= n) count++;
      if (count >= this.majority()) {
        this.commitIndex = n;
        this.signalApplier();
        return;
      }
    }
  }

  // ---- the applier ----

  private signalApplier(): void {
    const wake = this.wakeApplier;
    this.wakeApplier = null;
    if (wake !== null) wake();
  }

  private async applier(): Promise<void> {
    while (!this.killed()) {
      if (this.lastApplied >= this.commitIndex) {
        await new Promise<void>((resolve) => {
          this.wakeApplier = resolve;
        });
        continue;
      }
      while (this.lastApplied < this.commitIndex) {
        if (this.killed()) return;
        this.lastApplied++;
        const entry = this.log[this.lastApplied] as LogEntry;
        this.applyCh.send({ commandValid: true, command: entry.command, commandIndex: this.lastApplied });
      }
    }
  }
}

export const make: MakeRaft = (peers, me, persister, applyCh, runtime) => new KilledGuardRaft(peers, me, persister, applyCh, runtime);

export const persists = true;

export const timing: RaftTiming = { heartbeatMs: HEARTBEAT_MS, electionTimeoutMs: [ELECTION_MIN_MS, ELECTION_MAX_MS] };
