// npm run fuzz: bad input is one clear line and exit code 2; a failure is
// exit code 1 with the counterexample, the check, the seed and path, a
// replay command and a trace file; --save writes a regression case.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseFuzzArgs, FuzzUsageError, type FuzzCliOptions } from '../../tester/fuzz/options.ts';

/** Parsed options (not a request for help). */
function options(args: string[]): FuzzCliOptions {
  const parsed = parseFuzzArgs(args);
  if (parsed === 'help') throw new Error('asked for help');
  return parsed;
}
import { loadRegressionCases } from '../../tester/fuzz/regressions.ts';
import { runCli } from '../support/run-cli.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function fuzzCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'tester/fuzz/cli.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm run fuzz', function () {
  // A guard against a hang, not a measure: a loaded machine may take minutes.
  this.timeout(300_000);
  let tmp: string;
  before(() => {
    tmp = mkdtempSync(join(tmpdir(), 'fuzz-cli-'));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('rejects bad input with one clear line (parsing, in-process)', function () {
    const bad: [string[], RegExp][] = [
      [['--bogus'], /^unknown option '--bogus'$/],
      [['--runs', '-3'], /^--runs must be a whole number of at least 1, got '-3'$/],
      [['--seed', '-5'], /^--seed: seed must be a whole number/],
      [['--runs', '0'], /--runs must be a whole number of at least 1, got '0'/],
      [['--runs', '1.5'], /--runs must be a whole number/],
      [['--time=-3'], /--time must be a number of seconds above 0/],
      [['--path', '3:1'], /--path .* needs the --seed/],
      [['--seed', '5', '--path', 'x:y'], /--path must be fast-check's path/],
      [['--seed', 'abc'], /--seed: seed must be a whole number/],
      [['-p', '0'], /-p must be a whole number of at least 1/],
      [['--raft', 'no/such/module.ts'], /--raft: no such file: no\/such\/module\.ts/],
      [['--save', '../escape'], /--save: a case name is letters/],
      [['stray'], /unexpected argument 'stray'/],
      [['--raft', 'test'], /^--raft: test is a folder; name the module's file/],
      [['--servers', '3,0'], /--servers must be cluster sizes from 1 to 9 separated by commas \(like 3,5\), got '3,0'/],
      [['--servers', '3,five'], /--servers must be cluster sizes/],
      [['--servers', '10'], /--servers must be cluster sizes/],
      [['--faults', 'crash,bogus'], /--faults: unknown kind 'bogus' \(known: disconnect, partition, link, crash, heal, nemesis, or none\)/],
      [['--lab', '2Z'], /--lab must be one of 2A, 2B, 2C, 2D, got '2Z'/],
    ];
    for (const [args, message] of bad) expect(() => parseFuzzArgs([...args, '--out', tmp]), args.join(' ')).to.throw(FuzzUsageError, message);
    expect(() => parseFuzzArgs(['--out', tmp, '--json', join(tmp, 'f', 'x', 'r.json')])).to.not.throw();
    writeFileSync(join(tmp, 'plain'), '');
    expect(() => parseFuzzArgs(['--out', tmp, '--json', join(tmp, 'plain', 'r.json')])).to.throw(FuzzUsageError, /--json: .*(not a folder|ENOTDIR)/);
    const ok = parseFuzzArgs(['--runs', '10', '--seed', '4', '-p', '2', '--out', tmp]);
    expect(ok).to.include({ runs: 10, seed: 4, workers: 2, servers: undefined, faults: undefined });
    // The space of scenarios: sizes as given (deduplicated), kinds in their canonical order, profiles overridden by --faults.
    expect(options(['--servers', '5,3,5', '--out', tmp]).servers).to.deep.equal([5, 3]);
    expect(options(['--faults', 'heal,crash', '--out', tmp]).faults).to.deep.equal(['crash', 'heal']);
    expect(options(['--faults', 'none', '--out', tmp]).faults).to.deep.equal([]);
    expect(options(['--lab', '2A', '--out', tmp]).faults).to.deep.equal(['disconnect', 'partition', 'link', 'heal', 'nemesis']);
    expect(options(['--lab', '2C', '--out', tmp]).faults).to.deep.equal(['disconnect', 'partition', 'link', 'crash', 'heal', 'nemesis']);
    expect(options(['--lab', '2A', '--faults', 'crash', '--out', tmp]).faults).to.deep.equal(['crash']);
  });

  it('exits with code 2 and no stack trace on bad input', async function () {
    // End to end, two processes: a mistake in the command line's shape and
    // one found checking a path. Every other message is the parser's, checked
    // in-process above; the command prints whatever the parser throws.
    const file = join(tmp, 'a-file');
    writeFileSync(file, 'x');
    const runs = await Promise.all([fuzzCli(['--frobnicate']), fuzzCli(['--out', file])]);
    for (const r of runs) {
      expect(r.code, r.stderr).to.equal(2);
      expect(r.stderr.trim().split('\n'), r.stderr).to.have.length(1);
      expect(r.stderr).to.match(/^fuzz: /);
      expect(r.stderr).to.not.match(/\n\s+at /);
    }
    expect(runs.map((r) => r.stderr.trim())).to.deep.equal([
      "fuzz: unknown option '--frobnicate' (npm run fuzz -- --help for usage)",
      `fuzz: --out: ${file} exists and is not a folder`,
    ]);
  });

  it('on a failure: exit 1, the shrunk scenario, the check, seed and path, a replay command, a trace file, and --save', async function () {
    const name = 'caught';
    const cases = join(tmp, 'cases');
    const saved = join(cases, `${name}.json`);
    {
      const r = await fuzzCli(
        [
          '--raft',
          'test/fuzz/vote-for-anyone-raft.ts',
          '--runs',
          '200',
          '--seed',
          '7',
          '-p',
          '1',
          '--out',
          tmp,
          '--save',
          name,
          '--json',
          join(tmp, 'report.json'),
        ],
        { FUZZ_REGRESSIONS_DIR: cases },
      );
      expect(r.code, r.stdout + r.stderr).to.equal(1);
      const out = r.stdout;
      expect(out).to.match(/^FAIL: \[(V1|ES|QC)\] /m);
      expect(out).to.match(/^counterexample \(\d servers?, \d faults?\) at path [\d:]+:$/m);
      expect(out).to.match(/^ {2}cluster: \d servers? \(majority \d\)$/m);
      // One seed, the campaign's: printed once, and in the replay command.
      const seedPath = /^replay: {2}npm run fuzz -- --seed (\d+) --path ([\d:]+) /m.exec(out);
      expect(new Set([...out.matchAll(/(?:\| seed|--seed) (\d+)/g)].map((m) => m[1]))).to.deep.equal(new Set(['7']));
      // No other seed beside it: the message does not say the scenario's simulation seed (often 0).
      expect(out, out).to.not.match(/\bseed (?!7\b)\d+/);
      expect(seedPath, out).to.not.equal(null);
      expect(out).to.contain(`replay:  npm run fuzz -- --seed ${seedPath?.[1]} --path ${seedPath?.[2]} --raft test/fuzz/vote-for-anyone-raft.ts`);
      const trace = /^trace: {3}(.+)$/m.exec(out)?.[1] ?? '';
      expect(existsSync(trace), trace).to.equal(true);
      // In a folder of this campaign's own inside --out, as the stress loop's: its time and seed in its name.
      expect(relative(tmp, resolve(trace))).to.match(/^\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d_seed-7\/fuzz_7_1_\w+\.log$/);
      const lines = readFileSync(trace, 'utf8').split('\n');
      expect(lines[0]).to.equal('# fuzz counterexample');
      const events = lines.filter((l) => l !== '' && !l.startsWith('#')).map((l) => JSON.parse(l) as { kind: string });
      expect(events[0]?.kind).to.equal('cluster');
      expect(events.some((e) => e.kind === 'violation')).to.equal(true);
      const report = JSON.parse(readFileSync(join(tmp, 'report.json'), 'utf8')) as { ok: boolean; findings: { path: string }[] };
      expect(report.ok).to.equal(false);
      expect(report.findings[0]?.path).to.equal(seedPath?.[2]);
      expect(out).to.contain(`saved:   ${saved}`);
      const stored = loadRegressionCases(cases);
      expect(stored.map((c) => c.name)).to.deep.equal([name]);
      expect(stored[0]?.found?.check).to.be.oneOf(['V1', 'ES', 'QC']);

      // The replay command finds the same failure at once.
      const again = await fuzzCli(['--seed', seedPath?.[1] ?? '', '--path', seedPath?.[2] ?? '', '--raft', 'test/fuzz/vote-for-anyone-raft.ts', '--out', tmp]);
      expect(again.code).to.equal(1);
      expect(again.stdout).to.contain('(replayed)');
    }
  });

  it('on SIGTERM: stops after the scenarios in progress, reports and writes the JSON, exit 143', async function () {
    const json = join(tmp, 'stopped.json');
    let sent = false;
    const r = await runCli('tester/fuzz/cli.ts', ['--time', '120', '--seed', '3', '-p', '1', '--out', tmp, '--json', json], {
      afterStart: (child) => {
        child.stdout?.on('data', (d: Buffer) => {
          if (!sent && d.toString().includes('fuzz: fuzzing')) {
            sent = true;
            child.kill('SIGTERM');
          }
        });
      },
    });
    expect(r.code, r.stdout + r.stderr).to.equal(143);
    expect(r.stdout).to.match(/fuzz: interrupted \(SIGTERM\): finishing the scenarios in progress/);
    expect(r.stdout).to.match(/^INTERRUPTED: \d+ scenarios? in /m);
    expect((JSON.parse(readFileSync(json, 'utf8')) as { interrupted: boolean }).interrupted).to.equal(true);
  });
});
