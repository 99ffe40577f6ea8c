// How a test fails: with the lab's message, or with the name of the
// invariant a monitor saw broken, and always with what it takes to replay.

export class TestFailure extends Error {
  constructor(
    message: string,
    /** The check that failed: a monitor's id, or LAB for the lab's own checks. */
    readonly check: string,
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
