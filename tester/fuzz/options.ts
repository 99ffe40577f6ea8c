// The fuzzer's command line, parsed and checked before any work starts:
// every mistake is one clear line (FuzzUsageError), exit code 2.
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { UsageError, checkRaftPath, parseCommandLine, positiveInt, positiveSeconds, seedArg, writableDir, writableFile } from '../cli-args.ts';
import { DEFAULT_RUNS, DEFAULT_SCENARIO_TIMEOUT_S, DEFAULT_STREAMS, isFuzzPath } from './fuzz.ts';
import { checkCaseName, saveDir } from './regressions.ts';
import { FAULT_KINDS, MAX_SERVERS, type FaultKind } from '../execution/scenario.ts';
import { LAB_PROFILES, LAB_SNAPSHOT } from './scenario.ts';
import { checksArg, type Checks } from '../checks.ts';

export const FUZZ_USAGE = `usage: npm run fuzz -- [options]

--runs N        scenarios to run (default ${DEFAULT_RUNS}; no limit with --time alone)
--time S        the campaign's budget in seconds, shrinking included; then say how many ran
--seed S        the campaign's seed (default: random); with --path, the counterexample's seed
--path P        replay one counterexample: fast-check's path, printed with a failure (needs --seed)
--raft MODULE   the Raft implementation to fuzz (default: the built-in one)
--servers LIST  cluster sizes to draw from, like 3,5 (default: 1 to ${MAX_SERVERS})
--faults LIST   fault kinds to use, from ${FAULT_KINDS.join(', ')}, or none
                (default: all of them if the Raft persists, else all but crash)
--lab STAGE     the faults a lab stage can be expected to survive: 2A and 2B
                leave out crash (persistence is lab 2C), 2C uses all
                (--faults overrides it); 2D uses all, and runs the servers with
                the lab's snapshot applier (a snapshot every tenth command) and
                its steps: snapshots at any index, crashes inside snapshot() and
                InstallSnapshot, followers left behind (the Raft needs snapshot()
                and installSnapshot(); cluster sizes 3 to ${MAX_SERVERS} unless --servers)
-p N            worker threads (default: one per core); the report does not depend on it
--streams N     scenarios at once in each thread (default ${DEFAULT_STREAMS})
--timeout S     the watchdog: seconds of a worker thread's CPU time without virtual
                time moving on, after which a scenario is hung, a failure of its own (default ${DEFAULT_SCENARIO_TIMEOUT_S}, or a quarter of --time, at least 1)
--out DIR       where failing scenarios' traces go, in a folder per campaign (default fuzz-logs)
--json FILE     write the report as JSON
--checks C      all (default): every monitor judges, and the lab's helpers the scenario
                uses (the applier's checks, one(), the liveness phase's leader check);
                each finding of a monitor is run once more with the lab's checks alone, to
                say whether they fail it too; lab: the lab's checks only
--junit FILE    write JUnit XML for CI: one test case per finding (check, message,
                seed, path, replay command), or one passing case
--report FILE.html  one self-contained page of charts (works offline): findings by
                check, the distributions of virtual time, elections (terms) and RPCs
                per scenario searched, and links to each finding's trace page
--save NAME     store the shrunk counterexample as test/regressions/NAME.json
-h, --help      this text`;

/**
 * The usage as the user's command offers it: from the package (npx
 * raft-harness fuzz), --save is refused (it writes into the harness's own
 * repository), so it is not offered either.
 */
export function fuzzUsage(env: NodeJS.ProcessEnv = process.env): string {
  return env.RAFT_HARNESS_BIN === '1'
    ? FUZZ_USAGE.split('\n')
        .filter((l) => !l.startsWith('--save '))
        .join('\n')
    : FUZZ_USAGE;
}

/** The fuzzer's usage errors are the harness's. */
export { UsageError as FuzzUsageError };

export interface FuzzCliOptions {
  runs: number | undefined;
  timeSeconds: number | undefined;
  seed: number | undefined;
  path: string | undefined;
  raftModule: string | undefined;
  workers: number;
  streams: number;
  /** The watchdog's budget for one scenario, in seconds (undefined: the default). */
  scenarioTimeoutSeconds: number | undefined;
  out: string;
  json: string | undefined;
  save: string | undefined;
  /** --servers: cluster sizes (undefined: all). */
  servers: number[] | undefined;
  /** --faults, or --lab's profile (undefined: chosen by whether the Raft persists). */
  faults: FaultKind[] | undefined;
  /** --lab 2D: scenarios run with the snapshot applier and draw its steps. */
  snapshot: boolean;
  /** Which checks judge (all, or the lab's alone). */
  checks: Checks;
  junit: string | undefined;
  /** Write the campaign's page of charts here (--report FILE.html). */
  report?: string;
}

export function parseFuzzArgs(argv: string[]): FuzzCliOptions | 'help' {
  const parsed = parseCommandLine(
    argv,
    {
      runs: { type: 'string' },
      time: { type: 'string' },
      seed: { type: 'string' },
      path: { type: 'string' },
      raft: { type: 'string' },
      p: { type: 'string', short: 'p' },
      streams: { type: 'string' },
      timeout: { type: 'string' },
      out: { type: 'string', short: 'o' },
      json: { type: 'string' },
      save: { type: 'string' },
      servers: { type: 'string' },
      faults: { type: 'string' },
      lab: { type: 'string' },
      checks: { type: 'string' },
      junit: { type: 'string' },
      report: { type: 'string' },
    },
    false,
  );
  if (parsed === 'help') return 'help';
  const v = parsed.values;
  const runs = v.runs === undefined ? undefined : positiveInt(v.runs, '--runs');
  const timeSeconds = v.time === undefined ? undefined : positiveSeconds(v.time, '--time');
  const seed = v.seed === undefined ? undefined : seedArg(v.seed);
  if (v.path !== undefined) {
    if (seed === undefined) throw new UsageError('--path replays a counterexample: it needs the --seed it was found with');
    if (!isFuzzPath(v.path)) throw new UsageError(`--path must be fast-check's path, numbers separated by ':' (like 12:0:3), got '${v.path}'`);
    // Whether the path leads anywhere from the seed depends on the scenario space (the Raft's): runFuzz checks it first.
  }
  if (v.raft !== undefined) checkRaftPath(v.raft, '--raft');
  const workers = v.p === undefined ? availableParallelism() : positiveInt(v.p, '-p');
  const streams = v.streams === undefined ? DEFAULT_STREAMS : positiveInt(v.streams, '--streams');
  const scenarioTimeoutSeconds = v.timeout === undefined ? undefined : positiveSeconds(v.timeout, '--timeout');
  const out = resolve(v.out ?? 'fuzz-logs');
  writableDir(out, '--out');
  if (v.json !== undefined) writableFile(resolve(v.json), '--json');
  if (v.junit !== undefined) writableFile(resolve(v.junit), '--junit');
  if (v.report !== undefined) writableFile(resolve(v.report), '--report');
  const checks = checksArg(v.checks);
  if (v.save !== undefined) {
    if (process.env.RAFT_HARNESS_BIN === '1') {
      throw new UsageError(
        "--save adds a case to the harness's own regression suite (test/regressions in its repository); from your project, keep the failure's trace and replay command instead",
      );
    }
    const problem = checkCaseName(v.save);
    if (problem !== undefined) throw new UsageError(`--save: ${problem}`);
    writableDir(saveDir(), '--save');
  }
  const servers = v.servers === undefined ? undefined : parseServers(v.servers);
  let faults = v.faults === undefined ? undefined : parseFaults(v.faults);
  if (v.lab !== undefined) {
    const profile = LAB_PROFILES[v.lab];
    if (profile === undefined) throw new UsageError(`--lab must be one of ${Object.keys(LAB_PROFILES).join(', ')}, got '${v.lab}'`);
    faults ??= [...profile];
  }
  const snapshot = v.lab !== undefined && LAB_SNAPSHOT.includes(v.lab);
  return {
    runs,
    timeSeconds,
    seed,
    path: v.path,
    raftModule: v.raft,
    workers,
    streams,
    scenarioTimeoutSeconds,
    out,
    json: v.json,
    save: v.save,
    servers,
    faults,
    snapshot,
    checks,
    junit: v.junit,
    ...(v.report !== undefined && { report: v.report }),
  };
}

/** --servers 3,5: distinct whole numbers from 1 to MAX_SERVERS, kept in the order given (fast-check shrinks towards the first). */
export function parseServers(text: string): number[] {
  const parts = text.split(',').map((p) => p.trim());
  const sizes = parts.map((p) => (/^\d+$/.test(p) ? Number(p) : NaN));
  if (parts.length === 0 || sizes.some((n) => !(n >= 1 && n <= MAX_SERVERS))) {
    throw new UsageError(`--servers must be cluster sizes from 1 to ${MAX_SERVERS} separated by commas (like 3,5), got '${text}'`);
  }
  return [...new Set(sizes)];
}

/** --faults disconnect,link: known kinds, or 'none'. */
export function parseFaults(text: string): FaultKind[] {
  if (text.trim() === 'none') return [];
  const parts = text.split(',').map((p) => p.trim());
  const unknown = parts.filter((p) => !(FAULT_KINDS as readonly string[]).includes(p));
  if (unknown.length > 0 || parts.length === 0) {
    throw new UsageError(
      `--faults: unknown kind${unknown.length === 1 ? '' : 's'} ${unknown.map((u) => `'${u}'`).join(', ')} (known: ${FAULT_KINDS.join(', ')}, or none)`,
    );
  }
  return FAULT_KINDS.filter((k) => parts.includes(k));
}
