// What a campaign found, per test: counts, time per iteration, RPCs, and
// every failure with its seed, log and replay command. Shards merge exactly.
import Table from 'cli-table3';
import type { ClockKind } from '../../runtime/clock.ts';

export interface FailureRecord {
  iteration: number;
  seed: number;
  message: string;
  log: string | undefined;
  replay: string | undefined;
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
  failures: FailureRecord[];
}

export interface StressSummary {
  clock: ClockKind;
  seed: number;
  raft: string;
  shard: string;
  wallSeconds: number;
  interrupted: boolean;
  /** Worst event-loop delay seen (real time), in ms. */
  worstLoopDelayMs: number;
  /**
   * Workers' heaps, sampled once a second: the median of the first and of the
   * last quarter of the samples (flat when nothing leaks), and the peak
   * resident size of any worker, in MiB.
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
  constructor(readonly name: string) {}

  summary(): TestSummary {
    return {
      name: this.name,
      total: this.clockMs.n,
      failed: this.failed,
      meanMs: round(this.clockMs.mean),
      stdMs: round(this.clockMs.std),
      meanWallMs: round(this.wallMs.mean),
      stdWallMs: round(this.wallMs.std),
      meanRpcs: round(this.rpcs.mean),
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
      tally.failures.push(failure);
    }
  }

  addSummary(s: TestSummary): void {
    const tally = this.of(s.name);
    tally.clockMs.addSummary(s.total, s.meanMs, s.stdMs);
    tally.wallMs.addSummary(s.total, s.meanWallMs, s.stdWallMs);
    tally.rpcs.addSummary(s.total, s.meanRpcs, 0);
    tally.failed += s.failed;
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

/** Combines shard summaries (same clock, seed and Raft) into one. */
export function mergeSummaries(parts: StressSummary[]): StressSummary {
  const first = parts[0];
  if (first === undefined) throw new Error('nothing to merge');
  for (const part of parts) {
    if (part.seed !== first.seed || part.clock !== first.clock || part.raft !== first.raft) {
      throw new Error(`cannot merge shards of different campaigns (seed/clock/raft differ: ${part.shard} vs ${first.shard})`);
    }
  }
  const tally = new Tally([]);
  for (const part of parts) for (const test of part.tests) tally.addSummary(test);
  return {
    clock: first.clock,
    seed: first.seed,
    raft: first.raft,
    shard: parts.map((p) => p.shard).join('+'),
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
