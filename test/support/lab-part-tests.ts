// The lab's tests of one part, through registerLabTests as a user's mocha
// runs them: each once in real time (as `go test -run 2A` would; for 2B, 2C
// and 2D a few, LAB_REAL=all for all) and over many seeds in virtual time, where
// every run must also print the lab's Passed line. The Raft is RAFT_MODULE's,
// or the reference; SEEDS sets the seeds per test, SEED the base seed.
import { expect } from 'chai';
import { registerLabTests } from '../../tester/mocha.ts';
import type { Part } from '../../tester/parts.ts';
import { testsOf } from '../../tester/tests.ts';

export interface LabPartSuite {
  part: Part;
  /** Seeds per test in virtual time unless SEEDS says otherwise. */
  defaultSeeds: number;
  /** The tests run once in real time unless LAB_REAL=all, and why those (for the suite's title); default all. */
  realTimeFew?: { names: string[]; why: string };
  /** The Passed line every run must print (for the log tests: with at least one command committed). */
  passedLine: RegExp;
}

export function registerLabPart(suite: LabPartSuite): void {
  const seeds = Number(process.env['SEEDS'] ?? suite.defaultSeeds);
  const module = process.env['RAFT_MODULE'];
  const few = process.env['LAB_REAL'] === 'all' ? undefined : suite.realTimeFew;
  const count = testsOf(suite.part).length;
  describe(`lab ${suite.part} tests${few === undefined ? '' : ` (${few.why} in real time, LAB_REAL=all for all ${count})`}`, function () {
    registerLabTests({
      raft: module === undefined || module === '' ? new URL('../../raft/raft.ts', import.meta.url) : module,
      tests: [suite.part],
      seeds,
      seed: Number(process.env['SEED'] ?? 2026),
      ...(few !== undefined && { realTime: few.names }),
      afterSeeds: (_test, runs) => {
        const passed = runs.filter((r) => r.output.some((line) => suite.passedLine.test(line)));
        expect(passed).to.have.length(seeds);
      },
    });
  });
}
