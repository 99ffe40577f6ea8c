// `npm test`: the suite in two mocha passes, so that it fits its budget on two
// cores. First every file that runs only in virtual time or in child
// processes, two files at a time (mocha --parallel --jobs 2): their cost is
// CPU, and two cores halve it. Then, one file at a time, the files that
// measure real time (the lab's tests in real time, the real clock, wall-clock
// budgets), so that nothing beside them distorts what they measure.
// Arguments go to both passes (`npm test -- -g 2A`). With RAFT_MODULE set, or
// TEST_SERIAL=1, the whole suite runs in one serial pass, as plain mocha
// would: a wrong RAFT_MODULE is then one failure (the root hook), not one per
// parallel worker.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MOCHA = fileURLToPath(new URL('../../node_modules/mocha/bin/mocha.js', import.meta.url));
const ALL = 'test/**/*.test.ts';

/** Files that measure real time: never beside other work. */
export const REAL_TIME_FILES = [
  'test/lab2a.test.ts',
  'test/lab2b.test.ts',
  'test/lab2c.test.ts',
  'test/examples/timer-raft.test.ts',
  'test/runtime/real-clock.test.ts',
  'test/labrpc/statistics-real.test.ts',
  'test/tester/config.test.ts',
  'test/tester/hostile.test.ts',
  'test/fuzz/time-budget.test.ts',
];

const args = process.argv.slice(2);

function mocha(mochaArgs) {
  const r = spawnSync(process.execPath, [MOCHA, ...mochaArgs, ...args], { cwd: ROOT, stdio: 'inherit' });
  if (r.error !== undefined) throw r.error;
  return r.status ?? 1;
}

let code;
if ((process.env['RAFT_MODULE'] ?? '') !== '' || process.env['TEST_SERIAL'] === '1') {
  code = mocha([ALL]);
} else {
  const parallel = mocha(['--parallel', '--jobs', '2', ALL, ...REAL_TIME_FILES.flatMap((f) => ['--ignore', f])]);
  const serial = mocha(REAL_TIME_FILES);
  code = parallel !== 0 ? parallel : serial;
}
process.exit(code);
