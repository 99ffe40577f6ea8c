// Runs the correct variants through the harness the way a user would (the
// stress loop over every test that applies, and the fuzzer) and builds the
// "correct variants" table of `npm run mutants`. Every variant must show 0
// failures.
import { LAB_2A_TESTS } from '../../tester/lab2a.ts';
import { LAB_2B_TESTS } from '../../tester/lab2b.ts';
import { fuzzRaft, stressRaft, type FuzzOutcome, type StressOutcome } from '../mutants/harness.ts';
import { loadVariant, testsFor, type CorrectVariant } from './index.ts';

export interface VariantBudget {
  /** Stress seeds of each test. */
  seeds: number;
  /** Fuzz scenarios at most, and seconds at most. */
  fuzzRuns: number;
  fuzzSeconds: number;
  seed: number;
}

export interface VariantRow {
  id: string;
  what: string;
  file: string;
  persists: boolean;
  log: boolean;
  /** Passed everything: no stress failure, no fuzz failure. */
  ok: boolean;
  tests: string[];
  stress: StressOutcome;
  fuzz: FuzzOutcome;
}

export async function runVariant(v: CorrectVariant, budget: VariantBudget): Promise<VariantRow> {
  const { make } = await loadVariant(v);
  const tests = testsFor(v);
  const stress = await stressRaft(make, { tests, seeds: budget.seeds, baseSeed: budget.seed }, v.file);
  // Shrinking only makes a failure's report smaller; a correct variant should have none to shrink.
  const fuzz = await fuzzRaft(make, { runs: budget.fuzzRuns, timeSeconds: budget.fuzzSeconds, shrinkSeconds: 10, seed: budget.seed }, v.file);
  return {
    id: v.id,
    what: v.what,
    file: v.file,
    persists: v.persists,
    log: v.log,
    ok: stress.failed === 0 && !fuzz.found,
    tests: tests.map((t) => t.name),
    stress,
    fuzz,
  };
}

const secs = (ms: number): string => (ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`);

function stressCell(r: VariantRow): string {
  const lab = new Set([...LAB_2A_TESTS, ...LAB_2B_TESTS].map((t) => t.name));
  let inLab = 0;
  let inOurs = 0;
  for (const [test, n] of Object.entries(r.stress.byTest)) {
    if (lab.has(test)) inLab += n;
    else inOurs += n;
  }
  const perTest = r.stress.iterations / Math.max(1, r.tests.length);
  const labRuns = perTest * r.tests.filter((t) => lab.has(t)).length;
  const ourRuns = r.stress.iterations - labRuns;
  return `${r.stress.failed}/${r.stress.iterations} (${inLab}/${labRuns} + ${inOurs}/${ourRuns}), ${secs(r.stress.wallMs)}`;
}

function fuzzCell(r: VariantRow): string {
  const f = r.fuzz;
  if (!f.found) return `0/${f.scenarios}, ${secs(f.wallMs)}${f.timedOut ? ' (time budget)' : ''}`;
  return `**${f.check ?? '?'} after ${f.scenariosUntilFound ?? 0} scenarios**`;
}

function checksCell(r: VariantRow): string {
  const named: Record<string, number> = { ...r.stress.byCheck };
  if (r.fuzz.found && r.fuzz.check !== undefined) named[`${r.fuzz.check} (fuzz)`] = 1;
  return Object.entries(named)
    .sort((a, b) => b[1] - a[1])
    .map(([check, n]) => `${check} ${n}`)
    .join(', ');
}

export function variantTable(rows: VariantRow[]): string {
  const header = [
    'id',
    'what differs from the reference',
    'persists',
    'passes',
    'stress: failed (lab tests + ours)',
    'fuzzer: failed/scenarios',
    'failed checks',
  ];
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const r of rows) {
    const passes = r.ok ? 'yes' : '**NO**';
    lines.push(`| ${[r.id, r.what, r.persists ? 'yes' : 'no', passes, stressCell(r), fuzzCell(r), checksCell(r)].join(' | ')} |`);
  }
  return lines.join('\n');
}

export function variantDetails(rows: VariantRow[]): string {
  const out: string[] = [];
  for (const r of rows) {
    if (r.ok) continue;
    out.push(`${r.id} (${r.file}) fails:`);
    const first = r.stress.first;
    if (first !== undefined) {
      out.push(`  stress:  ${first.test} seed ${first.seed}: ${first.message.split('\n')[0] ?? ''}`);
      if (first.replay !== undefined) out.push(`           replay: ${first.replay}`);
    }
    if (r.fuzz.found) {
      out.push(`  fuzzer:  ${(r.fuzz.message ?? '').split('\n')[0] ?? ''}`);
      out.push(`           replay: ${r.fuzz.replay ?? ''}`);
    }
  }
  return out.join('\n');
}
