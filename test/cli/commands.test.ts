// Every command behaves the same way: --help prints the usage and exits 0;
// bad input is one line and exit 2 (no stack, no Node advice about '--');
// paths typed under `npm run` are relative to the folder they were typed in.
import { expect } from 'chai';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCommandLine, UsageError, usageText } from '../../tester/cli-args.ts';
import { ROOT, runCli } from '../support/run-cli.ts';
import { countLine, totalLine } from '../support/suite-counts.mjs';

const COMMANDS: Record<string, string> = {
  stress: 'tester/stress/cli.ts',
  replay: 'tester/replay/cli.ts',
  fuzz: 'tester/fuzz/cli.ts',
  trace: 'tester/trace/cli.ts',
  mutants: 'test/mutants/cli.ts',
};

describe('command lines: one parser, one manner', function () {
  it('asks for help with -h or --help anywhere before --', function () {
    const spec = { n: { type: 'string', short: 'n' } } as const;
    expect(parseCommandLine(['-n', '3', '--help'], spec, true)).to.equal('help');
    expect(parseCommandLine(['-h'], spec, true)).to.equal('help');
    expect(parseCommandLine(['--', '--help'], spec, true)).to.deep.include({ positionals: ['--help'] });
  });

  it('takes a negative or malformed number as the value, for the range check to name it', function () {
    const spec = { n: { type: 'string', short: 'n' }, seed: { type: 'string' } } as const;
    const parsed = parseCommandLine(['-n', '-1', '--seed', '-5', '-n', '-.5'], spec, false);
    expect(parsed).to.not.equal('help');
    expect(parsed !== 'help' && parsed.values).to.deep.equal({ n: '-.5', seed: '-5' });
  });

  it('says an unknown option in one line, without advice about --', function () {
    expect(() => parseCommandLine(['--frob'], {}, true)).to.throw(UsageError, /^unknown option '--frob'$/);
    expect(() => parseCommandLine(['stray'], {}, false)).to.throw(UsageError, /^unexpected argument 'stray'/);
  });

  it('writes usages as the user runs the command: npm run inside this repository, npx from a project', function () {
    expect(usageText('usage: npm run stress -- [TESTS...]', {})).to.equal('usage: npm run stress -- [TESTS...]');
    expect(usageText('usage: npm run stress -- [TESTS...]', { RAFT_HARNESS_BIN: '1' })).to.equal('usage: npx raft-harness stress [TESTS...]');
  });
});

describe('command lines, end to end', function () {
  this.timeout(60_000);

  it('every command: --help prints its usage and exits 0', async function () {
    const names = Object.keys(COMMANDS);
    const runs = await Promise.all(names.map((name) => runCli(COMMANDS[name] as string, ['--help'])));
    runs.forEach((r, i) => {
      expect(r.code, `${names[i]}: ${r.stderr}`).to.equal(0);
      expect(r.stdout, names[i]).to.match(new RegExp(`^usage: npm run ${names[i]} --`));
      expect(r.stderr, names[i]).to.equal('');
    });
  });

  it('an unknown option is one line and exit 2 (the fuzz and trace tests check theirs)', async function () {
    const names = ['stress', 'replay', 'mutants'];
    const runs = await Promise.all(names.map((name) => runCli(COMMANDS[name] as string, ['--frobnicate'])));
    runs.forEach((r, i) => {
      expect(r.code, names[i]).to.equal(2);
      expect(r.stderr.trim(), names[i]).to.equal(`${names[i]}: unknown option '--frobnicate' (npm run ${names[i]} -- --help for usage)`);
    });
  });

  it('a malformed test pattern or a negative seed is one line and exit 2, not a stack', async function () {
    // In one process each: the parsing itself is checked in-process (test/stress/cli.test.ts); here, the exit code and the one line.
    const runs = await Promise.all([
      runCli(COMMANDS.stress as string, ['(', '-n', '5']),
      runCli(COMMANDS.replay as string, ['--test', 'TestReElection2A', '--seed', '-5']),
    ]);
    for (const r of runs) {
      expect(r.code, r.stderr).to.equal(2);
      expect(r.stderr.trim().split('\n'), r.stderr).to.have.length(1);
    }
    expect(runs[0]?.stderr).to.match(/^stress: '\(' is not a valid test pattern/);
    expect(runs[1]?.stderr).to.match(/^replay: --seed: seed must be a whole number from 0 to \d+, got '-5'/);
  });

  it('fuzz --help from the package does not offer --save (which it refuses there); from the repository it does', async function () {
    const [fromPackage, fromRepo] = await Promise.all([
      runCli(COMMANDS.fuzz as string, ['--help'], { env: { RAFT_HARNESS_BIN: '1' } }),
      runCli(COMMANDS.fuzz as string, ['--help']),
    ]);
    expect([fromPackage.code, fromRepo.code]).to.deep.equal([0, 0]);
    expect(fromPackage.stdout).to.match(/^usage: npx raft-harness fuzz/);
    expect(fromPackage.stdout).to.not.include('--save');
    expect(fromRepo.stdout).to.match(/^--save NAME/m);
  });

  it('an exit-2 path leaves no empty stress-logs/ or fuzz-logs/ behind (the --out folder made while checking the options)', async function () {
    const dir = mkdtempSync(join(tmpdir(), 'exit-2-'));
    const [stress, fuzz] = await Promise.all([
      // The --out folder is checked (and made) before --raft is found missing, or --lab refused.
      runCli(COMMANDS.stress as string, ['-n', '1', '--out', join(dir, 'a', 'stress-logs'), '--raft', 'no-such-raft.ts']),
      runCli(COMMANDS.fuzz as string, ['--runs', '1', '--out', join(dir, 'b', 'fuzz-logs'), '--lab', '9Z']),
    ]);
    expect([stress.code, fuzz.code], stress.stderr + fuzz.stderr).to.deep.equal([2, 2]);
    expect(readdirSync(dir)).to.deep.equal([]);
  });

  it('typecheck-raft names a missing file once, under its own name (no "typecheck:" second prefix)', async function () {
    const r = await runCli('tester/typecheck-cli.ts', ['no-such-raft.ts']);
    expect(r.code, r.stderr).to.equal(2);
    expect(r.stderr.trim()).to.equal('typecheck-raft: no such file: no-such-raft.ts (npm run typecheck-raft -- --help for usage)');
  });

  it('under npm run, --raft, --json and --out are relative to the folder the user typed them in (INIT_CWD)', async function () {
    const typedIn = mkdtempSync(join(tmpdir(), 'init-cwd-'));
    mkdirSync(join(typedIn, 'sub'));
    copyFileSync(join(ROOT, 'examples/timer-raft.ts'), join(typedIn, 'sub', 'my-raft.ts'));
    // As npm starts a script: in the project's root, with INIT_CWD where it was typed.
    const env = { INIT_CWD: join(typedIn, 'sub'), npm_config_local_prefix: ROOT };
    const r = await runCli(
      COMMANDS.stress as string,
      ['TestInitialElection2A', '-n', '1', '-p', '1', '--seed', '3', '--raft', './my-raft.ts', '--json', 'here.json', '--out', 'logs'],
      { env },
    );
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    expect(existsSync(join(typedIn, 'sub', 'here.json')), r.stdout).to.equal(true);
    expect(existsSync(join(typedIn, 'sub', 'logs'))).to.equal(true);
    expect(JSON.parse(readFileSync(join(typedIn, 'sub', 'here.json'), 'utf8'))).to.include({ raft: './my-raft.ts' });
  });
});

describe('fuzz --save from an installed package', function () {
  it("is refused in one line: it adds to the harness's own suite, not the user's", async function () {
    const { parseFuzzArgs } = await import('../../tester/fuzz/options.ts');
    const before = process.env.RAFT_HARNESS_BIN;
    process.env.RAFT_HARNESS_BIN = '1';
    try {
      expect(() => parseFuzzArgs(['--save', 'mine'])).to.throw(UsageError, /^--save adds a case to the harness's own regression suite/);
    } finally {
      if (before === undefined) delete process.env.RAFT_HARNESS_BIN;
      else process.env.RAFT_HARNESS_BIN = before;
    }
  });
});

describe('npm test: one line over both mocha passes', function () {
  it("sums each pass's passing and failing counts, coloured or not, into `N passed, N failed`", function () {
    const counts = { passed: 0, failed: 0 };
    // The parallel pass, as mocha prints it to a terminal (colours), then the real-time pass, plain.
    const output = [
      '  \u001b[32m  640 passing\u001b[0m\u001b[90m (4m)\u001b[0m',
      '\u001b[31m  2 failing\u001b[0m',
      '  1) a test',
      '  92 passing (2m)',
      '  3 pending',
      '  ✔ 12 passing tests are fine (a test title, not a count)',
    ];
    for (const line of output) countLine(line, counts);
    expect(totalLine(counts)).to.equal('732 passed, 2 failed');
    expect(totalLine({ passed: 5, failed: 0 })).to.equal('5 passed, 0 failed');
  });
});
