// Correct variant C02: long election timeouts, a loop that sleeps until its
// next deadline, and persistence of term and vote.
//
// Written from Figure 2 of the Raft paper, independently of the reference
// Raft. Election timeouts are drawn from 1000-2000 ms (the lab's 5 s for a
// new leader still leaves room for two or three rounds) and the leader
// heartbeats every 150 ms. Instead of polling on a fixed tick, one loop
// sleeps exactly until the earliest thing it has to do (the election deadline,
// or the leader's next heartbeat). When that moment moves earlier than the
// loop's current sleep, a fresh loop takes over and the old one retires at
// its next wake-up (a generation number tells them apart).
//
// currentTerm and votedFor are persisted before any reply or request that
// depends on them (Figure 2, "Persistent state on all servers"), so a crash
// and restart can neither lower the term nor vote twice in one term.
import type {
  AppendEntriesArgs,
  AppendEntriesReply,
  MakeRaft,
  Peer,
  Persister,
  RaftPeer,
  RaftRuntime,
  RaftState,
  RequestVoteArgs,
  RequestVoteReply,
} from '../../raft/contract.ts';
import { RPC } from '../../raft/contract.ts';

/** This module persists term and vote: crash and restart faults apply to it. */
export const persists = true;

const HEARTBEAT_MS = 150;
const TIMEOUT_RANGE_MS: readonly [number, number] = [1000, 2000];

interface Durable {
  term: number;
  vote: number | null;
}

class DeadlineLoopRaft implements RaftPeer {
  private durable: Durable = { term: 0, vote: null };
  private leading = false;
  private campaigning = false;
  private stopped = false;
  private electionAt: number;
  private heartbeatAt = Number.POSITIVE_INFINITY;
  /** The loop that is current; older loops exit when they wake. */
  private generation = 0;
  /** When the current loop will next wake up. */
  private wakeAt = Number.POSITIVE_INFINITY;

  constructor(
    private readonly peers: Peer[],
    private readonly me: number,
    private readonly persister: Persister,
    private readonly rt: RaftRuntime,
  ) {
    const saved = persister.readRaftState();
    if (saved.length > 0) this.durable = JSON.parse(saved) as Durable;
    this.electionAt = this.rt.now() + this.draw();
    this.relaunch();
  }

  getState(): RaftState {
    return { term: this.durable.term, isLeader: this.leading };
  }

  kill(): void {
    this.stopped = true;
    this.generation++;
  }

  requestVote(args: RequestVoteArgs): RequestVoteReply {
    this.noticeTerm(args.term);
    const { term, vote } = this.durable;
    const grant = args.term === term && (vote === null || vote === args.candidateId);
    if (grant) {
      if (vote !== args.candidateId) this.save({ term, vote: args.candidateId });
      this.pushElectionDeadline();
    }
    return { term: this.durable.term, voteGranted: grant };
  }

  appendEntries(args: AppendEntriesArgs): AppendEntriesReply {
    this.noticeTerm(args.term);
    if (args.term < this.durable.term) return { term: this.durable.term, success: false };
    this.campaigning = false;
    this.pushElectionDeadline();
    return { term: this.durable.term, success: true };
  }

  // ---- the loop ----

  /** Starts a new loop generation; the previous one retires. */
  private relaunch(): void {
    if (this.stopped) return;
    const generation = ++this.generation;
    void this.loop(generation);
  }

  private nextDeadline(): number {
    return this.leading ? this.heartbeatAt : this.electionAt;
  }

  private async loop(generation: number): Promise<void> {
    while (generation === this.generation) {
      const now = this.rt.now();
      const due = this.nextDeadline();
      if (now >= due) {
        if (this.leading) this.broadcastHeartbeat();
        else this.campaign();
        continue;
      }
      this.wakeAt = due;
      await this.rt.sleep(due - now);
    }
  }

  /** Makes sure the loop wakes no later than `at`. */
  private wakeBy(at: number): void {
    if (at < this.wakeAt) {
      this.wakeAt = at;
      this.relaunch();
    }
  }

  private draw(): number {
    return this.rt.random.between(TIMEOUT_RANGE_MS[0], TIMEOUT_RANGE_MS[1]);
  }

  private pushElectionDeadline(): void {
    this.electionAt = this.rt.now() + this.draw();
    if (!this.leading) this.wakeBy(this.electionAt);
  }

  // ---- terms and roles ----

  private save(next: Durable): void {
    this.durable = next;
    this.persister.saveRaftState(JSON.stringify(next));
  }

  /** Figure 2: if a message carries a term above ours, adopt it and become follower. */
  private noticeTerm(term: number): void {
    if (term <= this.durable.term) return;
    this.save({ term, vote: null });
    const wasLeader = this.leading;
    this.leading = false;
    this.campaigning = false;
    if (wasLeader) {
      // The loop slept until the next heartbeat; as a follower it waits for the election deadline.
      this.electionAt = this.rt.now() + this.draw();
      this.wakeBy(this.electionAt);
    }
  }

  private campaign(): void {
    const term = this.durable.term + 1;
    this.save({ term, vote: this.me });
    this.campaigning = true;
    this.electionAt = this.rt.now() + this.draw();
    const voters = new Set<number>([this.me]);
    const args: RequestVoteArgs = { term, candidateId: this.me, lastLogIndex: 0, lastLogTerm: 0 };
    const onReply = (from: number, reply: RequestVoteReply | null): void => {
      if (reply === null || this.stopped) return;
      this.noticeTerm(reply.term);
      if (!reply.voteGranted || !this.campaigning || this.durable.term !== term) return;
      voters.add(from);
      if (voters.size * 2 > this.peers.length) this.takeLead();
    };
    if (voters.size * 2 > this.peers.length) this.takeLead();
    this.peers.forEach((peer, i) => {
      if (i !== this.me) void peer.call<RequestVoteReply>(RPC.RequestVote, args).then((r) => onReply(i, r));
    });
  }

  private takeLead(): void {
    this.campaigning = false;
    this.leading = true;
    // Figure 2: initial empty AppendEntries to every server upon election, at once.
    this.broadcastHeartbeat();
    this.wakeBy(this.heartbeatAt);
  }

  private broadcastHeartbeat(): void {
    this.heartbeatAt = this.rt.now() + HEARTBEAT_MS;
    const args: AppendEntriesArgs = {
      term: this.durable.term,
      leaderId: this.me,
      prevLogIndex: 0,
      prevLogTerm: 0,
      entries: [],
      leaderCommit: 0,
    };
    this.peers.forEach((peer, i) => {
      if (i === this.me) return;
      void peer.call<AppendEntriesReply>(RPC.AppendEntries, args).then((reply) => {
        if (reply !== null && !this.stopped) this.noticeTerm(reply.term);
      });
    });
  }
}

export const make: MakeRaft = (peers, me, persister, _applyCh, runtime) => new DeadlineLoopRaft(peers, me, persister, runtime);
