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
  // The heap's keys, (time, seq) of heap[i] at index i, kept beside it in
  // arrays of numbers (stored flat): sifting compares keys only, and reading
  // them from the scattered timer objects cost a cache miss per comparison.
  private times: number[] = [];
  private seqs: number[] = [];

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
    this.times = [];
    this.seqs = [];
    this.live = 0;
  }

  /** Virtual time of the next live timer, or undefined when none is left. */
  nextDue(): number | undefined {
    this.dropCancelledTop();
    return this.heap.length > 0 ? this.times[0] : undefined;
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
    const times = this.times;
    const seqs = this.seqs;
    const time = timer.time;
    const seq = timer.seq;
    let i = heap.length;
    heap.push(timer);
    times.push(time);
    seqs.push(seq);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pt = times[parent] as number;
      if (pt < time || (pt === time && (seqs[parent] as number) < seq)) break;
      heap[i] = heap[parent] as VirtualTimer;
      times[i] = pt;
      seqs[i] = seqs[parent] as number;
      i = parent;
    }
    heap[i] = timer;
    times[i] = time;
    seqs[i] = seq;
  }

  private pop(): VirtualTimer | undefined {
    const heap = this.heap;
    const times = this.times;
    const seqs = this.seqs;
    const top = heap[0];
    const last = heap.pop();
    const time = times.pop() as number;
    const seq = seqs.pop() as number;
    if (top === undefined || last === undefined || heap.length === 0) return top;
    const n = heap.length;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      let child = left;
      let ct = times[left] as number;
      let cs = seqs[left] as number;
      if (right < n) {
        const rt = times[right] as number;
        const rs = seqs[right] as number;
        if (rt < ct || (rt === ct && rs < cs)) {
          child = right;
          ct = rt;
          cs = rs;
        }
      }
      if (time < ct || (time === ct && seq < cs)) break;
      heap[i] = heap[child] as VirtualTimer;
      times[i] = ct;
      seqs[i] = cs;
      i = child;
    }
    heap[i] = last;
    times[i] = time;
    seqs[i] = seq;
    return top;
  }
}
