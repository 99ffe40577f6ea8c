// The lab's three 2A tests, run as `go test -run 2A` would (real time, once
// each), then over many seeds in virtual time.
import { expect } from 'chai';
import { LAB_2A_TESTS } from '../tester/lab2a.ts';
import { iterationSeed, runIteration, type IterationResult } from '../tester/stress/iteration.ts';
import { iterationOptionsFor, raftUnderTest } from './support/raft-under-test.ts';

const SEEDS_PER_TEST = Number(process.env['SEEDS'] ?? 100);
const BASE_SEED = Number(process.env['SEED'] ?? 2026);

describe('lab 2A tests in real time (as go test -run 2A)', function () {
  this.timeout(130_000);
  for (const test of LAB_2A_TESTS) {
    it(test.name, async function () {
      const { make } = await raftUnderTest();
      // Real time: an implementation on global timers runs on them as they are.
      await test.run({ clock: 'real', raft: make });
    });
  }
});

describe(`lab 2A tests in virtual time (${SEEDS_PER_TEST} seeds each)`, function () {
  this.timeout(300_000);
  for (const test of LAB_2A_TESTS) {
    it(`${test.name} over ${SEEDS_PER_TEST} seeds`, async function () {
      const raft = await raftUnderTest();
      const seeds = Array.from({ length: SEEDS_PER_TEST }, (_, i) => iterationSeed(BASE_SEED, test.name, i));
      // All seeds at once: the simulations share the settle pump.
      const results: IterationResult[] = await Promise.all(seeds.map((seed) => runIteration(test, seed, iterationOptionsFor(raft))));
      const failures = results.filter((r) => !r.ok).map((r) => `seed ${r.seed}: ${r.message}`);
      expect(failures, failures.join('\n\n')).to.deep.equal([]);
      const passedLines = results.filter((r) => r.output.some((line) => line.startsWith('  ... Passed --')));
      expect(passedLines).to.have.length(SEEDS_PER_TEST);
    });
  }
});
