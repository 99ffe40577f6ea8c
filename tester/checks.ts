// Which checks judge a run: every monitor and the lab's own checks (`all`,
// the default), or the lab's own checks alone (`lab`): what the Go tester of
// 6.824 would have said. The lab's checks are the lab's helpers
// (checkOneLeader, checkTerms, one(), the applier's `apply error`), which
// fail with check LAB; the monitors are every other check id (CHECKS).
import { LAB_CHECKS_ONLY, type CheckPolicy } from './monitors/index.ts';
import { CRASH_CHECK } from './crash-guard.ts';
import { UsageError } from './cli-args.ts';

export type Checks = 'all' | 'lab';

/** --checks all|lab. */
export function checksArg(text: string | undefined): Checks {
  if (text === undefined) return 'all';
  if (text !== 'all' && text !== 'lab')
    throw new UsageError(`--checks must be 'all' (every monitor and the lab's checks) or 'lab' (the lab's checks only), got '${text}'`);
  return text;
}

/** The monitors' policy for `checks`: undefined leaves each driver's own (the lab tests' or STRICT). */
export function policyFor(checks: Checks | undefined): CheckPolicy | undefined {
  return checks === 'lab' ? LAB_CHECKS_ONLY : undefined;
}

/**
 * Failures the lab's tester fails as they are, with no re-run: its own
 * checks' (LAB), and a hang or a crash of the implementation, which the Go
 * tester too fails (a test timeout, a panic). Any other (a monitor's id,
 * HARNESS, REAL-IO) is run again with the lab's checks alone to know.
 */
export function failsTheLab(check: string): boolean {
  return check === 'LAB' || check === 'WATCHDOG' || check === CRASH_CHECK;
}

/** A replay command that judges as the run did: with `--checks lab` when only the lab's checks judged. */
export function withChecks(command: string, checks: Checks | undefined): string {
  return checks === 'lab' && !command.includes('--checks lab') ? `${command} --checks lab` : command;
}
