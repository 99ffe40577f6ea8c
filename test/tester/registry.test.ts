// The registry of named tests: one entry each, of a known part, and its
// `crashes` fact, which drivers use before running (stageTests leaves such
// tests out for a Raft that does not persist), equal to what runs record.
import { expect } from 'chai';
import { labTest } from '../../tester/lab-test.ts';
import { LAB_PARTS, PARTS } from '../../tester/parts.ts';
import { iterationSeed, runIteration } from '../../tester/execution/iteration.ts';
import { ALL_TESTS, isLabTest } from '../../tester/tests.ts';

/** Seeds of each test: a test that crashes servers at random (the churn tests, Figure 8) does so on one of them. */
const SEEDS = 2;

describe('the test registry', function () {
  this.timeout(120_000);

  it('names each test once, each of a known part; a lab test ends in its part, as test_test.go names them', function () {
    const names = ALL_TESTS.map((t) => t.name);
    expect(new Set(names).size).to.equal(names.length);
    for (const t of ALL_TESTS) {
      expect(PARTS, t.name).to.include(t.part);
      if (isLabTest(t)) expect(t.name.endsWith(t.part), t.name).to.equal(true);
    }
    expect(LAB_PARTS).to.deep.equal(['2A', '2B', '2C', '2D']);
  });

  it('registers `crashes` exactly for the tests whose runs crash a server (the reference Raft, in virtual time)', async function () {
    const runs = await Promise.all(ALL_TESTS.flatMap((test) => Array.from({ length: SEEDS }, (_, i) => runIteration(test, iterationSeed(19, test.name, i)))));
    const failed = runs.filter((r) => !r.ok).map((r) => `${r.test} seed ${r.seed}: ${r.message}`);
    expect(failed, failed.join('\n\n')).to.deep.equal([]);
    const recorded = ALL_TESTS.filter((t) => runs.some((r) => r.test === t.name && r.stats.crashed === true)).map((t) => t.name);
    expect(recorded).to.deep.equal(ALL_TESTS.filter((t) => t.crashes).map((t) => t.name));
  });

  it('fails a run that crashed a server without saying so in its entry', async function () {
    const undeclared = labTest({ name: 'TestUndeclaredCrash', part: 'own', servers: 3, unreliable: false }, async (cfg) => {
      await cfg.checkOneLeader();
      cfg.crash1(0);
      cfg.start1(0);
      await cfg.checkOneLeader();
    });
    const result = await runIteration(undeclared, 1);
    expect(result.ok).to.equal(false);
    expect(result.check).to.equal('HARNESS');
    expect(result.message).to.include('TestUndeclaredCrash crashed a server but is not registered with crashes: true');
    expect(result.stats.crashed).to.equal(true);
  });
});
