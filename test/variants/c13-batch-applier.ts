// C13: an applier that waits on a condition variable and applies in batches.
//
// What sets this variant apart: committed entries reach applyCh through one
// background loop that sleeps on a small promise-based condition variable
// (wait / broadcast). Whatever advances commitIndex (a follower taking in a
// leaderCommit, a leader counting a majority) broadcasts; the applier wakes,
// collects log[lastApplied+1 .. commitIndex] as one batch, then sends it.
// kill() broadcasts too, so the applier wakes, sees it is dead and exits:
// nothing is applied after kill(). The whole server is a set of closures over
// the local state of make(), not a class. Elections run from a ticker loop
// (runtime.sleep of 25 ms); a leader heartbeats every 150 ms; election
// timeouts are drawn from 350-700 ms. A leader commits by sorting matchIndex
// and taking the index a majority holds, only when that entry is of its own
// term (Figure 8). A refused AppendEntries carries the follower's conflicting
// term and the first index it holds for it (or its log length when it is too
// short); the leader moves nextIndex straight back to that first index, so
// each refusal skips a whole term, and retries at once.
// start() sends at once to each peer not already waiting on a reply; the
// reply to the latest send keeps feeding a follower that is behind, at most
// 128 entries per AppendEntries.
//
// Written from the Raft paper's Figure 2 and §5 and the MIT 6.824 lab's
// text, independently of the project's reference Raft and other variants.
import type {
  AppendEntriesArgs,
  AppendEntriesReply,
  LogEntry,
  MakeRaft,
  RaftState,
  RequestVoteArgs,
  RequestVoteReply,
  StartResult,
} from '../../raft/contract.ts';
import { RPC } from '../../raft/contract.ts';
import { LogJson } from './log-json.ts';

const TICK_MS = 25;
const HEARTBEAT_MS = 150;
const ELECTION_MIN_MS = 350;
const ELECTION_MAX_MS = 700;
/** At most this many entries per AppendEntries; a follower further behind is fed batch after batch. */
const MAX_ENTRIES = 128;

export const persists = true;
export const timing = { heartbeatMs: HEARTBEAT_MS, electionTimeoutMs: [ELECTION_MIN_MS, ELECTION_MAX_MS] as const };

/** A condition variable: wait() resolves at the next broadcast(). */
interface Cond {
  wait(): Promise<void>;
  broadcast(): void;
}

function makeCond(): Cond {
  let waiters: (() => void)[] = [];
  return {
    wait: () => new Promise<void>((resolve) => waiters.push(resolve)),
    broadcast: () => {
      const woken = waiters;
      waiters = [];
      for (const wake of woken) wake();
    },
  };
}

type Role = 'follower' | 'candidate' | 'leader';

interface Saved {
  term: number;
  votedFor: number | null;
  log: LogEntry[];
}

export const make: MakeRaft = (peers, me, persister, applyCh, runtime) => {
  const n = peers.length;
  const majority = Math.floor(n / 2) + 1;

  // Persistent state (Figure 2). log[0] is a sentinel so indexes start at 1.
  let currentTerm = 0;
  let votedFor: number | null = null;
  let log: LogEntry[] = [{ term: 0, command: null }];
  const logJson = new LogJson();

  // Volatile state.
  let commitIndex = 0;
  let lastApplied = 0;
  let role: Role = 'follower';
  let dead = false;
  let electionDeadline = 0;
  let nextHeartbeat = 0;
  const nextIndex: number[] = new Array<number>(n).fill(1);
  const matchIndex: number[] = new Array<number>(n).fill(0);
  // Per peer: how many AppendEntries were sent, and whether the latest is unanswered.
  const sendSeq: number[] = new Array<number>(n).fill(0);
  const awaiting: boolean[] = new Array<boolean>(n).fill(false);

  const applyCond = makeCond();

  const lastIndex = (): number => log.length - 1;
  const lastTerm = (): number => (log[log.length - 1] as LogEntry).term;
  const termAt = (i: number): number => (log[i] as LogEntry).term;

  function persist(): void {
    persister.saveRaftState(`{"term":${currentTerm},"votedFor":${JSON.stringify(votedFor)},"log":${logJson.of(log)}}`);
  }

  function restore(): void {
    const text = persister.readRaftState();
    if (text === '') return;
    const saved = JSON.parse(text) as Saved;
    currentTerm = saved.term;
    votedFor = saved.votedFor;
    log = [{ term: 0, command: null }, ...saved.log];
  }

  function resetElectionTimer(): void {
    electionDeadline = runtime.now() + runtime.random.between(ELECTION_MIN_MS, ELECTION_MAX_MS);
  }

  /** Takes in a higher term: becomes its follower, with no vote yet. The caller persists. */
  function adoptTerm(term: number): void {
    if (role === 'leader') resetElectionTimer();
    currentTerm = term;
    votedFor = null;
    role = 'follower';
  }

  function setCommitIndex(index: number): void {
    if (index > commitIndex) {
      commitIndex = index;
      applyCond.broadcast();
    }
  }

  // ---- the applier: wait on the condition variable, apply in batches ----

  async function applier(): Promise<void> {
    while (!dead) {
      while (lastApplied >= commitIndex && !dead) await applyCond.wait();
      if (dead) return;
      const from = lastApplied + 1;
      const upTo = commitIndex;
      const batch = log.slice(from, upTo + 1);
      for (let k = 0; k < batch.length; k++) {
        if (dead) return;
        applyCh.send({ commandValid: true, command: (batch[k] as LogEntry).command, commandIndex: from + k });
      }
      lastApplied = upTo;
    }
  }

  // ---- leader side ----

  function advanceCommit(): void {
    if (role !== 'leader') return;
    const sorted = matchIndex.slice();
    sorted[me] = lastIndex();
    sorted.sort((a, b) => a - b);
    const held = sorted[Math.floor((n - 1) / 2)] as number; // held by at least a majority
    if (held > commitIndex && termAt(held) === currentTerm) setCommitIndex(held);
  }

  function sendAppend(peer: number): void {
    if (dead || role !== 'leader') return;
    const next = Math.min(Math.max(nextIndex[peer] as number, 1), lastIndex() + 1);
    const args: AppendEntriesArgs = {
      term: currentTerm,
      leaderId: me,
      prevLogIndex: next - 1,
      prevLogTerm: termAt(next - 1),
      entries: log.slice(next, next + MAX_ENTRIES),
      leaderCommit: commitIndex,
    };
    const seq = ++sendSeq[peer]!;
    awaiting[peer] = true;
    void peers[peer]!.call<AppendEntriesReply>(RPC.AppendEntries, args).then((reply) => {
      const latest = seq === sendSeq[peer];
      if (latest) awaiting[peer] = false;
      if (dead || reply === null) return;
      if (reply.term > currentTerm) {
        adoptTerm(reply.term);
        persist();
        return;
      }
      if (role !== 'leader' || currentTerm !== args.term) return;
      if (reply.success) {
        const matched = args.prevLogIndex + args.entries.length;
        if (matched > (matchIndex[peer] as number)) matchIndex[peer] = matched;
        if (matched + 1 > (nextIndex[peer] as number)) nextIndex[peer] = matched + 1;
        advanceCommit();
        // Only the reply to the latest send keeps feeding a follower that is behind (one chain per peer).
        if (latest && (nextIndex[peer] as number) <= lastIndex()) sendAppend(peer);
        return;
      }
      // Refused: back up only if nothing has moved nextIndex since this was sent.
      if (nextIndex[peer] !== args.prevLogIndex + 1) return;
      let back: number;
      if (reply.xTerm !== undefined && reply.xIndex !== undefined) back = reply.xIndex;
      else if (reply.xLen !== undefined) back = reply.xLen;
      else back = args.prevLogIndex;
      back = Math.min(back, args.prevLogIndex); // always strictly further back
      nextIndex[peer] = Math.max(1, back);
      sendAppend(peer);
    });
  }

  function broadcastAppend(): void {
    nextHeartbeat = runtime.now() + HEARTBEAT_MS;
    for (let p = 0; p < n; p++) if (p !== me) sendAppend(p);
  }

  function becomeLeader(): void {
    role = 'leader';
    for (let p = 0; p < n; p++) {
      nextIndex[p] = lastIndex() + 1;
      matchIndex[p] = 0;
    }
    matchIndex[me] = lastIndex();
    broadcastAppend();
  }

  // ---- elections ----

  function startElection(): void {
    currentTerm += 1;
    role = 'candidate';
    votedFor = me;
    persist();
    resetElectionTimer();
    const term = currentTerm;
    const args: RequestVoteArgs = { term, candidateId: me, lastLogIndex: lastIndex(), lastLogTerm: lastTerm() };
    let votes = 1;
    if (votes >= majority) {
      becomeLeader();
      return;
    }
    for (let p = 0; p < n; p++) {
      if (p === me) continue;
      void peers[p]!.call<RequestVoteReply>(RPC.RequestVote, args).then((reply) => {
        if (dead || reply === null) return;
        if (reply.term > currentTerm) {
          adoptTerm(reply.term);
          persist();
          return;
        }
        if (role !== 'candidate' || currentTerm !== term || !reply.voteGranted) return;
        votes += 1;
        if (votes >= majority) becomeLeader();
      });
    }
  }

  async function ticker(): Promise<void> {
    while (!dead) {
      await runtime.sleep(TICK_MS);
      if (dead) return;
      const now = runtime.now();
      if (role === 'leader') {
        if (now >= nextHeartbeat) broadcastAppend();
      } else if (now >= electionDeadline) {
        startElection();
      }
    }
  }

  // ---- RPC handlers ----

  function requestVote(args: RequestVoteArgs): RequestVoteReply {
    if (dead) return { term: currentTerm, voteGranted: false };
    let changed = false;
    if (args.term > currentTerm) {
      adoptTerm(args.term);
      changed = true;
    }
    let granted = false;
    if (args.term === currentTerm && (votedFor === null || votedFor === args.candidateId)) {
      const upToDate = args.lastLogTerm > lastTerm() || (args.lastLogTerm === lastTerm() && args.lastLogIndex >= lastIndex());
      if (upToDate) {
        granted = true;
        if (votedFor !== args.candidateId) {
          votedFor = args.candidateId;
          changed = true;
        }
        resetElectionTimer();
      }
    }
    if (changed) persist();
    return { term: currentTerm, voteGranted: granted };
  }

  function appendEntries(args: AppendEntriesArgs): AppendEntriesReply {
    if (dead) return { term: currentTerm, success: false };
    if (args.term < currentTerm) return { term: currentTerm, success: false };
    let changed = false;
    if (args.term > currentTerm) {
      adoptTerm(args.term);
      changed = true;
    }
    role = 'follower';
    resetElectionTimer();

    // Receiver rule 2: the previous entry must be here, of the same term.
    if (args.prevLogIndex > lastIndex()) {
      if (changed) persist();
      return { term: currentTerm, success: false, xLen: lastIndex() + 1 };
    }
    if (termAt(args.prevLogIndex) !== args.prevLogTerm) {
      const xTerm = termAt(args.prevLogIndex);
      let xIndex = args.prevLogIndex;
      while (xIndex > 1 && termAt(xIndex - 1) === xTerm) xIndex--;
      if (changed) persist();
      return { term: currentTerm, success: false, xTerm, xIndex, xLen: lastIndex() + 1 };
    }

    // Rules 3 and 4: cut at the first conflict only, then append what is new.
    for (let k = 0; k < args.entries.length; k++) {
      const index = args.prevLogIndex + 1 + k;
      const entry = args.entries[k] as LogEntry;
      if (index <= lastIndex()) {
        if (termAt(index) === entry.term) continue;
        log = log.slice(0, index);
      }
      log.push(...args.entries.slice(k));
      changed = true;
      break;
    }
    if (changed) persist();

    // Rule 5.
    if (args.leaderCommit > commitIndex) setCommitIndex(Math.min(args.leaderCommit, args.prevLogIndex + args.entries.length));
    return { term: currentTerm, success: true };
  }

  // ---- the rest of the interface ----

  function start(command: unknown): StartResult {
    if (dead || role !== 'leader') return { index: -1, term: currentTerm, isLeader: false };
    log.push({ term: currentTerm, command });
    persist();
    matchIndex[me] = lastIndex();
    const index = lastIndex();
    advanceCommit(); // a one-server cluster commits at once; the applier sends later
    // Send now to every peer not already waiting on a reply; the others get it when that reply comes.
    for (let p = 0; p < n; p++) if (p !== me && !awaiting[p]) sendAppend(p);
    return { index, term: currentTerm, isLeader: true };
  }

  function getState(): RaftState {
    return { term: currentTerm, isLeader: role === 'leader' };
  }

  function kill(): void {
    dead = true;
    applyCond.broadcast();
  }

  restore();
  resetElectionTimer();
  void ticker();
  void applier();

  return { getState, kill, requestVote, appendEntries, start };
};
