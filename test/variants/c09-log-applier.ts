// Correct variant C09: leader election and log replication (lab 2B) with a
// separate applier loop woken by a condition, and a commit rule computed
// from the sorted matchIndex.
//
// Written from Figure 2 of the Raft paper, independently of the reference
// Raft. The leader's commit index is the matchIndex that a majority has
// reached (the median of the sorted matchIndex, its own last index
// included), taken only when that entry is of the current term (§5.4.2,
// Figure 8); an earlier entry is then committed with it. Nothing is applied
// where commitIndex moves: a single applier loop sleeps on a condition,
// wakes when commitIndex passes lastApplied, and sends the committed entries
// to applyCh in index order, as a Go solution's applier goroutine with
// sync.Cond would.
//
// Backing up: after a refusal the leader goes back, in its own log, to the
// first entry of the term it had at prevLogIndex, and retries at once (one
// term per round trip, with no hints from the follower). A 15 ms ticker,
// heartbeats every 140 ms, election timeouts 350-700 ms. start() sends at
// once (coalesced per turn of the event loop).
//
// Persistence (lab 2C): whatever changes currentTerm, votedFor or the log
// calls stash() on the spot, so the persister holds them before the reply,
// the RequestVote or the AppendEntries that relies on them leaves (Figure 2,
// "updated on stable storage before responding to RPCs"); the constructor
// reads them back. commitIndex and lastApplied stay volatile.
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

/** Term, vote and log are persisted: crash and restart faults apply to it. */
export const persists = true;

const TICK_MS = 15;
const HEARTBEAT_MS = 140;
const ELECTION_MIN_MS = 350;
const ELECTION_MAX_MS = 700;

/** sync.Cond's Wait/Broadcast over promises: waiters resume on the next broadcast. */

class Condition {
  private waiters: Array<() => void> = [];

  wait(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  broadcast(): void {
    const woken = this.waiters;
    this.waiters = [];
    for (const wake of woken) wake();
  }
}

/** The persister's text: [currentTerm, votedFor, log[1..]]. */
type Stash = [term: number, vote: number | null, entries: LogEntry[]];

class ApplierRaft implements RaftPeer {
  private readonly logJson = new LogJson();
  private currentTerm = 0;
  private votedFor: number | null = null;
  private readonly log: LogEntry[] = [{ term: 0, command: undefined }];
  private commitIndex = 0;
  private lastApplied = 0;
  private readonly commitAdvanced = new Condition();

  private role: 'follower' | 'candidate' | 'leader' = 'follower';
  private dead = false;
  private deadline = 0;
  private lastHeartbeat = 0;
  private nextIndex: number[] = [];
  private matchIndex: number[] = [];
  private sendQueued = false;

  constructor(
    private readonly peers: Peer[],
    private readonly me: number,
    private readonly persister: Persister,
    private readonly applyCh: ApplyChannel,
    private readonly rt: RaftRuntime,
  ) {
    const stashed = persister.readRaftState();
    if (stashed !== '') {
      const [term, vote, entries] = JSON.parse(stashed) as Stash;
      this.currentTerm = term;
      this.votedFor = vote;
      this.log.push(...entries);
    }
    this.touch();
    void this.ticker();
    void this.applier();
  }

  getState(): RaftState {
    return { term: this.currentTerm, isLeader: this.role === 'leader' };
  }

  kill(): void {
    this.dead = true;
    this.commitAdvanced.broadcast(); // Let the applier see it and stop.
  }

  start(command: unknown): StartResult {
    if (this.dead || this.role !== 'leader') return { index: -1, term: this.currentTerm, isLeader: false };
    this.log.push({ term: this.currentTerm, command });
    this.stash();
    this.refreshCommit(); // A cluster of one commits on its own.
    if (!this.sendQueued) {
      // Every start() of this turn of the event loop leaves in one AppendEntries per follower.
      this.sendQueued = true;
      queueMicrotask(() => {
        this.sendQueued = false;
        if (!this.dead && this.role === 'leader') this.broadcast();
      });
    }
    return { index: this.log.length - 1, term: this.currentTerm, isLeader: true };
  }

  requestVote(args: RequestVoteArgs): RequestVoteReply {
    this.termCheck(args.term);
    const last = this.log.length - 1;
    const lastTerm = (this.log[last] as LogEntry).term;
    const logOk = args.lastLogTerm > lastTerm || (args.lastLogTerm === lastTerm && args.lastLogIndex >= last); // §5.4.1
    const grant = args.term === this.currentTerm && logOk && (this.votedFor === null || this.votedFor === args.candidateId);
    if (grant) {
      this.votedFor = args.candidateId;
      this.stash();
      this.touch();
    }
    return { term: this.currentTerm, voteGranted: grant };
  }

  appendEntries(args: AppendEntriesArgs): AppendEntriesReply {
    this.termCheck(args.term);
    const refuse = { term: this.currentTerm, success: false };
    if (args.term < this.currentTerm) return refuse;
    this.role = 'follower';
    this.touch();
    const prev = this.log[args.prevLogIndex];
    if (prev === undefined || prev.term !== args.prevLogTerm) return refuse;
    let index = args.prevLogIndex;
    let grown = false;
    for (const entry of args.entries) {
      index++;
      const mine = this.log[index];
      if (mine !== undefined && mine.term === entry.term) continue; // Already there: never cut a matching suffix.
      if (mine !== undefined) this.log.splice(index); // A conflict: drop it and all that follows.
      this.log.push({ term: entry.term, command: entry.command });
      grown = true;
    }
    if (grown) this.stash(); // Success below makes the leader count these entries as stored here.
    const vouched = args.prevLogIndex + args.entries.length;
    this.raiseCommit(Math.min(args.leaderCommit, vouched));
    return { term: this.currentTerm, success: true };
  }

  // ---- state ----

  private stash(): void {
    // The text of JSON.stringify([currentTerm, votedFor, log[1..]]) (a Stash).
    this.persister.saveRaftState(`[${JSON.stringify(this.currentTerm)},${JSON.stringify(this.votedFor)},${this.logJson.of(this.log)}]`);
  }

  private touch(): void {
    this.deadline = this.rt.now() + this.rt.random.between(ELECTION_MIN_MS, ELECTION_MAX_MS);
  }

  private termCheck(term: number): void {
    if (term <= this.currentTerm) return;
    if (this.role === 'leader') this.touch();
    this.currentTerm = term;
    this.votedFor = null;
    this.role = 'follower';
    this.stash();
  }

  private raiseCommit(to: number): void {
    if (to <= this.commitIndex) return;
    this.commitIndex = to;
    this.commitAdvanced.broadcast();
  }

  /** The applier: wakes when commitIndex passes lastApplied, sends those entries in order. */
  private async applier(): Promise<void> {
    while (!this.dead) {
      if (this.lastApplied >= this.commitIndex) {
        await this.commitAdvanced.wait();
        continue;
      }
      const from = this.lastApplied + 1;
      const batch = this.log.slice(from, this.commitIndex + 1);
      for (let k = 0; k < batch.length; k++) {
        if (this.dead) return;
        const index = from + k;
        this.lastApplied = index;
        this.applyCh.send({ commandValid: true, command: (batch[k] as LogEntry).command, commandIndex: index });
      }
    }
  }

  // ---- elections ----

  private async ticker(): Promise<void> {
    while (!this.dead) {
      await this.rt.sleep(TICK_MS);
      if (this.dead) break;
      const now = this.rt.now();
      if (this.role === 'leader') {
        if (now - this.lastHeartbeat >= HEARTBEAT_MS) this.broadcast();
      } else if (now >= this.deadline) {
        this.election();
      }
    }
  }

  private election(): void {
    this.role = 'candidate';
    this.currentTerm++;
    this.votedFor = this.me;
    this.stash();
    this.touch();
    const term = this.currentTerm;
    const last = this.log.length - 1;
    const args: RequestVoteArgs = { term, candidateId: this.me, lastLogIndex: last, lastLogTerm: (this.log[last] as LogEntry).term };
    const voters = new Set([this.me]);
    const check = (): void => {
      if (voters.size > this.peers.length / 2) this.win();
    };
    check();
    this.peers.forEach((peer, p) => {
      if (p === this.me) return;
      void peer.call<RequestVoteReply>(RPC.RequestVote, args).then((reply) => {
        if (this.dead || reply === null) return;
        this.termCheck(reply.term);
        if (this.role === 'candidate' && this.currentTerm === term && reply.voteGranted) {
          voters.add(p);
          check();
        }
      });
    });
  }

  private win(): void {
    this.role = 'leader';
    this.nextIndex = this.peers.map(() => this.log.length);
    this.matchIndex = this.peers.map(() => 0);
    this.broadcast(); // Figure 2: upon election, at once.
  }

  // ---- replication ----

  private broadcast(): void {
    this.lastHeartbeat = this.rt.now();
    for (let p = 0; p < this.peers.length; p++) if (p !== this.me) this.replicate(p);
  }

  private replicate(p: number): void {
    const next = this.nextIndex[p] as number;
    const args: AppendEntriesArgs = {
      term: this.currentTerm,
      leaderId: this.me,
      prevLogIndex: next - 1,
      prevLogTerm: (this.log[next - 1] as LogEntry).term,
      entries: this.log.slice(next),
      leaderCommit: this.commitIndex,
    };
    void (this.peers[p] as Peer).call<AppendEntriesReply>(RPC.AppendEntries, args).then((reply) => {
      if (this.dead || reply === null) return;
      this.termCheck(reply.term);
      if (this.role !== 'leader' || this.currentTerm !== args.term) return;
      if (reply.success) {
        const reached = args.prevLogIndex + args.entries.length;
        this.matchIndex[p] = Math.max(this.matchIndex[p] as number, reached);
        this.nextIndex[p] = Math.max(this.nextIndex[p] as number, reached + 1);
        this.refreshCommit();
        return;
      }
      if ((this.nextIndex[p] as number) !== args.prevLogIndex + 1) return; // Stale: another reply moved it.
      // Skip back over the whole term the leader has at prevLogIndex.
      let back = args.prevLogIndex;
      const skipped = (this.log[back] as LogEntry).term;
      while (back > 1 && (this.log[back - 1] as LogEntry).term === skipped) back--;
      const retry = Math.max(back, (this.matchIndex[p] as number) + 1, 1);
      if (retry > args.prevLogIndex) return; // Nothing further back to try: wait for the heartbeat.
      this.nextIndex[p] = retry;
      this.replicate(p);
    });
  }

  /** The highest index a majority holds (the leader's own log counts); committed only if of this term. */
  private refreshCommit(): void {
    const reached = this.peers.map((_, p) => (p === this.me ? this.log.length - 1 : (this.matchIndex[p] as number)));
    reached.sort((a, b) => b - a);
    const majorityHolds = reached[Math.floor(this.peers.length / 2)] as number;
    if (majorityHolds > this.commitIndex && (this.log[majorityHolds] as LogEntry).term === this.currentTerm) this.raiseCommit(majorityHolds);
  }
}

export const make: MakeRaft = (peers, me, persister, applyCh, runtime) => new ApplierRaft(peers, me, persister, applyCh, runtime);
