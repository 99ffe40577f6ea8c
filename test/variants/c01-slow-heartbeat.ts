// Correct variant C01: a slow heartbeat and long election timeouts.
//
// A leader election written from Figure 2 of the Raft paper, independently of
// the reference Raft. What sets it apart: the leader heartbeats every 200 ms
// (5 a second, inside the lab's limit of 10), election timeouts are drawn
// from 600-1200 ms, and a fixed 20 ms ticker loop drives everything. Nothing
// is persisted (persistence is lab 2C), so crash faults do not apply to it.
import type {
  AppendEntriesArgs,
  AppendEntriesReply,
  MakeRaft,
  Peer,
  RaftPeer,
  RaftRuntime,
  RaftState,
  RequestVoteArgs,
  RequestVoteReply,
} from '../../raft/contract.ts';
import { RPC } from '../../raft/contract.ts';

const TICK_MS = 20;
const HEARTBEAT_MS = 200;
const ELECTION_MIN_MS = 600;
const ELECTION_MAX_MS = 1200;

/** Declared, so the checks may also hold it to its own timing (raft/contract.ts, RaftModule.timing). */
export const timing = { heartbeatMs: HEARTBEAT_MS, electionTimeoutMs: [ELECTION_MIN_MS, ELECTION_MAX_MS] as const };

const FOLLOWER = 0;
const CANDIDATE = 1;
const LEADER = 2;
type Role = typeof FOLLOWER | typeof CANDIDATE | typeof LEADER;

class SlowHeartbeatRaft implements RaftPeer {
  private currentTerm = 0;
  private votedFor = -1;
  private role: Role = FOLLOWER;
  private killed = false;
  /** Runtime time at which a follower or candidate starts an election. */
  private electionDeadline: number;
  /** Runtime time of the leader's next heartbeat round. */
  private nextHeartbeat = 0;

  constructor(
    private readonly peers: Peer[],
    private readonly me: number,
    private readonly rt: RaftRuntime,
  ) {
    this.electionDeadline = this.rt.now() + this.randomTimeout();
    void this.ticker();
  }

  getState(): RaftState {
    return { term: this.currentTerm, isLeader: this.role === LEADER };
  }

  kill(): void {
    this.killed = true;
  }

  requestVote(args: RequestVoteArgs): RequestVoteReply {
    if (args.term > this.currentTerm) this.adoptTerm(args.term);
    if (args.term < this.currentTerm) return { term: this.currentTerm, voteGranted: false };
    // Figure 2: grant if votedFor is null or candidateId (every log is empty in 2A).
    const free = this.votedFor === -1 || this.votedFor === args.candidateId;
    if (!free) return { term: this.currentTerm, voteGranted: false };
    this.votedFor = args.candidateId;
    this.electionDeadline = this.rt.now() + this.randomTimeout();
    return { term: this.currentTerm, voteGranted: true };
  }

  appendEntries(args: AppendEntriesArgs): AppendEntriesReply {
    if (args.term > this.currentTerm) this.adoptTerm(args.term);
    if (args.term < this.currentTerm) return { term: this.currentTerm, success: false };
    // A current leader exists: a candidate of this term returns to follower (§5.2).
    this.role = FOLLOWER;
    this.electionDeadline = this.rt.now() + this.randomTimeout();
    return { term: this.currentTerm, success: true };
  }

  /** All servers: a higher term means a newer leader or election; become follower (Figure 2). */
  private adoptTerm(term: number): void {
    this.currentTerm = term;
    this.votedFor = -1;
    this.role = FOLLOWER;
  }

  private randomTimeout(): number {
    return this.rt.random.between(ELECTION_MIN_MS, ELECTION_MAX_MS);
  }

  private async ticker(): Promise<void> {
    while (!this.killed) {
      await this.rt.sleep(TICK_MS);
      if (this.killed) return;
      const now = this.rt.now();
      if (this.role === LEADER) {
        if (now >= this.nextHeartbeat) this.heartbeat();
      } else if (now >= this.electionDeadline) {
        this.startElection();
      }
    }
  }

  private startElection(): void {
    this.currentTerm += 1;
    this.role = CANDIDATE;
    this.votedFor = this.me;
    this.electionDeadline = this.rt.now() + this.randomTimeout();
    const term = this.currentTerm;
    const granted = new Set<number>([this.me]);
    const args: RequestVoteArgs = { term, candidateId: this.me, lastLogIndex: 0, lastLogTerm: 0 };
    if (this.isMajority(granted.size)) this.becomeLeader();
    for (let p = 0; p < this.peers.length; p++) {
      if (p === this.me) continue;
      const peer = this.peers[p] as Peer;
      void peer.call<RequestVoteReply>(RPC.RequestVote, args).then((reply) => {
        if (reply === null || this.killed) return;
        if (reply.term > this.currentTerm) {
          this.adoptTerm(reply.term);
          return;
        }
        // Count only grants for this very election (§5.2).
        if (!reply.voteGranted || this.role !== CANDIDATE || this.currentTerm !== term) return;
        granted.add(p);
        if (this.isMajority(granted.size)) this.becomeLeader();
      });
    }
  }

  private isMajority(votes: number): boolean {
    return votes * 2 > this.peers.length;
  }

  private becomeLeader(): void {
    this.role = LEADER;
    // Figure 2: upon election, send initial empty AppendEntries to each server at once.
    this.heartbeat();
  }

  private heartbeat(): void {
    this.nextHeartbeat = this.rt.now() + HEARTBEAT_MS;
    const term = this.currentTerm;
    const args: AppendEntriesArgs = { term, leaderId: this.me, prevLogIndex: 0, prevLogTerm: 0, entries: [], leaderCommit: 0 };
    for (let p = 0; p < this.peers.length; p++) {
      if (p === this.me) continue;
      void (this.peers[p] as Peer).call<AppendEntriesReply>(RPC.AppendEntries, args).then((reply) => {
        if (reply !== null && !this.killed && reply.term > this.currentTerm) this.adoptTerm(reply.term);
      });
    }
  }
}

export const make: MakeRaft = (peers, me, _persister, _applyCh, runtime) => new SlowHeartbeatRaft(peers, me, runtime);
