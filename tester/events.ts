// Everything a run records: the network's events plus what the tester itself
// sees and does. Monitors and traces are built on this one stream.
import type { NetEvent } from '../labrpc/events.ts';
import type { MonitorCheckId } from './check-ids.ts';

/** The first event of every run. */
export interface ClusterEvent {
  kind: 'cluster';
  t: number;
  n: number;
  seed: number;
  clock: 'virtual' | 'real';
}
/** A getState() answer that differs from the server's previous one. */
export interface StateEvent {
  kind: 'state';
  t: number;
  server: number;
  term: number;
  isLeader: boolean;
}
export interface StartEvent {
  kind: 'start';
  t: number;
  server: number;
  incarnation: number;
  /**
   * Lab 2D: the tester ingested the server's stored snapshot before make(),
   * as the lab's start1 does; it stands for every index up to this one, and
   * the new incarnation must apply from the next.
   */
  snapshotIndex?: number;
}
export interface CrashEvent {
  kind: 'crash';
  t: number;
  server: number;
}
/**
 * The end of the run (the test's cleanup, the end of a fuzz scenario) killed
 * server i. crash1's kill is its CrashEvent. From here on the instance is
 * dead: the network treats whatever its handlers return as lost.
 */
export interface KillEvent {
  kind: 'kill';
  t: number;
  server: number;
  incarnation: number;
}
/** The tester called start(command) on a server (lab 2B), and what it answered. */
export interface SubmitEvent {
  kind: 'submit';
  t: number;
  server: number;
  incarnation: number;
  command: unknown;
  index: number;
  term: number;
  isLeader: boolean;
}
/** A server sent an ApplyMsg on its apply channel (a zombie's late applies included). */
export interface ApplyEvent {
  kind: 'apply';
  t: number;
  server: number;
  /** Which start of the server sent it (a crashed incarnation's applier may still run, as in the lab). */
  incarnation: number;
  commandValid: boolean;
  command: unknown;
  index: number;
  /**
   * Lab 2D, present only on a snapshot ApplyMsg (snapshotValid): the
   * snapshot, its index and its term as the server sent them (the snapshot
   * is the tester's encoding of an applied log, when the Raft kept it intact).
   */
  snapshotValid?: true;
  snapshot?: string;
  snapshotIndex?: number;
  snapshotTerm?: number;
  /**
   * Sent by an incarnation killed inside the very call (an RPC handler, or
   * snapshot()) that is sending it, before that call returned: a fault
   * step's crash inside a save, as a power cut would come. The rest of that
   * call runs on the killed instance, which JavaScript cannot stop midway;
   * like its answer, what it sends is a power cut's loss, not a killed server
   * that goes on applying.
   */
  inKilledCall?: true;
}
/**
 * Lab 2D: the tester called snapshot(index, snapshot) on this incarnation of
 * the server, from inside its handling of the apply of `index` (the lab's
 * applier does so after every tenth command); size: the snapshot's length.
 */
export interface SnapshotEvent {
  kind: 'snapshot';
  t: number;
  server: number;
  incarnation: number;
  index: number;
  size: number;
}
/**
 * A server wrote its persister (lab 2C); size: the raft state's length, as
 * raftStateSize() gives it (bytes for ASCII text such as JSON).
 */
export interface PersistEvent {
  kind: 'persist';
  t: number;
  server: number;
  incarnation: number;
  size: number;
  /**
   * Lab 2D, present only while the persister holds a snapshot after this
   * save: its length, and the index it holds the log up to when it is the
   * tester's encoding (absent when the tester cannot decode it).
   */
  snapshotSize?: number;
  snapshotIndex?: number;
}
/** The tester's connect(i) / disconnect(i). */
export interface ConnectEvent {
  kind: 'connect' | 'disconnect';
  t: number;
  server: number;
}
/** The network's fault settings changed. */
export interface NetConfigEvent {
  kind: 'net-config';
  t: number;
  reliable: boolean;
  longReordering: boolean;
  duplicateRate: number;
  /** The unreliable profile in force (used while reliable is false). */
  requestDropRate?: number;
  replyDropRate?: number;
  maxDelayMs?: number;
  /** A nemesis holds the replies between these servers holdMs each (absent: no hold). */
  holdGroup?: number[];
  holdMs?: number;
}
/** A step of the test (checkOneLeader, sleep, a fault...). */
export interface StepEvent {
  kind: 'step';
  t: number;
  name: string;
  detail: string;
}
/** The outcome of one of the lab's checks. */
export interface CheckEvent {
  kind: 'check';
  t: number;
  name: string;
  ok: boolean;
  detail: string;
}
export interface ViolationEvent {
  kind: 'violation';
  t: number;
  check: MonitorCheckId;
  message: string;
  servers: number[];
  term: number | undefined;
  /** False when the test only warns about this check. */
  fatal: boolean;
  /** The RPCs (ids) that make the violation, where a check names them (the AppendEntries that put each applied entry there). */
  rpcs?: number[];
}

export type TesterEvent =
  | NetEvent
  | ClusterEvent
  | StateEvent
  | StartEvent
  | SubmitEvent
  | ApplyEvent
  | SnapshotEvent
  | PersistEvent
  | CrashEvent
  | KillEvent
  | ConnectEvent
  | NetConfigEvent
  | StepEvent
  | CheckEvent
  | ViolationEvent;

export type TesterListener = (event: TesterEvent) => void;
