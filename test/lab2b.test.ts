// The lab's ten 2B tests: a representative few once in real time (as
// `go test -run 2B` would), every one over several seeds in virtual time.
// LAB_REAL=all runs all ten in real time; SEEDS=n sets the seeds per test.
import { registerLabPart } from './support/lab-part-tests.ts';

registerLabPart({
  part: '2B',
  defaultSeeds: 10,
  // Real time costs seconds per test: these cover the applier, one(), wait(), bytes and counts.
  realTimeFew: { names: ['TestBasicAgree2B', 'TestRPCBytes2B', 'TestFailAgree2B', 'TestConcurrentStarts2B', 'TestCount2B'], why: 'a representative few' },
  // With at least one command committed.
  passedLine: /^ {2}\.\.\. Passed -- .* +[1-9]\d*$/,
});
