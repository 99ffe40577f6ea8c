// A stress campaign: every selected test, many seeds, all cores. Results are
// tallied as they come; failure logs are written at once; Ctrl-C stops it
// cleanly with everything found so far.
import { BUILT_IN_NAME } from '../built-in-raft.ts';
import { availableParallelism } from 'node:os';
import { plural } from '../cli-args.ts';
import { replayCommand } from '../config.ts';
import { logPath, writeIterationLog } from './artifacts.ts';
import { campaignFolder, pagePath } from '../report/campaign-files.ts';
import { iterationSeed, type IterationResult } from '../execution/iteration.ts';
import type { Failed } from '../failure.ts';
import type { StressOptions } from './options.ts';
import { WorkerPool } from '../execution/pool.ts';
import { Progress } from './progress.ts';
import type { IterationJob as Job, JobDone } from '../execution/protocol.ts';
import { Tally, type FailureRecord, type StressSummary } from './summary.ts';
import { failsTheLab } from '../checks.ts';
import { wallNow } from '../../runtime/wall.ts';
import { CampaignFigures } from '../report/campaign-report.ts';
import { whereItStopped } from '../execution/stopped-run.ts';

type FailedIteration = IterationResult & Failed;

/**
 * Iterations one virtual-time worker runs at once: they share one settle
 * step per event. Measured: more than about 8 costs more in cache and GC than
 * the shared settle saves (TestManyElections2A: 103 it/s at 8, 68 at 32).
 */
const VIRTUAL_CONCURRENCY = 8;
/**
 * Event-loop delay above which real-time timings may be distorted. A stall
 * delays every timer of a thread together, and a cluster lives in one
 * thread, so a stall well inside the design's margins (heartbeats every
 * 110-140 ms against election timeouts of 150-300 ms) rarely changes what a
 * cluster does; one of a third of the shortest timeout may.
 */
export const LAG_WARNING_MS = 50;

export interface CampaignIO {
  write: (line: string) => void;
  tty: boolean;
}

export interface Campaign {
  done: Promise<StressSummary>;
  /** First call: finish running iterations and report. */
  interrupt: (signal?: string) => void;
  /** This campaign's folder of logs, if it wrote any. */
  folder: () => string | undefined;
  /** The summary so far (for a second Ctrl-C). */
  snapshot: () => StressSummary;
  /** Per test, histograms of virtual time, terms and RPCs per iteration (for --report; fixed size). */
  figures: () => CampaignFigures;
}

export function startCampaign(options: StressOptions, io: CampaignIO): Campaign {
  const names = options.tests.map((t) => t.name);
  const tally = new Tally(names);
  const figures = new CampaignFigures();
  const started = wallNow();
  const raftLabel = options.raftModule ?? BUILT_IN_NAME;
  let worstLag = 0;
  const heapSamples: HeapSample[] = [];
  let peakRssMb = 0;
  let interrupted = false;
  let round = 1;
  let roundEnd = options.iterations; // Exclusive end index of this round.
  let nextIndex = 0;
  let nextTest = 0;
  let key = 0;
  const shardIndexes = (end: number): number => {
    let count = 0;
    for (let i = 0; i < end; i++) if (i % options.shard.count === options.shard.index - 1) count++;
    return count;
  };
  // Real time: the -p clusters are shared out over one thread per core, each
  // bounding its share with p-limit, so that no one event loop carries them all.
  const realWorkers = Math.min(availableParallelism(), options.parallelism);
  // --rerun: exactly the earlier campaign's failing iterations, in its order.
  const rerun = options.rerun?.jobs ?? [];
  let nextRerun = 0;
  const planned = (test: string): number | undefined =>
    options.rerun !== undefined ? rerun.filter((j) => j.test === test).length : options.loop ? undefined : shardIndexes(options.iterations);
  const progress = new Progress(names, planned, tally, io.tty, io.write);

  const nextJob = (): Job | undefined => {
    if (options.rerun !== undefined) {
      const job = rerun[nextRerun++];
      if (job === undefined || interrupted) return undefined;
      rounds.started(round);
      roundOf.set(key, round);
      return { key: key++, test: job.test, index: job.iteration, seed: job.seed };
    }
    for (;;) {
      if (nextIndex >= roundEnd) {
        if (!options.loop || interrupted) return undefined;
        round++;
        roundEnd = nextIndex + round * options.iterations;
      }
      const index = nextIndex;
      const test = names[nextTest] as string;
      nextTest = (nextTest + 1) % names.length;
      if (nextTest === 0) nextIndex++;
      if (index % options.shard.count !== options.shard.index - 1) continue;
      rounds.started(round);
      roundOf.set(key, round);
      return { key: key++, test, index, seed: iterationSeed(options.seed, test, index) };
    }
  };

  // --loop: a round is done when its last iteration has finished, not when it was handed out.
  let throughRounds = 0;
  const rounds = new RoundTracker(
    (r, count) => {
      throughRounds += count;
      if (options.loop)
        progress.announce(
          `round ${r} done: ${throughRounds} iterations${r === 1 ? '' : ` in rounds 1-${r}`}, ${tally.failed} failed so far; next round is ${r + 1}x longer`,
        );
    },
    () => (nextIndex >= roundEnd ? round : round - 1),
  );
  const roundOf = new Map<number, number>();
  /** An iteration of a round has been counted (not a traced re-run). */
  const counted = (job: Job): void => {
    const r = roundOf.get(job.key);
    if (r === undefined) return;
    roundOf.delete(job.key);
    rounds.finished(r);
  };

  // This campaign's folder, made when the first log is written: logs of an
  // earlier campaign are never mistaken for this one's.
  let folder: string | undefined;
  const dir = (): string => (folder ??= campaignFolder(options));
  const traceQueue: Job[] = [];
  /** Failures whose log is kept, waiting for the traced re-run of their seed. */
  const awaitingTrace = new Map<number, { job: Job; result: FailedIteration; log: string; message: string; lines: string[] }>();
  /**
   * Failures of a monitor, waiting for their seed's re-run with the lab's
   * checks alone (virtual time replays a seed exactly, and the monitors only
   * watch, so the re-run is the same run judged as the Go tester would).
   */
  const labQueue: Job[] = [];
  const awaitingLab = new Map<number, FailureRecord>();
  let stopNew = false;
  const awaitingTraceOf = (log: string): boolean => [...awaitingTrace.values()].some((a) => a.log === log);
  const header = (job: Job) => ({ test: job.test, iteration: job.index, seed: job.seed, clock: options.clock, raft: raftLabel });

  const failed = (
    job: Job,
    result: FailedIteration,
    message: string,
    sample: { clockMs: number; wallMs: number; rpcs: number },
    trace: string | undefined,
  ): void => {
    const check = result.check;
    const seen = tally.failuresOf(job.test, check);
    const keep = options.archive || seen < options.keep;
    let log: string | undefined;
    let page: string | undefined;
    if (keep) {
      log = logPath(dir(), job.test, job.index);
      page = writeIterationLog(log, header(job), { ...result, message }, trace);
      if (trace === undefined && options.clock === 'virtual') {
        // A run the watchdog stopped sends nothing at its end: its re-run streams its events, to keep those up to the stop.
        const lost = check === 'WATCHDOG' || check === 'CRASH';
        const traced: Job = { key: key++, test: job.test, index: job.index, seed: job.seed, trace: true, ...(lost && { stream: true }) };
        awaitingTrace.set(traced.key, { job, result, log, message, lines: [] });
        traceQueue.push(traced);
      }
    }
    const record: FailureRecord = { iteration: job.index, seed: job.seed, check, message, log, replay: result.replay };
    if (options.checks === 'lab' || failsTheLab(check)) record.lab = 'fails';
    else if (options.clock === 'virtual') {
      const again: Job = { key: key++, test: job.test, index: job.index, seed: job.seed, labOnly: true };
      awaitingLab.set(again.key, record);
      labQueue.push(again);
    }
    tally.add(job.test, sample, record);
    counted(job);
    if (options.failfast && !stopNew) {
      stopNew = true;
      progress.announce('--failfast: a failure; no new iterations');
    }
    if (keep) {
      // Virtual time: the page comes with the traced re-run of the seed, a moment later; named now all the same.
      const later =
        page === undefined && log !== undefined && awaitingTraceOf(log) ? `${pagePath(log)} (written once its seed's traced re-run ends)` : undefined;
      const named = page ?? later;
      progress.announce(
        `Failed test ${job.test} [${check}] - ${log ?? '(no log)'}\n  ${message.split('\n')[0]}${named !== undefined ? `\n  trace page: ${named}` : ''}`,
      );
    } else if (seen === options.keep) {
      progress.announce(`(further failures of ${job.test} [${check}] are counted, not logged: --keep ${options.keep})`);
    }
  };

  const pool: WorkerPool = new WorkerPool({
    workers: options.clock === 'virtual' ? options.parallelism : realWorkers,
    init: {
      clock: options.clock,
      raftModule: options.raftModule,
      archive: options.archive,
      concurrency: options.clock === 'virtual' ? VIRTUAL_CONCURRENCY : Math.ceil(options.parallelism / realWorkers),
      checks: options.checks,
    },
    timeoutMs: options.timeoutSeconds * 1000,
    nextJob: () => traceQueue.shift() ?? labQueue.shift() ?? (stopNew ? undefined : nextJob()),
    onDone: (anyJob, anyDone) => {
      const job = anyJob as Job;
      const { result, trace } = anyDone as JobDone;
      const done = anyDone as JobDone;
      if (job.labOnly === true) {
        const record = awaitingLab.get(job.key);
        if (record === undefined) return;
        awaitingLab.delete(job.key);
        record.lab = result.ok ? 'passes' : 'fails';
        if (!result.ok) record.labMessage = result.message.split('\n')[0];
        return;
      }
      if (job.trace === true) {
        const original = awaitingTrace.get(job.key);
        if (original === undefined) return;
        awaitingTrace.delete(job.key);
        let message = original.message;
        if (result.message !== original.result.message) {
          message += `\n(note: the traced re-run of this seed ended differently, so the implementation is not deterministic under replay: ${result.ok ? 'it passed' : result.message})`;
        }
        writeIterationLog(original.log, header(original.job), { ...original.result, message }, trace);
        return;
      }
      if (options.verbose)
        progress.announce(`${result.ok ? 'ok  ' : 'FAIL'} ${job.test} #${job.index} seed ${job.seed} (${Math.round(result.stats.elapsedMs)} ms)`);
      const sample = { clockMs: result.stats.elapsedMs, wallMs: result.wallMs, rpcs: result.stats.rpcs };
      // Iterations lost to the watchdog or a crash have no figures: they are in the failures by check.
      figures.of(job.test).add(result.stats);
      if (result.ok) {
        tally.add(job.test, sample);
        counted(job);
        if (options.archive) writeIterationLog(logPath(dir(), job.test, job.index), header(job), result, trace);
        return;
      }
      let message = result.message;
      if (done.loopDelayMs > LAG_WARNING_MS) {
        message += `\n(the event loop was delayed by up to ${Math.round(done.loopDelayMs)} ms during this iteration: the machine, not the Raft, may be at fault; try a lower -p)`;
      }
      failed(job, result, message, sample, trace);
      if (traceQueue.length > 0 || labQueue.length > 0) pool.poke();
    },
    onLost: (anyJob, message, check, wallMs) => {
      const job = anyJob as Job;
      if (job.labOnly === true) {
        // Judged by the lab's checks alone it hung or crashed its thread: the Go tester would fail it too (a panic, a timeout).
        const record = awaitingLab.get(job.key);
        awaitingLab.delete(job.key);
        if (record !== undefined) {
          record.lab = 'fails';
          record.labMessage = `[${check}] ${message.split('\n')[0]}`;
        }
        return;
      }
      if (job.trace === true) {
        const original = awaitingTrace.get(job.key);
        awaitingTrace.delete(job.key);
        if (original === undefined || original.lines.length === 0) return; // Its log stays as written, without the trace.
        // The re-run streamed its events: keep those up to the stop, and name where it stopped.
        const trace = `${original.lines.join('\n')}\n`;
        const message = `${original.message}\n${whereItStopped(original.lines, check === original.result.check)}`;
        writeIterationLog(original.log, header(original.job), { ...original.result, message }, trace);
        return;
      }
      // Replay has the same watchdog: its command carries this campaign's budget, to stop after the same CPU time.
      const budget = check === 'WATCHDOG' && options.timeoutSeconds !== 60 ? ` --timeout ${options.timeoutSeconds}` : '';
      const replay = options.clock === 'virtual' ? `${replayCommand(job.test, job.seed, options.raftModule)}${budget}` : undefined;
      const result: FailedIteration = {
        test: job.test,
        seed: job.seed,
        ok: false,
        message: `[${check}] ${message}`,
        check,
        output: [],
        stats: { seed: job.seed, clock: options.clock, elapsedMs: 0, rpcs: 0, bytes: 0, events: 0, wallMs, warnings: [] },
        wallMs,
        ...(replay !== undefined && { replay }),
      };
      // No trace: the thread that held it is gone. Virtual time replays it: its traced re-run streams its events up to the stop.
      failed(job, result, result.message, { clockMs: 0, wallMs, rpcs: 0 }, options.clock === 'virtual' ? undefined : '');
      // Its traced re-run may be queued after the source ran dry: the pool looks again.
      if (traceQueue.length > 0) queueMicrotask(() => pool.poke());
    },
    onStart: (anyJob) => {
      const awaiting = awaitingTrace.get(anyJob.key);
      if (awaiting !== undefined) awaiting.lines.length = 0;
    },
    onEvent: (anyJob, line) => {
      awaitingTrace.get(anyJob.key)?.lines.push(line);
    },
    onMemory: (heapMb, rssMb, inFlight) => {
      const tests = [...new Set(inFlight.map((j) => (j.kind === 'scenario' ? 'scenario' : j.test)))].sort();
      heapSamples.push({ heapMb, work: tests.join(' ') });
      peakRssMb = Math.max(peakRssMb, Math.round(rssMb));
    },
    onLag: (maxMs) => {
      if (maxMs > LAG_WARNING_MS && maxMs > worstLag) {
        progress.announce(
          `warning: the event loop was delayed by ${Math.round(maxMs)} ms: real-time timings are distorted (a failure now may be the machine's, not the Raft's); try a lower -p`,
        );
      }
      worstLag = Math.max(worstLag, maxMs);
    },
  });

  /** Iterations of the plan never handed out (a --loop campaign's plan ends with the round it was in). */
  const skippedByFailfast = (): number => {
    if (options.rerun !== undefined) return Math.max(0, rerun.length - nextRerun);
    let left = 0;
    for (let i = nextIndex; i < roundEnd; i++) if (i % options.shard.count === options.shard.index - 1) left++;
    // nextIndex moves on only once every test was handed out at it: its first nextTest tests were.
    return left * names.length - nextTest;
  };

  const snapshot = (): StressSummary => ({
    clock: options.clock,
    checks: options.checks,
    ...(options.rerun !== undefined && { rerunOf: options.rerun.file }),
    seed: options.seed,
    raft: raftLabel,
    iterations: options.iterations,
    shard: `${options.shard.index}/${options.shard.count}`,
    wallSeconds: Math.round((wallNow() - started) / 10) / 100,
    interrupted,
    ...(stopNew && options.failfast && { skippedByFailfast: skippedByFailfast() }),
    worstLoopDelayMs: round1(worstLag),
    memory: { ...heapTrend(heapSamples), peakRssMb },
    tests: tally.summaries(),
  });

  io.write(
    `stress: ${
      options.rerun !== undefined
        ? `${plural(rerun.length, 'failing iteration')} of ${options.rerun.file} again (${names.join(', ')})`
        : `${names.join(', ')} × ${options.loop ? `${options.iterations}, growing rounds (Ctrl-C to stop)` : options.iterations}`
    }` +
      ` | clock ${options.clock} | seed ${options.seed} | raft ${raftLabel}` +
      ` | ${options.clock === 'virtual' ? `${plural(options.parallelism, 'worker')} of ${plural(availableParallelism(), 'core')}` : `${plural(options.parallelism, 'cluster')} at once on ${plural(realWorkers, 'thread')}`}` +
      (options.shard.count > 1 ? ` | shard ${options.shard.index}/${options.shard.count}` : '') +
      (options.checks === 'lab' ? " | the lab's checks only" : ''),
  );
  progress.start();
  const done = pool.run().then(
    () => {
      progress.stop();
      return snapshot();
    },
    (error: unknown) => {
      progress.stop();
      throw error;
    },
  );
  return {
    done,
    interrupt: (signal = 'SIGINT') => {
      interrupted = true;
      progress.announce(
        `interrupted (${signal}): no new iterations; waiting up to 5 s for running ones (${signal === 'SIGINT' ? 'Ctrl-C' : signal} again to quit now)`,
      );
      void pool.stop(5000);
    },
    folder: () => folder,
    snapshot,
    figures: () => figures,
  };
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}

/** Medians of the first and the last quarter of the heap samples. */
/** A worker's live heap, and the tests it was running then. */
export interface HeapSample {
  heapMb: number;
  /** The distinct tests in flight on that worker, sorted and joined ('' when idle). */
  work: string;
}

/**
 * Early and late live heap, compared over the same work: what a worker holds
 * live depends on what it runs (five servers' logs weigh more than three
 * servers' terms), so a campaign whose heavy tests come last would look as
 * if it leaked. Among the kinds of work sampled at least four times, the one
 * whose heap grew most between its first and last quarter is the one
 * reported; with none sampled that often, the whole campaign's.
 */
export function heapTrend(samples: readonly HeapSample[]): { earlyHeapMb: number; lateHeapMb: number } {
  const byWork = new Map<string, number[]>();
  for (const s of samples) byWork.set(s.work, [...(byWork.get(s.work) ?? []), s.heapMb]);
  const often = [...byWork.values()].filter((heaps) => heaps.length >= 4);
  const trends = (often.length > 0 ? often : [samples.map((s) => s.heapMb)]).map(quarterTrend);
  return trends.reduce((worst, t) => (t.lateHeapMb - t.earlyHeapMb > worst.lateHeapMb - worst.earlyHeapMb ? t : worst));
}

function quarterTrend(samples: readonly number[]): { earlyHeapMb: number; lateHeapMb: number } {
  const quarter = Math.max(1, Math.floor(samples.length / 4));
  const median = (xs: number[]): number => (xs.length === 0 ? 0 : (xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number));
  return { earlyHeapMb: round1(median(samples.slice(0, quarter))), lateHeapMb: round1(median(samples.slice(-quarter))) };
}

/**
 * Counts each round's iterations handed out and finished; announces a round
 * as done, in order, once every iteration of it has finished and no more of
 * it will be handed out.
 */
export class RoundTracker {
  private readonly open = new Map<number, number>();
  private readonly counts = new Map<number, number>();
  private announced = 0;

  constructor(
    /** `count`: the round's iterations. */
    private readonly onDone: (round: number, count: number) => void,
    /** The last round that will be handed out no more iterations. */
    private readonly closedThrough: () => number,
  ) {}

  started(round: number): void {
    this.open.set(round, (this.open.get(round) ?? 0) + 1);
    this.counts.set(round, (this.counts.get(round) ?? 0) + 1);
  }

  finished(round: number): void {
    this.open.set(round, (this.open.get(round) ?? 1) - 1);
    this.flush();
  }

  /** Announces every closed round with nothing left running. */
  flush(): void {
    const closed = this.closedThrough();
    while (this.announced < closed && (this.open.get(this.announced + 1) ?? 0) === 0) {
      this.announced++;
      const count = this.counts.get(this.announced) ?? 0;
      this.open.delete(this.announced);
      this.counts.delete(this.announced);
      this.onDone(this.announced, count);
    }
  }
}
