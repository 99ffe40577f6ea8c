// Messages between a driver (the stress loop, the fuzzer, replay) and the
// pool's worker threads.
import type { ClockKind } from '../../runtime/clock.ts';
import type { Checks } from '../checks.ts';
import type { IterationResult } from './iteration.ts';
import type { ScenarioResult } from './run-scenario.ts';
import type { Scenario } from './scenario.ts';

/** One iteration of a test (the stress loop). */
export interface IterationJob {
  kind?: 'iteration';
  /** Unique within a campaign. */
  key: number;
  test: string;
  index: number;
  seed: number;
  /** Run it with a recorder and send its trace back (a failure being logged). */
  trace?: boolean;
  /** Run it with the lab's checks alone: would the lab's tester fail it too? */
  labOnly?: boolean;
  /**
   * Send each event as it happens (an 'event' message), not only the trace at
   * the end: a thread the watchdog stops can send nothing more, so the events
   * up to the stop are only those already sent.
   */
  stream?: boolean;
}

/** One fuzz scenario (the fuzzer runs on the same pool, with the same watchdog). */
export interface ScenarioJob {
  kind: 'scenario';
  key: number;
  scenario: Scenario;
  trace?: boolean;
  /** Run it with the lab's checks alone (would the lab fail it too?). */
  labOnly?: boolean;
}

export type Job = IterationJob | ScenarioJob;

export interface WorkerInit {
  clock: ClockKind;
  /** The Raft's module path, which each worker loads once (RaftUnderTest.path); none: the built-in Raft. */
  raftModule: string | undefined;
  /** Record every iteration's trace, not only failures'. */
  archive: boolean;
  /** Iterations a worker runs at once (p-limit inside the worker). */
  concurrency: number;
  /** Which checks judge (default all). */
  checks?: Checks;
}

export type ToWorker = { type: 'init'; init: WorkerInit } | { type: 'job'; job: Job } | { type: 'exit' };

export interface JobDone {
  type: 'done';
  key: number;
  result: IterationResult;
  /** JSON lines of the run's events, for failures (and all runs with --archive). */
  trace: string | undefined;
  /** Worst event-loop delay seen while it ran (real time), in ms. */
  loopDelayMs: number;
}

export interface ScenarioDone {
  type: 'scenario-done';
  key: number;
  result: ScenarioResult;
  trace: string | undefined;
}

export type FromWorker =
  /** threadId: the thread's id in /proc/self/task (Linux), for the watchdog's reading of its CPU time; callSlot: runtime/in-call.ts's slot, the call the thread is in. */
  | { type: 'ready'; threadId: number | undefined; callSlot: SharedArrayBuffer }
  /** Once a second: how far the thread's simulations have got (a count that grows as virtual time moves, or as a real-time thread turns). */
  | { type: 'beat'; progress: number }
  | { type: 'init-error'; message: string }
  | { type: 'start'; key: number }
  /**
   * The implementation crashed the thread (an exception or rejection nobody
   * caught) while several iterations ran: the pool re-runs them one at a time.
   */
  | { type: 'crash'; message: string }
  /** An iteration was failed for a crash: replace this thread once its jobs are done. */
  | { type: 'retire' }
  | JobDone
  | ScenarioDone
  /** One event of a streamed job, as the JSON line its trace would hold. */
  | { type: 'event'; key: number; line: string }
  | { type: 'lag'; maxMs: number }
  /** Once a second: the worker's heap after its iterations, to show memory stays flat. */
  | { type: 'memory'; heapMb: number; rssMb: number };
