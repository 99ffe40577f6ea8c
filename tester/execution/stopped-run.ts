// A run the watchdog stopped, or whose thread died, sends nothing at its
// end: what it streamed up to the stop (protocol.ts, IterationJob.stream) is
// all there is of it, and its message names the last of those events.
import type { TesterEvent } from '../events.ts';
import { formatEvent } from '../trace/format.ts';

/** The last event before a run was stopped, for its message (sameCheck: the re-run stopped the same way). */
export function whereItStopped(lines: readonly string[], sameCheck: boolean): string {
  const last = lines[lines.length - 1];
  const event = last === undefined ? undefined : (JSON.parse(last) as TesterEvent);
  const what = event === undefined ? 'no event was recorded' : `the last event before the stop: ${formatEvent(event).trim()}`;
  return `(${what}; the ${lines.length} events up to it are in the trace${sameCheck ? '' : ', from a re-run that ended differently'})`;
}
