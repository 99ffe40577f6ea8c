// C16: a Raft for labs 2A-2D, written from the Raft paper (Figure 2, Figure
// 13, §5, §7) and the lab's text, independently of raft/raft.ts and of the
// other variants. What sets it apart:
//
// - InstallSnapshot travels in chunks of CHUNK characters with Figure 13's
//   `offset` and `done`, the leader sending them one after another (the next
//   chunk once the previous one is answered; a failed chunk is sent again).
//   The receiver creates a new snapshot "file" on offset 0, writes each chunk
//   at its offset, and installs only on the chunk marked done.
// - Since InstallSnapshot's reply carries only the term, the leader never
//   assumes the follower installed: when the last chunk is answered it moves
//   nextIndex past the snapshot, and the next AppendEntries' consistency
//   check confirms it (or, failing, starts a new transfer).
// - Timer callbacks (runtime.setTimer), no polling loop: a 110 ms heartbeat
//   (an empty AppendEntries at most once per 100 ms to each peer),
//   300-600 ms election timeouts; a start() or a commit schedules a round at
//   once, coalesced, which skips a peer whose last AppendEntries is still
//   awaited (its reply sends what follows; the heartbeat resends the lost).
// - The lab's xTerm/xIndex/xLen fast backup.
// - Persists everything; once a snapshot exists every save is
//   persister.save(state, snapshot).
// - The apply path is synchronous and re-reads the log on every step, so the
//   service's snapshot() (called from inside applyCh.send()) may trim it
//   under the applier's feet.
import type {
  AppendEntriesArgs,
  AppendEntriesReply,
  ApplyChannel,
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

export const persists = true;

const HEARTBEAT_MS = 110;
const ELECTION_MS: readonly [number, number] = [300, 600];
export const timing: RaftTiming = { heartbeatMs: HEARTBEAT_MS, electionTimeoutMs: ELECTION_MS };

/**
 * The lab allows at most 10 heartbeats a second: an AppendEntries without
 * entries goes to a peer at most once per this many ms (the timer's, a
 * commit's or a transfer's end alike; entries always go at once).
 */
const MIN_HEARTBEAT_GAP_MS = 100;
/** Characters of snapshot per InstallSnapshot chunk. */
const CHUNK = 64;
/** Pause before a failed chunk is sent again. */
const CHUNK_RETRY_MS = 10;

const NOBODY = -1;

type Role = 'follower' | 'candidate' | 'leader';

/** What goes to the persister (Figure 2's persistent state, plus the snapshot's boundary). */
interface Stored {
  currentTerm: number;
  votedFor: number;
  snapIndex: number;
  snapTerm: number;
  log: LogEntry[];
}

/** A leader's snapshot transfer to one peer. */
interface Outgoing {
  index: number;
  term: number;
  data: string;
  /** Characters the peer has answered for. */
  acked: number;
  /** Which send loop owns the transfer; a reply of an older loop is dropped. */
  loop: number;
  inFlight: boolean;
  sentAt: number;
}

/** A follower's snapshot being received (Figure 13's "snapshot file"). */
interface Incoming {
  term: number;
  leaderId: number;
  index: number;
  snapTerm: number;
  data: string;
}

class ChunkRaft implements RaftPeer {
  private dead = false;
  private role: Role = 'follower';
  private currentTerm = 0;
  private votedFor = NOBODY;

  // The log: entries[0] stands for the snapshot's last included entry
  // (index snapIndex, term snapTerm); entries[k] has index snapIndex + k.
  private entries: LogEntry[] = [{ term: 0, command: null }];
  private snapIndex = 0;
  private snapTerm = 0;
  private snapshotData = '';

  private commitIndex = 0;
  private lastApplied = 0;
  private applying = false;

  private nextIndex: number[] = [];
  private matchIndex: number[] = [];
  private lastHeartbeat: number[] = [];
  /** Per peer: the AppendEntries last sent (a number) while its reply is awaited (0: none), and when. */
  private sendSeq = 0;
  private awaiting: number[] = [];
  private awaitingSince: number[] = [];
  private outgoing: (Outgoing | null)[] = [];
  private incoming: Incoming | null = null;

  private electionTimer: Timer | null = null;
  private heartbeatTimer: Timer | null = null;
  private roundTimer: Timer | null = null;
  private readonly logJson = new LogJson();

  constructor(
    private readonly peers: Peer[],
    private readonly me: number,
    private readonly persister: Persister,
    private readonly applyCh: ApplyChannel,
    private readonly rt: RaftRuntime,
  ) {
    this.restore();
    this.resetElectionTimer();
  }

  // ---- indexes ----

  private lastIndex(): number {
    return this.snapIndex + this.entries.length - 1;
  }

  /** The term at index i, for snapIndex <= i <= lastIndex(). */
  private termAt(i: number): number {
    return (this.entries[i - this.snapIndex] as LogEntry).term;
  }

  private majority(count: number): boolean {
    return count * 2 > this.peers.length;
  }

  // ---- persistence ----

  private persist(): void {
    if (this.dead) return;
    const state = JSON.stringify({
      currentTerm: this.currentTerm,
      votedFor: this.votedFor,
      snapIndex: this.snapIndex,
      snapTerm: this.snapTerm,
    });
    // The log's JSON is spliced in as text (kept incrementally).
    const text = `${state.slice(0, -1)},"log":${this.logJson.of(this.entries)}}`;
    if (this.snapIndex > 0) this.persister.save(text, this.snapshotData);
    else this.persister.saveRaftState(text);
  }

  private restore(): void {
    const text = this.persister.readRaftState();
    if (text === '') return;
    const s = JSON.parse(text) as Stored;
    this.currentTerm = s.currentTerm;
    this.votedFor = s.votedFor;
    this.snapIndex = s.snapIndex;
    this.snapTerm = s.snapTerm;
    this.entries = [{ term: s.snapTerm, command: null }, ...s.log];
    this.snapshotData = this.persister.readSnapshot();
    // The service reloads the snapshot itself at restart; applies continue after it.
    this.commitIndex = this.snapIndex;
    this.lastApplied = this.snapIndex;
  }

  // ---- timers ----

  private resetElectionTimer(): void {
    this.electionTimer?.cancel();
    if (this.dead) return;
    const ms = this.rt.random.between(ELECTION_MS[0], ELECTION_MS[1]);
    this.electionTimer = this.rt.setTimer(ms, () => this.onElectionTimeout());
  }

  private onElectionTimeout(): void {
    if (this.dead) return;
    if (this.role === 'leader') {
      this.resetElectionTimer();
      return;
    }
    this.startElection();
  }

  /** One replication round as soon as possible (several requests share it). */
  private scheduleRound(): void {
    if (this.roundTimer !== null || this.dead) return;
    this.roundTimer = this.rt.setTimer(0, () => {
      this.roundTimer = null;
      if (!this.dead && this.role === 'leader') this.replicateAll('round');
    });
  }

  private armHeartbeat(term: number): void {
    this.heartbeatTimer?.cancel();
    this.heartbeatTimer = this.rt.setTimer(HEARTBEAT_MS, () => {
      this.heartbeatTimer = null;
      if (this.dead || this.role !== 'leader' || this.currentTerm !== term) return;
      this.replicateAll('heartbeat');
      this.armHeartbeat(term);
    });
  }

  // ---- terms and roles ----

  /** Figure 2: a higher term seen anywhere makes this server a follower of it. */
  private adoptTerm(term: number): void {
    if (term <= this.currentTerm) return;
    this.currentTerm = term;
    this.votedFor = NOBODY;
    this.becomeFollower();
    this.persist();
  }

  private becomeFollower(): void {
    this.role = 'follower';
    this.heartbeatTimer?.cancel();
    this.heartbeatTimer = null;
  }

  private startElection(): void {
    this.currentTerm++;
    this.votedFor = this.me;
    this.role = 'candidate';
    this.persist();
    this.resetElectionTimer();
    const term = this.currentTerm;
    const args: RequestVoteArgs = {
      term,
      candidateId: this.me,
      lastLogIndex: this.lastIndex(),
      lastLogTerm: this.termAt(this.lastIndex()),
    };
    let votes = 1;
    if (this.majority(votes)) {
      this.becomeLeader();
      return;
    }
    for (let p = 0; p < this.peers.length; p++) {
      if (p === this.me) continue;
      void (this.peers[p] as Peer).call<RequestVoteReply>(RPC.RequestVote, args).then((reply) => {
        if (this.dead || reply === null) return;
        if (reply.term > this.currentTerm) {
          this.adoptTerm(reply.term);
          return;
        }
        if (this.role !== 'candidate' || this.currentTerm !== term || !reply.voteGranted) return;
        votes++;
        if (this.majority(votes)) this.becomeLeader();
      });
    }
  }

  private becomeLeader(): void {
    this.role = 'leader';
    const n = this.peers.length;
    this.nextIndex = new Array<number>(n).fill(this.lastIndex() + 1);
    this.matchIndex = new Array<number>(n).fill(0);
    this.matchIndex[this.me] = this.lastIndex();
    this.outgoing = new Array<Outgoing | null>(n).fill(null);
    this.lastHeartbeat = new Array<number>(n).fill(-Infinity);
    this.awaiting = new Array<number>(n).fill(0);
    this.awaitingSince = new Array<number>(n).fill(0);
    this.replicateAll('heartbeat');
    this.armHeartbeat(this.currentTerm);
  }

  // ---- the leader ----

  /**
   * 'heartbeat': the timer's round, sent whatever is in flight (it also
   * resends what was lost). 'round': a start() or a commit; a peer whose
   * last AppendEntries is still recent and unanswered is left to that
   * reply, which sends what follows ('reply').
   */
  private replicateAll(why: 'heartbeat' | 'round'): void {
    for (let p = 0; p < this.peers.length; p++) if (p !== this.me) this.replicate(p, why);
    this.advanceCommit();
  }

  private replicate(p: number, why: 'heartbeat' | 'round' | 'reply'): void {
    if (this.dead || this.role !== 'leader') return;
    const next = this.nextIndex[p] as number;
    if (next <= this.snapIndex) {
      this.sendSnapshot(p);
      return;
    }
    this.outgoing[p] = null;
    const prev = next - 1;
    const now = this.rt.now();
    if (why === 'round' && this.awaiting[p] !== 0 && now - (this.awaitingSince[p] as number) < HEARTBEAT_MS) return;
    if (next > this.lastIndex()) {
      if (now - (this.lastHeartbeat[p] as number) < MIN_HEARTBEAT_GAP_MS) return;
      this.lastHeartbeat[p] = now;
    }
    const seq = ++this.sendSeq;
    this.awaiting[p] = seq;
    this.awaitingSince[p] = now;
    const args: AppendEntriesArgs = {
      term: this.currentTerm,
      leaderId: this.me,
      prevLogIndex: prev,
      prevLogTerm: this.termAt(prev),
      entries: this.entries.slice(prev + 1 - this.snapIndex),
      leaderCommit: this.commitIndex,
    };
    void (this.peers[p] as Peer).call<AppendEntriesReply>(RPC.AppendEntries, args).then((reply) => {
      if (this.dead) return;
      if (this.awaiting[p] === seq) this.awaiting[p] = 0;
      if (reply !== null) this.onAppendReply(p, args, reply);
    });
  }

  private onAppendReply(p: number, args: AppendEntriesArgs, reply: AppendEntriesReply): void {
    if (reply.term > this.currentTerm) {
      this.adoptTerm(reply.term);
      return;
    }
    if (this.role !== 'leader' || this.currentTerm !== args.term) return;
    if (reply.success) {
      const matched = args.prevLogIndex + args.entries.length;
      if (matched > (this.matchIndex[p] as number)) this.matchIndex[p] = matched;
      if (matched + 1 > (this.nextIndex[p] as number)) this.nextIndex[p] = matched + 1;
      this.advanceCommit();
      if (this.awaiting[p] === 0 && (this.nextIndex[p] as number) <= this.lastIndex()) this.replicate(p, 'reply');
      return;
    }
    // The lab's fast backup.
    let next: number;
    if (reply.xTerm === undefined || reply.xLen === undefined || reply.xIndex === undefined) {
      next = args.prevLogIndex;
    } else if (reply.xTerm === -1) {
      next = reply.xLen;
    } else {
      const last = this.lastIndexOfTerm(reply.xTerm);
      next = last >= 0 ? last + 1 : reply.xIndex;
    }
    // Never past the entry that did not match; never below what the peer is known to hold.
    next = Math.min(next, args.prevLogIndex);
    next = Math.max(next, (this.matchIndex[p] as number) + 1, 1);
    if (next < (this.nextIndex[p] as number)) {
      this.nextIndex[p] = next;
      this.replicate(p, 'reply');
    }
  }

  /** The last index holding an entry of `term` (the snapshot's own included), or -1. */
  private lastIndexOfTerm(term: number): number {
    for (let i = this.lastIndex(); i >= this.snapIndex; i--) {
      const t = this.termAt(i);
      if (t === term) return i;
      if (t < term) return -1;
    }
    return -1;
  }

  /** Figure 2: commit the highest index of this term that a majority holds. */
  private advanceCommit(): void {
    if (this.role !== 'leader') return;
    for (let n = this.lastIndex(); n > this.commitIndex; n--) {
      if (this.termAt(n) !== this.currentTerm) break;
      let count = 0;
      for (let p = 0; p < this.peers.length; p++) {
        if (p === this.me || (this.matchIndex[p] as number) >= n) count++;
      }
      if (this.majority(count)) {
        this.commitIndex = n;
        this.scheduleRound(); // followers learn the new commit index promptly
        this.applyCommitted();
        return;
      }
    }
  }

  /** Starts (or, if it stalled, resumes) the snapshot transfer to p. */
  private sendSnapshot(p: number): void {
    let out = this.outgoing[p] ?? null;
    if (out === null) {
      out = { index: this.snapIndex, term: this.snapTerm, data: this.snapshotData, acked: 0, loop: 0, inFlight: false, sentAt: 0 };
      this.outgoing[p] = out;
    } else if (out.inFlight && this.rt.now() - out.sentAt < HEARTBEAT_MS) {
      return; // a chunk is on its way
    }
    out.loop++;
    this.sendChunk(p, out, out.loop);
  }

  private sendChunk(p: number, out: Outgoing, loop: number): void {
    if (this.dead || this.role !== 'leader' || this.outgoing[p] !== out || out.loop !== loop) return;
    const term = this.currentTerm;
    const offset = out.acked;
    const data = out.data.slice(offset, offset + CHUNK);
    const done = offset + data.length >= out.data.length;
    const args: InstallSnapshotArgs = {
      term,
      leaderId: this.me,
      lastIncludedIndex: out.index,
      lastIncludedTerm: out.term,
      data,
      offset,
      done,
    };
    out.inFlight = true;
    out.sentAt = this.rt.now();
    void (this.peers[p] as Peer).call<InstallSnapshotReply>(RPC.InstallSnapshot, args).then((reply) => {
      if (this.dead) return;
      // Figure 2 (all servers): a higher term in any response makes a
      // follower, even in the reply to a chunk of a transfer resent since.
      if (reply !== null && reply.term > this.currentTerm) {
        this.adoptTerm(reply.term);
        return;
      }
      if (this.outgoing[p] !== out || out.loop !== loop) return;
      out.inFlight = false;
      if (reply === null) {
        // Lost (request or reply): send the same chunk again; writing it twice is harmless.
        this.rt.setTimer(CHUNK_RETRY_MS, () => this.sendChunk(p, out, loop));
        return;
      }
      if (this.role !== 'leader' || this.currentTerm !== term) return;
      if (!done) {
        out.acked = offset + data.length;
        this.sendChunk(p, out, loop);
        return;
      }
      // The last chunk is answered. The reply says nothing of whether the
      // peer installed it: move past the snapshot and let AppendEntries'
      // consistency check tell (a failure backs nextIndex up again).
      this.outgoing[p] = null;
      if (out.index + 1 > (this.nextIndex[p] as number)) this.nextIndex[p] = out.index + 1;
      this.replicate(p, 'reply');
    });
  }

  // ---- the applier ----

  /** Sends every committed, unapplied command, in order. Re-reads the log each step: snapshot() may trim it inside send(). */
  private applyCommitted(): void {
    if (this.applying) return;
    this.applying = true;
    try {
      while (!this.dead && this.lastApplied < this.commitIndex) {
        const index = this.lastApplied + 1;
        const entry = this.entries[index - this.snapIndex] as LogEntry;
        this.lastApplied = index;
        this.applyCh.send({ commandValid: true, command: entry.command, commandIndex: index });
      }
    } finally {
      this.applying = false;
    }
  }

  // ---- the contract ----

  getState(): RaftState {
    return { term: this.currentTerm, isLeader: this.role === 'leader' };
  }

  kill(): void {
    this.dead = true;
    this.electionTimer?.cancel();
    this.heartbeatTimer?.cancel();
    this.roundTimer?.cancel();
    this.electionTimer = null;
    this.heartbeatTimer = null;
    this.roundTimer = null;
  }

  start(command: unknown): StartResult {
    if (this.dead || this.role !== 'leader') return { index: -1, term: this.currentTerm, isLeader: false };
    this.entries.push({ term: this.currentTerm, command });
    this.matchIndex[this.me] = this.lastIndex();
    this.persist();
    this.scheduleRound();
    return { index: this.lastIndex(), term: this.currentTerm, isLeader: true };
  }

  snapshot(index: number, snapshot: string): void {
    if (this.dead || index <= this.snapIndex || index > this.lastApplied) return;
    const term = this.termAt(index);
    this.entries = [{ term, command: null }, ...this.entries.slice(index - this.snapIndex + 1)];
    this.snapIndex = index;
    this.snapTerm = term;
    this.snapshotData = snapshot;
    this.persist();
  }

  requestVote(args: RequestVoteArgs): RequestVoteReply {
    if (this.dead) return { term: this.currentTerm, voteGranted: false };
    this.adoptTerm(args.term);
    if (args.term < this.currentTerm) return { term: this.currentTerm, voteGranted: false };
    const myLastTerm = this.termAt(this.lastIndex());
    const upToDate = args.lastLogTerm > myLastTerm || (args.lastLogTerm === myLastTerm && args.lastLogIndex >= this.lastIndex());
    if ((this.votedFor === NOBODY || this.votedFor === args.candidateId) && upToDate) {
      if (this.votedFor !== args.candidateId) {
        this.votedFor = args.candidateId;
        this.persist();
      }
      this.resetElectionTimer();
      return { term: this.currentTerm, voteGranted: true };
    }
    return { term: this.currentTerm, voteGranted: false };
  }

  /** Accepts a message from a leader of at least our term: it is the leader of this term. */
  private hearFromLeader(term: number): void {
    this.adoptTerm(term);
    if (this.role !== 'follower') this.becomeFollower();
    this.resetElectionTimer();
  }

  appendEntries(args: AppendEntriesArgs): AppendEntriesReply {
    if (this.dead || args.term < this.currentTerm) return { term: this.currentTerm, success: false };
    this.hearFromLeader(args.term);
    const last = this.lastIndex();
    if (args.prevLogIndex > last) {
      return { term: this.currentTerm, success: false, xTerm: -1, xIndex: -1, xLen: last + 1 };
    }
    let prev = args.prevLogIndex;
    let incoming = args.entries;
    if (prev < this.snapIndex) {
      // Everything up to snapIndex is committed and held in the snapshot: it matches.
      const skip = this.snapIndex - prev;
      if (skip >= incoming.length) return { term: this.currentTerm, success: true };
      incoming = incoming.slice(skip);
      prev = this.snapIndex;
    } else if (this.termAt(prev) !== args.prevLogTerm) {
      const xTerm = this.termAt(prev);
      let xIndex = prev;
      while (xIndex - 1 > this.snapIndex && this.termAt(xIndex - 1) === xTerm) xIndex--;
      return { term: this.currentTerm, success: false, xTerm, xIndex, xLen: last + 1 };
    }
    // Figure 2, step 3-4: truncate only at a real conflict, append what is new.
    let changed = false;
    for (let k = 0; k < incoming.length; k++) {
      const index = prev + 1 + k;
      if (index <= this.lastIndex() && this.termAt(index) === (incoming[k] as LogEntry).term) continue;
      if (index <= this.lastIndex()) this.entries.length = index - this.snapIndex;
      for (const e of incoming.slice(k)) this.entries.push({ term: e.term, command: e.command });
      changed = true;
      break;
    }
    if (changed) this.persist();
    const lastNew = prev + incoming.length;
    if (args.leaderCommit > this.commitIndex) {
      this.commitIndex = Math.max(this.commitIndex, Math.min(args.leaderCommit, lastNew));
      this.applyCommitted();
    }
    return { term: this.currentTerm, success: true };
  }

  /** Figure 13's receiver, with chunks. */
  installSnapshot(args: InstallSnapshotArgs): InstallSnapshotReply {
    if (this.dead || args.term < this.currentTerm) return { term: this.currentTerm };
    this.hearFromLeader(args.term);
    const offset = args.offset ?? 0;
    const done = args.done ?? true;
    if (args.lastIncludedIndex <= this.commitIndex) {
      // Not newer than what this server has: nothing to install.
      this.incoming = null;
      return { term: this.currentTerm };
    }
    const same = (x: Incoming): boolean =>
      x.term === args.term && x.leaderId === args.leaderId && x.index === args.lastIncludedIndex && x.snapTerm === args.lastIncludedTerm;
    if (offset === 0) {
      // Step 2: a new snapshot file on the first chunk.
      this.incoming = { term: args.term, leaderId: args.leaderId, index: args.lastIncludedIndex, snapTerm: args.lastIncludedTerm, data: '' };
    }
    const file = this.incoming;
    if (file === null || !same(file) || offset > file.data.length) {
      // A chunk of a transfer this server does not hold the beginning of: drop it.
      return { term: this.currentTerm };
    }
    // Step 3: write the chunk at its offset.
    file.data = file.data.slice(0, offset) + args.data + file.data.slice(offset + args.data.length);
    // Step 4: more chunks to come.
    if (!done) return { term: this.currentTerm };
    this.incoming = null;
    this.install(args.lastIncludedIndex, args.lastIncludedTerm, file.data.slice(0, offset + args.data.length));
    return { term: this.currentTerm };
  }

  /** Figure 13 steps 5-8. */
  private install(index: number, term: number, data: string): void {
    if (index <= this.commitIndex) return;
    if (index <= this.lastIndex() && this.termAt(index) === term) {
      // Step 6: keep the entries that follow the snapshot.
      this.entries = [{ term, command: null }, ...this.entries.slice(index - this.snapIndex + 1)];
    } else {
      // Step 7: discard the whole log.
      this.entries = [{ term, command: null }];
    }
    this.snapIndex = index;
    this.snapTerm = term;
    this.snapshotData = data;
    this.commitIndex = index;
    this.persist();
    // Step 8: the service resets its state from the snapshot.
    this.lastApplied = index;
    this.applyCh.send({
      commandValid: false,
      command: null,
      commandIndex: 0,
      snapshotValid: true,
      snapshot: data,
      snapshotTerm: term,
      snapshotIndex: index,
    });
  }
}

export const make: MakeRaft = (peers, me, persister, applyCh, runtime) => new ChunkRaft(peers, me, persister, applyCh, runtime);
