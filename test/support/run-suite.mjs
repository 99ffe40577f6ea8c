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
import { spawn } from 'node:child_process';
import { countLine, totalLine } from './suite-counts.mjs';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MOCHA = fileURLToPath(new URL('../../node_modules/mocha/bin/mocha.js', import.meta.url));
const ALL = 'test/**/*.test.ts';

/** Files that measure real time: never beside other work. */
const REAL_TIME_FILES = [
  'test/lab2a.test.ts',
  'test/lab2b.test.ts',
  'test/lab2c.test.ts',
  'test/lab2d.test.ts',
  'test/examples/timer-raft.test.ts',
  'test/runtime/real-clock.test.ts',
  'test/labrpc/statistics-real.test.ts',
  'test/tester/config.test.ts',
  'test/tester/hostile.test.ts',
  'test/fuzz/time-budget.test.ts',
];

/**
 * The longest files of the parallel pass (by wall time, docs/tests.md),
 * started first: two jobs finish together when the long ones do not start
 * last. The others follow in path order; each file runs once.
 */
const LONGEST_FIRST = [
  'test/package/first-hour.test.ts',
  'test/stress/cli.test.ts',
  'test/stress/campaign-results.test.ts',
  'test/fuzz/cli.test.ts',
  'test/mutants/mutants.test.ts',
  'test/package/pack.test.ts',
  'test/fuzz/fuzz.test.ts',
  'test/fuzz/campaign.test.ts',
  'test/cli/commands.test.ts',
  'test/stress/crash.test.ts',
  'test/trace/html.test.ts',
  'test/cli/raft-module-env.test.ts',
  'test/variants/variants.test.ts',
];

/** Every test file, as mocha's glob would find it ('/' separated, from the root). */
function testFiles() {
  const found = readdirSync(new URL('../', import.meta.url), { recursive: true }).map((f) => `test/${String(f).split('\\').join('/')}`);
  return found.filter((f) => f.endsWith('.test.ts')).sort();
}

const args = process.argv.slice(2);

/** Both passes' counts, for the last line. */
const counts = { passed: 0, failed: 0 };

/**
 * One mocha pass. Its output is passed through as it comes and read for its
 * counts; read through a pipe, mocha would drop its colours, so a terminal
 * asks for them.
 */
function mocha(mochaArgs) {
  const colour = process.stdout.isTTY ? ['--color'] : [];
  const child = spawn(process.execPath, [MOCHA, ...colour, ...mochaArgs, ...args], { cwd: ROOT, stdio: ['inherit', 'pipe', 'inherit'] });
  let partial = '';
  child.stdout.on('data', (chunk) => {
    process.stdout.write(chunk);
    const lines = (partial + chunk.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) countLine(line, counts);
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (status) => {
      countLine(partial, counts);
      resolve(status ?? 1);
    });
  });
}

let code;
if ((process.env['RAFT_MODULE'] ?? '') !== '' || process.env['TEST_SERIAL'] === '1') {
  code = await mocha([ALL]);
} else {
  // Listed, not globbed: in parallel mode mocha would run a file named twice twice.
  const files = testFiles();
  const rest = files.filter((f) => !REAL_TIME_FILES.includes(f) && !LONGEST_FIRST.includes(f));
  const parallel = await mocha(['--parallel', '--jobs', '2', ...LONGEST_FIRST.filter((f) => files.includes(f)), ...rest]);
  const serial = await mocha(REAL_TIME_FILES.filter((f) => files.includes(f)));
  code = parallel !== 0 ? parallel : serial;
}
console.log(totalLine(counts));
process.exit(code);
