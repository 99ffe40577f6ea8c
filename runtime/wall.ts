// The harness's own wall clock: progress, watchdogs, wall-time figures.
// Captured when the harness loads, so that an implementation run with faked
// globals (see global-timers.ts) never fakes the harness's measurements, and
// kept apart from the simulations' clocks, which these never drive.
import { performance } from 'node:perf_hooks';

const nativeSetInterval = globalThis.setInterval;
const nativeClearInterval = globalThis.clearInterval;
const nativeSetTimeout = globalThis.setTimeout;

const origin = performance.timeOrigin;
const sinceOrigin: () => number = performance.now.bind(performance);

/** Milliseconds since the epoch, like Date.now() but finer, and the same in every thread. */
export function wallNow(): number {
  return origin + sinceOrigin();
}

/** Resolves after `ms` of wall time. */
export function wallSleep(ms: number): Promise<void> {
  return new Promise((resolve) => nativeSetTimeout(resolve, ms));
}

/** Calls fn every `ms` of wall time until stopped; does not keep the process alive. */
export function wallEvery(ms: number, fn: () => void): { stop(): void } {
  const handle = nativeSetInterval(fn, ms);
  handle.unref();
  return { stop: () => nativeClearInterval(handle) };
}

/** Node timers alive in this thread (to see an implementation set real ones where it should not). */
export function nodeTimers(): number {
  return process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
}

/** Today's date on the wall clock, as YYYY-MM-DD (for records people keep). */
export function wallDate(): string {
  return new Date(wallNow()).toISOString().slice(0, 10);
}

/** The wall-clock date and time, as YYYY-MM-DD_HH-MM-SS (UTC), for names of folders. */
export function wallStamp(): string {
  return new Date(wallNow()).toISOString().slice(0, 19).replace('T', '_').replaceAll(':', '-');
}

/** Calls fn once after `ms` of wall time; does not keep the process alive. */
export function wallAfter(ms: number, fn: () => void): void {
  nativeSetTimeout(fn, ms).unref();
}
