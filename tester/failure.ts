// How a test fails: with the lab's message, or with the name of the
// invariant a monitor saw broken, and always with what it takes to replay.
import type { CheckId } from './check-ids.ts';

export class TestFailure extends Error {
  constructor(
    message: string,
    /** The check that failed: a monitor's id, LAB for the lab's own checks, or another of check-ids.ts. */
    readonly check: CheckId,
    /** Virtual (or real) milliseconds since the start of the run. */
    readonly t: number,
  ) {
    super(message);
    this.name = 'TestFailure';
    // What a reader needs is the check and the message (where, when, the
    // replay command); the harness's own call stack would only bury it under
    // lines of internals (mocha prints the stack).
    this.stack = `${this.name} [${check}]: ${message}`;
  }
}

/** A run that passed: no check failed, nothing to say (both absent, so that either can be read without asking first). */
export interface Passed {
  ok: true;
  check?: never;
  message?: never;
}

/** How a run failed: the check, and the message that says where, when and how to replay it. */
export interface Failed {
  ok: false;
  check: CheckId;
  message: string;
}

/** A run's verdict: passed, or failed with a check; never failed without one. */
export type PassOrFail = Passed | Failed;

/**
 * What an error thrown out of a run says: a TestFailure carries its check;
 * anything else is the harness's own failure (HARNESS), for no check threw it.
 */
export function failedWith(error: unknown): Failed {
  return { ok: false, check: error instanceof TestFailure ? error.check : 'HARNESS', message: describeError(error) };
}

export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/**
 * Virtual times in a message, rounded to whole milliseconds: a Raft that
 * sleeps fractional milliseconds would otherwise print `t=1454.1870878078043 ms`.
 * The trace keeps the exact times.
 */
export function roundTimes(message: string): string {
  return message.replace(/\bt=(-?\d+\.\d+)/g, (_, t: string) => `t=${Math.round(Number(t))}`);
}
