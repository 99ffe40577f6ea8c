// The lab's ten 2B tests: a representative few once in real time (as
// `go test -run 2B` would), every one over several seeds in virtual time.
// LAB_REAL=all runs all ten in real time; SEEDS=n sets the seeds per test.
import { expect } from 'chai';
import { LAB_2B_TESTS } from '../tester/lab2b.ts';
import { refuseLacking } from '../tester/raft-module.ts';
import { iterationSeed, runIteration, type IterationResult } from '../tester/stress/iteration.ts';
import { iterationOptionsFor, raftUnderTest, type RaftUnderTest } from './support/raft-under-test.ts';

const SEEDS_PER_TEST = Number(process.env['SEEDS'] ?? 10);
const BASE_SEED = Number(process.env['SEED'] ?? 2026);
/** Real time costs seconds per test: by default these, which cover the applier, one(), wait(), bytes and counts. */
const REAL_TIME_FEW = ['TestBasicAgree2B', 'TestRPCBytes2B', 'TestFailAgree2B', 'TestConcurrentStarts2B', 'TestCount2B'];
const realTimeTests = process.env['LAB_REAL'] === 'all' ? LAB_2B_TESTS : LAB_2B_TESTS.filter((t) => REAL_TIME_FEW.includes(t.name));

/** The Raft under test, refused in one line when it lacks start(). */
async function logRaft(testName: string): Promise<RaftUnderTest> {
  const raft = await raftUnderTest();
  if (raft.module !== undefined && raft.lacks !== undefined) {
    const test = LAB_2B_TESTS.find((t) => t.name === testName);
    if (test !== undefined) refuseLacking([test], { make: raft.make, lacks: raft.lacks }, raft.module);
  }
  return raft;
}

describe(`lab 2B tests in real time (as go test -run 2B${process.env['LAB_REAL'] === 'all' ? '' : '; a representative few, LAB_REAL=all for all ten'})`, function () {
  this.timeout(130_000);
  for (const test of realTimeTests) {
    it(test.name, async function () {
      const { make } = await logRaft(test.name);
      await test.run({ clock: 'real', raft: make });
    });
  }
});

describe(`lab 2B tests in virtual time (${SEEDS_PER_TEST} seeds each)`, function () {
  this.timeout(300_000);
  for (const test of LAB_2B_TESTS) {
    it(`${test.name} over ${SEEDS_PER_TEST} seeds`, async function () {
      const raft = await logRaft(test.name);
      const seeds = Array.from({ length: SEEDS_PER_TEST }, (_, i) => iterationSeed(BASE_SEED, test.name, i));
      // All seeds at once: the simulations share the settle pump.
      const results: IterationResult[] = await Promise.all(seeds.map((seed) => runIteration(test, seed, iterationOptionsFor(raft))));
      const failures = results.filter((r) => !r.ok).map((r) => `seed ${r.seed}: ${r.message}`);
      expect(failures, failures.join('\n\n')).to.deep.equal([]);
      // Every run printed the lab's Passed line, with at least one command committed.
      const passed = results.filter((r) => r.output.some((line) => /^ {2}\.\.\. Passed -- .* +[1-9]\d*$/.test(line)));
      expect(passed).to.have.length(SEEDS_PER_TEST);
    });
  }
});
