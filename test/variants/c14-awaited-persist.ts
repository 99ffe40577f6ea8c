// C14: handlers reply only after an awaited persist.
//
// What sets this variant apart: stable storage is modelled as asynchronous.
// Every change to currentTerm, votedFor or the log is written through
// persister.saveRaftState at once, and then made "durable" by a simulated
// fsync (a 0-2 ms runtime.sleep, group-committed: one fsync covers every
// write issued before it began). The RequestVote and AppendEntries handlers
// are async: they update the state, `await this.persistAsync()` (or, when
// they changed nothing, await any fsync still in flight, since the state
// they are about to report may be another handler's unsynced write), and
// only then answer (Figure 2: "updated on stable storage before responding
// to RPCs"). A candidate awaits the persist of (term, vote) before sending
// RequestVote. A leader's start() appends and writes synchronously (it must
// return at once), sends, and counts its own copy of the entry towards a
// majority only once an fsync covering it has completed.
//
// Interleavings: while a handler awaits its fsync, other handlers run and
// may move the term on (and, for a new leader, truncate the log). Each
// handler therefore re-checks after the await: if currentTerm is no longer
// the term it decided in, the decision may no longer hold, so it answers
// {term: currentTerm, false}, which is what the (durable) state it now has
// says; otherwise its decision still holds (within one term a vote never
// changes and the leader's entries are never truncated), and it answers it.
// commitIndex advances from leaderCommit only after that check, so nothing
// is applied from entries whose persist has not completed.
//
// Class style; a ticker loop that sleeps 10 ms; heartbeats every 100 ms;
// election timeouts drawn from 275-550 ms; xTerm/xIndex/xLen fast backup;
// AppendEntries carry at most 128 entries, and a follower behind gets its
// next batch as soon as the previous one is acknowledged.
//
// Written from Figure 2 and §5 of the Raft paper and the MIT 6.824 lab's
// text, independently of the project's reference Raft and other variants.
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

const TICK_MS = 10;
const HEARTBEAT_MS = 100;
const ELECTION_MIN_MS = 275;
const ELECTION_MAX_MS = 550;
/** At most this many entries in one AppendEntries. */
const MAX_BATCH = 128;
/** The simulated fsync's duration is drawn from [0, FSYNC_MAX_MS]. */
const FSYNC_MAX_MS = 2;

export const persists = true;
export const timing: RaftTiming = { heartbeatMs: HEARTBEAT_MS, electionTimeoutMs: [ELECTION_MIN_MS, ELECTION_MAX_MS] };

type Role = 'follower' | 'candidate' | 'leader';

interface Saved {
  term: number;
  votedFor: number | null;
  log: LogEntry[];
}

class AwaitedPersistRaft implements RaftPeer {
  // Persistent state (Figure 2). log[0] is a sentinel of term 0.
  private currentTerm = 0;
  private votedFor: number | null = null;
  private log: LogEntry[] = [{ term: 0, command: null }];

  // Volatile state.
  private role: Role = 'follower';
  private commitIndex = 0;
  private lastApplied = 0;
  private dead = false;
  private electionDeadline = 0;
  private nextHeartbeatAt = 0;

  // Leader state, reset on each election won.
  private nextIndex: number[] = [];
  private matchIndex: number[] = [];
  /** The highest index of the leader's own log covered by a completed fsync. */
  private leaderSynced = 0;

  // The simulated disk: writes issued through saveRaftState, and how many of
  // them a completed fsync covers.
  private writes = 0;
  private synced = 0;
  private fsyncInFlight: Promise<void> | null = null;
  private readonly logJson = new LogJson();

  constructor(
    private readonly peers: Peer[],
    private readonly me: number,
    private readonly persister: Persister,
    private readonly applyCh: ApplyChannel,
    private readonly runtime: RaftRuntime,
  ) {
    this.restore();
    this.resetElectionTimer();
    void this.ticker();
  }

  // ---- the interface ----

  getState(): RaftState {
    return { term: this.currentTerm, isLeader: this.role === 'leader' };
  }

  kill(): void {
    this.dead = true;
  }

  start(command: unknown): StartResult {
    if (this.dead || this.role !== 'leader') {
      return { index: -1, term: this.currentTerm, isLeader: false };
    }
    const term = this.currentTerm;
    this.log.push({ term, command });
    const index = this.lastIndex();
    // start() must return at once: write now, let the fsync finish later.
    this.persist();
    void this.flush().then(() => {
      if (this.dead || this.role !== 'leader' || this.currentTerm !== term) return;
      if (index > this.leaderSynced) {
        this.leaderSynced = index;
        this.advanceCommit();
      }
    });
    // Send to the followers that were up to date; one still catching up gets
    // this entry in its next batch (sent as the previous one is acknowledged).
    for (let peer = 0; peer < this.peers.length; peer++) {
      if (peer !== this.me && this.nextIndex[peer] === index) this.sendAppend(peer);
    }
    return { index, term, isLeader: true };
  }

  async requestVote(args: RequestVoteArgs): Promise<RequestVoteReply> {
    if (this.dead) return { term: this.currentTerm, voteGranted: false };
    let changed = false;
    if (args.term > this.currentTerm) {
      this.takeTerm(args.term);
      changed = true;
    }
    const term = this.currentTerm;
    let grant = false;
    if (args.term === term && (this.votedFor === null || this.votedFor === args.candidateId) && this.candidateUpToDate(args)) {
      if (this.votedFor === null) {
        this.votedFor = args.candidateId;
        changed = true;
      }
      grant = true;
      this.resetElectionTimer();
    }
    if (changed) await this.persistAsync();
    else await this.flush();
    // While we waited, another handler may have moved the term on.
    if (this.currentTerm !== term) return { term: this.currentTerm, voteGranted: false };
    return { term, voteGranted: grant };
  }

  async appendEntries(args: AppendEntriesArgs): Promise<AppendEntriesReply> {
    if (this.dead) return { term: this.currentTerm, success: false };
    if (args.term < this.currentTerm) {
      await this.flush();
      return { term: this.currentTerm, success: false };
    }
    let changed = false;
    if (args.term > this.currentTerm) {
      this.takeTerm(args.term);
      changed = true;
    }
    const term = this.currentTerm;
    // A leader of our term exists: follow it.
    this.role = 'follower';
    this.resetElectionTimer();

    let reply: AppendEntriesReply;
    const prev = args.prevLogIndex;
    if (prev > this.lastIndex()) {
      reply = { term, success: false, xTerm: -1, xIndex: -1, xLen: this.log.length };
    } else if (this.entry(prev).term !== args.prevLogTerm) {
      const xTerm = this.entry(prev).term;
      let xIndex = prev;
      while (xIndex > 1 && this.entry(xIndex - 1).term === xTerm) xIndex--;
      reply = { term, success: false, xTerm, xIndex, xLen: this.log.length };
    } else {
      for (let k = 0; k < args.entries.length; k++) {
        const index = prev + 1 + k;
        const incoming = args.entries[k] as LogEntry;
        if (index <= this.lastIndex()) {
          if (this.entry(index).term === incoming.term) continue;
          this.log.length = index; // conflict: drop it and all that follow
        }
        this.log.push(incoming);
        changed = true;
      }
      reply = { term, success: true };
    }

    if (changed) await this.persistAsync();
    else await this.flush();

    // While we waited, a newer leader may have taken us into a later term
    // (and perhaps truncated what we just appended): say so, and refuse.
    if (this.currentTerm !== term) return { term: this.currentTerm, success: false };
    if (reply.success && !this.dead) {
      // Within one term the entries just matched stay in the log, and they are durable now.
      const upTo = Math.min(args.leaderCommit, prev + args.entries.length);
      if (upTo > this.commitIndex) {
        this.commitIndex = upTo;
        this.applyCommitted();
      }
    }
    return reply;
  }

  // ---- persistence ----

  private restore(): void {
    const text = this.persister.readRaftState();
    if (!text) return;
    const saved = JSON.parse(text) as Saved;
    this.currentTerm = saved.term;
    this.votedFor = saved.votedFor;
    this.log = [{ term: 0, command: null }, ...saved.log];
  }

  /** Writes the persistent state through to the persister (not yet fsynced). */
  private persist(): void {
    if (this.dead) return;
    const votedFor = this.votedFor === null ? 'null' : String(this.votedFor);
    this.persister.saveRaftState(`{"term":${this.currentTerm},"votedFor":${votedFor},"log":${this.logJson.of(this.log)}}`);
    this.writes++;
  }

  /** Writes the persistent state, and resolves once an fsync covering it has completed. */
  private persistAsync(): Promise<void> {
    this.persist();
    return this.flush();
  }

  /** Resolves once every write issued before the call is covered by a completed fsync. */
  private async flush(): Promise<void> {
    const target = this.writes;
    while (this.synced < target && !this.dead) {
      if (this.fsyncInFlight === null) {
        const covers = this.writes;
        this.fsyncInFlight = this.runtime.sleep(this.runtime.random.between(0, FSYNC_MAX_MS)).then(() => {
          if (covers > this.synced) this.synced = covers;
          this.fsyncInFlight = null;
        });
      }
      await this.fsyncInFlight;
    }
  }

  // ---- roles and terms ----

  /** Adopts a higher term as a follower (the caller persists). */
  private takeTerm(term: number): void {
    const wasLeader = this.role === 'leader';
    this.currentTerm = term;
    this.votedFor = null;
    this.role = 'follower';
    // A deposed leader's election deadline is stale: give the new leader time.
    if (wasLeader) this.resetElectionTimer();
  }

  private resetElectionTimer(): void {
    this.electionDeadline = this.runtime.now() + this.runtime.random.between(ELECTION_MIN_MS, ELECTION_MAX_MS);
  }

  private async ticker(): Promise<void> {
    while (!this.dead) {
      const now = this.runtime.now();
      if (this.role === 'leader') {
        if (now >= this.nextHeartbeatAt) this.broadcastAppend();
      } else if (now >= this.electionDeadline) {
        void this.startElection();
      }
      await this.runtime.sleep(TICK_MS);
    }
  }

  private async startElection(): Promise<void> {
    this.currentTerm++;
    this.votedFor = this.me;
    this.role = 'candidate';
    this.resetElectionTimer();
    const term = this.currentTerm;
    // (term, vote) must be durable before we ask anyone for a vote.
    await this.persistAsync();
    if (this.dead || this.role !== 'candidate' || this.currentTerm !== term) return;

    const args: RequestVoteArgs = {
      term,
      candidateId: this.me,
      lastLogIndex: this.lastIndex(),
      lastLogTerm: this.entry(this.lastIndex()).term,
    };
    let votes = 1;
    if (votes * 2 > this.peers.length) {
      this.becomeLeader();
      return;
    }
    for (let peer = 0; peer < this.peers.length; peer++) {
      if (peer === this.me) continue;
      void this.peers[peer]!.call<RequestVoteReply>(RPC.RequestVote, args).then((reply) => {
        if (this.dead || reply === null) return;
        if (reply.term > this.currentTerm) {
          this.takeTerm(reply.term);
          this.persist();
          return;
        }
        if (this.role !== 'candidate' || this.currentTerm !== term || !reply.voteGranted) return;
        votes++;
        if (votes * 2 > this.peers.length) this.becomeLeader();
      });
    }
  }

  private becomeLeader(): void {
    this.role = 'leader';
    this.nextIndex = this.peers.map(() => this.lastIndex() + 1);
    this.matchIndex = this.peers.map(() => 0);
    // The log we won with was persisted (and fsynced) before the RequestVotes went out.
    this.leaderSynced = this.lastIndex();
    this.broadcastAppend();
  }

  // ---- replication ----

  private broadcastAppend(): void {
    this.nextHeartbeatAt = this.runtime.now() + HEARTBEAT_MS;
    for (let peer = 0; peer < this.peers.length; peer++) {
      if (peer !== this.me) this.sendAppend(peer);
    }
  }

  private sendAppend(peer: number): void {
    const next = Math.max(1, Math.min(this.nextIndex[peer] ?? 1, this.lastIndex() + 1));
    const prev = next - 1;
    const args: AppendEntriesArgs = {
      term: this.currentTerm,
      leaderId: this.me,
      prevLogIndex: prev,
      prevLogTerm: this.entry(prev).term,
      entries: this.log.slice(next, next + MAX_BATCH),
      leaderCommit: this.commitIndex,
    };
    void this.peers[peer]!.call<AppendEntriesReply>(RPC.AppendEntries, args).then((reply) => {
      if (reply !== null) this.onAppendReply(peer, args, reply);
    });
  }

  private onAppendReply(peer: number, args: AppendEntriesArgs, reply: AppendEntriesReply): void {
    if (this.dead) return;
    if (reply.term > this.currentTerm) {
      this.takeTerm(reply.term);
      this.persist();
      return;
    }
    if (this.role !== 'leader' || this.currentTerm !== args.term) return;
    if (reply.success) {
      const matched = args.prevLogIndex + args.entries.length;
      if (matched > (this.matchIndex[peer] ?? 0)) this.matchIndex[peer] = matched;
      if (matched + 1 > (this.nextIndex[peer] ?? 1)) this.nextIndex[peer] = matched + 1;
      this.advanceCommit();
      // More to send (appended since, or beyond this batch): go on at once.
      if ((this.nextIndex[peer] ?? 1) <= this.lastIndex()) this.sendAppend(peer);
      return;
    }
    // Refused: back up only if nextIndex is still what this request was sent
    // from, and the refusal is news (a late one may come after we learned the
    // follower holds prevLogIndex).
    if (this.nextIndex[peer] !== args.prevLogIndex + 1) return;
    if ((this.matchIndex[peer] ?? 0) >= args.prevLogIndex) return;
    let next: number;
    if (reply.xTerm === undefined) {
      next = args.prevLogIndex; // no hints: one entry back
    } else if (reply.xTerm === -1) {
      next = reply.xLen ?? args.prevLogIndex; // the follower's log is too short
    } else {
      let last = args.prevLogIndex;
      while (last > 0 && this.entry(last).term > reply.xTerm) last--;
      next = last > 0 && this.entry(last).term === reply.xTerm ? last + 1 : (reply.xIndex ?? args.prevLogIndex);
    }
    next = Math.max(1, (this.matchIndex[peer] ?? 0) + 1, Math.min(next, args.prevLogIndex));
    this.nextIndex[peer] = next;
    this.sendAppend(peer); // retry promptly
  }

  /** Commits the highest entry of the current term held (durably) by a majority. */
  private advanceCommit(): void {
    for (let n = this.lastIndex(); n > this.commitIndex; n--) {
      if (this.entry(n).term !== this.currentTerm) break;
      let count = this.leaderSynced >= n ? 1 : 0;
      for (let peer = 0; peer < this.peers.length; peer++) {
        if (peer !== this.me && (this.matchIndex[peer] ?? 0) >= n) count++;
      }
      if (count * 2 > this.peers.length) {
        this.commitIndex = n;
        this.applyCommitted();
        return;
      }
    }
  }

  private applyCommitted(): void {
    while (!this.dead && this.lastApplied < this.commitIndex) {
      this.lastApplied++;
      this.applyCh.send({ commandValid: true, command: this.entry(this.lastApplied).command, commandIndex: this.lastApplied });
    }
  }

  // ---- log helpers ----

  private lastIndex(): number {
    return this.log.length - 1;
  }

  private entry(index: number): LogEntry {
    return this.log[index] as LogEntry;
  }

  private candidateUpToDate(args: RequestVoteArgs): boolean {
    const myLastTerm = this.entry(this.lastIndex()).term;
    return args.lastLogTerm > myLastTerm || (args.lastLogTerm === myLastTerm && args.lastLogIndex >= this.lastIndex());
  }
}

export const make: MakeRaft = (peers, me, persister, applyCh, runtime) => new AwaitedPersistRaft(peers, me, persister, applyCh, runtime);
