// stress --rerun SUMMARY.json: exactly the failing seeds of an earlier
// campaign, so that the loop of fixing a Raft is: fix, rerun the seeds that
// failed (seconds), then the full campaign. In virtual time a seed replays
// its run event for event, so a seed that fails again fails for the same
// reason; one that passes is fixed (or, in real time, was lucky).
import { BUILT_IN_NAME } from '../built-in-raft.ts';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { UsageError } from '../cli-args.ts';
import { testNamed } from '../tests.ts';
import { describeError } from '../failure.ts';
import { unknownCheckIn, type StressSummary } from './summary.ts';

export interface RerunJob {
  test: string;
  /** The iteration's index in the earlier campaign (its logs keep their names). */
  iteration: number;
  seed: number;
}

export interface RerunPlan {
  file: string;
  summary: StressSummary;
  /** The earlier campaign's Raft: undefined for the built-in one. */
  raftModule: string | undefined;
  /** In the order of the summary: test by test, iteration by iteration. */
  jobs: RerunJob[];
}

/** Reads a summary written by `stress --json` (or `--merge`); anything else is one line (UsageError). */
export function loadRerun(file: string): RerunPlan {
  if (!existsSync(file)) throw new UsageError(`--rerun: no such file: ${file}`);
  if (statSync(file).isDirectory()) throw new UsageError(`--rerun: ${file} is a folder; give the JSON summary of a campaign (stress --json FILE)`);
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new UsageError(`--rerun: ${file} is not a stress summary (stress --json FILE): ${describeError(error).split('\n')[0]}`);
  }
  const summary = asSummary(data);
  if (summary === undefined) throw new UsageError(`--rerun: ${file} is not a stress summary (stress --json FILE): no tests with their failures`);
  const unknown = unknownCheckIn(summary.tests);
  if (unknown !== undefined) throw new UsageError(`--rerun: ${file} is not a stress summary of this harness: ${unknown}`);
  const jobs: RerunJob[] = [];
  for (const test of summary.tests) {
    if (test.failures.length > 0 && testNamed(test.name) === undefined)
      throw new UsageError(`--rerun: ${file} names a test this harness does not know: ${test.name}`);
    for (const f of test.failures) jobs.push({ test: test.name, iteration: f.iteration, seed: f.seed });
  }
  if (jobs.length === 0) throw new UsageError(`--rerun: ${file} records no failure: nothing to run again`);
  return { file, summary, raftModule: summary.raft === BUILT_IN_NAME ? undefined : summary.raft, jobs };
}

/** The fields --rerun relies on, checked (a summary is read from disk: anything may be there). */
function asSummary(data: unknown): StressSummary | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const s = data as Partial<StressSummary>;
  if (!Array.isArray(s.tests) || typeof s.raft !== 'string' || (s.clock !== 'virtual' && s.clock !== 'real')) return undefined;
  for (const t of s.tests as unknown[]) {
    const test = t as { name?: unknown; failures?: unknown };
    if (typeof test?.name !== 'string' || !Array.isArray(test.failures)) return undefined;
    for (const f of test.failures as unknown[]) {
      const failure = f as { iteration?: unknown; seed?: unknown };
      if (!Number.isSafeInteger(failure?.iteration) || !Number.isSafeInteger(failure?.seed)) return undefined;
    }
  }
  return s as StressSummary;
}
