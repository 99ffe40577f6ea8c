// Correct variant C04: a candidate that retries failed RequestVotes, and a
// 50 ms ticker.
//
// Written from Figure 2 of the Raft paper, independently of the reference
// Raft. "Servers retry RPCs if they do not receive a response in a timely
// manner" (§5.1): a RequestVote that fails (the network gives no reply) is
// sent again, with the very same arguments, 20 ms later, a few times. The
// retry does not look at whether the election it belongs to is still going:
// a late request of an old term is no different from a slow network, and
// the reply is judged by the term it answers (only grants for the current
// election count).
//
// A ticker wakes every 50 ms. A leader heartbeats a follower on a tick when
// at least 100 ms have passed since its last AppendEntries to it (so at most
// 10 a second, the lab's limit). Election timeouts: 300-600 ms. Nothing is
// persisted.
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

const TICK_MS = 50;
const MIN_HEARTBEAT_GAP_MS = 100;
const ELECTION_TIMEOUT_MS = { low: 300, high: 600 };
const VOTE_RETRY_DELAY_MS = 20;
const VOTE_ATTEMPTS = 4;

interface ServerState {
  term: number;
  votedFor: number | null;
  role: 'follower' | 'candidate' | 'leader';
  /** When the last heartbeat, granted vote or own election (re)started the timeout. */
  timerStartedAt: number;
  timeoutMs: number;
  /** Per peer, when the leader last sent it an AppendEntries. */
  lastSentTo: number[];
}

class RetryingRaft implements RaftPeer {
  private readonly s: ServerState;
  private dead = false;

  constructor(
    private readonly peers: Peer[],
    private readonly me: number,
    private readonly rt: RaftRuntime,
  ) {
    this.s = {
      term: 0,
      votedFor: null,
      role: 'follower',
      timerStartedAt: rt.now(),
      timeoutMs: this.drawTimeout(),
      lastSentTo: peers.map(() => Number.NEGATIVE_INFINITY),
    };
    void this.tick();
  }

  getState(): RaftState {
    return { term: this.s.term, isLeader: this.s.role === 'leader' };
  }

  kill(): void {
    this.dead = true;
  }

  requestVote(args: RequestVoteArgs): RequestVoteReply {
    this.observe(args.term);
    const s = this.s;
    if (args.term === s.term && (s.votedFor === null || s.votedFor === args.candidateId)) {
      s.votedFor = args.candidateId;
      this.restartTimer();
      return { term: s.term, voteGranted: true };
    }
    return { term: s.term, voteGranted: false };
  }

  appendEntries(args: AppendEntriesArgs): AppendEntriesReply {
    this.observe(args.term);
    const s = this.s;
    if (args.term < s.term) return { term: s.term, success: false };
    s.role = 'follower';
    this.restartTimer();
    return { term: s.term, success: true };
  }

  private drawTimeout(): number {
    return this.rt.random.between(ELECTION_TIMEOUT_MS.low, ELECTION_TIMEOUT_MS.high);
  }

  private restartTimer(): void {
    this.s.timerStartedAt = this.rt.now();
    this.s.timeoutMs = this.drawTimeout();
  }

  /** Figure 2, all servers: a higher term in any request or reply makes us its follower. */
  private observe(term: number): void {
    const s = this.s;
    if (term <= s.term) return;
    const wasLeader = s.role === 'leader';
    s.term = term;
    s.votedFor = null;
    s.role = 'follower';
    if (wasLeader) this.restartTimer();
  }

  private async tick(): Promise<void> {
    while (!this.dead) {
      const s = this.s;
      const now = this.rt.now();
      if (s.role === 'leader') this.heartbeatDue(now);
      else if (now - s.timerStartedAt >= s.timeoutMs) this.elect();
      await this.rt.sleep(TICK_MS);
    }
  }

  private elect(): void {
    const s = this.s;
    s.term += 1;
    s.role = 'candidate';
    s.votedFor = this.me;
    this.restartTimer();
    const args: RequestVoteArgs = { term: s.term, candidateId: this.me, lastLogIndex: 0, lastLogTerm: 0 };
    const yes = new Set([this.me]);
    const tally = (): void => {
      if (yes.size * 2 > this.peers.length && s.role === 'candidate' && s.term === args.term) this.lead();
    };
    tally();
    for (let p = 0; p < this.peers.length; p++) {
      if (p === this.me) continue;
      void this.askForVote(p, args).then((reply) => {
        if (reply === null || this.dead) return;
        this.observe(reply.term);
        if (reply.voteGranted && reply.term === args.term && s.term === args.term && s.role === 'candidate') {
          yes.add(p);
          tally();
        }
      });
    }
  }

  /** Sends one RequestVote, and again after a short pause when no reply comes (§5.1). */
  private async askForVote(p: number, args: RequestVoteArgs): Promise<RequestVoteReply | null> {
    for (let attempt = 1; ; attempt++) {
      const reply = await (this.peers[p] as Peer).call<RequestVoteReply>(RPC.RequestVote, args);
      if (reply !== null || attempt === VOTE_ATTEMPTS || this.dead) return reply;
      await this.rt.sleep(VOTE_RETRY_DELAY_MS);
      if (this.dead) return null;
    }
  }

  private lead(): void {
    this.s.role = 'leader';
    // Figure 2: upon election, an initial empty AppendEntries to each server at once.
    this.heartbeatDue(this.rt.now(), true);
  }

  private heartbeatDue(now: number, everyone = false): void {
    const s = this.s;
    const args: AppendEntriesArgs = { term: s.term, leaderId: this.me, prevLogIndex: 0, prevLogTerm: 0, entries: [], leaderCommit: 0 };
    for (let p = 0; p < this.peers.length; p++) {
      if (p === this.me) continue;
      if (!everyone && now - (s.lastSentTo[p] as number) < MIN_HEARTBEAT_GAP_MS) continue;
      s.lastSentTo[p] = now;
      void (this.peers[p] as Peer).call<AppendEntriesReply>(RPC.AppendEntries, args).then((reply) => {
        if (reply !== null && !this.dead) this.observe(reply.term);
      });
    }
  }
}

export const make: MakeRaft = (peers, me, _persister, _applyCh, runtime) => new RetryingRaft(peers, me, runtime);
