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
  }
}

export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
