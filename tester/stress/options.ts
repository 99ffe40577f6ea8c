// The stress loop's command line: parsed and checked before any work starts.
// Every mistake gets one clear line (UsageError) and exit code 2.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import type { ClockKind } from '../../runtime/clock.ts';
import { MAX_SEED } from '../../runtime/random.ts';
import { UsageError, checkRaftPath, parseCommandLine, positiveInt, positiveSeconds, seedArg, writableDir, writableFile } from '../cli-args.ts';
import { randomInt } from 'node:crypto';
import type { LabTestEntry } from '../lab2a.ts';
import { ALL_TESTS, selectTests, testNamed } from '../tests.ts';
import { checksArg, type Checks } from '../checks.ts';
import { loadRerun, type RerunJob } from './rerun.ts';

export { UsageError };

export interface Shard {
  index: number; // 1-based
  count: number;
}

export interface StressOptions {
  tests: LabTestEntry[];
  /** The TESTS arguments as given (a test named exactly is asked for, whatever the stage). */
  patterns: string[];
  iterations: number;
  parallelism: number;
  clock: ClockKind;
  seed: number;
  /** Where this campaign's folder goes (see campaignDir). */
  out: string;
  archive: boolean;
  /** Full log, trace and page for the first `keep` failures of each test and check; the rest are counted. */
  keep: number;
  /** Stop at the first failure. */
  failfast: boolean;
  loop: boolean;
  /** Wall-clock budget of one iteration, in seconds. */
  timeoutSeconds: number;
  json: string | undefined;
  shard: Shard;
  raftModule: string | undefined;
  verbose: boolean;
  merge: string[] | undefined;
  /** Which checks judge: every monitor and the lab's (all), or the lab's alone (lab). */
  checks: Checks;
  /** Write the result as JUnit XML here. */
  junit: string | undefined;
  /** Write the campaign's page of charts here (--report FILE.html). */
  report: string | undefined;
  /** --rerun: the summary read, and exactly the iterations to run (instead of -n per test). */
  rerun: { file: string; jobs: RerunJob[] } | undefined;
}

export const STRESS_USAGE = `usage: npm run stress -- [TESTS...] [options]

TESTS       test names or patterns (2A, 2B, TestReElection2A); default: the three 2A tests
-n N        iterations per test (default 1000)
-p P        parallelism: worker threads in virtual time (default: one per core),
            clusters at once in real time (default 16)
--clock C   virtual (default) or real
--seed S    base seed; iteration seeds derive from it, the test and the index
--out DIR   where failure logs go (default stress-logs): each campaign
            writes into a folder of its own inside it
--archive   keep every iteration's log, not only failures
--keep K    full log, trace and page for the first K failures of each
            test and check (default 5); the rest are counted
--failfast  stop at the first failure
--loop      keep going with growing rounds until stopped (Ctrl-C)
--timeout S the watchdog: seconds of a worker thread's CPU time without progress
            (virtual time moving on) after which an iteration is hung (default 60 virtual,
            150 real); a slow iteration that progresses is never stopped for time
--json FILE write a machine-readable summary
--shard i/n run only shard i of n (1-based)
--raft MOD  the Raft implementation to test (default: the built-in one)
--checks C  all (default): every monitor and the lab's own checks judge, and each
            failure of a monitor is run once more with the lab's checks alone, to say
            whether the Go tester would have failed it too; lab: the lab's checks only
--junit FILE  write JUnit XML for CI: one test case per test, its failures with
            check, message, seed and replay command
--report FILE.html  one self-contained page of charts (works offline): per test,
            failures by check, the distributions of virtual time, elections (terms)
            and RPCs per iteration, and links to each kept failure's page
--rerun SUMMARY.json  run exactly the failing seeds of an earlier campaign (its
            --json summary): same tests, same Raft (unless --raft), same clock and checks
            (unless --clock, --checks)
-v          verbose: print every iteration
--merge A.json B.json ...   combine shard summaries into one table and summary`;

export function parseStressArgs(argv: string[]): StressOptions | 'help' {
  const parsed = parseCommandLine(
    argv,
    {
      n: { type: 'string', short: 'n' },
      p: { type: 'string', short: 'p' },
      clock: { type: 'string' },
      seed: { type: 'string' },
      out: { type: 'string', short: 'o' },
      archive: { type: 'boolean', short: 'a' },
      keep: { type: 'string' },
      failfast: { type: 'boolean' },
      loop: { type: 'boolean', short: 'l' },
      timeout: { type: 'string' },
      json: { type: 'string' },
      shard: { type: 'string' },
      raft: { type: 'string' },
      verbose: { type: 'boolean', short: 'v' },
      merge: { type: 'boolean' },
      checks: { type: 'string' },
      junit: { type: 'string' },
      rerun: { type: 'string' },
      report: { type: 'string' },
    },
    true,
  );
  if (parsed === 'help') return 'help';
  const { values, positionals } = parsed;

  if (values.merge) {
    if (positionals.length === 0) throw new UsageError('--merge needs the JSON summaries to combine');
    for (const file of positionals) if (!existsSync(file)) throw new UsageError(`--merge: no such file: ${file}`);
    const base = defaults();
    if (values.json !== undefined) writableFile(resolve(values.json), '--json');
    if (values.junit !== undefined) writableFile(resolve(values.junit), '--junit');
    if (values.report !== undefined) writableFile(resolve(values.report), '--report');
    return { ...base, merge: positionals, json: values.json, junit: values.junit, report: values.report };
  }
  if (values.rerun !== undefined) {
    if (positionals.length > 0)
      throw new UsageError(`--rerun runs the tests that failed in ${values.rerun}: give no TESTS with it (got ${positionals.map((p) => `'${p}'`).join(', ')})`);
    return parseRerun(values);
  }

  const tests = selectTests(positionals); // a malformed pattern is a UsageError
  if (tests.length === 0) {
    throw new UsageError(`no test matches ${positionals.map((p) => `'${p}'`).join(', ')} (known: ${ALL_TESTS.map((t) => t.name).join(', ')})`);
  }
  const clock = values.clock ?? 'virtual';
  if (clock !== 'virtual' && clock !== 'real') throw new UsageError(`--clock must be 'virtual' or 'real', got '${clock}'`);
  const iterations = values.n === undefined ? 1000 : positiveInt(values.n, '-n');
  const parallelism = values.p === undefined ? (clock === 'virtual' ? availableParallelism() : 16) : positiveInt(values.p, '-p');
  const timeoutSeconds = values.timeout === undefined ? (clock === 'virtual' ? 60 : 150) : positiveSeconds(values.timeout, '--timeout');
  const seed = values.seed === undefined ? randomInt(MAX_SEED) : seedArg(values.seed);
  const shard = parseShard(values.shard);
  if (shard.index > iterations && values.loop !== true) {
    throw new UsageError(
      `--shard ${shard.index}/${shard.count} gets no iteration of -n ${iterations}: iterations are dealt out to shards by index, so use at most ${iterations} shard${iterations === 1 ? '' : 's'}`,
    );
  }
  const keep = values.keep === undefined ? 5 : nonNegativeInt(values.keep, '--keep');
  const out = resolve(values.out ?? 'stress-logs');
  writableDir(out, '--out');
  if (values.json !== undefined) writableFile(resolve(values.json), '--json');
  if (values.junit !== undefined) writableFile(resolve(values.junit), '--junit');
  if (values.report !== undefined) writableFile(resolve(values.report), '--report');
  const raftModule = values.raft;
  if (raftModule !== undefined) checkRaftPath(raftModule, '--raft');
  return {
    tests,
    patterns: positionals,
    iterations,
    parallelism,
    clock,
    seed,
    out,
    archive: values.archive ?? false,
    keep,
    failfast: values.failfast ?? false,
    loop: values.loop ?? false,
    timeoutSeconds,
    json: values.json,
    shard,
    raftModule,
    verbose: values.verbose ?? false,
    merge: undefined,
    checks: checksArg(values.checks),
    junit: values.junit,
    report: values.report,
    rerun: undefined,
  };
}

type StressValues = Partial<
  Record<'n' | 'p' | 'clock' | 'seed' | 'out' | 'keep' | 'timeout' | 'json' | 'shard' | 'raft' | 'checks' | 'junit' | 'rerun' | 'report', string>
> &
  Partial<Record<'archive' | 'failfast' | 'loop' | 'verbose' | 'merge', boolean>>;

/**
 * --rerun FILE: the earlier campaign's failing iterations, each with its own
 * seed and index, on its Raft, clock and checks unless told otherwise.
 * What would choose other iterations (-n, --seed, --shard, --loop, TESTS) is refused.
 */
function parseRerun(values: StressValues): StressOptions {
  const file = values.rerun as string;
  for (const [flag, given] of [
    ['-n', values.n],
    ['--seed', values.seed],
    ['--shard', values.shard],
    ['--loop', values.loop],
  ] as const) {
    if (given !== undefined) throw new UsageError(`--rerun runs the failing seeds of ${file}: ${flag} cannot be given with it`);
  }
  const plan = loadRerun(file);
  const s = plan.summary;
  const clock = values.clock ?? s.clock;
  if (clock !== 'virtual' && clock !== 'real') throw new UsageError(`--clock must be 'virtual' or 'real', got '${clock}'`);
  const raftModule = values.raft ?? plan.raftModule;
  if (raftModule !== undefined) {
    if (values.raft === undefined && !existsSync(resolve(raftModule))) {
      throw new UsageError(
        `--rerun: ${file} was run on ${raftModule}, which is not here (paths are relative to the folder the campaign ran in); name it with --raft`,
      );
    }
    checkRaftPath(raftModule, '--raft');
  }
  const names = [...new Set(plan.jobs.map((j) => j.test))];
  const out = resolve(values.out ?? 'stress-logs');
  writableDir(out, '--out');
  if (values.json !== undefined) writableFile(resolve(values.json), '--json');
  if (values.junit !== undefined) writableFile(resolve(values.junit), '--junit');
  if (values.report !== undefined) writableFile(resolve(values.report), '--report');
  return {
    tests: names.map((name) => testNamed(name) as LabTestEntry),
    patterns: names,
    iterations: s.iterations,
    parallelism: values.p === undefined ? (clock === 'virtual' ? availableParallelism() : 16) : positiveInt(values.p, '-p'),
    clock,
    seed: s.seed,
    out,
    archive: values.archive ?? false,
    keep: values.keep === undefined ? 5 : nonNegativeInt(values.keep, '--keep'),
    failfast: values.failfast ?? false,
    loop: false,
    timeoutSeconds: values.timeout === undefined ? (clock === 'virtual' ? 60 : 150) : positiveSeconds(values.timeout, '--timeout'),
    json: values.json,
    shard: { index: 1, count: 1 },
    raftModule,
    verbose: values.verbose ?? false,
    merge: undefined,
    checks: values.checks !== undefined ? checksArg(values.checks) : s.checks === 'lab' ? 'lab' : 'all',
    junit: values.junit,
    report: values.report,
    rerun: { file, jobs: plan.jobs },
  };
}

function defaults(): StressOptions {
  return {
    tests: [],
    patterns: [],
    iterations: 0,
    parallelism: 1,
    clock: 'virtual',
    seed: 0,
    out: resolve('stress-logs'),
    archive: false,
    keep: 5,
    failfast: false,
    loop: false,
    timeoutSeconds: 60,
    json: undefined,
    shard: { index: 1, count: 1 },
    raftModule: undefined,
    verbose: false,
    merge: undefined,
    checks: 'all',
    junit: undefined,
    report: undefined,
    rerun: undefined,
  };
}

function nonNegativeInt(text: string, flag: string): number {
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) throw new UsageError(`${flag} must be a whole number of at least 0, got '${text}'`);
  return Number(text);
}

export function parseShard(text: string | undefined): Shard {
  if (text === undefined) return { index: 1, count: 1 };
  const match = /^(\d+)\/(\d+)$/.exec(text);
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (match === null || count < 1 || index < 1 || index > count) {
    throw new UsageError(`--shard must be i/n with 1 <= i <= n (e.g. 2/4), got '${text}'`);
  }
  return { index, count };
}
