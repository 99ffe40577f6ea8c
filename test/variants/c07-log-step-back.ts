// Correct variant C07: leader election and log replication (lab 2B),
// backing up nextIndex one entry at a time, but retrying at once.
//
// Written from Figure 2 of the Raft paper, independently of the reference
// Raft. When a follower refuses an AppendEntries because its log does not
// hold prevLogIndex with prevLogTerm, the leader decrements nextIndex by one
// and sends again right away, without waiting for the next heartbeat: each
// step costs one round trip, so even a long divergent suffix is crossed
// quickly (the paper's simple scheme, §5.3, without the optimization it
// mentions).
//
// A 10 ms ticker drives everything. A leader sends to a follower on a tick
// when it has entries the follower lacks and nothing is outstanding to it,
// or when 100 ms have passed since the last AppendEntries to it (heartbeat).
// Election timeouts 300-600 ms.
//
// Figure 2's persistent state (currentTerm, votedFor, log[]) goes to the
// persister as one JSON document, written by the one method that changes
// each of them (becomeFollower, startElection, a granted vote, an appended
// or truncated log), before the reply or request that depends on it leaves;
// make() reads it back.
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
  RequestVoteArgs,
  RequestVoteReply,
  StartResult,
} from '../../raft/contract.ts';
import { RPC } from '../../raft/contract.ts';
import { LogJson } from './log-json.ts';

/** This module persists term, vote and log (lab 2C): crash and restart faults apply to it. */
export const persists = true;

const TICK_MS = 10;
const IDLE_HEARTBEAT_MS = 100;
const ELECTION_LOW_MS = 300;
const ELECTION_HIGH_MS = 600;

type Role = 'follower' | 'candidate' | 'leader';

/** What the persister holds: Figure 2's persistent state. */
interface Durable {
  currentTerm: number;
  votedFor: number | null;
  /** log[1..]: the sentinel is not stored. */
  entries: LogEntry[];
}

class StepBackRaft implements RaftPeer {
  private readonly logJson = new LogJson();
  // Figure 2, persistent state (written through save() on every change).
  private currentTerm = 0;
  private votedFor: number | null = null;
  /** log[0] is a sentinel of term 0, so the first real entry has index 1. */
  private log: LogEntry[] = [{ term: 0, command: null }];
  // Figure 2, volatile state.
  private commitIndex = 0;
  private lastApplied = 0;
  private nextIndex: number[] = [];
  private matchIndex: number[] = [];

  private role: Role = 'follower';
  private dead = false;
  private electionDeadline = 0;
  private lastSend: number[];
  private outstanding: boolean[];

  constructor(
    private readonly peers: Peer[],
    private readonly me: number,
    private readonly persister: Persister,
    private readonly applyCh: ApplyChannel,
    private readonly rt: RaftRuntime,
  ) {
    this.restore(persister.readRaftState());
    this.lastSend = peers.map(() => 0);
    this.outstanding = peers.map(() => false);
    this.resetElectionDeadline();
    void this.ticker();
  }

  // ---- the contract ----

  getState(): RaftState {
    return { term: this.currentTerm, isLeader: this.role === 'leader' };
  }

  kill(): void {
    this.dead = true;
  }

  start(command: unknown): StartResult {
    if (this.dead || this.role !== 'leader') return { index: -1, term: this.currentTerm, isLeader: false };
    this.log.push({ term: this.currentTerm, command });
    this.save();
    const index = this.lastIndex();
    this.matchIndex[this.me] = index;
    this.advanceCommitIndex(); // A cluster of one commits on its own.
    return { index, term: this.currentTerm, isLeader: true };
  }

  requestVote(args: RequestVoteArgs): RequestVoteReply {
    if (args.term > this.currentTerm) this.becomeFollower(args.term);
    if (args.term < this.currentTerm) return { term: this.currentTerm, voteGranted: false };
    const canVote = this.votedFor === null || this.votedFor === args.candidateId;
    // §5.4.1: only for a candidate whose log is at least as up-to-date as ours.
    const myLastTerm = this.lastTerm();
    const upToDate = args.lastLogTerm > myLastTerm || (args.lastLogTerm === myLastTerm && args.lastLogIndex >= this.lastIndex());
    if (!canVote || !upToDate) return { term: this.currentTerm, voteGranted: false };
    if (this.votedFor !== args.candidateId) {
      this.votedFor = args.candidateId;
      this.save(); // The grant must outlive a crash: one vote per term (Figure 2).
    }
    this.resetElectionDeadline();
    return { term: this.currentTerm, voteGranted: true };
  }

  appendEntries(args: AppendEntriesArgs): AppendEntriesReply {
    if (args.term > this.currentTerm) this.becomeFollower(args.term);
    if (args.term < this.currentTerm) return { term: this.currentTerm, success: false };
    this.role = 'follower';
    this.resetElectionDeadline();
    // Consistency check (Figure 2, receiver step 2).
    if (args.prevLogIndex > this.lastIndex() || this.termAt(args.prevLogIndex) !== args.prevLogTerm) {
      return { term: this.currentTerm, success: false };
    }
    // Steps 3 and 4: truncate only at a real conflict, then append what is new.
    let changed = false;
    for (let k = 0; k < args.entries.length; k++) {
      const index = args.prevLogIndex + 1 + k;
      const entry = args.entries[k] as LogEntry;
      if (index <= this.lastIndex()) {
        if (this.termAt(index) === entry.term) continue;
        this.log.length = index;
      }
      this.log.push({ term: entry.term, command: entry.command });
      changed = true;
    }
    // Stored before success is answered: the leader counts this reply as a replica.
    if (changed) this.save();
    // Step 5: up to the last entry this request vouches for, never further.
    const lastNew = args.prevLogIndex + args.entries.length;
    if (args.leaderCommit > this.commitIndex) {
      this.commitIndex = Math.max(this.commitIndex, Math.min(args.leaderCommit, lastNew));
      this.applyCommitted();
    }
    return { term: this.currentTerm, success: true };
  }

  // ---- persistence ----

  private save(): void {
    // The text of JSON.stringify({ currentTerm, votedFor, entries: log[1..] }) (a Durable).
    this.persister.saveRaftState(
      `{"currentTerm":${JSON.stringify(this.currentTerm)},"votedFor":${JSON.stringify(this.votedFor)},"entries":${this.logJson.of(this.log)}}`,
    );
  }

  private restore(text: string): void {
    if (text === '') return;
    const durable = JSON.parse(text) as Durable;
    this.currentTerm = durable.currentTerm;
    this.votedFor = durable.votedFor;
    this.log = [{ term: 0, command: null }, ...durable.entries];
    // commitIndex and lastApplied are volatile: the leader's commit index
    // brings them back, and the log is applied again from index 1.
  }

  // ---- log helpers ----

  private lastIndex(): number {
    return this.log.length - 1;
  }

  private termAt(index: number): number {
    return (this.log[index] as LogEntry).term;
  }

  private lastTerm(): number {
    return this.termAt(this.lastIndex());
  }

  private applyCommitted(): void {
    while (this.lastApplied < this.commitIndex && !this.dead) {
      this.lastApplied++;
      const entry = this.log[this.lastApplied] as LogEntry;
      this.applyCh.send({ commandValid: true, command: entry.command, commandIndex: this.lastApplied });
    }
  }

  // ---- roles ----

  private resetElectionDeadline(): void {
    this.electionDeadline = this.rt.now() + this.rt.random.between(ELECTION_LOW_MS, ELECTION_HIGH_MS);
  }

  private becomeFollower(term: number): void {
    if (this.role === 'leader') this.resetElectionDeadline();
    this.currentTerm = term;
    this.votedFor = null;
    this.role = 'follower';
    this.save();
  }

  private async ticker(): Promise<void> {
    while (!this.dead) {
      await this.rt.sleep(TICK_MS);
      if (this.dead) return;
      if (this.role === 'leader') this.replicateAll(false);
      else if (this.rt.now() >= this.electionDeadline) this.startElection();
    }
  }

  private startElection(): void {
    this.currentTerm++;
    this.role = 'candidate';
    this.votedFor = this.me;
    this.save(); // Before any RequestVote leaves: a restart must not vote again in this term.
    this.resetElectionDeadline();
    const term = this.currentTerm;
    const args: RequestVoteArgs = { term, candidateId: this.me, lastLogIndex: this.lastIndex(), lastLogTerm: this.lastTerm() };
    let granted = 1;
    if (granted * 2 > this.peers.length) return this.becomeLeader();
    this.peers.forEach((peer, p) => {
      if (p === this.me) return;
      void peer.call<RequestVoteReply>(RPC.RequestVote, args).then((reply) => {
        if (reply === null || this.dead) return;
        if (reply.term > this.currentTerm) return this.becomeFollower(reply.term);
        if (this.role !== 'candidate' || this.currentTerm !== term || !reply.voteGranted) return;
        granted++;
        if (granted * 2 > this.peers.length) this.becomeLeader();
      });
    });
  }

  private becomeLeader(): void {
    this.role = 'leader';
    this.nextIndex = this.peers.map(() => this.lastIndex() + 1);
    this.matchIndex = this.peers.map(() => 0);
    this.matchIndex[this.me] = this.lastIndex();
    this.outstanding = this.peers.map(() => false);
    this.replicateAll(true); // Figure 2: upon election, to each server at once.
  }

  // ---- replication ----

  private replicateAll(now: boolean): void {
    const t = this.rt.now();
    for (let p = 0; p < this.peers.length; p++) {
      if (p === this.me) continue;
      const behind = this.lastIndex() >= (this.nextIndex[p] as number) && !(this.outstanding[p] as boolean);
      const idle = t - (this.lastSend[p] as number) >= IDLE_HEARTBEAT_MS;
      if (now || behind || idle) this.sendTo(p);
    }
  }

  private sendTo(p: number): void {
    const next = this.nextIndex[p] as number;
    const args: AppendEntriesArgs = {
      term: this.currentTerm,
      leaderId: this.me,
      prevLogIndex: next - 1,
      prevLogTerm: this.termAt(next - 1),
      entries: this.log.slice(next).map((e) => ({ term: e.term, command: e.command })),
      leaderCommit: this.commitIndex,
    };
    this.lastSend[p] = this.rt.now();
    this.outstanding[p] = true;
    void (this.peers[p] as Peer).call<AppendEntriesReply>(RPC.AppendEntries, args).then((reply) => this.onAppendReply(p, args, reply));
  }

  private onAppendReply(p: number, args: AppendEntriesArgs, reply: AppendEntriesReply | null): void {
    if (this.dead) return;
    if (args.term === this.currentTerm) this.outstanding[p] = false;
    if (reply === null) return;
    if (reply.term > this.currentTerm) return this.becomeFollower(reply.term);
    // A reply to a request of an earlier term says nothing about this term's logs.
    if (this.role !== 'leader' || args.term !== this.currentTerm) return;
    if (reply.success) {
      // From what was sent, not from the log now (it may have grown since).
      const matched = args.prevLogIndex + args.entries.length;
      if (matched > (this.matchIndex[p] as number)) this.matchIndex[p] = matched;
      if (matched + 1 > (this.nextIndex[p] as number)) this.nextIndex[p] = matched + 1;
      this.advanceCommitIndex();
      return;
    }
    // Refused the consistency check: one entry back, and again at once. Only
    // if this reply answers the current probe (another may have moved it).
    if ((this.nextIndex[p] as number) === args.prevLogIndex + 1 && args.prevLogIndex > (this.matchIndex[p] as number)) {
      this.nextIndex[p] = args.prevLogIndex;
      this.sendTo(p);
    }
  }

  /** Figure 2, leaders: N is committed when a majority matches it and log[N] is of the current term (§5.4.2). */
  private advanceCommitIndex(): void {
    for (let n = this.lastIndex(); n > this.commitIndex; n--) {
      if (this.termAt(n) !== this.currentTerm) break; // Earlier terms only through a current-term entry (Figure 8).
      let replicas = 0;
      for (const m of this.matchIndex) if (m >= n) replicas++;
      if (replicas * 2 > this.peers.length) {
        this.commitIndex = n;
        this.applyCommitted();
        break;
      }
    }
  }
}

export const make: MakeRaft = (peers, me, persister, applyCh, runtime) => new StepBackRaft(peers, me, persister, applyCh, runtime);
