// The lab's eight 2C tests: two once in real time (as `go test -run 2C`
// would), all eight over a few seeds in virtual time. LAB_REAL=all runs all
// eight in real time (about two minutes); SEEDS=n sets the seeds per test.
import { LAB_2C_TESTS } from '../tester/lab2c.ts';
import { registerLogLabTests } from './support/log-lab-tests.ts';

registerLogLabTests({
  part: '2C',
  tests: LAB_2C_TESTS,
  realTimeFew: ['TestPersist12C', 'TestPersist32C'],
  realTimeWhy: 'two of them',
  defaultSeeds: 3,
});
