// Everything a run records: the network's events plus what the tester itself
// sees and does. Monitors and traces are built on this one stream.
import type { NetEvent } from '../labrpc/events.ts';

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
}
export interface CrashEvent {
  kind: 'crash';
  t: number;
  server: number;
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
  check: string;
  message: string;
  servers: number[];
  term: number | undefined;
  /** False when the test only warns about this check. */
  fatal: boolean;
}

export type TesterEvent =
  | NetEvent
  | ClusterEvent
  | StateEvent
  | StartEvent
  | CrashEvent
  | ConnectEvent
  | NetConfigEvent
  | StepEvent
  | CheckEvent
  | ViolationEvent;

export type TesterListener = (event: TesterEvent) => void;
