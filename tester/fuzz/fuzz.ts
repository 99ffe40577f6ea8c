// The property-based fuzzer: fast-check generates scenarios (fault
// schedules) from one seed, they run on a pool of executors, every failure is
// kept, failures are grouped by the check they broke, and each group's first
// is shrunk to a small counterexample that still breaks that same check. It
// replays exactly from the campaign's seed and fast-check's path.
//
// One seed, one report: scenario k of a campaign is fast-check's value at
// path "k" of the seed, whatever ran it and whenever; a campaign of --runs N
// runs exactly scenarios 0..N-1; shrinking is sequential inside a group and
// groups are shrunk in a fixed order, so the same command line gives the same
// report whatever the parallelism.
//
// The executors: the worker pool the stress loop runs on too (worker
// threads with a watchdog: a hang or a busy loop is that scenario's
// failure), or, for a make() function given in-process (tests,
// benchmarks), this thread.
import { invocation } from '../cli-args.ts';
import fc from 'fast-check';
import { randomInt } from 'node:crypto';
import { availableParallelism } from 'node:os';
import pLimit from 'p-limit';
import { MAX_SEED } from '../../runtime/random.ts';
import { wallAfter, wallNow } from '../../runtime/wall.ts';
import type { RaftUnderTest } from '../raft-module.ts';
import { BUILT_IN_RAFT } from '../built-in-raft.ts';
import { WorkerPool } from '../execution/pool.ts';
import type { ScenarioDone, ScenarioJob } from '../execution/protocol.ts';
import { runScenario, type ScenarioPhase, type ScenarioResult } from '../execution/run-scenario.ts';
import type { CheckId } from '../check-ids.ts';
import { failsTheLab, policyFor, withChecks, type Checks, type LabVerdict } from '../checks.ts';
import { FAULT_KINDS, describeScenario, faultCount, type FaultKind, type Scenario } from '../execution/scenario.ts';
import { LAB_PROFILES, defaultKinds, scenarioArbFor, spaceServers, type ScenarioSpace } from './scenario.ts';
import { RAFT_SNAPSHOT_METHODS } from '../../raft/contract.ts';
import { RaftModuleError, lackingText } from '../raft-module.ts';

/** Scenarios one thread runs at once, by default (they share its settle pump). */
export const DEFAULT_STREAMS = 8;
/** Scenarios per campaign when neither runs nor a time budget is given. */
export const DEFAULT_RUNS = 100;
/** Wall-clock budget of one scenario on the pool, in seconds, by default. */
export const DEFAULT_SCENARIO_TIMEOUT_S = 10;
/** With a time budget, searching stops at this share of it once something failed, to leave time to shrink. */
const SEARCH_SHARE_AFTER_FAILURE = 2 / 3;

export interface FuzzProgress {
  /** Scenarios run so far (shrinking included). */
  runs: number;
  elapsedMs: number;
  /** A failure was found (and is being shrunk, or the search goes on). */
  found: boolean;
  /** Distinct checks failed so far. */
  checks: number;
  /** Scenarios run while shrinking. */
  shrinkRuns: number;
}

export interface FuzzOptions {
  /**
   * The implementation under test (default: the built-in Raft). Its path is
   * what the pool's workers load and replay commands name; one without a
   * path (a make() given in-process) runs in this thread.
   */
  raft?: RaftUnderTest;
  /** Cluster sizes to fuzz (default: 1 to 9). */
  servers?: number[];
  /** Fault kinds to fuzz, as the user chose them (default: crash faults only for a Raft that persists). */
  faults?: FaultKind[];
  /** Lab 2D (--lab 2D): the snapshot applier and its steps; the Raft must have snapshot() and installSnapshot(). */
  snapshot?: boolean;
  /** Scenarios to search (default 100, or unlimited with timeSeconds). */
  runs?: number;
  /** The campaign's wall-clock budget, shrinking included: nothing new starts after it. */
  timeSeconds?: number;
  /** The campaign's seed; with path, the counterexample's. */
  seed?: number;
  /** fast-check's path of one counterexample: replay it alone (needs seed). */
  path?: string;
  /** Worker threads of the pool (the CLI: one per core); 0 or none: this thread, without a watchdog. */
  workers?: number;
  /** Scenarios at once per thread (default 8; 1 for global-timer modules). */
  streams?: number;
  /** Wall-clock budget of one scenario on the pool, in seconds (the watchdog). */
  scenarioTimeoutSeconds?: number;
  onProgress?: (progress: FuzzProgress) => void;
  /** Aborting stops the search and the shrinking at their next scenario; what was found is reported. */
  signal?: AbortSignal;
  /** Called with each scenario of the search (not of the shrinking), wherever it ran: for --report's distributions. */
  onSearched?: (result: ScenarioResult) => void;
  /** Called after every scenario run in this thread: for statistics. */
  onScenario?: (scenario: Scenario, result: ScenarioResult) => void;
  /** Run each finding once more with a recorder, on the same executors, and keep its trace. */
  traces?: boolean;
  /** Shrink for at most this long after the search (then keep the smallest found so far). */
  shrinkSeconds?: number;
  /**
   * Which checks judge: every monitor and the lab's (all, the default), or
   * the lab's alone (lab: the lab's helpers the scenario uses, see
   * run-scenario.ts). With all, each finding of a monitor is run once more
   * with the lab's checks alone, to say whether they fail it too.
   */
  checks?: Checks;
}

export interface FuzzFailure {
  check: CheckId;
  message: string;
  /** The shrunk counterexample. */
  scenario: Scenario;
  scenarioText: string;
  /** The campaign's seed and fast-check's path of the counterexample. */
  seed: number;
  path: string;
  /** One command that replays it. */
  replay: string;
  /** Fault steps (everything but pauses) in the shrunk schedule. */
  faults: number;
  /** Index of the first scenario that failed this check (1-based count of scenarios searched until then). */
  runsUntilFound: number;
  msUntilFound: number;
  /** Where it was first seen: the search, or the shrinking of another check's failure. */
  foundBy: string;
  /** Scenarios of the search that failed this check. */
  occurrences: number;
  /** Successful shrink steps, and scenarios run while shrinking it. */
  shrinks: number;
  shrinkRuns: number;
  /** Shrinking stopped early (time budget, interrupt): smaller may exist. */
  shrinkCut: boolean;
  /** The phase of the scenario it failed in. */
  phase: ScenarioPhase | undefined;
  /** Its events, one JSON object per line (with options.traces; none for a hang). */
  trace?: string;
  /** The traced run ended differently (with options.traces). */
  tracedDiffers?: string;
  /** Whether the lab's checks alone fail the counterexample too (absent when the campaign stopped before it was known). */
  lab?: LabVerdict;
  /** The lab's checks fail it for a reason of their own: their message's first line. */
  labMessage?: string | undefined;
}

export interface FuzzReport {
  ok: boolean;
  /** Scenarios run (shrinking included). */
  runs: number;
  /** Scenarios of the search (no shrinking). */
  searched: number;
  wallMs: number;
  /** The campaign's seed: the one a user needs to replay anything in this report. */
  seed: number;
  workers: number;
  /** The time budget ran out before the planned runs. */
  timedOut: boolean;
  /** Stopped by the abort signal. */
  interrupted: boolean;
  /** The cluster sizes and fault kinds the scenarios were drawn from; snapshot: lab 2D's scenarios. */
  space: { servers: number[]; kinds: FaultKind[]; snapshot?: true };
  /** Why some fault kinds were left out, when the user did not choose them (crash faults for a Raft that does not persist). */
  note?: string;
  /** Which checks judged. */
  checks?: Checks;
  /** Every distinct failure, one per check, in the order first seen. */
  findings: FuzzFailure[];
  /** The first finding (for callers that want one). */
  failure?: FuzzFailure;
}

/**
 * The command that replays a counterexample. `defaultKinds` is what the
 * fuzzer picks by itself for the replayed --raft (crash only if it
 * persists): --faults is named only when the space's kinds differ from it.
 */
export function fuzzReplayCommand(
  seed: number,
  path: string,
  raftModule?: string,
  space: ScenarioSpace = {},
  defaultKinds: readonly FaultKind[] = FAULT_KINDS,
): string {
  return `${invocation('fuzz')} --seed ${seed} --path ${path}${raftModule !== undefined ? ` --raft ${raftModule}` : ''}${spaceFlags(space, defaultKinds)}`;
}

/**
 * The options that draw scenarios from `space` rather than the default one:
 * a replay needs them. Lab 2D's scenarios need --lab 2D, which brings its
 * own kinds (all of them) whatever the Raft.
 */
export function spaceFlags(space: ScenarioSpace, defaultKinds: readonly FaultKind[] = FAULT_KINDS): string {
  const lab = space.snapshot === true ? ' --lab 2D' : '';
  const byDefault = space.snapshot === true ? (LAB_PROFILES['2D'] ?? FAULT_KINDS) : defaultKinds;
  const servers = space.servers !== undefined ? ` --servers ${space.servers.join(',')}` : '';
  const kinds = space.kinds ?? FAULT_KINDS;
  const same = kinds.length === byDefault.length && kinds.every((k) => byDefault.includes(k));
  return lab + servers + (same ? '' : ` --faults ${kinds.length === 0 ? 'none' : kinds.join(',')}`);
}

/**
 * The space a campaign draws from: the user's choice, else every kind the
 * Raft can be expected to survive (crash only if it persists), with a note
 * saying plainly what was left out and why.
 */
export function campaignSpace(
  options: { servers?: readonly number[] | undefined; faults?: readonly FaultKind[] | undefined; snapshot?: boolean | undefined },
  persists: boolean,
  raftLabel: string,
): { space: ScenarioSpace; note?: string } {
  const servers = { ...(options.servers !== undefined && { servers: options.servers }), ...(options.snapshot === true && { snapshot: true }) };
  if (options.faults !== undefined) return { space: { ...servers, kinds: options.faults } };
  // Lab 2D comes after persistence (2C): its scenarios crash servers whatever the module says.
  if (persists || options.snapshot === true) return { space: servers };
  return {
    space: { ...servers, kinds: defaultKinds(false) },
    note:
      `crash faults left out: ${raftLabel} does not declare \`export const persists = true\`, and a server that does not persist ` +
      `its term and vote cannot survive a crash (persistence is lab 2C). Ask for them with --faults ...,crash or --lab 2C.`,
  };
}

/**
 * Lab 2D's scenarios call snapshot() and deliver InstallSnapshot: a Raft
 * without them is refused before any work, in one line (as the stress
 * loop refuses it the 2D tests).
 */
export function refuseWithoutSnapshots(raft: Pick<RaftUnderTest, 'lacks' | 'label' | 'path'>): void {
  const lacking = raft.lacks.filter((m) => (RAFT_SNAPSHOT_METHODS as readonly string[]).includes(m));
  if (lacking.length === 0) return;
  const { what, lab } = lackingText(lacking);
  throw new RaftModuleError(
    `--lab 2D: ${raft.path ?? raft.label}: make() returns an object without ${what}, which lab 2D's scenarios call (${lab}); fuzz it with --lab 2C or without --lab`,
  );
}

/** A path as fast-check writes it: run index, then shrink indices, separated by ':'. */
export function isFuzzPath(path: string): boolean {
  return /^\d+(:\d+)*$/.test(path);
}

/** A --path that leads nowhere from its seed. */
export class FuzzPathError extends Error {
  override name = 'FuzzPathError';
}

/** The scenario fast-check generates for a seed and path (without running it), in a campaign's space. */
export function scenarioAt(seed: number, path: string, space: ScenarioSpace = {}): Scenario {
  let found: Scenario | undefined;
  try {
    fc.check(
      fc.property(scenarioArbFor(space), (s) => {
        found = s;
        return false;
      }),
      { seed, path, numRuns: 1, endOnFailure: true },
    );
  } catch {
    found = undefined;
  }
  if (found === undefined) {
    throw new FuzzPathError(`--path ${path} does not belong to seed ${seed}: fast-check finds no scenario there (give the seed the path was printed with)`);
  }
  return found;
}

// ---- executors: where scenarios run ----

type Outcome = { result: ScenarioResult; trace: string | undefined } | { abandoned: true };

interface Executor {
  /** labOnly: with the lab's checks alone, whatever the campaign's. */
  run(scenario: Scenario, trace?: boolean, labOnly?: boolean): Promise<Outcome>;
  /** Gives up on every scenario queued or running (the budget is over): they resolve as abandoned. */
  abandon(): void;
  /** Stops: what is still running is abandoned. */
  close(): Promise<void>;
  readonly workers: number;
}

/** This thread, several scenarios at once (no watchdog: for a make() given in-process). */
function localExecutor(raft: RaftUnderTest, streams: number, onScenario: FuzzOptions['onScenario'], checks: Checks): Executor {
  const limit = pLimit(raft.timers === 'global' ? 1 : streams);
  // Scenarios queued before the last abandon() (or close()) resolve as abandoned when their turn comes.
  let epoch = 0;
  let closed = false;
  return {
    workers: 1,
    run: (scenario, trace, labOnly) => {
      const mine = epoch;
      const policy = policyFor(labOnly === true ? 'lab' : checks);
      return limit(async (): Promise<Outcome> => {
        if (closed || mine !== epoch) return { abandoned: true };
        const lines: string[] = [];
        const result = await runScenario(scenario, {
          raft,
          ...(policy !== undefined && { policy }),
          ...(trace === true && { record: (e) => lines.push(JSON.stringify(e)) }),
        });
        onScenario?.(scenario, result);
        return { result, trace: trace === true ? `${lines.join('\n')}\n` : undefined };
      });
    },
    abandon: () => {
      epoch++;
    },
    close: () => {
      closed = true;
      return Promise.resolve();
    },
  };
}

/** The worker pool (the stress loop's too): one boot file, one watchdog. */
function poolExecutor(raftModule: string | undefined, workers: number, streams: number, timeoutMs: number, checks: Checks): Executor {
  const queue: ScenarioJob[] = [];
  const waiting = new Map<number, (outcome: Outcome) => void>();
  let key = 0;
  const zero = { seed: 0, clock: 'virtual' as const, elapsedMs: 0, rpcs: 0, bytes: 0, events: 0, wallMs: 0, warnings: [] };
  const settle = (k: number, outcome: Outcome): void => {
    const resolve = waiting.get(k);
    waiting.delete(k);
    resolve?.(outcome);
  };
  const pool = new WorkerPool({
    workers,
    init: { clock: 'virtual', raftModule, archive: false, concurrency: streams, checks },
    timeoutMs,
    persistent: true,
    nextJob: () => queue.shift(),
    onDone: (job, done) => {
      const d = done as ScenarioDone;
      settle(job.key, { result: d.result, trace: d.trace });
    },
    onLost: (job, message, check, wallMs) => {
      const result: ScenarioResult = { ok: false, check, message: `[${check}] ${message}`, stats: { ...zero, wallMs } };
      settle(job.key, { result, trace: undefined });
    },
  });
  let failed: Error | undefined;
  const running = pool.run().catch((error: unknown) => {
    failed = error instanceof Error ? error : new Error(String(error));
    for (const k of [...waiting.keys()]) settle(k, { abandoned: true });
  });
  return {
    workers,
    run: (scenario, trace, labOnly) => {
      if (failed !== undefined) return Promise.reject(failed);
      const job: ScenarioJob = { kind: 'scenario', key: key++, scenario, ...(trace === true && { trace: true }), ...(labOnly === true && { labOnly: true }) };
      const outcome = new Promise<Outcome>((resolve) => waiting.set(job.key, resolve));
      queue.push(job);
      pool.poke();
      return outcome.then((o) => {
        if ('abandoned' in o && failed !== undefined) throw failed;
        return o;
      });
    },
    abandon: () => {
      // Results of what still runs are ignored; a hung worker is still replaced by the watchdog.
      queue.length = 0;
      for (const k of [...waiting.keys()]) settle(k, { abandoned: true });
    },
    close: async () => {
      queue.length = 0;
      await pool.stop(0);
      for (const k of [...waiting.keys()]) settle(k, { abandoned: true });
      await running;
    },
  };
}

// ---- the campaign ----

type FailedScenario = Extract<ScenarioResult, { ok: false }>;

interface Seen {
  check: CheckId;
  index: number;
  path: string;
  scenario: Scenario;
  result: FailedScenario;
  foundBy: string;
  atMs: number;
}

export async function runFuzz(options: FuzzOptions = {}): Promise<FuzzReport> {
  const started = wallNow();
  const seed = options.seed ?? randomInt(MAX_SEED);
  const checks = options.checks ?? 'all';
  const replay = options.path !== undefined;
  const timeLimited = options.timeSeconds !== undefined;
  const runs = replay ? 1 : (options.runs ?? (timeLimited ? Infinity : DEFAULT_RUNS));
  const deadline = timeLimited ? started + (options.timeSeconds as number) * 1000 : Infinity;
  const raft = options.raft ?? BUILT_IN_RAFT;
  // The pool when asked for (workers >= 1), with nothing that cannot cross threads (a make() without a module, a callback).
  const crossesThreads = raft.path !== undefined || raft === BUILT_IN_RAFT;
  const inProcess = !crossesThreads || options.onScenario !== undefined || options.workers === undefined || options.workers === 0;
  if (options.snapshot === true) refuseWithoutSnapshots(raft);
  const { space, note } = campaignSpace(options, raft.persists, raft.label);
  // What `npm run fuzz` picks by itself for the replayed --raft (none: the built-in Raft).
  const replayDefault = defaultKinds(raft.path === undefined ? BUILT_IN_RAFT.persists : raft.persists);
  const arbitrary = scenarioArbFor(space);
  if (replay) scenarioAt(seed, options.path as string, space); // Refuses a path that leads nowhere, before any work.
  let executor: Executor;
  if (inProcess) {
    executor = localExecutor(raft, options.streams ?? DEFAULT_STREAMS, options.onScenario, checks);
  } else {
    const workers = Math.max(1, options.workers ?? availableParallelism());
    const timeoutS =
      options.scenarioTimeoutSeconds ??
      (timeLimited ? Math.min(DEFAULT_SCENARIO_TIMEOUT_S, Math.max(1, (options.timeSeconds as number) / 4)) : DEFAULT_SCENARIO_TIMEOUT_S);
    executor = poolExecutor(raft.path, workers, raft.timers === 'global' ? 1 : (options.streams ?? DEFAULT_STREAMS), timeoutS * 1000, checks);
  }

  let ran = 0;
  let shrinkRuns = 0;
  let timedOut = false;
  const checksSeen = new Set<CheckId>();
  const progress = (): void =>
    options.onProgress?.({ runs: ran, elapsedMs: wallNow() - started, found: checksSeen.size > 0, checks: checksSeen.size, shrinkRuns });
  const stopped = (): boolean => options.signal?.aborted === true;
  const pastDeadline = (share = 1): boolean => {
    if (!timeLimited) return false;
    const over = wallNow() >= started + (options.timeSeconds as number) * 1000 * share;
    if (over) timedOut = true;
    return over;
  };
  // At the end of the budget, nothing still running is waited for: --time holds.
  let budgetOver = false;
  if (timeLimited) {
    wallAfter(Math.max(0, deadline - wallNow()), () => {
      budgetOver = true;
      executor.abandon();
    });
  }
  const execute = async (scenario: Scenario): Promise<ScenarioResult | undefined> => {
    if (budgetOver) return undefined;
    const outcome = await executor.run(scenario);
    if ('abandoned' in outcome) return undefined;
    ran++;
    progress();
    return outcome.result;
  };

  // Search: scenario k is fast-check's value at path "k". The generator runs
  // ahead of the executors, at most `window` scenarios in flight.
  let shrinkUntil = Infinity;
  const found: Seen[] = [];
  const occurrences = new Map<CheckId, number>();
  let searched = 0;
  try {
    const window = Math.max(1, executor.workers * (options.streams ?? DEFAULT_STREAMS) * 2);
    const inFlight = new Set<Promise<void>>();
    let index = 0;
    const generator = fc.asyncProperty(arbitrary, async (scenario) => {
      const share = found.length > 0 ? SEARCH_SHARE_AFTER_FAILURE : 1;
      if (index >= runs || stopped() || pastDeadline(share)) throw new fc.PreconditionFailure(true);
      const k = index++;
      const task = execute(scenario).then((result) => {
        if (result === undefined) return;
        searched++;
        options.onSearched?.(result);
        if (result.ok) return;
        const check = result.check;
        occurrences.set(check, (occurrences.get(check) ?? 0) + 1);
        checksSeen.add(check);
        found.push({ check, index: k, path: replay ? (options.path as string) : String(k), scenario, result, foundBy: 'search', atMs: wallNow() - started });
      });
      inFlight.add(task);
      void task.finally(() => inFlight.delete(task));
      while (inFlight.size >= window) await Promise.race(inFlight);
      return true;
    });
    await fc.check(generator, {
      seed,
      numRuns: runs === Infinity ? 2 ** 31 - 1 : runs,
      ...(replay && { path: options.path as string, endOnFailure: true }),
    });
    await Promise.all(inFlight);

    // Shrink: the first failure of each check, in the order of the search,
    // keeping its check. A smaller scenario that fails another check is a
    // finding of its own (shrunk in a later round), not a step of this one.
    const findings: FuzzFailure[] = [];
    const groups = firstOfEach(found);
    const known = new Set(groups.map((g) => g.check));
    let round = replay ? [] : groups;
    if (options.shrinkSeconds !== undefined) shrinkUntil = wallNow() + options.shrinkSeconds * 1000;
    const done: { seen: Seen; shrunk: Shrunk }[] = replay ? groups.map((seen) => ({ seen, shrunk: unshrunk(seen) })) : [];
    while (round.length > 0) {
      const results = await Promise.all(round.map((seen) => shrink(seen)));
      const next: Seen[] = [];
      results.forEach((shrunk, i) => {
        done.push({ seen: round[i] as Seen, shrunk });
        for (const other of shrunk.others) {
          if (known.has(other.check)) continue;
          known.add(other.check);
          checksSeen.add(other.check);
          next.push(other);
        }
      });
      round = next;
    }
    for (const { seen, shrunk } of done) {
      const r = shrunk.result;
      findings.push({
        check: seen.check,
        message: r.message,
        scenario: shrunk.scenario,
        scenarioText: describeScenario(shrunk.scenario),
        seed,
        path: shrunk.path,
        replay: withChecks(fuzzReplayCommand(seed, shrunk.path, raft.path, space, replayDefault), checks),
        faults: faultCount(shrunk.scenario),
        runsUntilFound: seen.index + 1,
        msUntilFound: seen.atMs,
        foundBy: seen.foundBy,
        occurrences: occurrences.get(seen.check) ?? 1,
        shrinks: shrunk.shrinks,
        shrinkRuns: shrunk.runs,
        shrinkCut: shrunk.cut,
        phase: r.phase,
      });
    }
    if (options.traces === true) {
      // (A scenario that hung or crashed its thread would do it again: no trace for those.)
      for (const f of findings.filter((x) => x.check !== 'WATCHDOG' && x.check !== 'CRASH')) {
        const outcome = await executor.run(f.scenario, true);
        if ('abandoned' in outcome) continue;
        if (outcome.trace !== undefined) f.trace = outcome.trace;
        if (outcome.result.message !== f.message) f.tracedDiffers = outcome.result.ok ? 'it passed' : outcome.result.message;
      }
    }
    // Would the lab's checks fail it too? The shrunk counterexample once
    // more, with the monitors off: a scenario replays exactly from itself,
    // and the monitors only watch, so it is the same run judged as the lab's
    // tester would judge it. A failure that is not a monitor's is the lab's
    // already (LAB), or any tester's (a hang, a crash).
    for (const f of findings) {
      if (checks === 'lab' || failsTheLab(f.check)) {
        f.lab = 'fails';
        continue;
      }
      const outcome = await executor.run(f.scenario, false, true);
      if ('abandoned' in outcome) continue;
      f.lab = outcome.result.ok ? 'passes' : 'fails';
      if (!outcome.result.ok) f.labMessage = outcome.result.message.split('\n')[0];
    }
    const report: FuzzReport = {
      ok: findings.length === 0,
      runs: ran,
      searched,
      wallMs: wallNow() - started,
      seed,
      workers: executor.workers,
      timedOut,
      interrupted: stopped(),
      space: { servers: spaceServers(space), kinds: [...(space.kinds ?? FAULT_KINDS)], ...(space.snapshot === true && { snapshot: true as const }) },
      ...(note !== undefined && { note }),
      checks,
      findings,
      ...(findings[0] !== undefined && { failure: findings[0] }),
    };
    return report;
  } finally {
    await executor.close();
  }

  interface Shrunk {
    scenario: Scenario;
    path: string;
    result: FailedScenario;
    shrinks: number;
    runs: number;
    cut: boolean;
    others: Seen[];
  }

  function unshrunk(seen: Seen): Shrunk {
    return { scenario: seen.scenario, path: seen.path, result: seen.result, shrinks: 0, runs: 0, cut: false, others: [] };
  }

  // fast-check replays the path, then tries the value's shrinks in order and
  // descends into the first that still fails the same check: where it ends,
  // and in how many steps, is its counterexamplePath and numShrinks.
  async function shrink(seen: Seen): Promise<Shrunk> {
    const best = unshrunk(seen);
    // Each run of this shrink in fast-check's order: whether it failed the
    // check being shrunk (a step down). The path of a value that failed
    // another check is found from them (pathOfTry).
    const steps: boolean[] = [];
    const results = new Map<Scenario, Seen['result']>();
    const met: { other: Omit<Seen, 'path'>; at: number }[] = [];
    const property = fc.asyncProperty(arbitrary, async (scenario) => {
      if (stopped() || pastDeadline() || wallNow() >= shrinkUntil) {
        best.cut = true;
        throw new fc.PreconditionFailure(true);
      }
      let result: ScenarioResult | undefined;
      try {
        result = await execute(scenario);
      } catch {
        // The executor itself failed (the pool could not start a thread):
        // no step of this shrink, which ends with what it found. The
        // failure is the campaign's at the executor's next run.
        throw new fc.PreconditionFailure(true);
      }
      if (result === undefined) {
        best.cut = true;
        throw new fc.PreconditionFailure(true);
      }
      // The first run replays the value at the path: no shrink run.
      if (steps.length > 0) {
        best.runs++;
        shrinkRuns++;
      }
      const failed = result.ok ? undefined : result;
      steps.push(failed?.check === seen.check);
      if (failed === undefined) return true;
      if (failed.check === seen.check) {
        results.set(scenario, failed);
        return false;
      }
      if (!met.some((m) => m.other.check === failed.check)) {
        met.push({
          other: { check: failed.check, index: seen.index, scenario, result: failed, foundBy: `shrinking [${seen.check}]`, atMs: wallNow() - started },
          at: steps.length - 1,
        });
      }
      return true;
    });
    const details = await fc.check(property, { seed, path: seen.path, numRuns: 1 });
    // A counterexample other than the value at the path itself: shrunk.
    const shrunk = details.counterexample?.[0];
    const result = shrunk === undefined ? undefined : results.get(shrunk);
    if (details.counterexamplePath !== null && details.counterexamplePath !== seen.path && shrunk !== undefined && result !== undefined) {
      best.scenario = shrunk;
      best.result = result;
      best.path = details.counterexamplePath;
      best.shrinks = details.numShrinks;
    }
    best.others = met.map(({ other, at }) => ({ ...other, path: pathOfTry(seen.path, steps, at) }));
    return best;
  }

  // The path of the at-th value a shrink from `path` tried, its runs before
  // it having gone as `steps` says: the same shrink again, drawn but not run
  // (a scenario replays from its seed and path alone), that fails at that
  // value, and fast-check's counterexamplePath.
  function pathOfTry(path: string, steps: readonly boolean[], at: number): string {
    let tried = 0;
    const replayed = fc.check(
      fc.property(arbitrary, () => {
        const k = tried++;
        if (k > at) throw new fc.PreconditionFailure(true);
        return k === at ? false : steps[k] !== true;
      }),
      { seed, path, numRuns: 1 },
    );
    if (replayed.counterexamplePath === null) throw new Error(`fuzz: the shrink from path ${path} did not replay to its try ${at}`);
    return replayed.counterexamplePath;
  }
}

/** The first failure of each check, in the order of the search. */
function firstOfEach(found: readonly Seen[]): Seen[] {
  const first = new Map<CheckId, Seen>();
  for (const seen of [...found].sort((a, b) => a.index - b.index)) if (!first.has(seen.check)) first.set(seen.check, seen);
  return [...first.values()];
}
