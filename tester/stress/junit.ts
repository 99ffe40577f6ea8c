// A stress campaign as JUnit XML: one test case per test, failing when any
// of its iterations failed, with every failure's check, seed, message and
// replay command (the first MAX_LISTED; all are in the JSON summary).
import { junitXml, type JUnitCase } from '../junit.ts';
import type { StressSummary } from './summary.ts';

const MAX_LISTED = 100;

export function stressJUnit(summary: StressSummary): string {
  const cases: JUnitCase[] = summary.tests.map((t) => {
    // Virtual time is the run's own: the same seed gives the same file, byte for byte.
    const time = summary.clock === 'virtual' ? (t.meanMs * t.total) / 1000 : (t.meanWallMs * t.total) / 1000;
    const base: JUnitCase = { name: t.name, classname: `raft-harness.stress.${summary.clock}`, time };
    if (t.total === 0) return { ...base, skipped: summary.interrupted ? 'no iteration ran: the campaign was interrupted' : 'no iteration ran' };
    if (t.failed === 0) return base;
    const checks = Object.entries(t.checks ?? {})
      .map(([check, n]) => `${check} ${n}`)
      .join(', ');
    const lab = t.failures.filter((f) => f.lab === 'fails').length;
    const unknown = t.failures.filter((f) => f.lab === undefined).length;
    const labPart =
      summary.checks === 'lab' ? " (the lab's checks only)" : `; the lab's checks fail ${lab} of them${unknown > 0 ? ` (${unknown} unknown)` : ''}`;
    const first = t.failures[0];
    const lines = t.failures.slice(0, MAX_LISTED).map((f) => {
      const verdict =
        f.lab === 'fails'
          ? `the lab's checks fail it too${f.labMessage !== undefined && f.check !== 'LAB' ? ` (${f.labMessage})` : ''}`
          : f.lab === 'passes'
            ? "only our monitors fail it (the lab's checks pass)"
            : "the lab's checks: unknown";
      return [
        `#${f.iteration} seed ${f.seed} [${f.check}]: ${firstLine(f.message)}`,
        `  ${verdict}`,
        `  replay: ${f.replay ?? '(real time cannot be replayed)'}`,
      ].join('\n');
    });
    if (t.failures.length > MAX_LISTED) lines.push(`... and ${t.failures.length - MAX_LISTED} more (every one is in the JSON summary, --json)`);
    return {
      ...base,
      failure: {
        message: `${t.failed} of ${t.total} iterations failed (${checks})${labPart}; first: seed ${first?.seed} [${first?.check}] ${firstLine(first?.message ?? '')}`,
        type: Object.keys(t.checks ?? {}).join(','),
        text: lines.join('\n'),
      },
    };
  });
  return junitXml('raft-harness stress', [
    {
      name: `stress${summary.rerunOf !== undefined ? ` --rerun ${summary.rerunOf}` : ''}`,
      ...(summary.clock === 'virtual' && { time: cases.reduce((s, c) => s + (c.time ?? 0), 0) }),
      properties: {
        seed: String(summary.seed),
        clock: summary.clock,
        raft: summary.raft,
        checks: summary.checks ?? 'all',
        iterations: String(summary.iterations),
        shard: summary.shard,
        interrupted: String(summary.interrupted),
      },
      cases,
    },
  ]);
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? '';
}
