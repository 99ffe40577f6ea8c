// npm run trace: files, standard input, options, and one-line errors with exit code 2.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTraceCli } from '../../tester/trace/cli-run.ts';
import { knownFailingRun } from './fixtures.ts';

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

const ANSI = /\x1b\[[0-9;]*m/;

/** The real command in a child process (slow to start: used twice). */
function spawnTrace(args: string[], stdin: string): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'tester/trace/cli.ts', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

/** The command in-process, as if its output were not a terminal and stdin were piped. */
async function trace(
  args: string[],
  options: { stdin?: string; env?: Record<string, string | undefined>; tty?: boolean; columns?: number } = {},
): Promise<Outcome> {
  let stdout = '';
  let stderr = '';
  const code = await runTraceCli(args, {
    out: (text) => (stdout += text),
    err: (text) => (stderr += text),
    readStdin: () => Promise.resolve(options.stdin ?? ''),
    stdinIsTTY: options.stdin === undefined,
    stdoutIsTTY: options.tty ?? false,
    columns: options.columns,
    env: options.env ?? {},
  });
  return { code, stdout, stderr };
}

describe('npm run trace', function () {
  this.timeout(30_000);
  let dir: string;
  let log: string;
  const results = new Map<string, Outcome>();

  before(async function () {
    dir = mkdtempSync(join(tmpdir(), 'trace-cli-'));
    const run = await knownFailingRun();
    log = join(dir, 'TestReElection2A_0.log');
    writeFileSync(log, `# test: TestReElection2A\n# result: FAILED [ES]\n${run.text}`);
    writeFileSync(join(dir, 'empty.log'), '');
    writeFileSync(join(dir, 'bad.log'), `# header\n${run.text.split('\n')[0]}\n{"kind": "state", "t": 3,\n`);
    const cases: Record<string, [string[], Parameters<typeof trace>[1]?]> = {
      missing: [[join(dir, 'nope.log')]],
      empty: [[join(dir, 'empty.log')]],
      bad: [[join(dir, 'bad.log')]],
      plain: [[log, '--width', '120']],
      terminal: [[log], { tty: true, columns: 100 }],
      terminalNoColorEnv: [[log], { tty: true, env: { NO_COLOR: '1' } }],
      terminalNoColor: [[log, '--no-color'], { tty: true }],
      color: [[log, '--color']],
      stdinDash: [['-', '--only', 'leader,violation'], { stdin: run.text }],
      stdinPiped: [['--only', 'leader'], { stdin: run.text }],
      noInput: [[]],
      json: [[log, '--json']],
      window: [[log, '--from', '500', '--to', '900', '--ignore', 'heartbeats']],
      html: [[log, '--html', join(dir, 'page.html')]],
      badTopic: [[log, '--only', 'votes,bogus']],
      badTime: [[log, '--from', 'soon']],
    };
    const outcomes = await Promise.all(Object.entries(cases).map(async ([name, [args, options]]) => [name, await trace(args, options)] as const));
    outcomes.push(['spawnMissing', await spawnTrace([join(dir, 'nope.log')], '')]);
    outcomes.push(['spawnPiped', await spawnTrace(['--only', 'violation'], run.text)]);
    for (const [name, outcome] of outcomes) results.set(name, outcome);
  });

  after(function () {
    rmSync(dir, { recursive: true, force: true });
  });

  const get = (name: string): Outcome => results.get(name) as Outcome;
  const oneLineError = (name: string, pattern: RegExp): void => {
    const r = get(name);
    expect(r.code, r.stderr).to.equal(2);
    expect(r.stdout).to.equal('');
    expect(r.stderr.trimEnd().split('\n'), r.stderr).to.have.length(1);
    expect(r.stderr).to.match(pattern);
  };

  it('a missing file: one line, exit code 2', function () {
    oneLineError('missing', /^trace: .*nope\.log: no such file$/m);
    oneLineError('spawnMissing', /^trace: .*nope\.log: no such file$/m);
  });

  it('no file and nothing piped: one line, exit code 2', function () {
    oneLineError('noInput', /^trace: no trace file given/);
  });

  it('an empty file: one line, exit code 2', function () {
    oneLineError('empty', /^trace: .*empty\.log: empty file/);
  });

  it('a malformed line: names its number and what is wrong', function () {
    oneLineError('bad', /^trace: .*bad\.log:3: malformed line: not JSON/);
  });

  it('bad options: one line, exit code 2', function () {
    oneLineError('badTopic', /^trace: --only: unknown topic "bogus"/);
    oneLineError('badTime', /^trace: --from takes a time in ms, got "soon"/);
  });

  it('prints a failure log in columns, with its header, without colour when not a terminal', function () {
    const r = get('plain');
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/^# test: TestReElection2A$/m);
    expect(r.stdout).to.match(/^ +ms S0 {35}S1 {35}S2$/m); // 120 wide: 3 columns of 37
    expect(r.stdout).to.include('VIOLATION [ES] election safety');
    expect(r.stdout).to.not.match(ANSI);
  });

  it('colours on a terminal (as wide as the terminal), unless NO_COLOR or --no-color; --color forces it', function () {
    const terminal = get('terminal');
    expect(terminal.stdout).to.match(ANSI);
    const head = terminal.stdout.split('\n').find((row) => row.includes('S0')) as string;
    const plainHead = head.replace(/\x1b\[[0-9;]*m/g, '');
    expect(plainHead.indexOf('S1') - plainHead.indexOf('S0')).to.equal(Math.floor((100 - 7) / 3));
    expect(get('terminalNoColorEnv').stdout).to.not.match(ANSI);
    expect(get('terminalNoColor').stdout).to.not.match(ANSI);
    expect(get('color').stdout).to.match(ANSI);
  });

  it('reads standard input, with "-" or when input is piped', function () {
    const dash = get('stdinDash');
    expect(dash.code, dash.stderr).to.equal(0);
    expect(dash.stdout).to.include('LEADER T1');
    expect(dash.stdout).to.include('VIOLATION');
    const piped = get('stdinPiped');
    expect(piped.code, piped.stderr).to.equal(0);
    expect(piped.stdout).to.include('LEADER T2');
    // --only never hides the violation; and it comes after the event that caused it (S0's getState() saying leader of T2).
    const rows = piped.stdout.split('\n');
    const violation = rows.findIndex((row) => row.includes('VIOLATION [ES]'));
    expect(violation, piped.stdout).to.be.greaterThan(0);
    const cause = rows.map((row) => row.includes('LEADER T2')).lastIndexOf(true);
    expect(cause, piped.stdout).to.be.below(violation);
    const spawned = get('spawnPiped');
    expect(spawned.code, spawned.stderr).to.equal(0);
    expect(spawned.stdout).to.include('VIOLATION [ES]');
    expect(spawned.stdout).to.not.include('LEADER');
  });

  it('--json writes the structured trace, which reads back as columns', async function () {
    const r = get('json');
    expect(r.code, r.stderr).to.equal(0);
    // JSON Lines: every line parses; the header is one object first.
    const rows = r.stdout
      .trimEnd()
      .split('\n')
      .map((row) => JSON.parse(row) as Record<string, unknown>);
    expect(rows[0]).to.deep.equal({ meta: { test: 'TestReElection2A', result: 'FAILED [ES]', header: ['test: TestReElection2A', 'result: FAILED [ES]'] } });
    const first = rows[1] as Record<string, unknown>;
    expect(Object.keys(first)).to.deep.equal(['t', 'server', 'kind', 'term', 'role', 'detail']);
    const back = await trace(['-', '--width', '120'], { stdin: r.stdout });
    expect(back.code, back.stderr).to.equal(0);
    expect(back.stdout).to.equal(get('plain').stdout);
  });

  it('--from/--to keep the time window', function () {
    const r = get('window');
    expect(r.code, r.stderr).to.equal(0);
    const times = r.stdout
      .split('\n')
      .filter((row) => /^ *\d+ /.test(row))
      .map((row) => Number(row.trim().split(' ')[0]));
    expect(times.length).to.be.greaterThan(0);
    for (const t of times) expect(t).to.be.within(500, 900);
    expect(r.stdout).to.not.match(/AE→S\d+(,S\d+)* T\d+ *$|AE←|AE ok/m); // heartbeats and their replies
    expect(r.stdout).to.match(/AE→S\d lost/); // a lost heartbeat is a drop, not hidden with heartbeats
  });

  it('--html writes one self-contained page', function () {
    const r = get('html');
    expect(r.code, r.stderr).to.equal(0);
    const page = readFileSync(join(dir, 'page.html'), 'utf8');
    expect(page).to.match(/^<!DOCTYPE html>/);
    expect(page).to.include('id="trace-data"');
    expect(page).to.not.match(/<script[^>]+src=|<link[^>]+href=|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  });
});
