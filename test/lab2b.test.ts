// The lab's ten 2B tests: a representative few once in real time (as
// `go test -run 2B` would), every one over several seeds in virtual time.
// LAB_REAL=all runs all ten in real time; SEEDS=n sets the seeds per test.
import { LAB_2B_TESTS } from '../tester/lab2b.ts';
import { registerLogLabTests } from './support/log-lab-tests.ts';

registerLogLabTests({
  part: '2B',
  tests: LAB_2B_TESTS,
  // Real time costs seconds per test: these cover the applier, one(), wait(), bytes and counts.
  realTimeFew: ['TestBasicAgree2B', 'TestRPCBytes2B', 'TestFailAgree2B', 'TestConcurrentStarts2B', 'TestCount2B'],
  realTimeWhy: 'a representative few',
  defaultSeeds: 10,
});
