// Correct variant C05: every RPC goes out a few milliseconds after the
// decision to send it.
//
// Written from Figure 2 of the Raft paper, independently of the reference
// Raft. Many implementations hand outgoing messages to a sender (a queue, a
// goroutine, a batching layer) rather than calling the network on the spot.
// Here every request waits 1-5 ms (drawn from the runtime's random stream)
// before it is sent, with the arguments fixed when it was decided. By then
// the server may have moved to a newer term: the request still goes out with
// its old term, exactly as if the network had been slow, and its reply is
// judged against the term it was sent in.
//
// A 10 ms ticker; heartbeats every 120 ms; election timeouts 250-500 ms.
// Nothing is persisted.
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

const TICKER_MS = 10;
const HEARTBEAT_INTERVAL_MS = 120;
const ELECTION_TIMEOUT_MIN_MS = 250;
const ELECTION_TIMEOUT_MAX_MS = 500;
const SEND_DELAY_MIN_MS = 1;
const SEND_DELAY_MAX_MS = 5;

enum Role {
  Follower,
  Candidate,
  Leader,
}

class DeferredSendRaft implements RaftPeer {
  private term = 0;
  private vote: number | null = null;
  private role = Role.Follower;
  private alive = true;
  private lastHeard: number;
  private patience: number;
  private lastHeartbeat = 0;

  constructor(
    private readonly peers: Peer[],
    private readonly me: number,
    private readonly rt: RaftRuntime,
  ) {
    this.lastHeard = rt.now();
    this.patience = this.newPatience();
    void this.run();
  }

  getState(): RaftState {
    return { term: this.term, isLeader: this.role === Role.Leader };
  }

  kill(): void {
    this.alive = false;
  }

  requestVote(args: RequestVoteArgs): RequestVoteReply {
    this.catchUp(args.term);
    let granted = false;
    if (args.term === this.term && (this.vote === null || this.vote === args.candidateId)) {
      this.vote = args.candidateId;
      this.heard();
      granted = true;
    }
    return { term: this.term, voteGranted: granted };
  }

  appendEntries(args: AppendEntriesArgs): AppendEntriesReply {
    this.catchUp(args.term);
    if (args.term < this.term) return { term: this.term, success: false };
    this.role = Role.Follower;
    this.heard();
    return { term: this.term, success: true };
  }

  private newPatience(): number {
    return this.rt.random.between(ELECTION_TIMEOUT_MIN_MS, ELECTION_TIMEOUT_MAX_MS);
  }

  private heard(): void {
    this.lastHeard = this.rt.now();
    this.patience = this.newPatience();
  }

  private catchUp(term: number): void {
    if (term <= this.term) return;
    if (this.role === Role.Leader) this.heard(); // As a follower now, its election timer runs from here.
    this.term = term;
    this.vote = null;
    this.role = Role.Follower;
  }

  /** Sends a request after a short pause; the arguments were fixed when it was decided. */
  private async deferredCall<R>(to: number, method: string, args: RequestVoteArgs | AppendEntriesArgs): Promise<R | null> {
    await this.rt.sleep(this.rt.random.between(SEND_DELAY_MIN_MS, SEND_DELAY_MAX_MS));
    if (!this.alive) return null;
    return (this.peers[to] as Peer).call<R>(method, args);
  }

  private async run(): Promise<void> {
    while (this.alive) {
      const now = this.rt.now();
      if (this.role === Role.Leader) {
        if (now - this.lastHeartbeat >= HEARTBEAT_INTERVAL_MS) this.heartbeat();
      } else if (now - this.lastHeard >= this.patience) {
        this.elect();
      }
      await this.rt.sleep(TICKER_MS);
    }
  }

  private elect(): void {
    this.term++;
    this.vote = this.me;
    this.role = Role.Candidate;
    this.heard();
    const term = this.term;
    let votes = 1;
    const won = (): boolean => votes > this.peers.length / 2;
    if (won()) return this.lead();
    const args: RequestVoteArgs = { term, candidateId: this.me, lastLogIndex: 0, lastLogTerm: 0 };
    for (let i = 0; i < this.peers.length; i++) {
      if (i === this.me) continue;
      void this.deferredCall<RequestVoteReply>(i, RPC.RequestVote, args).then((reply) => {
        if (!this.alive || reply === null) return;
        this.catchUp(reply.term);
        if (this.role !== Role.Candidate || this.term !== term || !reply.voteGranted) return;
        votes++;
        if (won()) this.lead();
      });
    }
  }

  private lead(): void {
    this.role = Role.Leader;
    this.heartbeat(); // Figure 2: upon election, at once (it leaves within a few ms).
  }

  private heartbeat(): void {
    this.lastHeartbeat = this.rt.now();
    const args: AppendEntriesArgs = { term: this.term, leaderId: this.me, prevLogIndex: 0, prevLogTerm: 0, entries: [], leaderCommit: 0 };
    for (let i = 0; i < this.peers.length; i++) {
      if (i === this.me) continue;
      void this.deferredCall<AppendEntriesReply>(i, RPC.AppendEntries, args).then((reply) => {
        if (this.alive && reply !== null) this.catchUp(reply.term);
      });
    }
  }
}

export const make: MakeRaft = (peers, me, _persister, _applyCh, runtime) => new DeferredSendRaft(peers, me, runtime);
