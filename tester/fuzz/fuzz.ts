// The property-based fuzzer: fast-check generates scenarios (fault
// schedules), runs each on a fresh cluster, and shrinks the first failing
// one to a small counterexample that replays exactly from fast-check's seed
// and path.
//
// Speed: one process drives several fast-check runs at once ("streams", each
// with a seed of its own derived from the campaign's seed), since
// simulations that share the virtual-time settle pump cost less each; with
// workers > 1, each worker thread drives its own streams. Shrinking stays
// inside the stream that found the failure; the first stream to find one
// wins and every other stream stops.
import { invocation } from '../cli-args.ts';
import fc from 'fast-check';
import { randomInt } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import type { MakeRaft } from '../../raft/contract.ts';
import { make as referenceMake } from '../../raft/raft.ts';
import { MAX_SEED, deriveSeed } from '../../runtime/random.ts';
import { describeError } from '../failure.ts';
import { declaredBy, loadRaftModule } from '../raft-module.ts';
import { runScenario, type ScenarioResult } from './run-scenario.ts';
import { FAULT_KINDS, MAX_SERVERS, defaultKinds, describeScenario, faultCount, scenarioArbFor, type FaultKind, type Scenario, type ScenarioSpace } from './scenario.ts';
import { wallNow } from '../../runtime/wall.ts';

/** fast-check runs one process drives at once, by default. */
export const DEFAULT_STREAMS = 8;
/** Scenarios per campaign when neither runs nor a time budget is given. */
export const DEFAULT_RUNS = 100;

export interface FuzzProgress {
  /** Scenarios run so far (shrinking included). */
  runs: number;
  elapsedMs: number;
  /** A failure was found and is being shrunk. */
  found: boolean;
  /** Scenarios run while shrinking. */
  shrinkRuns: number;
}

export interface FuzzOptions {
  /** The implementation under test (default: raftModule's, else the reference Raft). */
  raft?: MakeRaft;
  /** `raft` runs on global timers (see RaftModule.timers); a raftModule says so itself. */
  globalTimers?: boolean;
  /** Path of a module exporting make(): loaded when raft is not given; named in replay commands; what workers load. */
  raftModule?: string;
  /** Cluster sizes to fuzz (default: 1 to 9). */
  servers?: number[];
  /** Fault kinds to fuzz, as the user chose them (default: see persists). */
  faults?: FaultKind[];
  /**
   * The Raft persists its term and vote (RaftModule.persists): crash faults
   * are then in by default. Default: what its module declared; true for the
   * built-in Raft.
   */
  persists?: boolean;
  /** Scenarios to run (default 100, or unlimited with timeSeconds). */
  runs?: number;
  /** Start no new scenario after this many seconds (a failure found by then is still shrunk). */
  timeSeconds?: number;
  /** fast-check's seed: of the campaign (stream 0 uses it as is), or of the counterexample to replay. */
  seed?: number;
  /** fast-check's path of one counterexample: replay it alone (needs seed). */
  path?: string;
  /** Worker threads (default 1: this thread). */
  workers?: number;
  /** fast-check runs at once per thread (default 8; 1 for a replay). */
  streams?: number;
  onProgress?: (progress: FuzzProgress) => void;
  /** Aborting stops every stream at its next scenario (a failure being shrunk keeps its best so far). */
  signal?: AbortSignal;
  /** Called after every scenario run in this thread (not with workers > 1): for statistics. */
  onScenario?: (scenario: Scenario, result: ScenarioResult) => void;
}

export interface FuzzFailure {
  /** The failed check: a monitor id (ES, V1, LV...), LAB, RAFT or HARNESS. */
  check: string;
  message: string;
  /** The shrunk counterexample. */
  scenario: Scenario;
  scenarioText: string;
  /** fast-check's seed and path of the counterexample. */
  seed: number;
  path: string;
  /** One command that replays it. */
  replay: string;
  /** Fault steps (everything but pauses) in the shrunk schedule. */
  faults: number;
  /** Scenarios run, over all streams, until the first failure was seen. */
  runsUntilFound: number;
  msUntilFound: number;
  /** Successful shrink steps, and scenarios run while shrinking. */
  shrinks: number;
  shrinkRuns: number;
  /** The phase of the scenario it failed in. */
  phase: ScenarioResult['phase'];
}

export interface FuzzReport {
  ok: boolean;
  /** Scenarios run (shrinking included). */
  runs: number;
  wallMs: number;
  /** The campaign's seed (a failure carries its own stream's seed). */
  seed: number;
  workers: number;
  streams: number;
  /** The time budget ran out before the planned runs. */
  timedOut: boolean;
  /** Stopped by the abort signal. */
  interrupted: boolean;
  /** The cluster sizes and fault kinds the scenarios were drawn from. */
  space: { servers: number[]; kinds: FaultKind[] };
  /** Why some fault kinds were left out, when the user did not choose them (crash faults for a Raft that does not persist). */
  note?: string;
  failure?: FuzzFailure;
}

/**
 * The command that replays a counterexample. `defaultKinds` is what the
 * fuzzer picks by itself for the replayed --raft (crash only if it
 * persists): --faults is named only when the space's kinds differ from it.
 */
export function fuzzReplayCommand(seed: number, path: string, raftModule?: string, space: ScenarioSpace = {}, defaultKinds: readonly FaultKind[] = FAULT_KINDS): string {
  return `${invocation('fuzz')} --seed ${seed} --path ${path}${raftModule !== undefined ? ` --raft ${raftModule}` : ''}${spaceFlags(space, defaultKinds)}`;
}

/** The options that draw scenarios from `space` rather than the default one: a replay needs them. */
export function spaceFlags(space: ScenarioSpace, defaultKinds: readonly FaultKind[] = FAULT_KINDS): string {
  const servers = space.servers !== undefined ? ` --servers ${space.servers.join(',')}` : '';
  const kinds = space.kinds ?? FAULT_KINDS;
  const same = kinds.length === defaultKinds.length && kinds.every((k) => defaultKinds.includes(k));
  return servers + (same ? '' : ` --faults ${kinds.length === 0 ? 'none' : kinds.join(',')}`);
}

/**
 * The space a campaign draws from: the user's choice, else every kind the
 * Raft can be expected to survive (crash only if it persists), with a note
 * saying plainly what was left out and why.
 */
export function campaignSpace(options: Pick<FuzzOptions, 'servers' | 'faults'>, persists: boolean, raftLabel: string): { space: ScenarioSpace; note?: string } {
  const servers = options.servers !== undefined ? { servers: options.servers } : {};
  if (options.faults !== undefined) return { space: { ...servers, kinds: options.faults } };
  if (persists) return { space: servers };
  return {
    space: { ...servers, kinds: defaultKinds(false) },
    note:
      `crash faults left out: ${raftLabel} does not declare \`export const persists = true\`, and a server that does not persist ` +
      `its term and vote cannot survive a crash (persistence is lab 2C). Ask for them with --faults ...,crash or --lab 2C.`,
  };
}

/** The seed of stream k of a campaign: stream 0 uses the campaign's own. */
export function streamSeed(seed: number, k: number): number {
  return k === 0 ? seed : deriveSeed(seed, 'fuzz-stream', k);
}

/** A path as fast-check writes it: run index, then shrink indices, separated by ':'. */
export function isFuzzPath(path: string): boolean {
  return /^\d+(:\d+)*$/.test(path);
}

/** The scenario fast-check generates for a seed and path (without running it), in a campaign's space. */
export function scenarioAt(seed: number, path: string, space: ScenarioSpace = {}): Scenario {
  let found: Scenario | undefined;
  fc.check(
    fc.property(scenarioArbFor(space), (s) => {
      found = s;
      return false;
    }),
    { seed, path, numRuns: 1, endOnFailure: true },
  );
  if (found === undefined) throw new Error(`no scenario at seed ${seed}, path ${path}`);
  return found;
}

export async function runFuzz(options: FuzzOptions = {}): Promise<FuzzReport> {
  const started = wallNow();
  const seed = options.seed ?? randomInt(MAX_SEED);
  if (options.path !== undefined) {
    if (options.seed === undefined) throw new Error('runFuzz: a path needs the seed it was found with');
    if (!isFuzzPath(options.path)) throw new Error(`runFuzz: '${options.path}' is not a fast-check path (like 12:0:3)`);
  }
  const replay = options.path !== undefined;
  const workers = replay ? 1 : Math.max(1, options.workers ?? 1);
  const timeLimited = options.timeSeconds !== undefined;
  const runs = replay ? 1 : (options.runs ?? (timeLimited ? Infinity : DEFAULT_RUNS));
  if (!(runs >= 1)) throw new Error(`runFuzz: runs must be at least 1, got ${runs}`);
  const module =
    options.raft !== undefined
      ? { make: options.raft, timers: options.globalTimers === true ? 'global' : 'runtime' }
      : options.raftModule !== undefined
        ? await loadRaftModule(options.raftModule)
        : { make: referenceMake, timers: 'runtime' };
  const globalTimers = module.timers === 'global';
  const persists = options.persists ?? (module.make === referenceMake ? true : (declaredBy(module.make)?.persists ?? false));
  const { space, note } = campaignSpace(options, persists, options.raftModule ?? 'the Raft under test');
  // What `npm run fuzz` picks by itself for the replayed --raft (the built-in Raft persists).
  const replayDefault = defaultKinds(options.raftModule === undefined ? true : persists);
  // Faked globals belong to a whole thread: one scenario at a time in each.
  const perThread = replay || globalTimers ? 1 : Math.max(1, options.streams ?? DEFAULT_STREAMS);
  const total = Math.min(workers * perThread, runs);
  const plan: StreamPlan[] = Array.from({ length: total }, (_, k) => ({
    seed: replay ? seed : streamSeed(seed, k),
    runs: runs === Infinity ? Infinity : Math.floor(runs / total) + (k < runs % total ? 1 : 0),
  }));
  const deadline = timeLimited ? started + (options.timeSeconds as number) * 1000 : Infinity;
  const common: StreamsSetup = { deadline, startedAt: started, globalTimers, space, ...(options.path !== undefined && { path: options.path }) };

  let outcome: StreamsOutcome;
  const usedWorkers = Math.min(workers, total);
  if (usedWorkers <= 1) {
    const raft = module.make;
    const stop = new Stop();
    options.signal?.addEventListener('abort', () => (stop.all = true));
    outcome = await runStreams(plan, { ...common, raft, ...(options.onScenario !== undefined && { onScenario: options.onScenario }) }, stop, (p) =>
      options.onProgress?.(p),
    );
  } else {
    if (options.raft !== undefined && options.raftModule === undefined) {
      throw new Error('runFuzz: worker threads load the Raft from raftModule; a make() function cannot cross threads');
    }
    outcome = await runInWorkers(plan, usedWorkers, common, options.raftModule, options.onProgress, options.signal);
  }

  const report: FuzzReport = {
    ok: outcome.failure === undefined,
    runs: outcome.runs,
    wallMs: wallNow() - started,
    seed,
    workers: usedWorkers,
    streams: total,
    timedOut: outcome.timedOut,
    interrupted: options.signal?.aborted === true,
    space: { servers: [...(space.servers ?? Array.from({ length: MAX_SERVERS }, (_, i) => i + 1))], kinds: [...(space.kinds ?? FAULT_KINDS)] },
    ...(note !== undefined && { note }),
  };
  const raw = outcome.failure;
  if (raw !== undefined) {
    report.failure = {
      check: raw.check,
      message: raw.message,
      scenario: raw.scenario,
      scenarioText: describeScenario(raw.scenario),
      seed: raw.seed,
      path: raw.path,
      replay: fuzzReplayCommand(raw.seed, raw.path, options.raftModule, space, replayDefault),
      faults: faultCount(raw.scenario),
      runsUntilFound: raw.runsUntilFound,
      msUntilFound: raw.msUntilFound,
      shrinks: raw.shrinks,
      shrinkRuns: raw.shrinkRuns,
      phase: raw.phase,
    };
  }
  return report;
}

// ---- streams: several fast-check runs in one thread ----

export interface StreamPlan {
  seed: number;
  runs: number;
}

export interface StreamsSetup {
  /** Wall-clock ms (wallNow()) after which no new scenario starts, unless shrinking. */
  deadline: number;
  /** wallNow() at the start of the campaign (ms since the epoch, the same in every thread). */
  startedAt: number;
  /** Replay this path (one stream). */
  path?: string;
  /** The Raft runs on global timers: they are faked for each scenario. */
  globalTimers?: boolean;
  /** The cluster sizes and fault kinds to draw from (default: all). */
  space?: ScenarioSpace;
}

/** A failure as one stream found it. */
export interface RawFailure {
  check: string;
  message: string;
  phase: ScenarioResult['phase'];
  scenario: Scenario;
  seed: number;
  path: string;
  runsUntilFound: number;
  msUntilFound: number;
  shrinks: number;
  shrinkRuns: number;
}

export interface StreamsOutcome {
  runs: number;
  timedOut: boolean;
  failure?: RawFailure;
}

/** Stops streams: all of them, or all but the one that found the failure. */
export class Stop {
  /** Index of the stream whose failure counts. */
  winner: number | undefined;
  all = false;
  /** Called once, when the first failure is seen. */
  onFound: (runs: number, ms: number) => void = () => {};

  stops(stream: number): boolean {
    return this.all || (this.winner !== undefined && this.winner !== stream);
  }
}

/** Runs the planned fast-check streams at once in this thread; the first failure wins. */
export async function runStreams(
  plan: readonly StreamPlan[],
  setup: StreamsSetup & { raft: MakeRaft; onScenario?: (scenario: Scenario, result: ScenarioResult) => void },
  stop: Stop,
  onProgress: (p: FuzzProgress) => void,
): Promise<StreamsOutcome> {
  let runs = 0;
  let shrinkRuns = 0;
  let timedOut = false;
  let found: { runs: number; ms: number } | undefined;
  const replay = setup.path !== undefined;
  const progress = (): void => onProgress({ runs, elapsedMs: wallNow() - setup.startedAt, found: found !== undefined, shrinkRuns });

  const one = async (k: number, p: StreamPlan): Promise<RawFailure | undefined> => {
    let mine = 0;
    let failing = false;
    let last: { scenario: Scenario; result: ScenarioResult } | undefined;
    const property = fc.asyncProperty(scenarioArbFor(setup.space), async (scenario) => {
      // Interrupting (not skipping) ends the stream at once; a stream that
      // found a failure keeps shrinking it unless told to stop.
      if (stop.stops(k)) throw new fc.PreconditionFailure(true);
      if (!failing && replay && mine >= 1) throw new fc.PreconditionFailure(true);
      if (!failing && wallNow() >= setup.deadline) {
        timedOut = true;
        throw new fc.PreconditionFailure(true);
      }
      const result = await runScenario(scenario, { raft: setup.raft, globalTimers: setup.globalTimers === true });
      setup.onScenario?.(scenario, result);
      mine++;
      runs++;
      if (failing) shrinkRuns++;
      if (!result.ok) {
        last = { scenario, result };
        if (!failing) {
          failing = true;
          if (stop.winner === undefined) {
            stop.winner = k;
            found = { runs, ms: wallNow() - setup.startedAt };
            stop.onFound(found.runs, found.ms);
          }
        }
      }
      progress();
      return result.ok;
    });
    const details = await fc.check(property, {
      seed: p.seed,
      numRuns: p.runs === Infinity ? 2 ** 31 - 1 : p.runs,
      ...(setup.path !== undefined && { path: setup.path, endOnFailure: true }),
    });
    // An interrupted stream with no success yet counts as "failed" for
    // fast-check; only a counterexample is a failure here.
    if (!details.failed || details.counterexample === null || details.counterexamplePath === null) return undefined;
    const scenario = details.counterexample[0];
    let result = last?.result;
    if (last === undefined || JSON.stringify(last.scenario) !== JSON.stringify(scenario)) {
      result = await runScenario(scenario, { raft: setup.raft, globalTimers: setup.globalTimers === true });
    }
    const r = result as ScenarioResult;
    return {
      check: r.check ?? (r.ok ? 'NONE' : 'HARNESS'),
      message: r.ok ? 'the counterexample passed when run again: the implementation does not replay deterministically' : (r.message ?? ''),
      phase: r.phase,
      scenario,
      seed: p.seed,
      path: details.counterexamplePath,
      runsUntilFound: 0,
      msUntilFound: 0,
      shrinks: details.numShrinks,
      shrinkRuns: 0,
    };
  };

  const failures = await Promise.all(
    plan.map((p, k) =>
      one(k, p).catch((error: unknown) => {
        stop.all = true; // The other streams end at their next scenario.
        throw new Error(`fuzz stream with seed ${p.seed} failed: ${describeError(error)}`);
      }),
    ),
  );
  progress();
  const winner = stop.winner !== undefined ? failures[stop.winner] : failures.find((f) => f !== undefined);
  if (winner !== undefined) {
    winner.runsUntilFound = found?.runs ?? runs;
    winner.msUntilFound = found?.ms ?? wallNow() - setup.startedAt;
    winner.shrinkRuns = shrinkRuns;
  }
  return { runs, timedOut, ...(winner !== undefined && { failure: winner }) };
}

// ---- worker threads ----

export type ToFuzzWorker =
  | { type: 'start'; plan: StreamPlan[]; setup: StreamsSetup; raftModule: string | undefined }
  | { type: 'stop' };

export type FromFuzzWorker =
  | { type: 'progress'; progress: FuzzProgress }
  | { type: 'found'; runs: number; ms: number }
  | { type: 'done'; outcome: StreamsOutcome }
  | { type: 'error'; message: string };

async function runInWorkers(
  plan: StreamPlan[],
  workers: number,
  setup: StreamsSetup,
  raftModule: string | undefined,
  onProgress: ((p: FuzzProgress) => void) | undefined,
  signal: AbortSignal | undefined,
): Promise<StreamsOutcome> {
  const shares: StreamPlan[][] = Array.from({ length: workers }, () => []);
  plan.forEach((p, k) => shares[k % workers]?.push(p));
  const latest = shares.map(() => ({ runs: 0, shrinkRuns: 0, found: false }));
  let winner: number | undefined;
  let found: { runs: number; ms: number } | undefined;
  const threads = shares.map(() => new Worker(new URL('./fuzz-worker-boot.mjs', import.meta.url)));
  signal?.addEventListener('abort', () => {
    for (const t of threads) t.postMessage({ type: 'stop' } satisfies ToFuzzWorker);
  });
  const report = (): void => {
    const runs = latest.reduce((n, l) => n + l.runs, 0);
    const shrinkRuns = latest.reduce((n, l) => n + l.shrinkRuns, 0);
    onProgress?.({ runs, shrinkRuns, found: winner !== undefined, elapsedMs: wallNow() - setup.startedAt });
  };
  try {
    const outcomes = await Promise.all(
      threads.map(
        (thread, w) =>
          new Promise<StreamsOutcome>((resolve, reject) => {
            thread.on('message', (m: FromFuzzWorker) => {
              if (m.type === 'progress') {
                latest[w] = m.progress;
                report();
              } else if (m.type === 'found') {
                if (winner === undefined) {
                  winner = w;
                  const others = latest.reduce((n, l, i) => n + (i === w ? 0 : l.runs), 0);
                  found = { runs: others + m.runs, ms: m.ms };
                  threads.forEach((t, i) => {
                    if (i !== w) t.postMessage({ type: 'stop' } satisfies ToFuzzWorker);
                  });
                }
              } else if (m.type === 'done') resolve(m.outcome);
              else reject(new Error(m.message));
            });
            thread.on('error', reject);
            thread.on('exit', (code) => {
              if (code !== 0) reject(new Error(`a fuzz worker exited with code ${code}`));
            });
            thread.postMessage({ type: 'start', plan: shares[w] as StreamPlan[], setup, raftModule } satisfies ToFuzzWorker);
          }),
      ),
    );
    const runs = outcomes.reduce((n, o) => n + o.runs, 0);
    const timedOut = outcomes.some((o) => o.timedOut);
    const chosen = winner !== undefined ? outcomes[winner]?.failure : outcomes.find((o) => o.failure !== undefined)?.failure;
    if (chosen !== undefined) {
      if (found !== undefined) {
        chosen.runsUntilFound = found.runs;
        chosen.msUntilFound = found.ms;
      }
      chosen.shrinkRuns = outcomes[winner ?? 0]?.failure?.shrinkRuns ?? chosen.shrinkRuns;
    }
    return { runs, timedOut, ...(chosen !== undefined && { failure: chosen }) };
  } finally {
    await Promise.all(threads.map((t) => t.terminate()));
  }
}
