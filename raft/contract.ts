// The contract between the tester and any Raft implementation.
//
// The tester calls `make(peers, me, persister, applyCh, runtime)` once per
// server start, as the lab calls Make(). The implementation answers RPCs
// through `requestVote` and `appendEntries` (the tester registers them as the
// "Raft" service), reports `getState()`, and stops for good on `kill()`.
import type { Timer } from '../runtime/clock.ts';
import type { Random } from '../runtime/random.ts';

// ---- RPC messages (the lab's structs, in TypeScript style) ----

export interface RequestVoteArgs {
  term: number;
  candidateId: number;
  lastLogIndex: number;
  lastLogTerm: number;
}

export interface RequestVoteReply {
  term: number;
  voteGranted: boolean;
}

/** One log entry (Figure 2: "each entry contains command for state machine, and term when entry was received by leader"). */
export interface LogEntry {
  term: number;
  command: unknown;
}

export interface AppendEntriesArgs {
  term: number;
  leaderId: number;
  prevLogIndex: number;
  prevLogTerm: number;
  /** The entries at prevLogIndex+1, prevLogIndex+2, ... (empty for a heartbeat). */
  entries: LogEntry[];
  leaderCommit: number;
}

export interface AppendEntriesReply {
  term: number;
  success: boolean;
  /**
   * Optional hints for backing up nextIndex quickly, named as in the lab's 2C
   * text: the term of the conflicting entry, the first index the follower
   * holds for that term, and the follower's log length. A Raft may leave them
   * out (backing up one entry at a time, or by its own rule).
   */
  xTerm?: number;
  xIndex?: number;
  xLen?: number;
}

/**
 * Figure 13's InstallSnapshot (lab 2D): the leader's snapshot, for a follower
 * whose next entry the leader has already compacted away. The whole snapshot
 * may travel in one call (`offset` 0 and `done` true, or both left out), or in
 * chunks at byte offsets, the last one marked `done`.
 */
export interface InstallSnapshotArgs {
  term: number;
  leaderId: number;
  /** The snapshot replaces all entries up through and including this index. */
  lastIncludedIndex: number;
  /** The term of lastIncludedIndex. */
  lastIncludedTerm: number;
  /** The snapshot's bytes (this chunk's, when chunked). */
  data: string;
  /** Where this chunk starts in the snapshot (Figure 13; default 0). */
  offset?: number;
  /** True when this chunk is the last (Figure 13; default true). */
  done?: boolean;
}

export interface InstallSnapshotReply {
  /** currentTerm, for the leader to update itself. */
  term: number;
}

/** RPC names, and the field names each message must have (checked by the tester). */
export const RPC = {
  RequestVote: 'Raft.RequestVote',
  AppendEntries: 'Raft.AppendEntries',
  InstallSnapshot: 'Raft.InstallSnapshot',
} as const;

export const MESSAGE_FIELDS = {
  [RPC.RequestVote]: {
    args: ['term', 'candidateId', 'lastLogIndex', 'lastLogTerm'],
    reply: ['term', 'voteGranted'],
  },
  [RPC.AppendEntries]: {
    args: ['term', 'leaderId', 'prevLogIndex', 'prevLogTerm', 'entries', 'leaderCommit'],
    reply: ['term', 'success'],
  },
  [RPC.InstallSnapshot]: {
    args: ['term', 'leaderId', 'lastIncludedIndex', 'lastIncludedTerm', 'data'],
    reply: ['term'],
  },
} as const;

/** Reply fields a message may carry beyond MESSAGE_FIELDS (the lab's fast-backup hints). */
export const OPTIONAL_REPLY_FIELDS = {
  [RPC.RequestVote]: [],
  [RPC.AppendEntries]: ['xTerm', 'xIndex', 'xLen'],
  [RPC.InstallSnapshot]: [],
} as const;

/** Request fields a message may carry beyond MESSAGE_FIELDS (Figure 13's chunking). */
export const OPTIONAL_ARGS_FIELDS = {
  [RPC.RequestVote]: [],
  [RPC.AppendEntries]: [],
  [RPC.InstallSnapshot]: ['offset', 'done'],
} as const;

/** The fields every log entry carries. */
export const LOG_ENTRY_FIELDS = ['term', 'command'] as const;

// ---- what the tester gives an implementation ----

/** One peer's end of the network; `peers[me]` is the server itself. */
export interface Peer {
  /** Resolves to the reply, or to null when the RPC failed (the lab's false). */
  call<Reply = unknown>(svcMeth: string, args: unknown): Promise<Reply | null>;
}

/**
 * Durable state that survives a crash (unused by leader election itself):
 * the Raft state (Figure 2's persistent state) and, from lab 2D, the latest
 * snapshot, as the lab's Persister keeps them.
 */
export interface Persister {
  /** Stores the Raft state; the stored snapshot stays as it is. */
  saveRaftState(state: string): void;
  readRaftState(): string;
  raftStateSize(): number;
  /**
   * Lab 2D: stores the Raft state and the snapshot together, atomically, as
   * the lab's Save(state, snapshot). A null snapshot erases the stored one, as
   * Save(state, nil) does: a Raft that restarts without reading its snapshot
   * back and then saves loses it.
   */
  save(raftState: string, snapshot: string | null): void;
  /** The stored snapshot ('' when there is none). */
  readSnapshot(): string;
  snapshotSize(): number;
}

/**
 * The lab's ApplyMsg. Either a committed command (commandValid), sent once
 * per index, in index order; or, from lab 2D, a snapshot (snapshotValid,
 * commandValid false) that stands for every command up to snapshotIndex,
 * after which applies continue at snapshotIndex + 1.
 */
export interface ApplyMsg {
  commandValid: boolean;
  command: unknown;
  commandIndex: number;
  snapshotValid?: boolean;
  snapshot?: string;
  snapshotTerm?: number;
  snapshotIndex?: number;
}

/** Where committed commands go (nothing is committed in 2A). The lab's unbuffered applyCh: send() returns at once. */
export interface ApplyChannel {
  send(msg: ApplyMsg): void;
}

/**
 * Time and randomness. An implementation that takes both only from here runs
 * unchanged in virtual and in real time, and replays exactly from a seed.
 */
export interface RaftRuntime {
  /** Milliseconds since the run started. */
  now(): number;
  sleep(ms: number): Promise<void>;
  setTimer(ms: number, fn: () => void): Timer;
  /** This server's own seeded random stream. */
  readonly random: Random;
}

// ---- what an implementation gives back ----

export interface RaftState {
  term: number;
  isLeader: boolean;
}

/** What start() answers, as the lab's Start() returns (index, term, isLeader). */
export interface StartResult {
  /** The index the command will have if it is ever committed (the first index is 1). */
  index: number;
  term: number;
  isLeader: boolean;
}

export interface RaftPeer {
  /** The current term and whether this server believes it is the leader. */
  getState(): RaftState;
  /**
   * Stops the server for good: no more timers, no more RPCs. From then on
   * the instance is dead, as a crashed machine is: an RPC that reaches it (or
   * was running in it) may get any answer from its handler, no answer at
   * all (undefined, null), or a promise that never settles; none of it is a
   * reply. The network loses it, as labrpc loses a dead server's replies, and
   * the caller sees a failed RPC. What a dead instance must still not do is
   * apply or persist over its successor.
   */
  kill(): void;
  requestVote(args: RequestVoteArgs): RequestVoteReply | Promise<RequestVoteReply>;
  appendEntries(args: AppendEntriesArgs): AppendEntriesReply | Promise<AppendEntriesReply>;
  /**
   * Lab 2B: agree on a new command. Returns at once; only a leader appends it
   * (isLeader false otherwise). Must be safe on a disconnected or killed
   * server. A 2A-only implementation may leave it out; the 2B and 2C tests
   * then refuse it before any work.
   */
  start?(command: unknown): StartResult;
  /**
   * Lab 2D: the service has a snapshot of its state up to and including
   * `index` (the lab's Snapshot(index, snapshot)). The Raft keeps it (with its
   * state, through Persister.save) and trims its log up to `index`. The tester
   * calls it on every server, synchronously, from inside its handling of an
   * apply: a Raft must not wait there for its own apply to finish.
   */
  snapshot?(index: number, snapshot: string): void;
  /** Lab 2D: Figure 13's receiver. */
  installSnapshot?(args: InstallSnapshotArgs): InstallSnapshotReply | Promise<InstallSnapshotReply>;
}

/** What make() must return: the methods the tester calls. */
export const RAFT_PEER_METHODS = ['getState', 'kill', 'requestVote', 'appendEntries'] as const satisfies readonly (keyof RaftPeer)[];
/** What the log tests (2B, 2C) need beyond RAFT_PEER_METHODS. */
export const RAFT_LOG_METHODS = ['start'] as const satisfies readonly (keyof RaftPeer)[];
/** What the snapshot tests (2D) need beyond RAFT_PEER_METHODS. */
export const RAFT_SNAPSHOT_METHODS = ['start', 'snapshot', 'installSnapshot'] as const satisfies readonly (keyof RaftPeer)[];

/** Must return quickly, like the lab's Make(); start long-running work in the background. */
export type MakeRaft = (peers: Peer[], me: number, persister: Persister, applyCh: ApplyChannel, runtime: RaftRuntime) => RaftPeer;

/** What a module passed with --raft must export. */
export interface RaftModule {
  make: MakeRaft;
  /**
   * 'runtime' (the default): time and randomness come only from the
   * RaftRuntime. 'global': the implementation calls setTimeout, setInterval,
   * Date, performance or the global random source itself; in virtual time the harness
   * swaps those globals for the run's virtual clock and seeded stream, one
   * run at a time per thread.
   */
  timers?: 'runtime' | 'global';
  /**
   * The implementation keeps currentTerm and votedFor in its Persister and
   * reads them back in make() (Figure 2's persistent state; lab 2C). Only
   * then do the drivers crash and restart its servers on their own: the
   * fuzzer adds crash faults, and `npm run stress` runs TestCrashRestart.
   * Left out (2A, 2B), those faults run only when the user asks for them.
   */
  persists?: boolean;
  /**
   * The implementation's own timing, if it wants to be judged by it.
   * Optional: without it, how often a leader heartbeats is judged only by
   * its consequence (a follower of a live, connected leader must not time
   * out). With it, the checks also hold the implementation to what it
   * declared: a leader heartbeats each peer at least once per declared
   * minimum election timeout.
   */
  timing?: RaftTiming;
}

/** What a module may declare about its timing (see RaftModule.timing); the reference Raft's own timing has this shape too. */
export interface RaftTiming {
  /** How often a leader sends heartbeats, in ms (the lab allows at most 10 per second: 100 or more). */
  heartbeatMs: number;
  /** Election timeouts are drawn from [min, max] ms. */
  electionTimeoutMs: readonly [number, number];
}
