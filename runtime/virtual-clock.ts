// Virtual time: a priority queue of timers in virtual milliseconds. Time
// jumps straight to the next due timer. Timers due at the same instant run in
// the order they were set. Between two timers of one clock, every promise
// continuation the first one caused has run (see SettlePump).
import type { OwnedClock, Timer } from './clock.ts';
import { pendingPromise, takeResolve } from './pending.ts';

/** What a driver needs of a virtual clock: peek at the next timer, run it. */
export interface SteppableClock {
  now(): number;
  readonly eventsRun: number;
  /** Virtual time of the next live timer, or undefined when none is left. */
  nextDue(): number | undefined;
  /** Runs the next timer; false when none is left. */
  runNext(): boolean;
  /** Moves time forward without running anything (used at a deadline). */
  advanceTo(time: number): void;
}

class VirtualTimer implements Timer {
  constructor(
    readonly time: number,
    readonly seq: number,
    public fn: (() => void) | null,
    private readonly clock: VirtualClock,
  ) {}

  cancel(): void {
    if (this.fn !== null) {
      this.fn = null;
      this.clock.onCancel();
    }
  }
}

export class VirtualClock implements OwnedClock, SteppableClock {
  readonly kind = 'virtual' as const;
  /** Timers that fired so far: the clock's event count. */
  eventsRun = 0;
  private current = 0;
  private seq = 0;
  private live = 0;
  private heap: VirtualTimer[] = [];

  now(): number {
    return this.current;
  }

  setTimer(ms: number, fn: () => void): Timer {
    const delay = ms > 0 ? ms : 0;
    const timer = new VirtualTimer(this.current + delay, this.seq++, fn, this);
    this.push(timer);
    this.live++;
    return timer;
  }

  sleep(ms: number): Promise<void> {
    // A Raft's ticker sleeps all the time: no closure per sleep.
    const promise = pendingPromise<void>();
    this.setTimer(ms, takeResolve<void>());
    return promise;
  }

  pendingTimers(): number {
    return this.live;
  }

  cancelAll(): void {
    for (const timer of this.heap) timer.fn = null;
    this.heap = [];
    this.live = 0;
  }

  /** Virtual time of the next live timer, or undefined when none is left. */
  nextDue(): number | undefined {
    this.dropCancelledTop();
    return this.heap[0]?.time;
  }

  /**
   * Advances time to the next live timer and runs it. Returns false when no
   * timer is left. A callback that throws is the caller's to handle.
   */
  runNext(): boolean {
    this.dropCancelledTop();
    const timer = this.pop();
    if (timer === undefined) return false;
    const fn = timer.fn as () => void;
    timer.fn = null;
    this.live--;
    this.current = timer.time;
    this.eventsRun++;
    fn();
    return true;
  }

  /** Moves time forward without running anything (used at a deadline). */
  advanceTo(time: number): void {
    if (time > this.current) this.current = time;
  }

  /** @internal called by VirtualTimer.cancel */
  onCancel(): void {
    this.live--;
  }

  private dropCancelledTop(): void {
    while (this.heap.length > 0 && (this.heap[0] as VirtualTimer).fn === null) this.pop();
  }

  // A binary min-heap ordered by (time, seq): hand-rolled because it is the
  // innermost loop of every campaign.
  private push(timer: VirtualTimer): void {
    const heap = this.heap;
    let i = heap.length;
    heap.push(timer);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent] as VirtualTimer;
      if (p.time < timer.time || (p.time === timer.time && p.seq < timer.seq)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = timer;
  }

  private pop(): VirtualTimer | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined || heap.length === 0) return top;
    const n = heap.length;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      let child = left;
      let c = heap[left] as VirtualTimer;
      if (right < n) {
        const r = heap[right] as VirtualTimer;
        if (r.time < c.time || (r.time === c.time && r.seq < c.seq)) {
          child = right;
          c = r;
        }
      }
      if (last.time < c.time || (last.time === c.time && last.seq < c.seq)) break;
      heap[i] = c;
      i = child;
    }
    heap[i] = last;
    return top;
  }
}
