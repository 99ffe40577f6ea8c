// All continuous checks, fed one event at a time. The monitors judge the run
// from the full record of events, not from samples.
import { roundTimes } from '../failure.ts';
import type { TesterEvent, ViolationEvent } from '../events.ts';
import { HeartbeatRate, LeaderActivity, Liveness, Stability } from './conduct.ts';
import { Durability } from './durability.ts';
import { Facts } from './facts.ts';
import { RpcBudget, type BudgetLimits, type BudgetWindow } from './budget.ts';
import { LogFacts } from './log-facts.ts';
import { ApplyOrder, Commitment, LeaderAppendOnly, LeaderCompleteness, LogMatching, StartIndex, StateMachineSafety } from './log-safety.ts';
import type { ConductLimits, EventKind, Finding, Monitor, MonitorContext } from './monitor.ts';
import { DEFAULT_LIMITS, leadershipAct, limitsFromTiming } from './monitor.ts';
import { MONITOR_CHECKS, type MonitorCheckId } from '../check-ids.ts';
import {
  EMPTY_PREFIX_CHECK,
  ElectionSafety,
  HeartbeatSenderLegitimate,
  LeaderHadQuorum,
  OneVotePerTerm,
  ReceiversFollowFigure2,
  RepliesWellFormed,
  TermAdoption,
  TermMonotonicity,
  type LogCheck,
} from './safety.ts';
import { MessageShape } from './shape.ts';

export { DEFAULT_LIMITS, Facts, LogFacts, limitsFromTiming };
export type { BudgetLimits, BudgetWindow, ConductLimits, LogCheck };

export type Verdict = 'fail' | 'warn' | 'off';
export type CheckPolicy = Partial<Record<MonitorCheckId, Verdict>>;

/** Our own tests: every check is a failure. */
export const STRICT: CheckPolicy = {};
/** Inside the lab's three tests, stability stays the lab's warning. */
export const LAB_TESTS: CheckPolicy = { ST: 'warn' };

/**
 * In the lab's tests, every loss of connectivity is followed by
 * checkOneLeader, which gives up after 10 rounds of at most 549 ms. Liveness
 * waits that long too, so a missing leader fails with the lab's own message.
 */
export const LAB_TEST_LIMITS: Partial<ConductLimits> = { livenessMs: 5500 };
/** Only the lab's own checks: every monitor off (to compare with the Go tester). */
export const LAB_CHECKS_ONLY: CheckPolicy = Object.fromEntries(Object.keys(MONITOR_CHECKS).map((id) => [id, 'off']));

export interface MonitorOptions {
  policy?: CheckPolicy;
  limits?: Partial<ConductLimits>;
  /** RF's log consistency check (default: the log monitors' model of every server's log). */
  logCheck?: LogCheck;
  /** Extra tolerance for timing checks, for real time on a loaded machine. */
  timingSlackMs?: number;
  /** Called for every violation that is not off. */
  onViolation: (violation: ViolationEvent) => void;
  /** Asks the host to call advanceTo() when its clock reaches `time`. */
  wakeAt?: (time: number) => void;
  /**
   * False when the run restarts no server (a lab test not registered with
   * crashes): DUR judges only what an earlier incarnation acknowledged, so
   * it could never report and is not installed. Default true.
   */
  restarts?: boolean;
  /**
   * False when the run gives the servers no command (a test that does not
   * require start()): no log ever holds an entry, so the log checks and the
   * log facts have nothing to judge and are not installed, and RF judges
   * with EMPTY_PREFIX_CHECK, as before lab 2B. Default true.
   */
  logs?: boolean;
}

/** The events the log facts take in. */
const LOG_FACT_KINDS: readonly EventKind[] = ['cluster', 'start', 'send', 'deliver', 'handled', 'handler-error', 'submit', 'apply', 'snapshot'];

export class MonitorSet {
  readonly facts = new Facts();
  /** What the log monitors know of every server's log; updated after they have judged each event. */
  readonly logFacts = new LogFacts(this.facts);
  private readonly budget: RpcBudget;
  /** Monitors by the kind of event they look at, in check order. */
  private readonly byKind = new Map<EventKind, Monitor[]>();
  private connectivityDirty = false;
  private readonly liveness: Liveness;
  private readonly stability: Stability;
  private readonly deadlines: { time: number; fn: (now: number) => void }[] = [];
  private now = 0;
  private readonly policy: CheckPolicy;

  constructor(private readonly options: MonitorOptions) {
    this.policy = options.policy ?? STRICT;
    const limits = { ...DEFAULT_LIMITS, ...options.limits };
    const slack = options.timingSlackMs ?? 0;
    const ctx: MonitorContext = {
      facts: this.facts,
      report: (check, finding) => this.report(check, finding),
      at: (time, fn) => this.at(time, fn),
    };
    this.liveness = new Liveness(ctx, limits);
    this.stability = new Stability(ctx, limits);
    this.budget = new RpcBudget(ctx);
    const log = this.logFacts;
    const applied = log.applied;
    const logs = options.logs !== false;
    // Order matters only for which check names a bug first: the most
    // specific explanation comes first.
    const monitors: Monitor[] = [
      new MessageShape(ctx),
      // Before the election checks: a restarted server that forgot its term
      // or its vote is best explained as what it is, a durability bug.
      ...(options.restarts === false ? [] : [new Durability(ctx)]),
      new ElectionSafety(ctx),
      new TermAdoption(ctx, Math.max(slack, 0)),
      new HeartbeatSenderLegitimate(ctx),
      new LeaderHadQuorum(ctx),
      new OneVotePerTerm(ctx),
      new TermMonotonicity(ctx),
      new RepliesWellFormed(ctx),
      new ReceiversFollowFigure2(ctx, options.logCheck ?? (logs ? (r, a) => log.passesLogCheck(r, a) : EMPTY_PREFIX_CHECK), (r, i) => log.origin(r, i)),
      new HeartbeatRate(ctx, limits, slack),
      new LeaderActivity(ctx, limits, slack),
      this.liveness,
      this.stability,
      // Log safety (2B, 2C): the most specific explanation first.
      ...(logs
        ? [
            new StateMachineSafety(ctx, log, applied),
            new ApplyOrder(ctx),
            new StartIndex(ctx, log),
            new LeaderAppendOnly(ctx, log),
            new LogMatching(ctx, log),
            new LeaderCompleteness(ctx, log, applied),
            new Commitment(ctx, log),
          ]
        : []),
      this.budget,
      // Last: the log facts take in the event once every monitor has judged it.
      ...(logs ? [{ kinds: LOG_FACT_KINDS, observe: (e: TesterEvent) => log.observe(e) }] : []),
    ];
    for (const monitor of monitors) {
      for (const kind of monitor.kinds) {
        const list = this.byKind.get(kind) ?? [];
        list.push(monitor);
        this.byKind.set(kind, list);
      }
    }
  }

  observe(e: TesterEvent): void {
    this.advanceTo(e.t);
    if (this.facts.isZombie(e)) return;
    if (e.kind === 'misuse') this.report('NET', { message: e.message, servers: [] });
    else if (e.kind === 'handler-stuck') {
      this.report('RAFT', {
        message: `server ${String(e.to)}'s ${e.method} handler has not returned after ${e.ms} ms (is it waiting for something that never comes?)`,
        servers: typeof e.to === 'number' ? [e.to] : [],
      });
    } else if (e.kind === 'handler-error') {
      this.report('RAFT', { message: `server ${String(e.to)}'s ${e.method} handler threw: ${e.error}`, servers: typeof e.to === 'number' ? [e.to] : [] });
    }
    // A connectivity change is settled later, but monitors that look at it
    // (TM and TA at a 'start') still see the event itself.
    const changed = this.facts.observe(e);
    if (changed) {
      // The burst is settled when time moves on; ask to be woken then, or a
      // cluster that falls silent after the change would never be judged.
      if (!this.connectivityDirty) this.options.wakeAt?.(e.t + 1);
      this.connectivityDirty = true;
    }
    const monitors = this.byKind.get(e.kind);
    if (monitors === undefined) return;
    if (!changed) this.settleConnectivity();
    const act = leadershipAct(e);
    for (let i = 0; i < monitors.length; i++) (monitors[i] as Monitor).observe(e, act);
  }

  // Connectivity changes come in bursts at one instant; they are taken in
  // once, before the next event that a monitor looks at.
  private settleConnectivity(): void {
    if (!this.connectivityDirty) return;
    this.connectivityDirty = false;
    this.facts.settleConnectivity(this.now);
    this.liveness.connectivityChanged();
    this.stability.connectivityChanged();
  }

  /** Runs the deadlines that are due by `time`. */
  advanceTo(time: number): void {
    // A burst of connectivity changes ends when time moves on.
    if (time > this.now) this.settleConnectivity();
    this.now = Math.max(this.now, time);
    while (this.deadlines.length > 0 && (this.deadlines[0] as { time: number }).time <= time) {
      const due = this.deadlines.shift() as { time: number; fn: (now: number) => void };
      const saved = this.now;
      this.now = due.time;
      due.fn(due.time);
      this.now = saved;
    }
  }

  /** Opens a window of the lab's RPC and byte budgets (TestCount2B, TestRPCBytes2B): going over reports BUD at once. */
  budgetWindow(limits: BudgetLimits): BudgetWindow {
    return this.budget.window(limits);
  }

  /** Reports a finding from outside the monitors (getState() threw, say). */
  report(check: MonitorCheckId, finding: Finding): void {
    const verdict = this.policy[check] ?? 'fail';
    if (verdict === 'off') return;
    this.options.onViolation({
      kind: 'violation',
      t: this.now,
      check,
      message: roundTimes(finding.message),
      servers: finding.servers,
      term: finding.term,
      fatal: verdict === 'fail',
      ...(finding.rpcs !== undefined && finding.rpcs.length > 0 && { rpcs: finding.rpcs }),
    });
  }

  private at(time: number, fn: (now: number) => void): void {
    let i = this.deadlines.length;
    while (i > 0 && (this.deadlines[i - 1] as { time: number }).time > time) i--;
    this.deadlines.splice(i, 0, { time, fn });
    this.options.wakeAt?.(time);
  }
}

/** Replays a recorded event log through a fresh set of monitors; returns what they found. */
export function judge(events: readonly TesterEvent[], options: Omit<MonitorOptions, 'onViolation'> = {}): ViolationEvent[] {
  const found: ViolationEvent[] = [];
  const monitors = new MonitorSet({ ...options, onViolation: (v) => found.push(v) });
  for (const e of events) monitors.observe(e);
  const last = events[events.length - 1];
  if (last !== undefined) monitors.advanceTo(last.t);
  return found;
}
