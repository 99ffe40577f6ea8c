// `npm test`: the suite in two mocha passes, so that it fits its budget on two
// cores. One pass holds every file that runs only in virtual time or in child
// processes, two files at a time (mocha --parallel --jobs 2): their cost is
// CPU, and two cores halve it. The other holds the files that measure real
// time (the lab's tests in real time, the real clock, wall-clock budgets),
// one file at a time. Both run at once: the real-time pass mostly sleeps, and
// the CPU pass runs at a lower scheduling priority (nice 10), so that the
// operating system hands a real-time test the CPU the moment its timer fires,
// as on an idle machine, and the CPU pass takes what is left. The real-time
// pass's output is held back and printed after the CPU pass's, so that the
// two never interleave.
// Arguments go to both passes (`npm test -- -g 2A`). With RAFT_MODULE set, or
// TEST_SERIAL=1, the whole suite runs in one serial pass, as plain mocha
// would: a wrong RAFT_MODULE is then one failure (the root hook), not one per
// parallel worker.
import { spawn } from 'node:child_process';
import { countLine, totalLine } from './suite-counts.mjs';
import { readdirSync } from 'node:fs';
import { setPriority } from 'node:os';
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

/** The mocha passes running now. */
const passes = new Set();
/** The stop signal received, if any: the suite then ends with its exit code, whatever the passes said. */
let stoppedBy;
/**
 * Each pass runs in a process group of its own (off Windows), so that a stop
 * reaches it whole: mocha, the node it starts, and the commands its tests
 * run. A pass left running would hold its output pipe open, and this process
 * with it.
 */
const OWN_GROUP = process.platform !== 'win32';
function signalPass(child, signal) {
  try {
    if (OWN_GROUP) process.kill(-child.pid, signal);
    else child.kill(signal);
  } catch {
    // Already gone.
  }
}
// Ctrl-C or a SIGTERM stops every pass; this process stays to print what the
// real-time pass held back, then exits as stopped (mocha itself, run with
// node options, exits 0 on Ctrl-C).
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    stoppedBy ??= signal;
    for (const child of passes) signalPass(child, signal);
  });
}

/** Both passes' counts, for the last line. */
const counts = { passed: 0, failed: 0 };

/**
 * One mocha pass. Its output is read for its counts and passed through as it
 * comes, or, with `held`, kept until `release()`; read through a pipe, mocha
 * would drop its colours, so a terminal asks for them.
 */
function mocha(mochaArgs, { held = false } = {}) {
  const colour = process.stdout.isTTY ? ['--color'] : [];
  const child = spawn(process.execPath, [MOCHA, ...colour, ...mochaArgs, ...args], {
    cwd: ROOT,
    stdio: ['inherit', 'pipe', 'inherit'],
    detached: OWN_GROUP,
  });
  passes.add(child);
  const kept = [];
  let releasing = !held;
  let partial = '';
  child.stdout.on('data', (chunk) => {
    if (releasing) process.stdout.write(chunk);
    else kept.push(chunk);
    const lines = (partial + chunk.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) countLine(line, counts);
  });
  const done = new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (status) => {
      passes.delete(child);
      countLine(partial, counts);
      resolve(status ?? 1);
    });
  });
  /** Prints what was held and passes the rest through; resolves to the exit status. */
  const release = () => {
    for (const chunk of kept.splice(0)) process.stdout.write(chunk);
    releasing = true;
    return done;
  };
  return { done, release };
}

/**
 * Lowers this process's scheduling priority, so that the processes it starts
 * from now on inherit it (the real-time pass was started before). Where the
 * system refuses, both passes run at the same priority.
 */
function yieldTheCpu() {
  try {
    setPriority(10);
  } catch {
    // Not permitted here: nothing to lower.
  }
}

let code;
if ((process.env['RAFT_MODULE'] ?? '') !== '' || process.env['TEST_SERIAL'] === '1') {
  code = await mocha([ALL]).done;
} else {
  // Listed, not globbed: in parallel mode mocha would run a file named twice twice.
  const files = testFiles();
  const rest = files.filter((f) => !REAL_TIME_FILES.includes(f) && !LONGEST_FIRST.includes(f));
  const realTime = mocha(
    REAL_TIME_FILES.filter((f) => files.includes(f)),
    { held: true },
  );
  yieldTheCpu();
  const cpu = await mocha(['--parallel', '--jobs', '2', ...LONGEST_FIRST.filter((f) => files.includes(f)), ...rest]).done;
  const realTimeStatus = await realTime.release();
  code = cpu !== 0 ? cpu : realTimeStatus;
}
console.log(totalLine(counts));
if (stoppedBy !== undefined) {
  console.log(`npm test: stopped by ${stoppedBy}: no verdict (what ran is above)`);
  code = stoppedBy === 'SIGINT' ? 130 : 143;
}
process.exit(code);
