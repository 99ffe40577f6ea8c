// npm run mutants -- [--only E01,E04] [--budget SECONDS] [--json FILE] [...]
//
// Proof that the harness finds real bugs: every broken variant of
// test/mutants runs (a) through the fuzzer with a bounded budget and (b)
// through the stress loop over the lab's three tests and our own, in virtual
// time with every monitor; beside it, how often the lab's three tests alone
// (their own checks only, every monitor off) catch the same variant. The
// reference Raft runs the same budgets as a control: it must pass them all.
// Then the dual: every correct variant of test/variants runs through the
// stress loop (every test that applies to it) and the fuzzer, and must pass
// them all; a second table shows its runs and failures.
//
// Exit code (runCli): 0 when the harness catches every broken variant (with
// a check the variant expects), the control passes and every correct variant
// passes; 1 otherwise; 2 for bad input; 3 internal error; 130 / 143 signals.
import { cpus, hostname } from 'node:os';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError, enterUserFolder, parseCommandLine, usageText } from '../../tester/cli-args.ts';
import { runCli, type CommandResult } from '../../tester/run-cli.ts';
import { BUILT_IN_RAFT } from '../../tester/built-in-raft.ts';
import type { RaftUnderTest } from '../../tester/raft-module.ts';
import { variantRaft } from './variant.ts';
import { parseSeed } from '../../runtime/random.ts';
import { LAB_CHECKS_ONLY } from '../../tester/monitors/index.ts';
import { ALL_TESTS, isLabTest, testsOf } from '../../tester/tests.ts';
import { runVariant, variantDetails, variantTable, type VariantRow } from '../variants/campaign.ts';
import { VARIANTS } from '../variants/index.ts';
import { fuzzRaft, stressRaft, type FuzzOutcome, type StressOutcome } from './harness.ts';
import { MUTANTS } from './index.ts';
import { countsOf, type CheckId } from '../../tester/check-ids.ts';

const USAGE = `usage: npm run mutants -- [options]

--only IDS        only these, comma-separated: broken variants (E01,E04), REF (the reference Raft, the
                  control), correct variants (C01,C02)
--budget S        the fuzzer's budget per variant in seconds (default 30; at most --runs scenarios)
--runs N          the fuzzer's scenarios per variant at most (default 3000)
--shrink S        seconds to shrink a failure found, at most (default 10)
--seeds N         stress seeds per test, over the lab's 2A-2D tests and our own (default 50); for broken and correct variants
--variant-runs N  the fuzzer's scenarios per correct variant (default 300; at most --budget seconds)
--lab-seeds N     seeds per lab test for the lab-alone comparison (default 100)
--seed S          the base seed of every campaign (default 20261126)
--json FILE       also write every figure as JSON
-h, --help        this text`;

/** The lab's own tests (2A and 2B), for the lab-alone comparison. */
const LAB_TESTS_ALONE = testsOf('2A', '2B');

interface Options {
  ids: string[] | undefined;
  budget: number;
  runs: number;
  shrink: number;
  seeds: number;
  labSeeds: number;
  variantRuns: number;
  seed: number;
  json: string | undefined;
}

function parse(argv: string[]): Options | 'help' {
  const parsed = parseCommandLine(
    argv,
    {
      only: { type: 'string' },
      budget: { type: 'string' },
      runs: { type: 'string' },
      shrink: { type: 'string' },
      seeds: { type: 'string' },
      'lab-seeds': { type: 'string' },
      'variant-runs': { type: 'string' },
      seed: { type: 'string' },
      json: { type: 'string' },
    },
    false,
  );
  if (parsed === 'help') return 'help';
  const { values } = parsed;
  let ids: string[] | undefined;
  if (values.only !== undefined) {
    ids = values.only.split(',').map((s) => s.trim().toUpperCase());
    const known = ['REF', ...MUTANTS.map((m) => m.id), ...VARIANTS.map((v) => v.id)];
    const unknown = ids.filter((id) => !known.includes(id));
    if (ids.length === 0 || ids.some((id) => id === '')) throw new UsageError(`--only needs ids separated by commas, got '${values.only}'`);
    if (unknown.length > 0) throw new UsageError(`--only: unknown variant ${unknown.join(', ')} (known: ${known.join(', ')})`);
  }
  let seed = 20261126;
  if (values.seed !== undefined) {
    try {
      seed = parseSeed(values.seed);
    } catch (error) {
      throw new UsageError(`--seed: ${(error as Error).message}`);
    }
  }
  if (values.json !== undefined) {
    const dir = dirname(resolve(values.json));
    if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`--json: no such folder: ${dir}`);
  }
  return {
    ids,
    budget: positive(values.budget, '--budget', 30, false),
    runs: positive(values.runs, '--runs', 3000, true),
    shrink: positive(values.shrink, '--shrink', 10, false),
    seeds: positive(values.seeds, '--seeds', 50, true),
    labSeeds: positive(values['lab-seeds'], '--lab-seeds', 100, true),
    variantRuns: positive(values['variant-runs'], '--variant-runs', 300, true),
    seed,
    json: values.json,
  };
}

function positive(text: string | undefined, flag: string, fallback: number, whole: boolean): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  const ok = text.trim() !== '' && Number.isFinite(value) && value > 0 && (!whole || Number.isSafeInteger(value));
  if (!ok) throw new UsageError(`${flag} must be a ${whole ? 'whole number of at least 1' : 'number above 0'}, got '${text}'`);
  return value;
}

// ---- running ----

interface Subject {
  id: string;
  bug: string;
  raft: RaftUnderTest;
  /** Empty for the control: it must pass. */
  expectedChecks: string[];
  /** Fuzzed with lab 2D's scenarios. */
  lab2D?: true;
}

interface Row {
  id: string;
  bug: string;
  expectedChecks: string[];
  /** Caught by the harness (fuzzer or stress loop) with an expected check; for the control: passed everything. */
  ok: boolean;
  caughtBy: string[];
  fuzz: FuzzOutcome;
  stress: StressOutcome;
  labAlone: StressOutcome;
}

async function runSubject(s: Subject, o: Options): Promise<Row> {
  const fuzz = await fuzzRaft(s.raft, { runs: o.runs, timeSeconds: o.budget, shrinkSeconds: o.shrink, seed: o.seed, ...(s.lab2D && { snapshot: true }) });
  const stress = await stressRaft(s.raft, { tests: ALL_TESTS, seeds: o.seeds, baseSeed: o.seed });
  const labAlone = await stressRaft(s.raft, { tests: LAB_TESTS_ALONE, seeds: o.labSeeds, baseSeed: o.seed, policy: LAB_CHECKS_ONLY });
  const named = new Set<CheckId>([...(fuzz.found ? [fuzz.check] : []), ...countsOf(stress.byCheck).map(([check]) => check)]);
  const caughtBy = [...named].filter((c) => s.expectedChecks.includes(c));
  const control = s.expectedChecks.length === 0;
  const ok = control ? !fuzz.found && stress.failed === 0 && labAlone.failed === 0 : caughtBy.length > 0;
  return { id: s.id, bug: s.bug, expectedChecks: s.expectedChecks, ok, caughtBy, fuzz, stress, labAlone };
}

// ---- the table ----

const secs = (ms: number): string => (ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`);
const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

function mark(check: CheckId, expected: readonly string[]): string {
  return expected.length === 0 || expected.includes(check) ? check : `${check}*`;
}

function fuzzCell(r: Row): string {
  const f = r.fuzz;
  if (!f.found) return `not found in ${f.scenarios} scenarios, ${secs(f.wallMs)}${f.timedOut ? ' (time budget)' : ''}`;
  return `${mark(f.check, r.expectedChecks)} after ${plural(f.scenariosUntilFound, 'scenario')}, ${secs(f.msUntilFound)}`;
}

function shrunkCell(r: Row): string {
  const f = r.fuzz;
  if (!f.found) return '';
  return `${plural(f.faults, 'fault')}, ${plural(f.servers, 'server')}${f.shrinkCut ? ' (shrinking cut short)' : ''}`;
}

function stressCell(r: Row): string {
  const s = r.stress;
  const first = s.first;
  if (first === undefined) return `none of ${s.iterations}, ${secs(s.wallMs)}`;
  return `${mark(first.check, r.expectedChecks)} at iteration ${first.iteration} (${first.test}), ${secs(first.msUntilFound)}`;
}

function rate(s: StressOutcome): string {
  return `${s.failed}/${s.iterations}`;
}

/** The lab's tests among those the stress loop runs (2A, 2B, 2C and 2D). */
const LAB_TEST_NAMES = new Set(ALL_TESTS.filter(isLabTest).map((t) => t.name));

/** The stress loop's failures split between the lab's tests (with every monitor) and ours. */
function splitCell(s: StressOutcome, seeds: number): string {
  let inLab = 0;
  let inOurs = 0;
  for (const [test, n] of Object.entries(s.byTest)) {
    if (LAB_TEST_NAMES.has(test)) inLab += n;
    else inOurs += n;
  }
  const labTests = ALL_TESTS.filter((t) => LAB_TEST_NAMES.has(t.name)).length;
  return `${inLab}/${seeds * labTests} + ${inOurs}/${seeds * (ALL_TESTS.length - labTests)}`;
}

function checksCell(s: StressOutcome, expected: string[]): string {
  return countsOf(s.byCheck)
    .sort((a, b) => b[1] - a[1])
    .map(([check, n]) => `${mark(check, expected)} ${n}`)
    .join(', ');
}

function table(rows: Row[], seeds: number): string {
  const header = [
    'id',
    'caught',
    'fuzzer: first failure',
    'shrunk to',
    'stress: first failure',
    'stress: failed (lab tests + ours)',
    'by check',
    'lab tests alone',
  ];
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const r of rows) {
    const control = r.expectedChecks.length === 0;
    const caught = control ? (r.ok ? 'passes (control)' : '**FAILS (control)**') : r.ok ? `yes (${r.caughtBy.join(', ')})` : '**NO**';
    lines.push(
      `| ${[r.id, caught, fuzzCell(r), shrunkCell(r), stressCell(r), `${rate(r.stress)} (${splitCell(r.stress, seeds)})`, checksCell(r.stress, r.expectedChecks), rate(r.labAlone)].join(' | ')} |`,
    );
  }
  return lines.join('\n');
}

function details(rows: Row[]): string {
  const out: string[] = [];
  for (const r of rows) {
    out.push(`${r.id}: ${r.bug}${r.expectedChecks.length > 0 ? ` (expected: ${r.expectedChecks.join(', ')})` : ''}`);
    if (r.fuzz.found) {
      out.push(`  fuzzer:  ${firstLine(r.fuzz.message)}`);
      out.push(`           replay: ${r.fuzz.replay}`);
    }
    const first = r.stress.first;
    if (first !== undefined) {
      out.push(`  stress:  ${first.test} seed ${first.seed}: ${firstLine(first.message)}`);
      if (first.replay !== undefined) out.push(`           replay: ${first.replay}`);
    }
    const lab = r.labAlone.first;
    if (lab !== undefined)
      out.push(
        `  lab alone: ${Object.entries(r.labAlone.byTest)
          .map(([t, n]) => `${t} ${n}`)
          .join(', ')}; first: ${lab.test} seed ${lab.seed}: ${firstLine(lab.message)}`,
      );
  }
  return out.join('\n');
}

function firstLine(text: string | undefined): string {
  return (text ?? '').split('\n')[0] ?? '';
}

/**
 * A variant's file (relative to the harness's root) as a path from the
 * current folder, so that the replay commands printed work where the user
 * is: the repository's root, a subfolder, or a project that installed the
 * package (node_modules/...).
 */
function fromHere(file: string): string {
  return relative(process.cwd(), fileURLToPath(new URL(`../../${file}`, import.meta.url)));
}

// ---- main ----

async function main(): Promise<CommandResult> {
  enterUserFolder();
  const options = parse(process.argv.slice(2));
  if (options === 'help') {
    console.log(usageText(USAGE));
    return 0;
  }
  const o = options;
  const subjects: Subject[] = [
    { id: 'REF', bug: 'the reference Raft (control: must pass every budget)', raft: BUILT_IN_RAFT, expectedChecks: [] },
    ...MUTANTS.map((m) => ({
      id: m.id,
      bug: m.bug,
      raft: variantRaft(m.make, fromHere(m.file)),
      expectedChecks: m.expectedChecks,
      ...(m.lab2D && { lab2D: true as const }),
    })),
  ].filter((s) => o.ids === undefined || o.ids.includes(s.id));
  const variants = VARIANTS.filter((v) => o.ids === undefined || o.ids.includes(v.id));

  const started = Date.now();
  console.error(
    `mutants: ${subjects.length} Raft${subjects.length === 1 ? '' : 's'}; fuzzer ${o.runs} scenarios / ${o.budget} s (shrink ${o.shrink} s), ` +
      `stress ${o.seeds} seeds x ${ALL_TESTS.length} tests, lab alone ${o.labSeeds} seeds x ${LAB_TESTS_ALONE.length} tests, base seed ${o.seed}; ` +
      `${variants.length} correct variant${variants.length === 1 ? '' : 's'}: fuzzer ${o.variantRuns} scenarios / ${o.budget} s, stress ${o.seeds} seeds of each test that applies`,
  );
  const rows: Row[] = [];
  for (const s of subjects) {
    const row = await runSubject(s, o);
    rows.push(row);
    const verdict = row.expectedChecks.length === 0 ? (row.ok ? 'passes' : 'FAILS') : row.ok ? `caught (${row.caughtBy.join(', ')})` : 'NOT CAUGHT';
    console.error(`  ${s.id}: ${verdict}; fuzzer ${fuzzCell(row)}; stress ${rate(row.stress)}; lab alone ${rate(row.labAlone)}`);
  }
  const variantRows: VariantRow[] = [];
  for (const v of variants) {
    const row = await runVariant(v, { seeds: o.seeds, fuzzRuns: o.variantRuns, fuzzSeconds: o.budget, seed: o.seed });
    variantRows.push(row);
    const fuzzed = row.fuzz.found ? `FAILED (${row.fuzz.check})` : `0/${row.fuzz.scenarios}`;
    console.error(`  ${v.id}: ${row.ok ? 'passes' : 'FAILS'}; stress ${rate(row.stress)}; fuzzer ${fuzzed}`);
  }
  const when = new Date();
  const machine = `${hostname()}, ${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown cpu'}), Node ${process.version}`;
  console.log(`Mutants table, ${when.toISOString().slice(0, 10)}, ${machine}, total ${secs(Date.now() - started)}.`);
  if (rows.length > 0)
    console.log(
      `Fuzzer: at most ${o.runs} scenarios / ${o.budget} s per variant, shrinking at most ${o.shrink} s, seed ${o.seed}; lab 2D's scenarios (--lab 2D) for the 2D bugs (${MUTANTS.filter(
        (m) => m.lab2D,
      )
        .map((m) => m.id)
        .join(', ')}). ` +
        `Stress: ${o.seeds} seeds of each of the ${ALL_TESTS.length} tests (the lab's ${LAB_TEST_NAMES.size} + our ${ALL_TESTS.length - LAB_TEST_NAMES.size}), virtual time, every monitor. ` +
        `Lab tests alone: ${o.labSeeds} seeds of each of the lab's ${LAB_TESTS_ALONE.length} tests (2A, 2B), policy LAB_CHECKS_ONLY (only the lab's checks judge). ` +
        `A check marked * is not among the variant's expected ones.`,
    );
  if (rows.length > 0) {
    console.log('');
    console.log(table(rows, o.seeds));
    console.log('');
    console.log(details(rows));
  }
  if (variantRows.length > 0) {
    console.log('');
    console.log(
      `Correct variants: each runs ${o.seeds} seeds of every test that applies to it (the lab's 2B tests for those with a log, its 2D tests for those that compact it, the tests that crash a server only for those that persist), ` +
        `virtual time, every monitor, and the fuzzer for at most ${o.variantRuns} scenarios / ${o.budget} s; each must fail none.`,
    );
    console.log('');
    console.log(variantTable(variantRows));
    const failing = variantDetails(variantRows);
    if (failing !== '') {
      console.log('');
      console.log(failing);
    }
  }
  if (o.json !== undefined) {
    writeFileSync(o.json, `${JSON.stringify({ date: when.toISOString(), machine, options: o, rows, variants: variantRows }, null, 2)}\n`);
  }
  const bad = [...rows.filter((r) => !r.ok).map((r) => r.id), ...variantRows.filter((r) => !r.ok).map((r) => r.id)];
  console.log('');
  const control = rows.some((r) => r.id === 'REF') ? '; the control passes' : '';
  const caught = rows.length > 0 ? `every broken variant caught${control}` : '';
  const passed = variantRows.length > 0 ? `every correct variant passes` : '';
  console.log(bad.length === 0 ? [caught, passed].filter((x) => x !== '').join('; ') : `not as required: ${bad.join(', ')}`);
  return bad.length === 0 ? 0 : 1;
}

runCli(main, { name: 'mutants', helpHint: 'always' });
