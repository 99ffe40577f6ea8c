// Messages between the stress loop and its worker threads.
import type { ClockKind } from '../../runtime/clock.ts';
import type { IterationResult } from './iteration.ts';

export interface Job {
  /** Unique within a campaign. */
  key: number;
  test: string;
  index: number;
  seed: number;
  /** Run it with a recorder and send its trace back (a failure being logged). */
  trace?: boolean;
}

export interface WorkerInit {
  clock: ClockKind;
  raftModule: string | undefined;
  /** Record every iteration's trace, not only failures'. */
  archive: boolean;
  /** Iterations a worker runs at once (p-limit inside the worker). */
  concurrency: number;
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

export type FromWorker =
  | { type: 'ready' }
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
  | { type: 'lag'; maxMs: number }
  /** Once a second: the worker's heap after its iterations, to show memory stays flat. */
  | { type: 'memory'; heapMb: number; rssMb: number };
