// The lab's seven 2D tests: two once in real time (as `go test -run 2D`
// would), all seven over a few seeds in virtual time. LAB_REAL=all runs all
// seven in real time (about five minutes); SEEDS=n sets the seeds per test.
import { registerLabPart } from './support/lab-part-tests.ts';

registerLabPart({
  part: '2D',
  defaultSeeds: 3,
  realTimeFew: { names: ['TestSnapshotBasic2D', 'TestSnapshotInit2D'], why: 'two of them' },
  // With at least one command committed.
  passedLine: /^ {2}\.\.\. Passed -- .* +[1-9]\d*$/,
});
