// The mocha registration the lab's log tests (2B, 2C, 2D) share: a few of them
// once in real time (as `go test -run 2B` would), every one over several
// seeds in virtual time, where each run must print the lab's Passed line
// with at least one command committed. LAB_REAL=all runs every one in real
// time; SEEDS=n sets the seeds per test, SEED the base seed.
import { expect } from 'chai';
import type { LabTestEntry } from '../../tester/lab2a.ts';
import { refuseLacking } from '../../tester/raft-module.ts';
import { iterationSeed, runIteration, type IterationResult } from '../../tester/stress/iteration.ts';
import { iterationOptionsFor, raftUnderTest, type RaftUnderTest } from './raft-under-test.ts';

export interface LogLabSuite {
  /** '2B', '2C' or '2D', as the lab names the part. */
  part: string;
  tests: readonly LabTestEntry[];
  /** The tests run once in real time by default, and why those (for the suite's title). */
  realTimeFew: readonly string[];
  realTimeWhy: string;
  /** Seeds per test in virtual time unless SEEDS says otherwise. */
  defaultSeeds: number;
  /** The Raft to run (default: raftUnderTest(), the reference or RAFT_MODULE's). */
  raft?: () => Promise<RaftUnderTest>;
}

export function registerLogLabTests(suite: LogLabSuite): void {
  const seedsPerTest = Number(process.env['SEEDS'] ?? suite.defaultSeeds);
  const baseSeed = Number(process.env['SEED'] ?? 2026);
  const all = process.env['LAB_REAL'] === 'all';
  const realTimeTests = all ? suite.tests : suite.tests.filter((t) => suite.realTimeFew.includes(t.name));

  /** The Raft under test, refused in one line when it lacks start(). */
  async function logRaft(test: LabTestEntry): Promise<RaftUnderTest> {
    const raft = await (suite.raft ?? raftUnderTest)();
    if (raft.module !== undefined && raft.lacks !== undefined) refuseLacking([test], { make: raft.make, lacks: raft.lacks }, raft.module);
    return raft;
  }

  describe(`lab ${suite.part} tests in real time (as go test -run ${suite.part}${all ? '' : `; ${suite.realTimeWhy}, LAB_REAL=all for all ${suite.tests.length}`})`, function () {
    this.timeout(130_000);
    for (const test of realTimeTests) {
      it(test.name, async function () {
        const { make } = await logRaft(test);
        await test.run({ clock: 'real', raft: make });
      });
    }
  });

  describe(`lab ${suite.part} tests in virtual time (${seedsPerTest} seeds each)`, function () {
    this.timeout(300_000);
    for (const test of suite.tests) {
      it(`${test.name} over ${seedsPerTest} seeds`, async function () {
        const raft = await logRaft(test);
        const seeds = Array.from({ length: seedsPerTest }, (_, i) => iterationSeed(baseSeed, test.name, i));
        // All seeds at once: the simulations share the settle pump.
        const results: IterationResult[] = await Promise.all(seeds.map((seed) => runIteration(test, seed, iterationOptionsFor(raft))));
        const failures = results.filter((r) => !r.ok).map((r) => `seed ${r.seed}: ${r.message}`);
        expect(failures, failures.join('\n\n')).to.deep.equal([]);
        // Every run printed the lab's Passed line, with at least one command committed.
        const passed = results.filter((r) => r.output.some((line) => /^ {2}\.\.\. Passed -- .* +[1-9]\d*$/.test(line)));
        expect(passed).to.have.length(seedsPerTest);
      });
    }
  });
}
