// The dual of the mutants: every correct variant of test/variants passes a
// bounded campaign of real runs (a few seeds of each of the lab's 2A tests
// and of ours, and a short fuzz campaign; a few seeds of each of the lab's
// 2D tests for those that compact their log) with zero failures. A check
// that fails one of them is a false alarm: it leans on something other than
// Figure 2, Figure 13 and the lab's stated rules. (The full figures, with
// the lab's 2B tests for the variants that have a log: npm run mutants.)
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { fuzzRaft, stressRaft } from '../mutants/harness.ts';
import { LAB_2C_TESTS } from '../../tester/lab2c.ts';
import { VARIANTS, loadVariant, snapshotTestsFor, testsFor } from './index.ts';

const SEED = 20261129;
/** Seeds of each test per variant. */
const STRESS_SEEDS = 2;
/** Seeds of each of the lab's 2D tests per variant that compacts its log (tens of ms of CPU each, in virtual time). */
const SNAPSHOT_SEEDS = 2;
/** Fuzz scenarios per variant. */
const FUZZ_RUNS = 25;

describe('correct variants: the harness passes every correct Raft', function () {
  this.timeout(60_000);

  it('the corpus: at least eight variants, three with a log, persisting and not, each a loadable --raft module', async function () {
    expect(VARIANTS.length).to.be.at.least(8);
    expect(VARIANTS.filter((v) => v.log).length).to.be.at.least(3);
    expect(VARIANTS.some((v) => v.persists)).to.equal(true);
    expect(VARIANTS.some((v) => !v.persists)).to.equal(true);
    expect(new Set(VARIANTS.map((v) => v.id)).size).to.equal(VARIANTS.length);
    for (const v of VARIANTS) {
      const module = await loadVariant(v);
      expect(module.make, v.file).to.be.a('function');
      expect(module.persists === true, `${v.id}: the registry says persists=${v.persists}, the module exports ${String(module.persists)}`).to.equal(v.persists);
      // The 2D flag says what make() returns: snapshot() and installSnapshot() (lab 2D), or neither.
      const compacts = !module.lacks.includes('snapshot') && !module.lacks.includes('installSnapshot');
      expect(
        compacts,
        `${v.id}: the registry says snapshots=${String(v.snapshots === true)}, its make() lacks ${module.lacks.join(', ') || 'nothing'}`,
      ).to.equal(v.snapshots === true);
    }
  });

  it('each variant is written independently: it imports nothing of the reference Raft nor of the mutants', function () {
    for (const v of VARIANTS.filter((x) => x.wrapsReference !== true)) {
      const source = readFileSync(v.file, 'utf8');
      const imports = [...source.matchAll(/from\s+'([^']+)'/g)].map((m) => m[1] as string);
      // log-json.ts only makes persisting the whole log cheap; it decides nothing.
      const allowed = ['../../raft/contract.ts', '../../runtime/clock.ts', './log-json.ts'];
      const foreign = imports.filter((path) => !allowed.includes(path));
      expect(foreign, `${v.id} imports ${foreign.join(', ')}`).to.deep.equal([]);
    }
  });

  for (const v of VARIANTS) {
    it(`${v.id} (${v.what}): ${STRESS_SEEDS} seeds of each test and ${FUZZ_RUNS} fuzz scenarios, no failure`, async function () {
      const raft = await loadVariant(v);
      const tests = testsFor(v, 'election');
      const [stress, fuzz] = await Promise.all([
        stressRaft(raft, { tests, seeds: STRESS_SEEDS, baseSeed: SEED, roundSeeds: STRESS_SEEDS }),
        fuzzRaft(raft, { runs: FUZZ_RUNS, timeSeconds: 60, shrinkSeconds: 1, seed: SEED }),
      ]);
      const first = stress.first;
      expect(stress.iterations).to.equal(STRESS_SEEDS * tests.length);
      expect(stress.failed, first === undefined ? '' : `${v.id} failed ${first.test} seed ${first.seed}: ${first.message}\n${first.replay ?? ''}`).to.equal(0);
      expect(fuzz.found, `${v.id} failed a fuzz scenario: ${fuzz.message ?? ''}\n${fuzz.scenarioText ?? ''}\n${fuzz.replay ?? ''}`).to.equal(false);
      expect(fuzz.scenarios).to.be.at.least(FUZZ_RUNS);
    });
  }

  // Lab 2D: the seven snapshot tests (the crashing ones only for a variant
  // that persists), judged by the lab's appliers and every monitor.
  for (const v of VARIANTS.filter((x) => x.snapshots === true)) {
    it(`${v.id} passes ${SNAPSHOT_SEEDS} seeds of each of the lab's 2D tests`, async function () {
      const raft = await loadVariant(v);
      const tests = snapshotTestsFor(v);
      expect(tests.length > 0 && tests.every((t) => t.part === '2D'), tests.map((t) => t.name).join(', ')).to.equal(true);
      const stress = await stressRaft(raft, { tests, seeds: SNAPSHOT_SEEDS, baseSeed: SEED, roundSeeds: SNAPSHOT_SEEDS });
      const first = stress.first;
      expect(stress.iterations).to.equal(SNAPSHOT_SEEDS * tests.length);
      expect(stress.failed, first === undefined ? '' : `${v.id} failed ${first.test} seed ${first.seed}: ${first.message}\n${first.replay ?? ''}`).to.equal(0);
    });
  }

  // A lab limit is the lab's verdict on a correct Raft, not a false alarm of
  // ours: the lab's own check fails it, and no monitor does.
  for (const v of VARIANTS) {
    for (const limit of v.labLimits ?? []) {
      it(`${v.id} fails ${limit.test} on the lab's own verdict only (LAB), never on a monitor`, async function () {
        const test = LAB_2C_TESTS.find((t) => t.name === limit.test);
        expect(test, limit.test).to.not.equal(undefined);
        const raft = await loadVariant(v);
        const stress = await stressRaft(raft, { tests: [test as (typeof LAB_2C_TESTS)[number]], seeds: 2, baseSeed: SEED, roundSeeds: 2 });
        expect(stress.iterations).to.equal(2);
        expect(Object.keys(stress.byCheck), JSON.stringify(stress.first)).to.deep.equal(stress.failed === 0 ? [] : ['LAB']);
        expect(stress.failed, `${v.id} now passes ${limit.test}: drop its lab limit from test/variants/index.ts`).to.be.above(0);
      });
    }
  }
});
