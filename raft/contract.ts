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

export interface AppendEntriesArgs {
  term: number;
  leaderId: number;
  prevLogIndex: number;
  prevLogTerm: number;
  entries: unknown[];
  leaderCommit: number;
}

export interface AppendEntriesReply {
  term: number;
  success: boolean;
}

/** RPC names, and the field names each message must have (checked by the tester). */
export const RPC = {
  RequestVote: 'Raft.RequestVote',
  AppendEntries: 'Raft.AppendEntries',
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
} as const;

// ---- what the tester gives an implementation ----

/** One peer's end of the network; `peers[me]` is the server itself. */
export interface Peer {
  /** Resolves to the reply, or to null when the RPC failed (the lab's false). */
  call<Reply = unknown>(svcMeth: string, args: unknown): Promise<Reply | null>;
}

/** Durable state that survives a crash (unused by leader election itself). */
export interface Persister {
  saveRaftState(state: string): void;
  readRaftState(): string;
  raftStateSize(): number;
}

export interface ApplyMsg {
  commandValid: boolean;
  command: unknown;
  commandIndex: number;
}

/** Where committed commands go (nothing is committed in 2A). */
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

export interface RaftPeer {
  /** The current term and whether this server believes it is the leader. */
  getState(): RaftState;
  /** Stops the server for good: no more timers, no more RPCs. */
  kill(): void;
  requestVote(args: RequestVoteArgs): RequestVoteReply | Promise<RequestVoteReply>;
  appendEntries(args: AppendEntriesArgs): AppendEntriesReply | Promise<AppendEntriesReply>;
}

/** What make() must return: the methods the tester calls. */
export const RAFT_PEER_METHODS = ['getState', 'kill', 'requestVote', 'appendEntries'] as const satisfies readonly (keyof RaftPeer)[];

/** Must return quickly, like the lab's Make(); start long-running work in the background. */
export type MakeRaft = (
  peers: Peer[],
  me: number,
  persister: Persister,
  applyCh: ApplyChannel,
  runtime: RaftRuntime,
) => RaftPeer;

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
}
