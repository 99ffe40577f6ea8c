// The lab's eight 2C tests: two once in real time (as `go test -run 2C`
// would), the others over a few seeds in virtual time. LAB_REAL=all runs all
// eight in real time (about two minutes); SEEDS=n sets the seeds per test.
import { expect } from 'chai';
import { LAB_2C_TESTS } from '../tester/lab2c.ts';
import { refuseLacking } from '../tester/raft-module.ts';
import { iterationSeed, runIteration, type IterationResult } from '../tester/stress/iteration.ts';
import { iterationOptionsFor, raftUnderTest, type RaftUnderTest } from './support/raft-under-test.ts';

const SEEDS_PER_TEST = Number(process.env['SEEDS'] ?? 3);
const BASE_SEED = Number(process.env['SEED'] ?? 2026);
const REAL_TIME_FEW = ['TestPersist12C', 'TestPersist32C'];
const realTimeTests = process.env['LAB_REAL'] === 'all' ? LAB_2C_TESTS : LAB_2C_TESTS.filter((t) => REAL_TIME_FEW.includes(t.name));
async function logRaft(testName: string): Promise<RaftUnderTest> {
  const raft = await raftUnderTest();
  if (raft.module !== undefined && raft.lacks !== undefined) {
    const test = LAB_2C_TESTS.find((t) => t.name === testName);
    if (test !== undefined) refuseLacking([test], { make: raft.make, lacks: raft.lacks }, raft.module);
  }
  return raft;
}

describe(`lab 2C tests in real time (as go test -run 2C${process.env['LAB_REAL'] === 'all' ? '' : '; two of them, LAB_REAL=all for all eight'})`, function () {
  this.timeout(130_000);
  for (const test of realTimeTests) {
    it(test.name, async function () {
      const { make } = await logRaft(test.name);
      await test.run({ clock: 'real', raft: make });
    });
  }
});

describe(`lab 2C tests in virtual time (${SEEDS_PER_TEST} seeds each)`, function () {
  this.timeout(300_000);
  for (const test of LAB_2C_TESTS) {
    it(`${test.name} over ${SEEDS_PER_TEST} seeds`, async function () {
      const raft = await logRaft(test.name);
      const seeds = Array.from({ length: SEEDS_PER_TEST }, (_, i) => iterationSeed(BASE_SEED, test.name, i));
      const results: IterationResult[] = await Promise.all(seeds.map((seed) => runIteration(test, seed, iterationOptionsFor(raft))));
      const failures = results.filter((r) => !r.ok).map((r) => `seed ${r.seed}: ${r.message}`);
      expect(failures, failures.join('\n\n')).to.deep.equal([]);
      const passed = results.filter((r) => r.output.some((line) => /^ {2}\.\.\. Passed -- .* +[1-9]\d*$/.test(line)));
      expect(passed).to.have.length(SEEDS_PER_TEST);
    });
  }
});
