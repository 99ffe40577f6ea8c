// Worker threads that run iterations, with a watchdog. A hang is an
// implementation that stops its thread's simulations from making progress:
// a synchronous call that never returns (the thread sends no heartbeat), or
// continuations that never let virtual time move on (its heartbeats stop
// counting up). The budget is the thread's own CPU time without progress,
// so a loaded machine, which slows a thread but does not make it spin, never
// makes a slow iteration look hung. A hung worker is replaced; the
// iterations it held are run again one at a time, so the one that hangs is
// found and reported as a failure of its own, and the campaign goes on.
import { Worker } from 'node:worker_threads';
import type { FromWorker, Job, JobDone, ScenarioDone, ToWorker, WorkerInit } from './protocol.ts';
import { threadCpuMs } from '../../runtime/thread-cpu.ts';
import { describeCall } from '../../runtime/in-call.ts';
import { wallAfter, wallEvery, wallNow, wallSleep } from '../../runtime/wall.ts';
import type { LostCheck } from '../check-ids.ts';

/**
 * Without a reading of the thread's CPU time (off Linux), wall time without
 * progress stands in for it; with one, a thread blocked without spinning
 * (waiting on a lock) is hung after this many budgets of wall time.
 */
const BLOCKED_WALL_FACTOR = 10;
/**
 * Blocked means next to no CPU over the stall: under this share of one core.
 * A thread that spins on a machine so loaded that it gets a tenth of a core
 * is still spinning, and is stopped, named as such, when its CPU budget is
 * spent; a thread waiting on a lock spends nothing.
 */
const BLOCKED_CPU_SHARE = 0.01;

export interface PoolOptions {
  workers: number;
  init: WorkerInit;
  /** The watchdog's budget: CPU milliseconds a thread may spend without progress while it runs a job. */
  timeoutMs: number;
  /** The next job to run, or undefined when there is none (yet, or for good). */
  nextJob: () => Job | undefined;
  onDone: (job: Job, done: JobDone | ScenarioDone) => void;
  /** Keep the workers when no job is left, until stop() (a driver that makes jobs as it goes). */
  persistent?: boolean;
  /**
   * A job stopped by the watchdog (check WATCHDOG), or whose worker died while
   * it ran alone (CRASH); wallMs is how long it had run.
   */
  onLost: (job: Job, message: string, check: LostCheck, wallMs: number) => void;
  /** A job started (again, for a suspect re-run alone: what it streamed before is void). */
  onStart?: (job: Job) => void;
  /** An event of a job run with stream set, as it happens (the line its trace would hold). */
  onEvent?: (job: Job, line: string) => void;
  onLag?: (maxMs: number) => void;
  /** A worker's live heap, with the jobs it had in flight then (what that heap held). */
  onMemory?: (heapMb: number, rssMb: number, inFlight: readonly Job[]) => void;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  /** Running one suspect job alone. */
  solo: boolean;
  /** Asked to be replaced once its jobs are done. */
  retiring: boolean;
  inFlight: Map<number, { job: Job; startedAt: number | undefined }>;
  /** The call into the implementation the thread is in (runtime/in-call.ts), once it is ready. */
  callSlot: SharedArrayBuffer | undefined;
  /** The worker thread's id, to read its CPU time (undefined off Linux). */
  threadId: number | undefined;
  /**
   * The last heartbeat's count, and when the thread last made progress: wall
   * ms, and its CPU ms (read at the watchdog's next look, so that progress,
   * reported per iteration, costs no read of /proc).
   */
  progress: { count: number; wall: number; cpu: number | undefined };
}

export class WorkerPool {
  private readonly slots = new Set<Slot>();
  private readonly suspects: Job[] = [];
  /** Jobs a lost worker held but had not started: innocent, run again as usual. */
  private readonly retry: Job[] = [];
  private stopped = false;
  private sourceDone = false;
  private finish: () => void = () => {};
  private fail: (error: Error) => void = () => {};
  private readonly watchdog: { stop(): void };

  constructor(private readonly options: PoolOptions) {
    this.watchdog = wallEvery(250, () => this.checkBudgets());
  }

  /** Runs jobs until nextJob() runs dry and every job is done, or stop() is called. */
  run(): Promise<void> {
    const done = new Promise<void>((resolve, reject) => {
      this.finish = resolve;
      this.fail = reject;
    });
    for (let i = 0; i < this.options.workers; i++) this.spawn();
    return done.finally(() => this.watchdog.stop());
  }

  /** Starts no more jobs; resolves once running ones finish or after graceMs. */
  async stop(graceMs: number): Promise<void> {
    this.stopped = true;
    const deadline = wallNow() + graceMs;
    while (this.inFlight() > 0 && wallNow() < deadline) await wallSleep(50);
    await this.terminateAll();
    this.finish();
  }

  /** Tells the pool the source may have jobs again (for --loop rounds). */
  poke(): void {
    this.sourceDone = false;
    for (const slot of this.slots) this.dispatch(slot);
  }

  inFlight(): number {
    let count = 0;
    for (const slot of this.slots) count += slot.inFlight.size;
    return count;
  }

  async terminateAll(): Promise<void> {
    this.watchdog.stop();
    const slots = [...this.slots];
    this.slots.clear();
    await Promise.all(slots.map((slot) => slot.worker.terminate()));
  }

  private spawn(): void {
    // Virtual time: a larger young generation, as iterations make much
    // short-lived garbage (BENCHMARKS.md, "Memory"). Real time keeps the
    // default: traces kept for the whole run survive every scavenge, and a
    // large young generation makes each one pause the event loop for longer.
    const resourceLimits = this.options.init.clock === 'virtual' ? { maxYoungGenerationSizeMb: 96 } : {};
    const worker = new Worker(new URL('./worker-boot.mjs', import.meta.url), { resourceLimits });
    const slot: Slot = {
      worker,
      ready: false,
      solo: false,
      retiring: false,
      inFlight: new Map(),
      callSlot: undefined,
      threadId: undefined,
      progress: { count: -1, wall: wallNow(), cpu: undefined },
    };
    this.slots.add(slot);
    worker.on('message', (message: FromWorker) => this.onMessage(slot, message));
    worker.on('error', (error) => this.lose(slot, `the implementation crashed its thread: ${error.stack ?? error.message}`, 'CRASH'));
    worker.on('exit', (code) => {
      if (this.slots.has(slot))
        this.lose(slot, `the thread exited (code ${code}) in the middle of the iteration: did the implementation call process.exit()?`, 'CRASH');
    });
    worker.postMessage({ type: 'init', init: this.options.init });
  }

  private onMessage(slot: Slot, message: FromWorker): void {
    switch (message.type) {
      case 'ready':
        slot.ready = true;
        slot.threadId = message.threadId;
        slot.callSlot = message.callSlot;
        this.progressed(slot);
        this.dispatch(slot);
        break;
      case 'beat':
        if (message.progress !== slot.progress.count) {
          this.progressed(slot);
          slot.progress.count = message.progress;
        }
        break;
      case 'init-error':
        void this.terminateAll().then(() => this.fail(new Error(message.message)));
        break;
      case 'start': {
        const entry = slot.inFlight.get(message.key);
        if (entry !== undefined) {
          entry.startedAt = wallNow();
          this.options.onStart?.(entry.job);
        }
        this.progressed(slot);
        break;
      }
      case 'crash':
        // Several iterations were live: each is run again alone, where a
        // crash is attributed to the one that causes it.
        this.lose(slot, message.message, 'CRASH', true);
        break;
      case 'retire':
        // Its iteration was failed for a crash: the thread's state cannot be trusted any more.
        if (slot.inFlight.size === 0) this.replace(slot);
        else slot.retiring = true;
        break;
      case 'event': {
        const entry = slot.inFlight.get(message.key);
        if (entry !== undefined) this.options.onEvent?.(entry.job, message.line);
        break;
      }
      case 'lag':
        this.options.onLag?.(message.maxMs);
        break;
      case 'memory':
        this.options.onMemory?.(
          message.heapMb,
          message.rssMb,
          [...slot.inFlight.values()].map((e) => e.job),
        );
        break;
      case 'done':
      case 'scenario-done': {
        const entry = slot.inFlight.get(message.key);
        if (entry === undefined) return;
        slot.inFlight.delete(message.key);
        slot.solo = false;
        this.progressed(slot);
        this.options.onDone(entry.job, message);
        if (slot.retiring && slot.inFlight.size === 0) this.replace(slot);
        else this.dispatch(slot);
        this.maybeFinish();
        break;
      }
    }
  }

  private dispatch(slot: Slot): void {
    if (!slot.ready || this.stopped || slot.solo || slot.retiring) return;
    // A suspect runs alone, on a worker with nothing else in flight.
    if (this.suspects.length > 0) {
      if (slot.inFlight.size > 0) return;
      const job = this.suspects.shift() as Job;
      slot.solo = true;
      this.send(slot, job);
      return;
    }
    // Keep the worker's queue twice its concurrency deep, so it never idles.
    const depth = this.options.init.concurrency * 2;
    while (slot.inFlight.size < depth && this.retry.length > 0) this.send(slot, this.retry.shift() as Job);
    while (slot.inFlight.size < depth && !this.sourceDone) {
      const job = this.options.nextJob();
      if (job === undefined) {
        this.sourceDone = true;
        break;
      }
      this.send(slot, job);
    }
    this.maybeFinish();
  }

  private send(slot: Slot, job: Job): void {
    slot.inFlight.set(job.key, { job, startedAt: undefined });
    slot.worker.postMessage({ type: 'job', job });
  }

  private maybeFinish(): void {
    if (this.options.persistent === true) return;
    if (this.sourceDone && this.suspects.length === 0 && this.retry.length === 0 && this.inFlight() === 0) {
      void this.terminateAll().then(() => this.finish());
    }
  }

  private progressed(slot: Slot): void {
    slot.progress.wall = wallNow();
    slot.progress.cpu = undefined;
  }

  private checkBudgets(): void {
    const budget = this.options.timeoutMs;
    const seconds = (ms: number): string => `${Math.round(ms / 1000)} s`;
    for (const slot of [...this.slots]) {
      if (![...slot.inFlight.values()].some((entry) => entry.startedAt !== undefined)) continue;
      const stalledWall = wallNow() - slot.progress.wall;
      const cpu = slot.threadId === undefined ? undefined : threadCpuMs(slot.threadId);
      slot.progress.cpu ??= cpu;
      const stalledCpu = cpu === undefined || slot.progress.cpu === undefined ? undefined : cpu - slot.progress.cpu;
      const why =
        stalledCpu === undefined
          ? stalledWall > budget && `${seconds(stalledWall)} of wall-clock time without progress`
          : stalledCpu > budget
            ? `its thread spent ${seconds(stalledCpu)} of CPU time with virtual time standing still`
            : stalledWall > budget * BLOCKED_WALL_FACTOR &&
              stalledCpu < stalledWall * BLOCKED_CPU_SHARE &&
              `its thread made no progress for ${seconds(stalledWall)} of wall-clock time`;
      if (why !== false) {
        // Read before the thread is terminated: the call it is stuck in, if it is stuck in one.
        const call = slot.callSlot === undefined ? undefined : describeCall(slot.callSlot);
        const what =
          call === undefined ? 'a synchronous call that never returns, or continuations that never let time move on' : `stuck in ${call}, which never returned`;
        this.lose(slot, `stopped by the watchdog: ${why} (${what})`, 'WATCHDOG');
      }
    }
  }

  // A worker hung or died: replace it. Alone, its job is the culprit; with
  // company, every job it held is re-run alone to find out which one it was.
  private lose(slot: Slot, message: string, check: LostCheck, orderly = false): void {
    if (!this.slots.delete(slot)) return;
    if (orderly) this.retire(slot.worker);
    else void slot.worker.terminate();
    // Only the jobs it had started can be the culprit; the others run again as usual.
    const started = [...slot.inFlight.values()].filter((entry) => entry.startedAt !== undefined);
    for (const entry of slot.inFlight.values()) if (entry.startedAt === undefined) this.retry.push(entry.job);
    const now = wallNow();
    if (slot.solo || started.length === 1) {
      for (const { job, startedAt } of started) this.options.onLost(job, message, check, now - (startedAt as number));
    } else {
      this.suspects.push(...started.map((entry) => entry.job));
    }
    if (!this.stopped) this.spawn();
    this.maybeFinish();
  }

  // A thread that crashed is asked to leave rather than terminated: terminating
  // it while it still reports an exception from a microtask aborts the whole
  // process (a fatal error in Node). It is terminated only if it does not go.
  private retire(worker: Worker): void {
    worker.postMessage({ type: 'exit' } satisfies ToWorker);
    wallAfter(5000, () => void worker.terminate());
  }

  private replace(slot: Slot): void {
    if (!this.slots.delete(slot)) return;
    this.retire(slot.worker);
    if (!this.stopped) this.spawn();
    this.maybeFinish();
  }
}
