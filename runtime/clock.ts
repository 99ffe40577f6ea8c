// The one interface to time that the network, the tester and every Raft use.
// Two implementations: VirtualClock (an event queue that jumps to the next
// due event) and RealClock (Node's own timers).

export type ClockKind = 'virtual' | 'real';

export interface Timer {
  /** Stops the timer; harmless when it already fired or was cancelled. */
  cancel(): void;
}

export interface Clock {
  readonly kind: ClockKind;
  /** Milliseconds since the clock was made. */
  now(): number;
  /** Resolves after `ms` milliseconds. */
  sleep(ms: number): Promise<void>;
  /** Calls `fn` once after `ms` milliseconds unless cancelled first. */
  setTimer(ms: number, fn: () => void): Timer;
}

/** A clock whose timers can all be cancelled at once when its run ends. */
export interface OwnedClock extends Clock {
  /** Timers set and not yet fired or cancelled. */
  pendingTimers(): number;
  /** Cancels every pending timer; the clock stays usable. */
  cancelAll(): void;
}
