// A crash inside the implementation: an exception thrown from one of its own
// callbacks (setImmediate, a stream, an emitter) or a promise rejection that
// nobody handles. Node would end the whole thread, losing every iteration it
// ran. Instead the crash is that iteration's failure, with its stack: when
// one run is live in the thread, it is failed at once (same seed, same crash,
// same verdict: replay runs one run too); when several are, nobody can tell
// which one crashed, and the driver is told so that it re-runs them one at a
// time.
import { inspect } from 'node:util';
import type { CheckId } from './check-ids.ts';

/** What the guard needs of a run: the Config's fail(). */
export interface CrashTarget {
  fail(message: string, check: CheckId): void;
}

export const CRASH_CHECK = 'CRASH' satisfies CheckId;

const live = new Set<CrashTarget>();
let unattributed: ((message: string) => void) | undefined;
let installed = false;

/** A run starts; call the returned function when it ends. */
export function liveRun(target: CrashTarget): () => void {
  live.add(target);
  return () => {
    live.delete(target);
  };
}

/**
 * Catches this thread's crashes for the rest of its life. `onUnattributed`
 * hears those that no single live run can take (several at once, or none).
 */
export function installCrashGuard(onUnattributed: (message: string) => void): void {
  unattributed = onUnattributed;
  if (installed) return;
  installed = true;
  process.on('uncaughtException', (error) => crashed('an exception thrown from a callback, caught by nobody', error));
  process.on('unhandledRejection', (reason) => crashed('a promise rejection handled by nobody', reason));
}

/** Runs live in this thread (for tests). */
export function liveRuns(): number {
  return live.size;
}

function crashed(what: string, error: unknown): void {
  const message = `the implementation crashed: ${what}: ${stackOf(error)}`;
  const [only] = live;
  if (live.size === 1 && only !== undefined) only.fail(message, CRASH_CHECK);
  else unattributed?.(message);
}

function stackOf(error: unknown): string {
  if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`;
  return inspect(error, { depth: 3 });
}
