// Messages between the stress loop and its worker threads.
import type { ClockKind } from '../../runtime/clock.ts';
import type { IterationResult } from './iteration.ts';

export interface Job {
  /** Unique within a campaign. */
  key: number;
  test: string;
  index: number;
  seed: number;
}

export interface WorkerInit {
  clock: ClockKind;
  raftModule: string | undefined;
  /** Record every iteration's trace, not only failures'. */
  archive: boolean;
  /** Iterations a worker runs at once (p-limit inside the worker). */
  concurrency: number;
}

export type ToWorker = { type: 'init'; init: WorkerInit } | { type: 'job'; job: Job };

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
  | JobDone
  | { type: 'lag'; maxMs: number }
  /** Once a second: the worker's heap after its iterations, to show memory stays flat. */
  | { type: 'memory'; heapMb: number; rssMb: number };
