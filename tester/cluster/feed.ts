// The feed of the monitors: every event of the run (the network's, the
// tester's own, what servers answer) goes through here to the continuous
// checks and to the recorder; their verdicts come back as failures or
// warnings.
import type { OwnedClock } from '../../runtime/clock.ts';
import type { TesterEvent, ViolationEvent } from '../events.ts';
import type { RaftTiming } from '../../raft/contract.ts';
import { MONITOR_CHECKS, type CheckId } from '../check-ids.ts';
import {
  LAB_TESTS,
  LAB_TEST_LIMITS,
  MonitorSet,
  limitsFromTiming,
  type BudgetLimits,
  type BudgetWindow,
  type CheckPolicy,
  type ConductLimits,
} from '../monitors/index.ts';

export interface FeedOptions {
  clock: OwnedClock;
  policy?: CheckPolicy;
  limits?: Partial<ConductLimits>;
  /** What the implementation declared of its timing, if anything (RaftModule.timing). */
  timing: RaftTiming | undefined;
  /** Receives every event of the run (traces). */
  record?: (event: TesterEvent) => void;
  /** False when the run restarts no server (MonitorOptions.restarts). */
  restarts?: boolean;
  /** False when the run gives the servers no command (MonitorOptions.logs). */
  logs?: boolean;
  /** A violation the policy makes fatal. */
  fail: (message: string, check: CheckId, t: number) => void;
  /** A violation the policy only warns about. */
  warn: (line: string) => void;
}

export interface ObservedState {
  term: number;
  isLeader: boolean;
}

export class MonitorFeed {
  private readonly monitors: MonitorSet;
  private readonly record: ((event: TesterEvent) => void) | undefined;
  /** The last getState() answer of each server, as the monitors last saw it. */
  private readonly lastState: (ObservedState | undefined)[] = [];
  /** Events caused inside a call that during() orders after the call's own effect. */
  private held: TesterEvent[] | undefined;

  constructor(private readonly options: FeedOptions) {
    const clock = options.clock;
    this.record = options.record;
    this.monitors = new MonitorSet({
      policy: options.policy ?? LAB_TESTS,
      limits: {
        ...limitsFromTiming(options.timing),
        ...(options.limits ?? (options.policy === undefined ? LAB_TEST_LIMITS : {})),
      },
      timingSlackMs: clock.kind === 'real' ? 100 : 0,
      ...(options.restarts === false && { restarts: false }),
      ...(options.logs === false && { logs: false }),
      onViolation: (v) => this.onViolation(v),
      wakeAt: (time) => clock.setTimer(time - clock.now(), () => this.monitors.advanceTo(clock.now())),
    });
  }

  /** A window of the lab's RPC and byte budgets, judged continuously (BUD). */
  budgetWindow(limits: BudgetLimits): BudgetWindow {
    return this.monitors.budgetWindow(limits);
  }

  emit(e: TesterEvent): void {
    if (this.held !== undefined) {
      this.held.push(e);
      return;
    }
    // Recorded before it is judged: a violation comes after the event that caused it.
    this.record?.(e);
    this.monitors.observe(e);
  }

  /**
   * Runs one synchronous call into the implementation and records its own
   * effect, lead(result), before the events the call caused: a start() that
   * appends, commits and applies at once (applyCh.send returns at once) has
   * appended before it applied, whatever order the events were emitted in.
   */
  during<T>(call: () => T, lead: (result: T) => TesterEvent | undefined): T {
    if (this.held !== undefined) return call();
    const held: TesterEvent[] = [];
    this.held = held;
    let first: TesterEvent | undefined;
    try {
      const result = call();
      this.held = undefined;
      first = lead(result);
      return result;
    } finally {
      this.held = undefined;
      if (first !== undefined) this.emit(first);
      for (const e of held) this.emit(e);
    }
  }

  /** Passes a getState() answer on, once per change; returns the answer as recorded. */
  noteState(server: number, term: number, isLeader: boolean, t: number): ObservedState {
    const last = this.lastState[server];
    if (last !== undefined && last.term === term && last.isLeader === isLeader) return last;
    const fresh = { term, isLeader };
    this.lastState[server] = fresh;
    this.emit({ kind: 'state', t, server, term, isLeader });
    return fresh;
  }

  /** The server is gone: its next incarnation's first answer is news. */
  forgetState(server: number): void {
    this.lastState[server] = undefined;
  }

  private onViolation(v: ViolationEvent): void {
    this.record?.(v);
    const text = `[${v.check}] ${MONITOR_CHECKS[v.check].name}: ${v.message}`;
    if (v.fatal) this.options.fail(text, v.check, v.t);
    else this.options.warn(`warning: ${text}`);
  }
}
