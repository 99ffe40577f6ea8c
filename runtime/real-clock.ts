// Real time on Node's own timers. Every timer is tracked so that a run can
// cancel what it left behind.
import { performance } from 'node:perf_hooks';
import type { OwnedClock, Timer } from './clock.ts';

export class RealClock implements OwnedClock {
  readonly kind = 'real' as const;
  private readonly start = performance.now();
  private readonly timers = new Set<NodeJS.Timeout>();

  now(): number {
    return performance.now() - this.start;
  }

  setTimer(ms: number, fn: () => void): Timer {
    const handle = setTimeout(
      () => {
        this.timers.delete(handle);
        fn();
      },
      Math.max(0, ms),
    );
    this.timers.add(handle);
    return {
      cancel: () => {
        if (this.timers.delete(handle)) clearTimeout(handle);
      },
    };
  }

  sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      this.setTimer(ms, resolve);
    });
  }

  pendingTimers(): number {
    return this.timers.size;
  }

  cancelAll(): void {
    for (const handle of this.timers) clearTimeout(handle);
    this.timers.clear();
  }
}
