// The stress loop and replay, end to end, as a user runs them.
import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseStressArgs, UsageError, type StressOptions } from '../../tester/stress/options.ts';

/** Parsed options (not a request for help). */
function options(args: string[]): StressOptions {
  const parsed = parseStressArgs(args);
  if (parsed === 'help') throw new Error('asked for help');
  return parsed;
}
import type { StressSummary } from '../../tester/stress/summary.ts';
import { runCli } from '../support/run-cli.ts';
import { stageTests } from '../../tester/tests.ts';

const STRESS = 'tester/stress/cli.ts';
const REPLAY = 'tester/replay/cli.ts';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'stress-test-'));
}

describe('stress: bad input is refused before any work, with one line', function () {
  const cases: [string, string[], RegExp][] = [
    ['an unknown test', ['TestNoSuchThing'], /no test matches 'TestNoSuchThing'/],
    ['-n 0', ['-n', '0'], /-n must be a whole number of at least 1, got '0'/],
    ['a bad shard', ['--shard', '3/2'], /--shard must be i\/n with 1 <= i <= n/],
    ['a bad clock', ['--clock', 'sundial'], /--clock must be 'virtual' or 'real'/],
    ['a bad seed', ['--seed', '12abc'], /--seed: seed must be a whole number/],
    ['a missing module', ['--raft', 'nowhere/raft.ts'], /--raft: no such file: nowhere\/raft.ts/],
    ['an unwritable output folder', ['--out', '/proc/forbidden'], /--out: cannot write to \/proc\/forbidden/],
    ['an unknown flag', ['--frobnicate'], /^unknown option '--frobnicate'$/],
    ['a negative count', ['-n', '-1'], /^-n must be a whole number of at least 1, got '-1'$/],
    ['a negative seed', ['--seed', '-5'], /^--seed: seed must be a whole number from 0 to \d+, got '-5'$/],
    ['a malformed test pattern', ['('], /^'\(' is not a valid test pattern/],
    ['a folder as the module', ['--raft', 'test'], /^--raft: test is a folder; name the module's file/],
  ];
  for (const [what, args, message] of cases) {
    it(`refuses ${what}`, function () {
      expect(() => parseStressArgs(args)).to.throw(UsageError, message);
    });
  }

  it('exits with code 2 and one line on stderr, for a module that does not export make', async function () {
    this.timeout(30_000);
    const result = await runCli(STRESS, ['-n', '1', '--raft', 'test/fixtures/not-a-raft.ts']);
    expect(result.code).to.equal(2);
    expect(result.stderr.trim().split('\n')).to.have.length(1);
    expect(result.stderr).to.match(/does not export what the contract needs: missing 'make/);
    expect(result.stdout).to.equal('');
  });
});

describe('stress: campaigns', function () {
  this.timeout(120_000);

  it('runs the three 2A tests, writes the JSON summary, exits 0', async function () {
    const dir = tempDir();
    const json = join(dir, 'summary.json');
    const result = await runCli(STRESS, ['-n', '8', '--seed', '42', '--out', dir, '--json', json]);
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.match(/PASS: 0 of 24 iterations failed/);
    const summary = JSON.parse(readFileSync(json, 'utf8')) as StressSummary;
    expect(summary).to.include({ clock: 'virtual', seed: 42, raft: 'built-in', shard: '1/1' });
    expect(summary.tests.map((t) => [t.name, t.total, t.failed])).to.deep.equal([
      ['TestInitialElection2A', 8, 0],
      ['TestReElection2A', 8, 0],
      ['TestManyElections2A', 8, 0],
    ]);
    for (const t of summary.tests) {
      expect(t.meanMs).to.be.above(2000);
      expect(t.meanRpcs).to.be.above(10);
      expect(t.failures).to.deep.equal([]);
    }
  });

  it('reports failures with a log (seed, message, trace, replay) and exit 1; replay reproduces the failure', async function () {
    const dir = tempDir();
    const json = join(dir, 'summary.json');
    const result = await runCli(STRESS, [
      'TestInitialElection2A',
      '-n',
      '2',
      '-p',
      '1',
      '--seed',
      '5',
      '--out',
      dir,
      '--json',
      json,
      '--raft',
      'test/fixtures/passive-raft.ts',
    ]);
    expect(result.code).to.equal(1);
    expect(result.stdout).to.match(/Failed test TestInitialElection2A \[LAB\] - .*TestInitialElection2A_0\.log/);
    const summary = JSON.parse(readFileSync(json, 'utf8')) as StressSummary;
    const failure = summary.tests[0]?.failures[0];
    expect(failure?.message).to.match(/^expected one leader, got none/);
    expect(failure?.replay).to.equal(`npm run replay -- --test TestInitialElection2A --seed ${failure?.seed} --raft test/fixtures/passive-raft.ts`);
    const log = readFileSync(failure?.log ?? '', 'utf8').split('\n');
    expect(log).to.include(`# seed: ${failure?.seed}`);
    expect(log.some((l) => l.startsWith('# replay: npm run replay'))).to.equal(true);
    const events = log.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { kind: string });
    expect(events[0]?.kind).to.equal('cluster');
    expect(events.filter((e) => e.kind === 'check').length).to.equal(1);
    // The announcement named its page as well as its log (written with the seed's traced re-run), and the page is there.
    const page = (failure?.log ?? '').replace(/\.log$/, '.html');
    expect(result.stdout).to.include(`\n  trace page: ${page}`);
    expect(existsSync(page), page).to.equal(true);

    const replay = await runCli(REPLAY, [
      '--test',
      'TestInitialElection2A',
      '--seed',
      String(failure?.seed),
      '--raft',
      'test/fixtures/passive-raft.ts',
      '--quiet',
    ]);
    expect(replay.code).to.equal(1);
    expect(replay.stdout).to.include(`FAIL TestInitialElection2A seed ${failure?.seed}: ${failure?.message.split('\n')[0]}`);
  });

  it('gives the same iterations, seeds and totals in two shards as in one run', async function () {
    const dir = tempDir();
    const whole = join(dir, 'whole.json');
    const a = join(dir, 'a.json');
    const b = join(dir, 'b.json');
    const merged = join(dir, 'merged.json');
    const common = ['TestReElection2A', '-n', '6', '-p', '1', '--seed', '77', '--out', dir];
    const runs = await Promise.all([
      runCli(STRESS, [...common, '--json', whole]),
      runCli(STRESS, [...common, '--shard', '1/2', '--json', a]),
      runCli(STRESS, [...common, '--shard', '2/2', '--json', b]),
    ]);
    for (const run of runs) expect(run.code, run.stderr).to.equal(0);
    const merge = await runCli(STRESS, ['--merge', a, b, '--json', merged]);
    expect(merge.code, merge.stderr).to.equal(0);
    const w = JSON.parse(readFileSync(whole, 'utf8')) as StressSummary;
    const m = JSON.parse(readFileSync(merged, 'utf8')) as StressSummary;
    expect(m.shard).to.equal('1/2+2/2');
    expect(m.tests[0]?.total).to.equal(6);
    // Same seeds per iteration, so the same virtual times and RPC counts.
    expect(m.tests[0]?.meanMs).to.be.closeTo(w.tests[0]?.meanMs ?? 0, 1e-6);
    expect(m.tests[0]?.stdMs).to.be.closeTo(w.tests[0]?.stdMs ?? 0, 1e-3);
    expect(m.tests[0]?.meanRpcs).to.be.closeTo(w.tests[0]?.meanRpcs ?? 0, 1e-6);
  });

  it('stops an iteration stuck in an infinite loop (watchdog), reports it, and goes on', async function () {
    // The watchdog's budget is CPU time of the stuck thread (1 s here), which
    // a loaded machine hands out slowly: mocha's wall-clock limit is wide.
    this.timeout(600_000);
    const dir = tempDir();
    const json = join(dir, 'summary.json');
    const result = await runCli(STRESS, [
      'TestInitialElection2A',
      '-n',
      '6',
      '--seed',
      '3',
      '--timeout',
      '1',
      '--keep',
      '12',
      '--out',
      dir,
      '--json',
      json,
      '--raft',
      'test/fixtures/sometimes-hangs-raft.ts',
    ]);
    expect(result.code).to.equal(1);
    const summary = JSON.parse(readFileSync(json, 'utf8')) as StressSummary;
    const test = summary.tests[0];
    expect(test?.total).to.equal(6);
    expect(test?.failed).to.be.within(1, 5);
    for (const f of test?.failures ?? [])
      expect(f.message).to.match(/^\[WATCHDOG\] stopped by the watchdog: its thread spent [1-9] s of CPU time with virtual time standing still/);
    const [folder] = readdirSync(dir).filter((f) => f.includes('_seed-3'));
    const logs = readdirSync(join(dir, folder ?? '')).filter((f) => f.endsWith('.log'));
    expect(logs).to.have.length(test?.failed ?? -1);
    // Each kept log holds the events up to the stop (streamed by its seed's traced re-run), names the call that never returned, and has its trace and page.
    for (const log of logs) {
      const text = readFileSync(join(dir, folder ?? '', log), 'utf8');
      expect(text).to.match(/stuck in a timer callback of server 0, which never returned/);
      expect(text).to.match(/\(the last event before the stop: .+; the \d+ events up to it are in the trace\)/);
      expect(text.split('\n').filter((l) => l.startsWith('{')).length, text).to.be.above(5);
      const base = log.replace(/\.log$/, '');
      expect(readdirSync(join(dir, folder ?? ''))).to.include.members([`${base}.trace.jsonl`, `${base}.html`]);
      // The announcement named the page with the log.
      expect(result.stdout).to.include(`${log}\n`);
      expect(result.stdout).to.include(`trace page: ${join(dir, folder ?? '', `${base}.html`)}`);
    }
    // Its printed replay has the same watchdog and budget: it stops with the same verdict and exit 1, also with --quiet.
    const first = test?.failures[0];
    expect(first?.replay).to.match(/ --timeout 1$/);
    const args = (first?.replay ?? '').replace(/^npm run replay -- /, '').split(' ');
    const [loud, quiet] = await Promise.all([runCli(REPLAY, args), runCli(REPLAY, [...args, '--quiet'])]);
    for (const replay of [loud, quiet]) {
      expect(replay.code, replay.stdout + replay.stderr).to.equal(1);
      expect(replay.stdout).to.match(
        /^FAIL TestInitialElection2A seed \d+: \[WATCHDOG\] stopped by the watchdog: its thread spent [1-9] s of CPU time with virtual time standing still \(stuck in a timer callback of server 0, which never returned\)$/m,
      );
    }
    // Printed as they came, the events up to the stop, and where it stopped.
    expect(loud.stdout).to.match(/S\d getState: term 0/);
    expect(loud.stdout).to.match(/^\(the last event before the stop: .+; the \d+ events up to it are in the trace\)$/m);
  });

  it('stops an iteration blocked on a lock (no CPU spent) after ten budgets of wall-clock time, and says it is blocked', async function () {
    const dir = tempDir();
    const json = join(dir, 'summary.json');
    const result = await runCli(STRESS, [
      'TestInitialElection2A',
      '-n',
      '1',
      '-p',
      '1',
      '--timeout',
      '0.2',
      '--out',
      dir,
      '--json',
      json,
      '--raft',
      'test/fixtures/blocked-raft.ts',
    ]);
    expect(result.code, result.stdout + result.stderr).to.equal(1);
    const summary = JSON.parse(readFileSync(json, 'utf8')) as StressSummary;
    const [failure] = summary.tests[0]?.failures ?? [];
    expect(failure?.message).to.match(
      /^\[WATCHDOG\] stopped by the watchdog: its thread made no progress for \d+ s of wall-clock time \(stuck in a timer callback of server 0, which never returned\)/,
    );
  });

  it('never stops a slow iteration that keeps making progress, whatever its wall or CPU time', async function () {
    // Each iteration spends several seconds of CPU in handlers (40 ms per
    // AppendEntries) against a 1 s budget: slow, not hung. The old
    // wall-clock watchdog failed every one of them.
    const dir = tempDir();
    const json = join(dir, 'summary.json');
    const result = await runCli(STRESS, [
      'TestInitialElection2A',
      '-n',
      '2',
      '-p',
      '1',
      '--seed',
      '3',
      '--timeout',
      '1',
      '--out',
      dir,
      '--json',
      json,
      '--raft',
      'test/fixtures/slow-handlers-raft.ts',
    ]);
    const summary = JSON.parse(readFileSync(json, 'utf8')) as StressSummary;
    expect(summary.tests[0]?.failures ?? [], result.stdout).to.deep.equal([]);
    expect(result.code, result.stdout).to.equal(0);
    expect(summary.tests[0]?.meanWallMs, 'each iteration took longer than the budget').to.be.above(1000);
  });

  it('on Ctrl-C stops starting iterations, still writes the table and the JSON, and neither passes nor exits 0', async function () {
    const dir = tempDir();
    const json = join(dir, 'summary.json');
    // Ctrl-C once the progress line shows iterations done: not after a fixed time, which a loaded machine may not reach.
    // One worker: the wait for that line (a plain line every few seconds) costs one core, not all of them.
    let sent = false;
    const result = await runCli(STRESS, ['-n', '100000', '-p', '1', '--seed', '9', '--out', dir, '--json', json], {
      afterStart: (child) => {
        let seen = '';
        child.stdout?.on('data', (d: Buffer) => {
          seen += d.toString();
          if (!sent && /overall: [1-9]\d*\//.test(seen)) {
            sent = true;
            child.kill('SIGINT');
          }
        });
      },
    });
    expect(sent, result.stdout).to.equal(true);
    expect(result.code).to.equal(130);
    expect(result.stdout).to.match(/interrupted \(SIGINT\): no new iterations/);
    expect(result.stdout).to.match(/^INTERRUPTED: 0 of \d+ iterations failed/m);
    expect(result.stdout).to.not.match(/^PASS/m);
    const summary = JSON.parse(readFileSync(json, 'utf8')) as StressSummary;
    expect(summary.interrupted).to.equal(true);
    const total = summary.tests.reduce((n, t) => n + t.total, 0);
    expect(total).to.be.above(0);
    expect(total).to.be.below(300_000);
  });
});

describe('stress: stage-appropriate tests', function () {
  it('leaves TestCrashRestart out for a Raft that does not persist, saying why, unless it is named exactly', function () {
    const all = options(['Test']);
    const staged = stageTests(all.tests, all.patterns, false, 'my-raft.ts');
    const crashing = all.tests.filter((t) => t.crashes === true).map((t) => t.name);
    expect(crashing).to.include.members(['TestCrashRestart', 'TestPersist12C', 'TestFigure82C']);
    expect(staged.tests.map((t) => t.name)).to.not.include.members(crashing);
    expect(staged.tests).to.have.length(all.tests.length - crashing.length);
    expect(staged.note).to.match(
      /^\S+, \S+, \S+ and \d+ more left out: my-raft\.ts does not declare `export const persists = true`, and a server that does not persist its term and vote cannot survive a crash \(persistence is lab 2C\)\. Name the test exactly to run it anyway\.$/,
    );
    const own = options(['TestCrashRestart', 'TestStableLeader']);
    expect(own.patterns).to.deep.equal(['TestCrashRestart', 'TestStableLeader']);
    const ownStaged = stageTests(options(['CrashRestart', 'StableLeader']).tests, ['CrashRestart', 'StableLeader'], false, 'my-raft.ts');
    expect(ownStaged.note).to.equal(
      'TestCrashRestart left out: my-raft.ts does not declare `export const persists = true`, and a server that does not persist ' +
        'its term and vote cannot survive a crash (persistence is lab 2C). Name the test exactly to run it anyway.',
    );
    expect(stageTests(all.tests, all.patterns, true, 'my-raft.ts')).to.deep.equal({ tests: all.tests, note: undefined });
    const named = options(['TestCrashRestart']);
    expect(stageTests(named.tests, named.patterns, false, 'my-raft.ts').tests.map((t) => t.name)).to.deep.equal(['TestCrashRestart']);
  });

  it('says so on the command line, and runs the rest', async function () {
    this.timeout(60_000);
    const out = tempDir();
    const result = await runCli(STRESS, ['CrashRestart', 'Stable', '-n', '1', '-p', '1', '--out', out, '--raft', 'test/fixtures/non-persisting-raft.ts']);
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.match(/^stress: TestCrashRestart left out: test\/fixtures\/non-persisting-raft\.ts does not declare/m);
    expect(result.stdout).to.match(/TestStableLeader/);
    expect(result.stdout).to.match(/PASS: 0 of 1 iterations failed/);
  });
});

describe('stress: tests a Raft cannot run', function () {
  it('leaves the 2B tests out of a pattern for a Raft without start(), saying so; refuses them when nothing else is left', function () {
    const all = options(['Test']);
    const staged = stageTests(all.tests, all.patterns, true, 'my-raft.ts', ['start']);
    expect(
      staged.tests.every((t) => t.requires === undefined || t.requires.length === 0),
      staged.tests.map((t) => t.name).join(','),
    ).to.equal(true);
    expect(staged.tests.map((t) => t.name)).to.include.members(['TestInitialElection2A', 'TestStableLeader', 'TestCrashRestart']);
    expect(staged.note).to.match(
      /^TestBasicAgree2B, TestRPCBytes2B, TestFollowerFailure2B and \d+ more left out: my-raft\.ts has no start\(command\), which they need \(lab 2B\)\.$/,
    );
    // Only 2B tests asked for: kept, so that the driver refuses them in one line.
    const only2B = options(['2B']);
    expect(stageTests(only2B.tests, only2B.patterns, true, 'my-raft.ts', ['start']).tests).to.deep.equal(only2B.tests);
    // Named exactly: kept too.
    const named = options(['TestBasicAgree2B', '2A']);
    expect(stageTests(named.tests, named.patterns, true, 'my-raft.ts', ['start']).tests.map((t) => t.name)).to.include('TestBasicAgree2B');
  });

  it('runs `Test` on a 2A-only Raft: the election tests, without the 2B ones or a crash', async function () {
    this.timeout(120_000);
    const out = tempDir();
    const result = await runCli(STRESS, ['Test', '-n', '1', '-p', '1', '--out', out, '--raft', 'test/fixtures/non-persisting-raft.ts']);
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.match(/^stress: TestBasicAgree2B, .* left out: test\/fixtures\/non-persisting-raft\.ts has no start\(command\)/m);
    expect(result.stdout).to.match(/TestCrashRestart left out/);
    expect(result.stdout).to.match(/PASS: 0 of 8 iterations failed/);
  });
});
