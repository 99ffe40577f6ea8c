// The stress loop's command line: parsed and checked before any work starts.
// Every mistake gets one clear line (UsageError) and exit code 2.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, resolve } from 'node:path';
import type { ClockKind } from '../../runtime/clock.ts';
import { MAX_SEED } from '../../runtime/random.ts';
import { UsageError, checkRaftPath, parseCommandLine, positiveInt, positiveSeconds, seedArg, writableDir, writableFile } from '../cli-args.ts';
import { randomInt } from 'node:crypto';
import type { LabTestEntry } from '../lab2a.ts';
import { ALL_TESTS, selectTests } from '../tests.ts';

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
    return { ...base, merge: positionals, json: values.json };
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
