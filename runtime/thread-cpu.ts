// CPU time of one thread, read from outside it: the watchdog's measure of a
// hang. Wall time would make a loaded machine look like a hung
// implementation; a thread's own CPU time advances only while it runs.
// Linux only (/proc); elsewhere undefined, and the watchdog falls back to
// wall time.
import { readFileSync, readlinkSync } from 'node:fs';

/** The calling thread's id in /proc/self/task, or undefined off Linux. */
export function currentThreadId(): number | undefined {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').at(-1));
    return Number.isInteger(tid) ? tid : undefined;
  } catch {
    return undefined;
  }
}

/** The kernel's clock ticks per second for utime and stime (USER_HZ: 100 on every Linux platform Node supports). */
const TICKS_PER_SECOND = 100;

/** CPU milliseconds (user + system) thread `tid` of this process has used, or undefined if it cannot be read. */
export function threadCpuMs(tid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces: count fields after its ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? (ticks * 1000) / TICKS_PER_SECOND : undefined;
  } catch {
    return undefined;
  }
}
