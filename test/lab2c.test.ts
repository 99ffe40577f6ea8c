// The lab's eight 2C tests: two once in real time (as `go test -run 2C`
// would), all eight over a few seeds in virtual time. LAB_REAL=all runs all
// eight in real time (about two minutes); SEEDS=n sets the seeds per test.
import { registerLabPart } from './support/lab-part-tests.ts';

registerLabPart({
  part: '2C',
  defaultSeeds: 3,
  realTimeFew: { names: ['TestPersist12C', 'TestPersist32C'], why: 'two of them' },
  // With at least one command committed.
  passedLine: /^ {2}\.\.\. Passed -- .* +[1-9]\d*$/,
});
