// Which checks judge a run: every monitor and the lab's own checks (`all`,
// the default), or the lab's own checks alone (`lab`): what the Go tester of
// 6.824 would have said. The lab's checks are the lab's helpers
// (checkOneLeader, checkTerms, one(), the applier's `apply error`), which
// fail with check LAB; the monitors are every other check id (CHECKS).
import { CHECKS, LAB_CHECKS_ONLY, type CheckPolicy } from './monitors/index.ts';
import { UsageError } from './cli-args.ts';

export type Checks = 'all' | 'lab';

/** --checks all|lab. */
export function checksArg(text: string | undefined): Checks {
  if (text === undefined) return 'all';
  if (text !== 'all' && text !== 'lab') throw new UsageError(`--checks must be 'all' (every monitor and the lab's checks) or 'lab' (the lab's checks only), got '${text}'`);
  return text;
}

/** The monitors' policy for `checks`: undefined leaves each driver's own (the lab tests' or STRICT). */
export function policyFor(checks: Checks | undefined): CheckPolicy | undefined {
  return checks === 'lab' ? LAB_CHECKS_ONLY : undefined;
}

/**
 * A failure's check is one of our monitors' (a re-run with the lab's checks
 * alone may pass). LAB is the lab's own; CRASH, WATCHDOG and the like fail
 * under any checker: the Go tester too crashes on a panic and times out on a
 * hang.
 */
export function isMonitorCheck(check: string): boolean {
  return Object.hasOwn(CHECKS, check);
}

/** A replay command that judges as the run did: with `--checks lab` when only the lab's checks judged. */
export function withChecks(command: string, checks: Checks | undefined): string {
  return checks === 'lab' && !command.includes('--checks lab') ? `${command} --checks lab` : command;
}
