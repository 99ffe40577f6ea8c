// The fuzzer's command line, parsed and checked before any work starts:
// every mistake is one clear line (FuzzUsageError), exit code 2.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError, positiveInt, positiveSeconds, seedArg, writableDir, writableFile } from '../cli-args.ts';
import { DEFAULT_RUNS, DEFAULT_SCENARIO_TIMEOUT_S, DEFAULT_STREAMS, FuzzPathError, isFuzzPath, scenarioAt } from './fuzz.ts';
import { checkCaseName, saveDir } from './regressions.ts';

export const FUZZ_USAGE = `usage: npm run fuzz -- [options]

--runs N        scenarios to run (default ${DEFAULT_RUNS}; no limit with --time alone)
--time S        the campaign's budget in seconds, shrinking included; then say how many ran
--seed S        the campaign's seed (default: random); with --path, the counterexample's seed
--path P        replay one counterexample: fast-check's path, printed with a failure (needs --seed)
--raft MODULE   the Raft implementation to fuzz (default: the built-in one)
-p N            worker threads (default: one per core); the report does not depend on it
--streams N     scenarios at once in each thread (default ${DEFAULT_STREAMS})
--timeout S     wall-clock budget of one scenario: over it, the watchdog makes it a
                failure of its own (default ${DEFAULT_SCENARIO_TIMEOUT_S}, or a quarter of --time, at least 1)
--out DIR       where the failing scenario's trace goes (default fuzz-logs)
--json FILE     write the report as JSON
--save NAME     store the shrunk counterexample as test/regressions/NAME.json
-h, --help      this text`;

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
}

export function parseFuzzArgs(argv: string[]): FuzzCliOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: false,
      strict: true,
      options: {
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
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const v = parsed.values;
  const runs = v.runs === undefined ? undefined : positiveInt(v.runs, '--runs');
  const timeSeconds = v.time === undefined ? undefined : positiveSeconds(v.time, '--time');
  const seed = v.seed === undefined ? undefined : seedArg(v.seed);
  if (v.path !== undefined) {
    if (seed === undefined) throw new UsageError('--path replays a counterexample: it needs the --seed it was found with');
    if (!isFuzzPath(v.path)) throw new UsageError(`--path must be fast-check's path, numbers separated by ':' (like 12:0:3), got '${v.path}'`);
    try {
      scenarioAt(seed, v.path);
    } catch (error) {
      if (error instanceof FuzzPathError) throw new UsageError(error.message);
      throw error;
    }
  }
  if (v.raft !== undefined && !existsSync(resolve(v.raft))) throw new UsageError(`--raft: no such file: ${v.raft}`);
  const workers = v.p === undefined ? availableParallelism() : positiveInt(v.p, '-p');
  const streams = v.streams === undefined ? DEFAULT_STREAMS : positiveInt(v.streams, '--streams');
  const scenarioTimeoutSeconds = v.timeout === undefined ? undefined : positiveSeconds(v.timeout, '--timeout');
  const out = resolve(v.out ?? 'fuzz-logs');
  writableDir(out, '--out');
  if (v.json !== undefined) writableFile(resolve(v.json), '--json');
  if (v.save !== undefined) {
    const problem = checkCaseName(v.save);
    if (problem !== undefined) throw new UsageError(`--save: ${problem}`);
    writableDir(saveDir(), '--save');
  }
  return { runs, timeSeconds, seed, path: v.path, raftModule: v.raft, workers, streams, scenarioTimeoutSeconds, out, json: v.json, save: v.save };
}
