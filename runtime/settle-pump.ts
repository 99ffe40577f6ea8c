// Drives virtual clocks. After each timer a clock runs, every promise
// continuation it caused must run before that clock's next timer, or `await`
// code would behave differently than in real time. The only sure way to let
// the microtask queue drain is to yield to Node's event loop (setImmediate),
// which costs about 2 µs. Independent simulations never interact, so one such
// yield is shared: each step runs the next timer of every active simulation,
// then yields once for all of them.
import type { SteppableClock } from './virtual-clock.ts';
import { wallNow } from './wall.ts';

export type RunOutcome<T> =
  | { status: 'done'; value: T }
  /** The main task rejected, or a timer callback threw. */
  | { status: 'failed'; error: unknown }
  /** Virtual time reached the deadline before the main task finished. */
  | { status: 'deadline' }
  /** Nothing is scheduled and the main task still waits: it can never finish. */
  | { status: 'stalled' }
  /** Someone called stop(): a monitor saw a violation, say. */
  | { status: 'stopped'; reason: unknown };

export interface RunOptions {
  /** Virtual time at which to give up (default: never). */
  deadline?: number;
  /** Called before each timer runs (observers that sample state). */
  beforeEach?: () => void;
}

export class VirtualRun<T> {
  readonly outcome: Promise<RunOutcome<T>>;
  private result: RunOutcome<T> | undefined;
  private stopReason: { reason: unknown } | undefined;
  private settle!: (outcome: RunOutcome<T>) => void;
  private readonly deadline: number;
  private readonly beforeEach: (() => void) | undefined;
  private readonly wallAtStart = pump().sharedWallMs;

  constructor(
    private readonly clock: SteppableClock,
    main: () => Promise<T>,
    options: RunOptions,
  ) {
    this.deadline = options.deadline ?? Infinity;
    this.beforeEach = options.beforeEach;
    this.outcome = new Promise<RunOutcome<T>>((resolve) => {
      this.settle = resolve;
    });
    let task: Promise<T>;
    try {
      task = main();
    } catch (error) {
      task = Promise.reject(error);
    }
    task.then(
      (value) => this.finishOnce({ status: 'done', value }),
      (error: unknown) => this.finishOnce({ status: 'failed', error }),
    );
  }

  /** Ends the run before its next timer. */
  stop(reason: unknown): void {
    this.stopReason ??= { reason };
  }

  get finished(): boolean {
    return this.result !== undefined;
  }

  /** This run's share of the wall time of the steps it took part in. */
  wallMs(): number {
    return pump().sharedWallMs - this.wallAtStart;
  }

  /** One step: run this clock's next timer. Returns false once the run is over. */
  advance(): boolean {
    if (this.result !== undefined) return this.report();
    if (this.stopReason !== undefined) {
      this.finishOnce({ status: 'stopped', reason: this.stopReason.reason });
      return this.report();
    }
    const due = this.clock.nextDue();
    if (due === undefined) {
      this.finishOnce({ status: 'stalled' });
      return this.report();
    }
    if (due > this.deadline) {
      this.clock.advanceTo(this.deadline);
      this.finishOnce({ status: 'deadline' });
      return this.report();
    }
    try {
      this.beforeEach?.();
      this.clock.runNext();
    } catch (error) {
      this.finishOnce({ status: 'failed', error });
    }
    return true;
  }

  private finishOnce(outcome: RunOutcome<T>): void {
    this.result ??= outcome;
  }

  private report(): false {
    this.settle(this.result as RunOutcome<T>);
    return false;
  }
}

type Advanceable = { advance(): boolean };

class SettlePump {
  private active: Advanceable[] = [];
  private incoming: Advanceable[] = [];
  private scheduled = false;
  // Wall time is shared out between the simulations of each step: the
  // running sum of (step duration / simulations in it). A simulation's cost
  // is this sum at its end minus at its start.
  private shared = 0;
  private lastStepAt = -1;
  private lastStepSize = 0;

  /** Milliseconds of wall time charged so far to one simulation that has run in every step. */
  get sharedWallMs(): number {
    return this.shared;
  }

  add(run: Advanceable): void {
    this.incoming.push(run);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.step);
    }
  }

  /** Simulations currently being driven (for tests and the benchmark). */
  get size(): number {
    return this.active.length + this.incoming.length;
  }

  private readonly step = (): void => {
    const now = wallNow();
    if (this.lastStepAt >= 0) this.shared += (now - this.lastStepAt) / this.lastStepSize;
    if (this.incoming.length > 0) {
      for (const run of this.incoming) this.active.push(run);
      this.incoming = [];
    }
    const runs = this.active;
    let kept = 0;
    for (let i = 0; i < runs.length; i++) {
      const run = runs[i] as Advanceable;
      if (run.advance()) runs[kept++] = run;
    }
    this.lastStepAt = now;
    this.lastStepSize = runs.length;
    runs.length = kept;
    if (kept > 0 || this.incoming.length > 0) setImmediate(this.step);
    else {
      this.scheduled = false;
      this.lastStepAt = -1;
    }
  };
}

const thePump = new SettlePump();
function pump(): SettlePump {
  return thePump;
}

/**
 * Starts `main` on a virtual clock and drives the clock until main settles,
 * the deadline passes, nothing is left to run, or stop() is called.
 */
export function runVirtual<T>(clock: SteppableClock, main: () => Promise<T>, options: RunOptions = {}): VirtualRun<T> {
  const run = new VirtualRun(clock, main, options);
  thePump.add(run);
  return run;
}

/** Number of simulations the shared pump is driving right now. */
export function activeSimulations(): number {
  return thePump.size;
}
