// What a campaign found, per test: counts, time per iteration, RPCs, and
// every failure with its seed, log and replay command. Shards merge exactly.
import Table from 'cli-table3';
import type { ClockKind } from '../../runtime/clock.ts';
import type { Checks } from '../checks.ts';

/**
 * Would the lab's own checks fail this iteration too? 'fails' or 'passes'
 * (a monitor's failure, its seed run again with the lab's checks alone);
 * absent when it cannot be known (real time does not replay; a campaign
 * stopped before the re-run).
 */
export type LabVerdict = 'fails' | 'passes';

export interface FailureRecord {
  iteration: number;
  seed: number;
  /** The failed check: a monitor id, LAB, RAFT, CRASH, WATCHDOG... */
  check: string;
  message: string;
  /** The failure's log; undefined past the cap of kept logs for its test and check. */
  log: string | undefined;
  replay: string | undefined;
  /** Whether the lab's checks alone fail it too (see LabVerdict). */
  lab?: LabVerdict;
  /** When the lab's checks fail it for a reason of their own: their message's first line. */
  labMessage?: string;
}

export interface TestSummary {
  name: string;
  total: number;
  failed: number;
  /** Time per iteration on the run's clock (virtual ms in virtual time). */
  meanMs: number;
  stdMs: number;
  /** Wall-clock ms per iteration (in virtual time: its share of its worker's time). */
  meanWallMs: number;
  stdWallMs: number;
  meanRpcs: number;
  /** Failures per check. */
  checks: Record<string, number>;
  /** Failures the lab's own checks fail too; failed - labFailed - labUnknown are failed by our monitors only. */
  labFailed?: number;
  /** Failures whose lab verdict is not known (real time; an interrupted campaign). */
  labUnknown?: number;
  failures: FailureRecord[];
}

export interface StressSummary {
  clock: ClockKind;
  /** Which checks judged (absent in summaries older than --checks: all). */
  checks?: Checks;
  /** --rerun: the summary whose failing seeds this campaign ran again. */
  rerunOf?: string;
  seed: number;
  raft: string;
  /** Iterations per test (-n), before sharding. */
  iterations: number;
  shard: string;
  wallSeconds: number;
  interrupted: boolean;
  /** Iterations planned but never started because --failfast stopped the campaign (absent without it). */
  skippedByFailfast?: number;
  /** Worst event-loop delay seen (real time), in ms. */
  worstLoopDelayMs: number;
  /**
   * Workers' live heaps (measured right after a full garbage collection,
   * every few seconds): the median of the first and of the last quarter of
   * the samples (flat when nothing leaks), and the peak resident size of any
   * worker, in MiB.
   */
  memory: { earlyHeapMb: number; lateHeapMb: number; peakRssMb: number };
  tests: TestSummary[];
}

/** Running mean and standard deviation (population), mergeable across shards. */
class Moments {
  n = 0;
  sum = 0;
  sumSq = 0;
  add(x: number): void {
    this.n++;
    this.sum += x;
    this.sumSq += x * x;
  }
  addSummary(n: number, mean: number, std: number): void {
    this.n += n;
    this.sum += n * mean;
    this.sumSq += n * (std * std + mean * mean);
  }
  get mean(): number {
    return this.n === 0 ? 0 : this.sum / this.n;
  }
  get std(): number {
    if (this.n === 0) return 0;
    const variance = this.sumSq / this.n - this.mean * this.mean;
    return Math.sqrt(Math.max(0, variance));
  }
}

class TestTally {
  failed = 0;
  readonly clockMs = new Moments();
  readonly wallMs = new Moments();
  readonly rpcs = new Moments();
  readonly failures: FailureRecord[] = [];
  readonly checks = new Map<string, number>();
  constructor(readonly name: string) {}

  count(check: string, n = 1): void {
    this.checks.set(check, (this.checks.get(check) ?? 0) + n);
  }

  summary(): TestSummary {
    const labFailed = this.failures.filter((f) => f.lab === 'fails').length;
    const labUnknown = this.failures.filter((f) => f.lab === undefined).length;
    return {
      name: this.name,
      total: this.clockMs.n,
      failed: this.failed,
      meanMs: round(this.clockMs.mean),
      stdMs: round(this.clockMs.std),
      meanWallMs: round(this.wallMs.mean),
      stdWallMs: round(this.wallMs.std),
      meanRpcs: round(this.rpcs.mean),
      checks: Object.fromEntries([...this.checks].sort(([a], [b]) => a.localeCompare(b))),
      labFailed,
      labUnknown,
      failures: [...this.failures].sort((a, b) => a.iteration - b.iteration),
    };
  }
}

export class Tally {
  private readonly tests = new Map<string, TestTally>();

  constructor(names: readonly string[]) {
    for (const name of names) this.tests.set(name, new TestTally(name));
  }

  add(test: string, sample: { clockMs: number; wallMs: number; rpcs: number }, failure?: FailureRecord): void {
    const tally = this.of(test);
    tally.clockMs.add(sample.clockMs);
    tally.wallMs.add(sample.wallMs);
    tally.rpcs.add(sample.rpcs);
    if (failure !== undefined) {
      tally.failed++;
      tally.count(failure.check);
      tally.failures.push(failure);
    }
  }

  addSummary(s: TestSummary): void {
    const tally = this.of(s.name);
    tally.clockMs.addSummary(s.total, s.meanMs, s.stdMs);
    tally.wallMs.addSummary(s.total, s.meanWallMs, s.stdWallMs);
    tally.rpcs.addSummary(s.total, s.meanRpcs, 0);
    tally.failed += s.failed;
    for (const [check, n] of Object.entries(s.checks ?? {})) tally.count(check, n);
    tally.failures.push(...s.failures);
  }

  get failed(): number {
    let failed = 0;
    for (const t of this.tests.values()) failed += t.failed;
    return failed;
  }

  get total(): number {
    let total = 0;
    for (const t of this.tests.values()) total += t.clockMs.n;
    return total;
  }

  /** Failures seen so far of one test and check. */
  failuresOf(test: string, check: string): number {
    return this.of(test).checks.get(check) ?? 0;
  }

  doneOf(test: string): { done: number; failed: number } {
    const t = this.of(test);
    return { done: t.clockMs.n, failed: t.failed };
  }

  summaries(): TestSummary[] {
    return [...this.tests.values()].map((t) => t.summary());
  }

  private of(name: string): TestTally {
    let tally = this.tests.get(name);
    if (tally === undefined) {
      tally = new TestTally(name);
      this.tests.set(name, tally);
    }
    return tally;
  }
}

/** Why shard summaries cannot be merged into one campaign: one line naming the file and the value. */
export class MergeError extends Error {
  override name = 'MergeError';
}

/**
 * Combines the summaries of every shard of one campaign into one. Refused
 * (MergeError) when they cannot be one campaign: a different -n, seed, clock,
 * Raft or tests, a shard given twice, or a shard missing.
 */
export function mergeSummaries(parts: StressSummary[], files: readonly string[] = parts.map((_, i) => `summary ${i + 1}`)): StressSummary {
  const first = parts[0];
  if (first === undefined) throw new MergeError('nothing to merge');
  const name = (i: number): string => files[i] ?? `summary ${i + 1}`;
  const testsOf = (p: StressSummary): string => p.tests.map((t) => t.name).join(', ');
  const fields: [string, (p: StressSummary) => unknown][] = [
    ['-n', (p) => p.iterations],
    ['seed', (p) => p.seed],
    ['clock', (p) => p.clock],
    ['checks', (p) => p.checks ?? 'all'],
    ['raft', (p) => p.raft],
    ['tests', testsOf],
  ];
  const shards = parts.map((p, i) => {
    const match = /^(\d+)\/(\d+)$/.exec(String(p.shard));
    if (match === null) throw new MergeError(`${name(i)} is not the summary of one shard (shard '${p.shard}'; merged summaries cannot be merged again)`);
    return { index: Number(match[1]), count: Number(match[2]) };
  });
  parts.forEach((part, i) => {
    for (const [label, value] of fields) {
      if (value(part) !== value(first)) {
        throw new MergeError(`${name(i)} has ${label} ${String(value(part))} but ${name(0)} has ${label} ${String(value(first))}: not shards of one campaign`);
      }
    }
    const { index, count } = shards[i] as { index: number; count: number };
    const first0 = shards[0] as { index: number; count: number };
    if (count !== first0.count)
      throw new MergeError(`${name(i)} is shard ${index}/${count} but ${name(0)} is shard ${first0.index}/${first0.count}: not shards of one split`);
    const twin = shards.findIndex((s) => s.index === index);
    if (twin !== i) throw new MergeError(`shard ${index}/${count} is given twice: ${name(twin)} and ${name(i)}`);
  });
  const count = (shards[0] as { count: number }).count;
  const missing: number[] = [];
  for (let k = 1; k <= count; k++) if (!shards.some((s) => s.index === k)) missing.push(k);
  if (missing.length > 0) {
    throw new MergeError(
      `shard${missing.length === 1 ? '' : 's'} ${missing.map((k) => `${k}/${count}`).join(', ')} missing: a merge needs every shard of the campaign`,
    );
  }
  const order = parts
    .map((p, i) => ({ p, k: (shards[i] as { index: number }).index }))
    .sort((a, b) => a.k - b.k)
    .map((e) => e.p);
  const tally = new Tally([]);
  for (const part of order) for (const test of part.tests) tally.addSummary(test);
  return {
    clock: first.clock,
    ...(first.checks !== undefined && { checks: first.checks }),
    seed: first.seed,
    raft: first.raft,
    iterations: first.iterations,
    shard: order.map((p) => p.shard).join('+'),
    wallSeconds: round(Math.max(...parts.map((p) => p.wallSeconds))),
    interrupted: parts.some((p) => p.interrupted),
    worstLoopDelayMs: Math.max(...parts.map((p) => p.worstLoopDelayMs)),
    memory: {
      earlyHeapMb: Math.max(...parts.map((p) => p.memory?.earlyHeapMb ?? 0)),
      lateHeapMb: Math.max(...parts.map((p) => p.memory?.lateHeapMb ?? 0)),
      peakRssMb: Math.max(...parts.map((p) => p.memory?.peakRssMb ?? 0)),
    },
    tests: tally.summaries(),
  };
}

/** Failures by test and check, one row per pair: the end of a campaign's report. */
export function renderBreakdown(summary: StressSummary): string | undefined {
  const table = new Table({
    head: ['Test', 'Check', 'Failed', "Lab's checks too", 'Logs kept'],
    colAligns: ['left', 'left', 'right', 'right', 'right'],
    style: { head: [], border: [] },
  });
  let rows = 0;
  for (const t of summary.tests) {
    for (const [check, n] of Object.entries(t.checks ?? {})) {
      const mine = t.failures.filter((f) => f.check === check);
      const kept = mine.filter((f) => f.log !== undefined).length;
      const lab = mine.filter((f) => f.lab === 'fails').length;
      const unknown = mine.filter((f) => f.lab === undefined).length;
      table.push([t.name, check, String(n), unknown === 0 ? String(lab) : unknown === mine.length ? '?' : `${lab} (+${unknown} ?)`, String(kept)]);
      rows++;
    }
  }
  return rows === 0 ? undefined : table.toString();
}

/** The split of a campaign's failures: the lab's checks fail them too, or only our monitors do. */
export function labSplit(summary: StressSummary): { lab: number; monitorsOnly: number; unknown: number } {
  let lab = 0;
  let unknown = 0;
  let failed = 0;
  for (const t of summary.tests) {
    failed += t.failures.length;
    for (const f of t.failures) {
      if (f.lab === 'fails') lab++;
      else if (f.lab === undefined) unknown++;
    }
  }
  return { lab, monitorsOnly: failed - lab - unknown, unknown };
}

/** One line: how many failures the Go tester would have failed too. */
export function renderLabSplit(summary: StressSummary): string | undefined {
  const { lab, monitorsOnly, unknown } = labSplit(summary);
  if (lab + monitorsOnly + unknown === 0) return undefined;
  if (summary.checks === 'lab') return `the lab's checks: all ${lab + monitorsOnly + unknown} failures are theirs (--checks lab: no monitor judged)`;
  const why = summary.clock === 'real' ? 'real time does not replay' : 'not run again before the campaign stopped';
  return (
    `the lab's checks: ${lab} of these failures fail them too (the Go tester would have failed them); ` +
    `only our monitors: ${monitorsOnly} (the lab's checks pass them)${unknown > 0 ? `; unknown: ${unknown} (${why})` : ''}`
  );
}

export function renderTable(summary: StressSummary): string {
  const clockLabel = summary.clock === 'virtual' ? 'Virtual time' : 'Time';
  const table = new Table({
    head: ['Test', 'Failed', 'Total', `${clockLabel} (s)`, 'Wall (ms)', 'RPCs'],
    colAligns: ['left', 'right', 'right', 'right', 'right', 'right'],
    style: { head: [], border: [] },
  });
  for (const t of summary.tests) {
    table.push([
      t.name,
      String(t.failed),
      String(t.total),
      `${(t.meanMs / 1000).toFixed(2)} ± ${(t.stdMs / 1000).toFixed(2)}`,
      `${t.meanWallMs.toFixed(1)} ± ${t.stdWallMs.toFixed(1)}`,
      t.meanRpcs.toFixed(0),
    ]);
  }
  return table.toString();
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/**
 * The memory figures, with what they mean: the live heap of the first and
 * the last quarter of the campaign is flat when nothing leaks (a few MiB of
 * noise); growth by half and by more than 8 MiB is worth a look.
 */
export function memoryLine(m: StressSummary['memory']): string {
  const grew = m.lateHeapMb - m.earlyHeapMb;
  const judged =
    grew > 8 && m.lateHeapMb > 1.5 * m.earlyHeapMb
      ? `GROWING by ${Math.round(grew)} MiB: a leak? (a Raft that keeps state after kill(), or timers never stopped)`
      : 'flat, no leak';
  return `worker live heap ${m.earlyHeapMb} → ${m.lateHeapMb} MiB (first → last quarter: ${judged}), peak RSS ${m.peakRssMb} MiB`;
}
