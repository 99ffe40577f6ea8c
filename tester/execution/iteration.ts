// One iteration: one test, one seed, one clock. Everything a driver needs to
// report it comes back in the result; nothing is printed.
import pLimit from 'p-limit';
import type { MakeRaft } from '../../raft/contract.ts';
import { wallNow } from '../../runtime/wall.ts';
import type { ClockKind } from '../../runtime/clock.ts';
import { deriveSeed } from '../../runtime/random.ts';
import { replayCommand, type RunStats } from '../config.ts';
import type { TesterEvent } from '../events.ts';
import { TestFailure, describeError } from '../failure.ts';
import type { LabTestEntry } from '../lab2a.ts';
import type { CheckPolicy } from '../monitors/index.ts';
import { policyFor, withChecks, type Checks } from '../checks.ts';

export interface IterationOptions {
  clock?: ClockKind;
  raft?: MakeRaft;
  /** The implementation uses global timers (see RaftModule.timers). */
  globalTimers?: boolean;
  /** The --raft module's path, for replay commands. */
  raftModule?: string;
  policy?: CheckPolicy;
  /** 'lab': only the lab's own checks judge (LAB_CHECKS_ONLY), and replay commands say so; `policy` wins. */
  checks?: Checks;
  record?: (event: TesterEvent) => void;
}

export interface IterationResult {
  test: string;
  seed: number;
  ok: boolean;
  /** The failure message (with the replay command in virtual time). */
  message?: string;
  /** Which check failed: a monitor id, LAB, or RAFT. */
  check?: string;
  /** What the test printed (begin/end lines, warnings). */
  output: string[];
  stats: RunStats;
  wallMs: number;
  replay?: string;
}

/** The seed of iteration `index` of `test` in a campaign with `baseSeed`: independent of -p and sharding. */
export function iterationSeed(baseSeed: number, test: string, index: number): number {
  return deriveSeed(baseSeed, test, index);
}

// Faked globals belong to the whole thread: such iterations take turns.
const oneAtATime = pLimit(1);

export async function runIteration(test: LabTestEntry, seed: number, options: IterationOptions = {}): Promise<IterationResult> {
  if (options.globalTimers === true && (options.clock ?? 'virtual') === 'virtual') {
    return oneAtATime(() => runIterationNow(test, seed, options));
  }
  return runIterationNow(test, seed, options);
}

async function runIterationNow(test: LabTestEntry, seed: number, options: IterationOptions): Promise<IterationResult> {
  const output: string[] = [];
  const stats: RunStats = { seed, clock: options.clock ?? 'virtual', elapsedMs: 0, rpcs: 0, bytes: 0, events: 0, wallMs: 0, warnings: [] };
  const started = wallNow();
  const result: IterationResult = { test: test.name, seed, ok: true, output, stats, wallMs: 0 };
  const base = replayCommand(test.name, seed, options.raftModule);
  if (stats.clock === 'virtual') result.replay = withChecks(base, options.checks);
  const policy = options.policy ?? policyFor(options.checks);
  try {
    await test.run({
      clock: stats.clock,
      seed,
      ...(options.raft !== undefined && { raft: options.raft }),
      ...(options.globalTimers === true && { globalTimers: true }),
      ...(options.raftModule !== undefined && { raftModule: options.raftModule }),
      ...(policy !== undefined && { policy }),
      ...(options.record !== undefined && { record: options.record }),
      print: (line) => output.push(line),
      stats,
    });
  } catch (error) {
    result.ok = false;
    result.message = describeError(error);
    result.check = error instanceof TestFailure ? error.check : 'HARNESS';
    // The message ends with the command that replays it: the same seed replays the same run only under the same checks.
    if (options.checks === 'lab' && stats.clock === 'virtual') result.message = result.message.split(base).join(withChecks(base, 'lab'));
  }
  // A run that failed before cleanup has no share on record: fall back to elapsed time.
  result.wallMs = stats.wallMs > 0 ? stats.wallMs : wallNow() - started;
  return result;
}
