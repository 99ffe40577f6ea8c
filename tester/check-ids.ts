// Every check a run can fail, by id: the monitors' (tester/monitors), the
// lab's own (LAB), and the failures that no monitor judges (a hang, a crash,
// real I/O, the harness itself). Each has the name a report gives it and its
// kind: which sort of requirement it holds the implementation to.
// docs/monitors.md lists them with their kinds; a test keeps the two in step.

export type CheckKind =
  /** An invariant of Figure 2 or §5 of the paper, broken at one instant. */
  | 'safety'
  /** Progress the lab requires (a leader within 5 s). */
  | 'liveness'
  /** How a correct Raft behaves beyond the invariants: the lab's rates, budgets and stability. */
  | 'conduct'
  /** The shape of the messages the contract defines. */
  | 'contract'
  /** The implementation misbehaves as a program: throws, hangs, crashes, waits on real I/O. */
  | 'implementation'
  /** The lab's own checks (checkOneLeader, checkTerms, one(), the applier, a test's time limit). */
  | 'lab'
  /** The harness itself failed. */
  | 'harness';

export interface CheckInfo {
  /** What it checks, in a few words, said beside its id. */
  readonly name: string;
  readonly kind: CheckKind;
}

/** The monitors' checks (tester/monitors): each reports with its id. */
export const MONITOR_CHECKS = {
  ES: { name: 'election safety', kind: 'safety' },
  V1: { name: 'one vote per term', kind: 'safety' },
  QC: { name: 'leader had a quorum', kind: 'safety' },
  TM: { name: 'term monotonicity', kind: 'safety' },
  TA: { name: 'term adoption', kind: 'safety' },
  RW: { name: 'replies well formed', kind: 'safety' },
  RF: { name: 'receivers follow Figures 2 and 13', kind: 'safety' },
  AEL: { name: 'heartbeat sender legitimate', kind: 'safety' },
  HB: { name: 'heartbeat rate', kind: 'conduct' },
  LA: { name: 'leader activity', kind: 'conduct' },
  LV: { name: 'liveness', kind: 'liveness' },
  ST: { name: 'stability', kind: 'conduct' },
  SMS: { name: 'state machine safety', kind: 'safety' },
  AO: { name: 'apply order', kind: 'safety' },
  LM: { name: 'log matching', kind: 'safety' },
  LAO: { name: 'leader append-only', kind: 'safety' },
  LC: { name: 'leader completeness', kind: 'safety' },
  CM: { name: 'commitment', kind: 'safety' },
  SI: { name: "start()'s index", kind: 'safety' },
  DUR: { name: 'durability', kind: 'safety' },
  BUD: { name: "the lab's RPC and byte budgets", kind: 'conduct' },
  WF: { name: 'messages match the contract', kind: 'contract' },
  NET: { name: 'network used correctly', kind: 'implementation' },
  RAFT: { name: 'implementation misbehaved', kind: 'implementation' },
} as const satisfies Record<string, CheckInfo>;

/** The checks that are not a monitor's. */
export const OTHER_CHECKS = {
  LAB: { name: "the lab's check", kind: 'lab' },
  WATCHDOG: { name: 'the scenario stopped making progress (a call that never returns?): stopped by the watchdog', kind: 'implementation' },
  CRASH: { name: 'the implementation crashed its thread', kind: 'implementation' },
  'REAL-IO': { name: 'the implementation waits on real I/O, which virtual time cannot', kind: 'implementation' },
  HARNESS: { name: 'the harness itself failed', kind: 'harness' },
} as const satisfies Record<string, CheckInfo>;

export type MonitorCheckId = keyof typeof MONITOR_CHECKS;
export type OtherCheckId = keyof typeof OTHER_CHECKS;
/** Every check a run can fail with: one closed set. */
export type CheckId = MonitorCheckId | OtherCheckId;

/** How a worker thread is lost: stopped by the watchdog, or crashed by the implementation. */
export type LostCheck = Extract<CheckId, 'WATCHDOG' | 'CRASH'>;

export const CHECKS: Readonly<Record<CheckId, CheckInfo>> = { ...MONITOR_CHECKS, ...OTHER_CHECKS };

export const CHECK_IDS = Object.keys(CHECKS) as CheckId[];

export function isCheckId(value: unknown): value is CheckId {
  return typeof value === 'string' && Object.hasOwn(CHECKS, value);
}

export function isMonitorCheckId(value: unknown): value is MonitorCheckId {
  return typeof value === 'string' && Object.hasOwn(MONITOR_CHECKS, value);
}

/** Failures per check (only the checks that failed). */
export type CheckCounts = Partial<Record<CheckId, number>>;

/** A count's checks and numbers, in the order it holds them. */
export function countsOf(counts: CheckCounts): [CheckId, number][] {
  return Object.entries(counts) as [CheckId, number][];
}

/** Why `value`, read from a file, is not a check: one line naming every one there is. */
export function notACheck(value: unknown): string {
  return `${JSON.stringify(value) ?? String(value)} is not one of this harness's checks (${CHECK_IDS.join(', ')})`;
}
