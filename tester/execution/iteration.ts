// One iteration: one test, one seed, one clock. Everything a driver needs to
// report it comes back in the result; nothing is printed.
import pLimit from 'p-limit';
import { wallNow } from '../../runtime/wall.ts';
import type { ClockKind } from '../../runtime/clock.ts';
import { deriveSeed } from '../../runtime/random.ts';
import { replayCommand, type RunStats } from '../config.ts';
import type { TesterEvent } from '../events.ts';
import { failedWith, type PassOrFail } from '../failure.ts';
import type { LabTestEntry } from '../lab-test.ts';
import type { CheckPolicy } from '../monitors/index.ts';
import type { RaftUnderTest } from '../raft-module.ts';
import { policyFor, withChecks, type Checks } from '../checks.ts';

export interface IterationOptions {
  clock?: ClockKind;
  /** The implementation under test (default: the built-in Raft); its path, if any, goes into replay commands. */
  raft?: RaftUnderTest;
  policy?: CheckPolicy;
  /** 'lab': only the lab's own checks judge (LAB_CHECKS_ONLY), and replay commands say so; `policy` wins. */
  checks?: Checks;
  record?: (event: TesterEvent) => void;
}

interface IterationRun {
  test: string;
  seed: number;
  /** What the test printed (begin/end lines, warnings). */
  output: string[];
  stats: RunStats;
  wallMs: number;
  replay?: string;
}

/** Passed, or failed with the check that failed and its message (which ends with the replay command in virtual time). */
export type IterationResult = IterationRun & PassOrFail;

/** The seed of iteration `index` of `test` in a campaign with `baseSeed`: independent of -p and sharding. */
export function iterationSeed(baseSeed: number, test: string, index: number): number {
  return deriveSeed(baseSeed, test, index);
}

// Faked globals belong to the whole thread: such iterations take turns.
const oneAtATime = pLimit(1);

export async function runIteration(test: LabTestEntry, seed: number, options: IterationOptions = {}): Promise<IterationResult> {
  if (options.raft?.timers === 'global' && (options.clock ?? 'virtual') === 'virtual') {
    return oneAtATime(() => runIterationNow(test, seed, options));
  }
  return runIterationNow(test, seed, options);
}

async function runIterationNow(test: LabTestEntry, seed: number, options: IterationOptions): Promise<IterationResult> {
  const output: string[] = [];
  const stats: RunStats = { seed, clock: options.clock ?? 'virtual', elapsedMs: 0, rpcs: 0, bytes: 0, events: 0, wallMs: 0, warnings: [] };
  const started = wallNow();
  const base = replayCommand(test.name, seed, options.raft?.path);
  const replay = stats.clock === 'virtual' ? { replay: withChecks(base, options.checks) } : {};
  const policy = options.policy ?? policyFor(options.checks);
  let verdict: PassOrFail = { ok: true };
  try {
    await test.run({
      clock: stats.clock,
      seed,
      ...(options.raft !== undefined && { raft: options.raft }),
      ...(policy !== undefined && { policy }),
      ...(options.record !== undefined && { record: options.record }),
      print: (line) => output.push(line),
      stats,
    });
  } catch (error) {
    verdict = failedWith(error);
    // The message ends with the command that replays it: the same seed replays the same run only under the same checks.
    if (options.checks === 'lab' && stats.clock === 'virtual') verdict.message = verdict.message.split(base).join(withChecks(base, 'lab'));
  }
  // A run that failed before cleanup has no share on record: fall back to elapsed time.
  const wallMs = stats.wallMs > 0 ? stats.wallMs : wallNow() - started;
  return { test: test.name, seed, ...verdict, output, stats, wallMs, ...replay };
}
