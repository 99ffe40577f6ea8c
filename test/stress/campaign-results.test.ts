// A campaign keeps every result and nothing drowns it (issue 11): failure
// artefacts are capped per test and check, --failfast stops at the first,
// each campaign has its own folder, SIGTERM is Ctrl-C, nothing that did not
// run to its end passes, output paths are checked before the work, and
// --merge refuses what cannot be one campaign.
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { BUILT_IN_RAFT } from '../../tester/built-in-raft.ts';
import { inProcessRaft, type RaftUnderTest } from '../../tester/raft-module.ts';
import { runIteration } from '../../tester/execution/iteration.ts';
import { testNamed } from '../../tester/tests.ts';
import { make as leakyMake } from '../fixtures/leaky-raft.ts';
import { UsageError, parseStressArgs } from '../../tester/stress/options.ts';
import { MergeError, memoryLine, mergeSummaries, type StressSummary } from '../../tester/stress/summary.ts';
import { runCli } from '../support/run-cli.ts';
import { heapTrend, type HeapSample } from '../../tester/stress/campaign.ts';

const STRESS = 'tester/stress/cli.ts';
const PASSIVE = 'test/fixtures/passive-raft.ts';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'stress-results-'));
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

describe('stress: failure artefacts are capped, counted and broken down', function () {
  this.timeout(120_000);

  it('keeps log, trace and page for the first --keep failures of each test and check, counts the rest', async function () {
    const dir = tempDir();
    const json = join(dir, 'summary.json');
    const result = await runCli(STRESS, ['-n', '12', '-p', '1', '--seed', '5', '--keep', '2', '--out', join(dir, 'logs'), '--json', json, '--raft', PASSIVE]);
    expect(result.code, result.stderr).to.equal(1);
    const summary = JSON.parse(readFileSync(json, 'utf8')) as StressSummary;
    for (const t of summary.tests) {
      expect([t.total, t.failed, t.checks]).to.deep.equal([12, 12, { LAB: 12 }]);
      expect(t.failures).to.have.length(12); // Every seed is kept in the summary...
      expect(t.failures.filter((f) => f.log !== undefined)).to.have.length(2); // ...but only two logs.
    }
    const files = filesUnder(join(dir, 'logs'));
    // 3 tests x 2 kept failures x (log, structured trace, page).
    expect(files.filter((f) => f.endsWith('.log'))).to.have.length(6);
    expect(files.filter((f) => f.endsWith('.trace.jsonl'))).to.have.length(6);
    expect(files.filter((f) => f.endsWith('.html'))).to.have.length(6);
    expect(result.stdout.match(/^Failed test /gm)).to.have.length(6);
    expect(result.stdout).to.match(/further failures of TestReElection2A \[LAB\] are counted, not logged: --keep 2/);
    // Failed, the lab's checks fail them too (LAB is theirs), logs kept.
    expect(result.stdout).to.match(/failures by test and check:[\s\S]*TestManyElections2A\s*│ LAB\s*│\s*12 │\s*12 │\s*2 │/);
    // The console stays short however many iterations fail.
    expect(result.stdout.split('\n').length).to.be.below(60);
  });

  it('--failfast stops at the first failure', async function () {
    const dir = tempDir();
    const json = join(dir, 'summary.json');
    const result = await runCli(STRESS, ['TestInitialElection2A', '-n', '2000', '--seed', '5', '--failfast', '--out', dir, '--json', json, '--raft', PASSIVE]);
    expect(result.code).to.equal(1);
    expect(result.stdout).to.match(/--failfast: a failure; no new iterations/);
    const summary = JSON.parse(readFileSync(json, 'utf8')) as StressSummary;
    expect(summary.tests[0]?.failed).to.be.at.least(1);
    expect(summary.tests[0]?.total).to.be.below(100); // Only those already in flight finish.
    // The verdict says how many of the 2000 never ran: those not handed out (the ones in flight finished and are counted).
    const skipped = 2000 - (summary.tests[0]?.total ?? 0);
    expect(summary.skippedByFailfast).to.equal(skipped);
    expect(result.stdout).to.match(new RegExp(`^FAIL: \\d+ of \\d+ iterations failed in [\\d.]+ s \\(--failfast: ${skipped} iterations skipped\\)`, 'm'));
  });

  it('writes each campaign into a folder of its own', async function () {
    const dir = tempDir();
    const args = ['TestInitialElection2A', '-n', '2', '-p', '1', '--seed', '5', '--out', dir, '--raft', PASSIVE];
    const first = await runCli(STRESS, args);
    const second = await runCli(STRESS, args);
    expect([first.code, second.code]).to.deep.equal([1, 1]);
    const folders = readdirSync(dir);
    expect(folders).to.have.length(2);
    for (const folder of folders) expect(readdirSync(join(dir, folder)).filter((f) => f.endsWith('.log'))).to.have.length(2);
    const named = /^logs of this campaign: (.*)$/m;
    expect(first.stdout.match(named)?.[1]).to.not.equal(second.stdout.match(named)?.[1]);
  });
});

describe('stress: only a campaign that ran to its end can pass', function () {
  this.timeout(120_000);

  it('treats SIGTERM as Ctrl-C: table, JSON, no PASS, exit 143', async function () {
    const dir = tempDir();
    const json = join(dir, 'summary.json');
    let started = false;
    const result = await runCli(STRESS, ['-n', '100000', '--seed', '9', '--out', dir, '--json', json], {
      afterStart: (child) =>
        child.stdout?.on('data', (d: Buffer) => {
          if (!started && d.toString().includes('overall:')) {
            started = true;
            child.kill('SIGTERM');
          }
        }),
    });
    expect(result.code, result.stderr).to.equal(143);
    expect(result.stdout).to.match(/interrupted \(SIGTERM\)/);
    expect(result.stdout).to.match(/^INTERRUPTED: 0 of \d+ iterations failed .*interrupted by SIGTERM/m);
    expect(result.stdout).to.not.match(/^PASS/m);
    expect(result.stdout).to.match(/│ TestInitialElection2A/);
    const summary = JSON.parse(readFileSync(json, 'utf8')) as StressSummary;
    expect(summary.interrupted).to.equal(true);
  });

  it('refuses a shard that gets no iteration (-n 3 --shard 4/4) before any work', function () {
    expect(() => parseStressArgs(['-n', '3', '--shard', '4/4'])).to.throw(UsageError, /--shard 4\/4 gets no iteration of -n 3: .*use at most 3 shards/);
    expect(() => parseStressArgs(['-n', '3', '--shard', '3/4', '--out', tempDir()])).to.not.throw();
  });
});

describe('stress: output paths are checked before the work', function () {
  this.timeout(60_000);

  it('refuses --json naming a folder, with one line and exit 2, before running anything', async function () {
    const dir = tempDir();
    const result = await runCli(STRESS, ['-n', '1000', '--out', dir, '--json', dir]);
    expect(result.code).to.equal(2);
    expect(result.stderr.trim()).to.equal(`stress: --json: ${dir} is a folder; give a file name`);
    expect(result.stdout).to.equal('');
  });

  it('refuses --json inside a plain file, and --out that is a file', function () {
    const dir = tempDir();
    const file = join(dir, 'plain');
    writeFileSync(file, '');
    expect(() => parseStressArgs(['--out', dir, '--json', join(file, 's.json')])).to.throw(UsageError, /--json: .*plain is not a folder/);
    expect(() => parseStressArgs(['--out', file])).to.throw(UsageError, /--out: .* is not a folder/);
  });

  it('prints the summary on stdout when the JSON cannot be written at the end after all', async function () {
    const dir = tempDir();
    const gone = join(dir, 'gone');
    mkdirSync(gone);
    let removed = false;
    const result = await runCli(STRESS, ['TestInitialElection2A', '-n', '300', '-p', '1', '--seed', '4', '--out', dir, '--json', join(gone, 's.json')], {
      afterStart: (child) =>
        child.stdout?.on('data', (d: Buffer) => {
          if (!removed && d.toString().includes('stress:')) {
            removed = true;
            rmSync(gone, { recursive: true, force: true });
          }
        }),
    });
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.match(/stress: cannot write the summary to .*s\.json \(.*ENOENT.*\); here it is:/);
    const text = result.stdout.slice(result.stdout.indexOf('here it is:') + 'here it is:'.length);
    const summary = JSON.parse(text) as StressSummary;
    expect(summary.tests[0]?.total).to.equal(300);
  });

  it('replay and trace check --trace, --events and --html first', async function () {
    const dir = tempDir();
    const runs = await Promise.all([
      runCli('tester/replay/cli.ts', ['--test', 'TestInitialElection2A', '--seed', '1', '--trace', dir]),
      runCli('tester/replay/cli.ts', ['--test', 'TestInitialElection2A', '--seed', '1', '--events', dir]),
      runCli('tester/trace/cli.ts', ['no-such-trace.log', '--html', dir]),
      runCli('tester/fuzz/cli.ts', ['--runs', '1', '--out', dir, '--json', dir]),
    ]);
    expect(runs.map((r) => [r.code, r.stderr.trim()])).to.deep.equal([
      [2, `replay: --trace: ${dir} is a folder; give a file name`],
      [2, `replay: --events: ${dir} is a folder; give a file name`],
      [2, `trace: --html: ${dir} is a folder; give a file name`],
      [2, `fuzz: --json: ${dir} is a folder; give a file name`],
    ]);
  });
});

describe('stress --merge refuses what cannot be one campaign', function () {
  const shard = (index: number, count: number, over: Partial<StressSummary> = {}): StressSummary => ({
    clock: 'virtual',
    seed: 77,
    raft: 'built-in',
    iterations: 6,
    shard: `${index}/${count}`,
    wallSeconds: 1,
    interrupted: false,
    worstLoopDelayMs: 0,
    memory: { earlyHeapMb: 0, lateHeapMb: 0, peakRssMb: 0 },
    tests: [{ name: 'TestReElection2A', total: 2, failed: 0, meanMs: 1, stdMs: 0, meanWallMs: 1, stdWallMs: 0, meanRpcs: 1, checks: {}, failures: [] }],
    ...over,
  });
  const files = ['a.json', 'b.json', 'c.json'];

  it('merges every shard of one campaign', function () {
    const merged = mergeSummaries([shard(2, 3), shard(1, 3), shard(3, 3)], files);
    expect(merged.shard).to.equal('1/3+2/3+3/3');
    expect(merged.tests[0]?.total).to.equal(6);
  });

  const refused: [string, StressSummary[], RegExp][] = [
    ['a missing shard', [shard(1, 3), shard(2, 3)], /shard 3\/3 missing: a merge needs every shard/],
    ['a shard given twice', [shard(1, 2), shard(1, 2), shard(2, 2)], /shard 1\/2 is given twice: a\.json and b\.json/],
    ['a different -n', [shard(1, 2), shard(2, 2, { iterations: 8 })], /b\.json has -n 8 but a\.json has -n 6/],
    ['a different seed', [shard(1, 2), shard(2, 2, { seed: 78 })], /b\.json has seed 78 but a\.json has seed 77/],
    ['a different clock', [shard(1, 2), shard(2, 2, { clock: 'real' })], /b\.json has clock real but a\.json has clock virtual/],
    ['a different Raft', [shard(1, 2), shard(2, 2, { raft: 'mine.ts' })], /b\.json has raft mine\.ts but a\.json has raft built-in/],
    ['shards of different splits', [shard(1, 2), shard(2, 3)], /b\.json is shard 2\/3 but a\.json is shard 1\/2/],
  ];
  for (const [what, parts, message] of refused) {
    it(`refuses ${what}, naming it`, function () {
      expect(() => mergeSummaries(parts, files)).to.throw(MergeError, message);
    });
  }

  it('exits 2 with one line from the command line', async function () {
    this.timeout(30_000);
    const dir = tempDir();
    const a = join(dir, 'a.json');
    const b = join(dir, 'b.json');
    writeFileSync(a, JSON.stringify(shard(1, 3)));
    writeFileSync(b, JSON.stringify(shard(2, 3)));
    const result = await runCli(STRESS, ['--merge', a, b]);
    expect(result.code).to.equal(2);
    expect(result.stderr.trim()).to.equal('stress: --merge: shard 3/3 missing: a merge needs every shard of the campaign');
    expect(result.stdout).to.equal('');
  });

  it("refuses a shard whose check is not one of the harness's (exit 2); a merge with an interrupted shard cannot pass (exit 1: no signal stopped the merge)", async function () {
    this.timeout(30_000);
    const dir = tempDir();
    const [a, b, c] = ['a.json', 'b.json', 'c.json'].map((f) => join(dir, f)) as [string, string, string];
    // As a file may say it, whatever the types say.
    const one = shard(1, 2);
    writeFileSync(
      a,
      JSON.stringify({ ...one, tests: one.tests.map((t) => ({ ...t, failed: 1, failures: [{ iteration: 1, seed: 5, check: 'XYZ', message: 'x' }] })) }),
    );
    writeFileSync(b, JSON.stringify(shard(2, 2)));
    writeFileSync(c, JSON.stringify(shard(1, 2, { interrupted: true })));
    const [unknown, interrupted] = await Promise.all([runCli(STRESS, ['--merge', a, b]), runCli(STRESS, ['--merge', c, b])]);
    expect(unknown.code).to.equal(2);
    expect(unknown.stderr).to.match(
      /^stress: --merge: .*a\.json is not a stress summary of this harness: TestReElection2A #1: its check "XYZ" is not one of this harness's checks \(ES, .*\)\n$/,
    );
    expect(interrupted.code, interrupted.stderr).to.equal(1);
    expect(interrupted.stdout).to.match(/^INTERRUPTED: 0 of 4 iterations failed/m);
  });
});

describe('stress: memory stays flat over a campaign', function () {
  this.timeout(120_000);

  // The property, measured where load cannot move it: the live heap right
  // after full collections, before and after many iterations run as a
  // worker runs them (eight at a time). What a loaded machine changes is
  // when things run, not what stays reachable once they are done.
  const collect = ((): (() => void) => {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  })();
  const liveHeap = (): number => {
    collect();
    collect();
    return process.memoryUsage().heapUsed;
  };
  async function growth(raft: RaftUnderTest, iterations: number): Promise<number> {
    const test = testNamed('TestReElection2A');
    if (test === undefined) throw new Error('no TestReElection2A');
    const run = async (from: number, count: number): Promise<void> => {
      for (let i = from; i < from + count; i += 8) {
        const results = await Promise.all(Array.from({ length: 8 }, (_, k) => runIteration(test, i + k, { raft })));
        for (const r of results) expect(r.ok, r.message).to.equal(true);
      }
    };
    await run(0, 40); // compiled code and the harness's caches settle first
    const before = liveHeap();
    await run(40, iterations);
    return liveHeap() - before;
  }

  const ITERATIONS = 200;
  /** 10 KiB per iteration over ITERATIONS: well above what collection leaves behind, well below what a leak of one object per server adds. */
  const LIMIT_BYTES = 2_000_000;

  it(`the built-in Raft: ${ITERATIONS} iterations leave the live heap as they found it`, async function () {
    const grew = await growth(BUILT_IN_RAFT, ITERATIONS);
    expect(grew, `live heap grew by ${grew} bytes`).to.be.below(LIMIT_BYTES);
  });

  it('a Raft that keeps 16 KiB per server it makes trips the same limit', async function () {
    const grew = await growth(inProcessRaft(leakyMake), ITERATIONS);
    expect(grew, `live heap grew by ${grew} bytes`).to.be.above(LIMIT_BYTES);
  });

  it("a campaign reports its workers' live heap, first quarter and last", async function () {
    const dir = tempDir();
    const json = join(dir, 'summary.json');
    const result = await runCli(STRESS, ['TestInitialElection2A', '-n', '300', '--seed', '11', '--out', dir, '--json', json]);
    expect(result.code, result.stderr).to.equal(0);
    const { memory } = JSON.parse(readFileSync(json, 'utf8')) as StressSummary;
    expect(memory.earlyHeapMb).to.be.above(0);
    expect(memory.lateHeapMb).to.be.above(0);
  });

  it('the heap is compared over the same tests: heavy tests last are not a leak, one test growing is', function () {
    const light = (heapMb: number): HeapSample => ({ heapMb, work: 'TestInitialElection2A' });
    const heavy = (heapMb: number): HeapSample => ({ heapMb, work: 'TestSnapshotInstall2D' });
    // A mixed campaign whose five-server 2D test runs last: flat for each test.
    const mixed = [...[10, 11, 10, 10, 11, 10].map(light), ...[40, 41, 40, 40, 41, 40].map(heavy)];
    expect(memoryLine({ ...heapTrend(mixed), peakRssMb: 200 })).to.match(/flat, no leak/);
    // One test whose live heap keeps growing: a leak, whatever else ran.
    const leaking = [...[10, 11, 10, 10].map(light), ...[20, 30, 40, 50, 60, 70, 80, 90].map(heavy)];
    expect(heapTrend(leaking)).to.deep.equal({ earlyHeapMb: 30, lateHeapMb: 90 });
    expect(memoryLine({ ...heapTrend(leaking), peakRssMb: 200 })).to.match(/GROWING by 60 MiB/);
    // Too few samples of any one kind of work: the campaign's as a whole.
    expect(heapTrend([light(10), heavy(40)])).to.deep.equal({ earlyHeapMb: 10, lateHeapMb: 40 });
  });

  it('the memory line says whether its figures are a problem', function () {
    expect(memoryLine({ earlyHeapMb: 10.4, lateHeapMb: 10.9, peakRssMb: 80 })).to.equal(
      'worker live heap 10.4 → 10.9 MiB (first → last quarter: flat, no leak), peak RSS 80 MiB',
    );
    expect(memoryLine({ earlyHeapMb: 10, lateHeapMb: 40, peakRssMb: 200 })).to.match(/first → last quarter: GROWING by 30 MiB: a leak\?/);
    // Growth that is large in proportion but small in MiB is noise of a small heap.
    expect(memoryLine({ earlyHeapMb: 2, lateHeapMb: 5, peakRssMb: 60 })).to.match(/flat, no leak/);
  });
});
