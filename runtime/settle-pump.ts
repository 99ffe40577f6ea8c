// Drives virtual clocks. After each timer a clock runs, every continuation it
// caused must run before that clock's next timer, or code would behave
// differently than in real time: work that needs no timer takes no virtual
// time. Continuations are promise reactions, queueMicrotask and
// process.nextTick (Node drains them all whenever a callback returns) and
// setImmediate (run at the next turn of the event loop; a storage library
// answers through it). The pump yields to Node's event loop (a setImmediate
// of its own) and does not move any clock on while an immediate set by
// anyone else is still pending, so a chain of them runs to its end first.
// Independent simulations never interact, so one such yield is shared: each
// step runs the next timer of every active simulation, then yields once for
// all of them. Node drains every continuation between two immediates of one
// turn of its loop as it does between turns, so a turn takes several steps,
// each one its own immediate: a turn of the loop costs several times what
// an immediate does.
//
// Work that waits on real I/O (a file, a socket, DNS) cannot be virtual: its
// answer comes whenever the operating system gives it, while virtual time
// races on. The pump looks for such requests in flight and fails the
// simulations with a message that says so, rather than let them report a
// Raft bug that is the clock's.
import type { SteppableClock } from './virtual-clock.ts';
import { wallNow } from './wall.ts';

const nativeSetImmediate = globalThis.setImmediate;
const nativeClearImmediate = globalThis.clearImmediate;
const nativeSetTimeout = globalThis.setTimeout;
/** Polls for the end of a pause for real I/O without spinning a core the I/O may need. */
function setTimeoutNative(callback: () => void): void {
  nativeSetTimeout(callback, 1);
}
/** Immediates set through the global setImmediate and not yet run or cleared. */
const foreign = new Set<NodeJS.Immediate>();

function countedSetImmediate<A extends unknown[]>(callback: (...args: A) => void, ...args: A): NodeJS.Immediate {
  const handle: NodeJS.Immediate = nativeSetImmediate(() => {
    foreign.delete(handle);
    callback(...args);
  });
  foreign.add(handle);
  return handle;
}
for (const key of Object.getOwnPropertySymbols(nativeSetImmediate)) {
  (countedSetImmediate as unknown as Record<symbol, unknown>)[key] = (nativeSetImmediate as unknown as Record<symbol, unknown>)[key];
}
function countedClearImmediate(handle: NodeJS.Immediate | string | number | undefined): void {
  if (handle !== undefined && typeof handle === 'object') foreign.delete(handle);
  nativeClearImmediate(handle as NodeJS.Immediate);
}
globalThis.setImmediate = countedSetImmediate as unknown as typeof globalThis.setImmediate;
globalThis.clearImmediate = countedClearImmediate;

/** Immediates set by code other than the pump and still pending (for tests). */
export function pendingImmediates(): number {
  return foreign.size;
}

/**
 * Kinds of libuv requests that are real I/O (files, DNS, sockets being
 * connected, datagrams). Writes to a stream (console output into a pipe) are
 * not: nothing in a simulation waits for them.
 */
const REAL_IO = new Set([
  'FSReqCallback',
  'FSReqPromise',
  'FileHandleCloseReq',
  'GetAddrInfoReqWrap',
  'GetNameInfoReqWrap',
  'QueryReqWrap',
  'TCPConnectWrap',
  'PipeConnectWrap',
  'SendWrap',
]);
/**
 * Looking costs about 1 µs: once every this many steps. An implementation
 * that does real I/O does it all the time (on every persist).
 */
const IO_CHECK_EVERY = 16;
/**
 * Real I/O seen in flight pauses every clock until it is over: a request of
 * the harness's own (the module loader writing its cache) is then waited
 * out, however slowly a loaded machine serves it, and virtual time never
 * races past it. An implementation that does real I/O is seen again and
 * again: its runs fail at their this-many-th pause.
 */
const IO_PAUSES_PER_RUN = 8;
/**
 * A pause longer than this (wall time) fails the runs it holds: I/O that is
 * never over (a read loop, a socket) is not the harness's.
 */
const IO_PAUSE_LIMIT_MS = 5000;
/** Steps queued for one turn of the event loop (each its own immediate). */
const STEPS_PER_TURN = 8;

/** Real I/O requests in flight in this thread, by kind. */
export function realIoInFlight(): string[] {
  return process.getActiveResourcesInfo().filter((kind) => REAL_IO.has(kind));
}

/**
 * Waits (at most `maxMs` of wall time) until no real I/O is in flight in
 * this thread. Loading a module is not part of any simulation, but its I/O
 * outlives the import: tsx writes the fresh compile of an edited module to
 * its cache after the module has loaded, and a run started meanwhile would
 * see that write in flight and be failed as waiting on real I/O.
 */
export async function drainRealIo(maxMs = 2000): Promise<void> {
  const until = wallNow() + maxMs;
  while (realIoInFlight().length > 0 && wallNow() < until) {
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

export type RunOutcome<T> =
  | { status: 'done'; value: T }
  /** The main task rejected, or a timer callback threw. */
  | { status: 'failed'; error: unknown }
  /** Virtual time reached the deadline before the main task finished. */
  | { status: 'deadline' }
  /** Nothing is scheduled and the main task still waits: it can never finish. */
  | { status: 'stalled' }
  /** Someone called stop(): a monitor saw a violation, say. */
  | { status: 'stopped'; reason: unknown }
  /** Real I/O was in flight: virtual time cannot wait for it (the kinds of request seen). */
  | { status: 'real-io'; requests: string[] };

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
  /** Pauses of the pump for real I/O while this run was live. */
  ioPauses = 0;

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
      // The thrown value goes on as it is, Error or not: the caller reports it.
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
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

  /** Real I/O is in flight in this thread while this run is being driven. */
  realIo(requests: string[]): void {
    this.finishOnce({ status: 'real-io', requests });
  }

  private finishOnce(outcome: RunOutcome<T>): void {
    this.result ??= outcome;
  }

  private report(): false {
    this.settle(this.result as RunOutcome<T>);
    return false;
  }
}

type Advanceable = { advance(): boolean; realIo(requests: string[]): void; readonly finished: boolean; ioPauses: number };

class SettlePump {
  private active: Advanceable[] = [];
  private incoming: Advanceable[] = [];
  /** The pump's immediates set and not yet run. */
  private queued = 0;
  // Wall time is shared out between the simulations of each step: the
  // running sum of (step duration / simulations in it). A simulation's cost
  // is this sum at its end minus at its start.
  private shared = 0;
  private lastStepAt = -1;
  private lastStepSize = 0;
  private steps = 0;
  /** Wall time at which the current pause for real I/O began, or -1. */
  private ioPausedAt = -1;
  /** A poll for the end of the pause is set. */
  private ioPoll = false;

  /** Milliseconds of wall time charged so far to one simulation that has run in every step. */
  get sharedWallMs(): number {
    return this.shared;
  }

  add(run: Advanceable): void {
    this.incoming.push(run);
    if (this.queued === 0 && !this.ioPoll) this.queueTurn();
  }

  /** Steps taken so far: each one moved every live simulation's clock on by one timer. */
  get stepsTaken(): number {
    return this.steps;
  }

  /** Simulations currently being driven (for tests and the benchmark). */
  get size(): number {
    return this.active.length + this.incoming.length;
  }

  private sweepFinished(): void {
    const runs = this.active;
    let kept = 0;
    for (let i = 0; i < runs.length; i++) {
      const run = runs[i] as Advanceable;
      if (!run.finished || run.advance()) runs[kept++] = run;
    }
    runs.length = kept;
  }

  /**
   * Sets the steps of the next turn of the event loop, one immediate each
   * (an immediate set now runs in the next turn, after those set before it).
   */
  private queueTurn(steps = STEPS_PER_TURN): void {
    this.queued += steps;
    for (let i = 0; i < steps; i++) nativeSetImmediate(this.step);
  }

  private readonly step = (): void => {
    this.queued--;
    // Continuations first: a chain of immediates runs to its end before any
    // clock moves: the pump's other steps of this turn wait, and its last
    // one queues a step behind the pending immediates.
    // (Runs already over are let go meanwhile: that moves no clock.)
    if (foreign.size > 0) {
      this.sweepFinished();
      if (this.queued === 0) this.queueTurn(1);
      return;
    }
    // A step of the turn after the simulations ran out: nothing to move.
    if (this.active.length === 0 && this.incoming.length === 0) return;
    if (this.ioPausedAt >= 0 || ++this.steps % IO_CHECK_EVERY === 0) {
      if (this.pausedForIo()) return;
    }
    const now = wallNow();
    if (this.lastStepAt >= 0) this.shared += (now - this.lastStepAt) / this.lastStepSize;
    this.admitIncoming();
    const runs = this.active;
    let kept = 0;
    for (let i = 0; i < runs.length; i++) {
      const run = runs[i] as Advanceable;
      if (run.advance()) runs[kept++] = run;
    }
    this.lastStepAt = now;
    this.lastStepSize = runs.length;
    runs.length = kept;
    if (kept === 0 && this.incoming.length === 0) this.lastStepAt = -1;
    else if (this.queued === 0) this.queueTurn();
  };

  /** Runs added since the last step join the ones driven. */
  private admitIncoming(): void {
    if (this.incoming.length === 0) return;
    for (const run of this.incoming) this.active.push(run);
    this.incoming = [];
  }

  /**
   * Whether real I/O holds every clock (the step is then taken again later).
   * A pause begins when I/O is seen in flight and ends when none is.
   */
  private pausedForIo(): boolean {
    const io = realIoInFlight();
    if (io.length === 0) {
      this.ioPausedAt = -1;
      return false;
    }
    // A pause judges every live run, new ones too: a run's main has started
    // already, and one whose own I/O began the pause, left waiting outside
    // it, would hold it for ever.
    this.admitIncoming();
    const now = wallNow();
    if (this.ioPausedAt < 0) {
      this.ioPausedAt = now;
      for (const run of this.active) if (++run.ioPauses >= IO_PAUSES_PER_RUN) run.realIo(io);
    } else if (now - this.ioPausedAt > IO_PAUSE_LIMIT_MS) {
      for (const run of this.active) run.realIo(io);
    }
    // Runs failed or over are let go meanwhile (that moves no clock); the step is taken again once the I/O is over.
    this.sweepFinished();
    this.lastStepAt = -1;
    if (this.active.length === 0 && this.incoming.length === 0) this.ioPausedAt = -1;
    else if (this.queued === 0 && !this.ioPoll) {
      // The other steps of this turn look again as they come; the last one sets one poll.
      this.ioPoll = true;
      setTimeoutNative(() => {
        this.ioPoll = false;
        if (this.queued === 0) this.queueTurn(1);
      });
    }
    return true;
  }
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

/**
 * How far this thread's simulations have got: a count that grows whenever
 * virtual time moves on. The watchdog's measure of progress: one that stops
 * growing while runs are live means an implementation keeps time from
 * moving (a chain of continuations that never ends, or a call that never returns).
 */
export function virtualSteps(): number {
  return thePump.stepsTaken;
}

/** Number of simulations the shared pump is driving right now. */
export function activeSimulations(): number {
  return thePump.size;
}
