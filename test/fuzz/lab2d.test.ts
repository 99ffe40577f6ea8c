// fuzz --lab 2D: the options, the refusal of a Raft without snapshot() and
// installSnapshot(), lab 2D's draw (valid, its own steps, InstallSnapshot
// provoked), its steps on a real run (a snapshot at the step's index; a
// crash right after the first save inside snapshot() or an InstallSnapshot,
// which exposes a Raft that stores the trimmed log and the snapshot apart),
// a 2D scenario through JSON and back replaying event for event, and every
// earlier seed drawing what it drew before lab 2D existed.
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { RPC } from '../../raft/contract.ts';
import { Raft } from '../../raft/raft.ts';
import type { TesterEvent } from '../../tester/events.ts';
import { runScenario } from '../../tester/execution/run-scenario.ts';
import { FAULT_KINDS, ScenarioError, describeScenario, validateScenario, type FaultKind, type Scenario, type Step } from '../../tester/execution/scenario.ts';
import { campaignSpace, fuzzReplayCommand, refuseWithoutSnapshots, runFuzz, scenarioAt } from '../../tester/fuzz/fuzz.ts';
import { parseFuzzArgs, type FuzzCliOptions } from '../../tester/fuzz/options.ts';
import { LAB_PROFILES, MIN_SERVERS_2D, scenarioArbFor } from '../../tester/fuzz/scenario.ts';
import { RaftModuleError, inProcessRaft, loadRaftModule, type RaftUnderTest } from '../../tester/raft-module.ts';
import { makeVariant } from '../mutants/variant.ts';
import { runCli } from '../support/run-cli.ts';

function sha(value: unknown): string {
  return createHash('sha256')
    .update(typeof value === 'string' ? value : JSON.stringify(value))
    .digest('hex');
}

/** A 3-server lab 2D scenario on a reliable network: a leader by 1 s, then the steps. */
function scenario2D(steps: Step[], kinds: FaultKind[] = ['disconnect', 'crash']): Scenario {
  return {
    n: 3,
    snapshot: true,
    simSeed: 11,
    network: { kind: 'reliable', longDelays: false },
    kinds,
    steps: [{ op: 'pause', ms: 1000 }, ...steps],
    liveness: { heal: 'all', members: [0, 1, 2], holdMs: 0 },
  };
}

/** A run on the built-in Raft, or on `raft`, with every event kept. */
async function run(s: Scenario, raft?: RaftUnderTest): Promise<{ ok: boolean; message: string | undefined; events: TesterEvent[] }> {
  const events: TesterEvent[] = [];
  const r = await runScenario(s, { ...(raft !== undefined && { raft }), record: (e) => events.push(JSON.parse(JSON.stringify(e)) as TesterEvent) });
  return { ok: r.ok, message: r.message, events };
}

/**
 * Not a lab bug of its own name, but the one a crash between the trim and
 * the persist exposes: snapshot() first stores the trimmed log (its new
 * lastIncludedIndex) with the old snapshot, and the new snapshot only in a
 * second save (Figure 13 keeps them together).
 */
class SplitSave extends Raft {
  private splitting = false;
  private previous = '';
  override snapshot(index: number, snapshot: string): void {
    this.previous = this.snapshotData;
    this.splitting = true;
    try {
      super.snapshot(index, snapshot);
    } finally {
      this.splitting = false;
    }
  }
  protected override persist(): void {
    if (!this.splitting) return super.persist();
    this.splitting = false;
    const latest = this.snapshotData;
    this.snapshotData = this.previous;
    super.persist();
    this.snapshotData = latest;
    super.persist();
  }
}

describe('fuzz --lab 2D: options', function () {
  this.timeout(60_000);
  let tmp: string;
  before(() => {
    tmp = mkdtempSync(join(tmpdir(), 'fuzz-2d-'));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  function options(args: string[]): FuzzCliOptions {
    const parsed = parseFuzzArgs([...args, '--out', tmp]);
    if (parsed === 'help') throw new Error('asked for help');
    return parsed;
  }

  it('--lab 2D: every fault kind and the snapshot applier; other stages and --faults as before', function () {
    expect(options(['--lab', '2D'])).to.include({ snapshot: true });
    expect(options(['--lab', '2D']).faults).to.deep.equal([...FAULT_KINDS]);
    expect(options(['--lab', '2D', '--faults', 'disconnect']).faults).to.deep.equal(['disconnect']);
    expect(options(['--lab', '2D', '--faults', 'disconnect']).snapshot).to.equal(true);
    for (const lab of ['2A', '2B', '2C']) expect(options(['--lab', lab]).snapshot, lab).to.equal(false);
    expect(options([]).snapshot).to.equal(false);
    expect(LAB_PROFILES['2D']).to.deep.equal(FAULT_KINDS);
  });

  it('the space and the replay command carry --lab 2D (its kinds are all of them, whatever the Raft persists)', function () {
    const { space, note } = campaignSpace({ snapshot: true }, false, 'my-raft.ts');
    expect(space).to.deep.equal({ snapshot: true });
    expect(note).to.equal(undefined);
    expect(fuzzReplayCommand(5, '3:1', 'my-raft.ts', space, ['disconnect'])).to.match(/ --seed 5 --path 3:1 --raft my-raft\.ts --lab 2D$/);
    expect(fuzzReplayCommand(5, '3', undefined, { snapshot: true, servers: [3], kinds: ['crash'] })).to.match(/ --path 3 --lab 2D --servers 3 --faults crash$/);
    expect(fuzzReplayCommand(5, '3', undefined, {})).to.match(/ --path 3$/);
  });

  it('refuses a Raft without snapshot() and installSnapshot() in one line, as the stress loop refuses it the 2D tests', async function () {
    const only2C = await loadRaftModule('test/fuzz/no-snapshot-raft.ts');
    expect(only2C.lacks).to.deep.equal(['snapshot', 'installSnapshot']);
    expect(() => refuseWithoutSnapshots(only2C)).to.throw(
      RaftModuleError,
      /^--lab 2D: test\/fuzz\/no-snapshot-raft\.ts: make\(\) returns an object without snapshot\(index, snapshot\), installSnapshot\(args\), which lab 2D's scenarios call \(lab 2D\); fuzz it with --lab 2C or without --lab$/,
    );
    const l19 = await loadRaftModule('test/mutants/l19-log-not-trimmed.ts');
    expect(() => refuseWithoutSnapshots(l19)).to.not.throw();
    const r = await runCli('tester/fuzz/cli.ts', ['--lab', '2D', '--raft', 'test/fuzz/no-snapshot-raft.ts', '--runs', '1', '--out', tmp]);
    expect(r.code, r.stderr).to.equal(2);
    expect(r.stderr.trim().split('\n'), r.stderr).to.have.length(1);
    expect(r.stderr).to.match(/^fuzz: --lab 2D: test\/fuzz\/no-snapshot-raft\.ts: make\(\) returns an object without snapshot/);
  });
});

describe('fuzz --lab 2D: the draw', function () {
  this.timeout(60_000);

  it('draws valid lab 2D scenarios from 3 servers on, with its own steps', function () {
    const all = fc.sample(scenarioArbFor({ snapshot: true }), { seed: 31, numRuns: 300 });
    const ops = new Set<string>();
    for (const s of all) {
      expect(validateScenario(JSON.parse(JSON.stringify(s)))).to.deep.equal(s);
      expect(s.snapshot).to.equal(true);
      expect(s.n).to.be.within(MIN_SERVERS_2D, 9);
      let started = 0;
      for (const step of s.steps) {
        ops.add(step.op);
        if (step.op === 'submit') started += step.count;
        // Never beyond the commands started so far: no server can have applied more.
        if (step.op === 'snapshot') expect(step.index).to.be.within(1, Math.max(1, started));
      }
    }
    for (const op of ['snapshot', 'crashOnSnapshot', 'crashOnInstall', 'submit', 'disconnect', 'crash', 'heal']) expect([...ops]).to.include(op);
    // Mostly lag rounds: a burst of at least ten commands for the leader of the moment while a server is cut off.
    const lagging = all.filter((s) => s.steps.some((step) => step.op === 'submit' && step.toLeader === true && step.count >= 10));
    expect(lagging.length).to.be.greaterThan(all.length * 0.8);
    // --faults still holds: no crash step, lag rounds cut by disconnecting.
    for (const s of fc.sample(scenarioArbFor({ snapshot: true, kinds: ['disconnect'] }), { seed: 32, numRuns: 100 })) {
      expect(s.kinds.every((k) => k === 'disconnect')).to.equal(true);
      expect(s.steps.some((step) => step.op === 'crash' || step.op === 'crashOnSnapshot' || step.op === 'crashOnInstall' || step.op === 'heal')).to.equal(
        false,
      );
    }
  });

  it('rejects its steps in a scenario of an earlier lab', function () {
    const earlier = { ...scenario2D([{ op: 'snapshot', server: 0, index: 3 }]), snapshot: undefined };
    expect(() => validateScenario(JSON.parse(JSON.stringify(earlier)))).to.throw(
      ScenarioError,
      /step 1: snapshot needs a lab 2D scenario \("snapshot": true\)/,
    );
    expect(() => validateScenario({ ...scenario2D([]), snapshot: false })).to.throw(ScenarioError, /snapshot is true \(lab 2D\) or absent/);
    expect(() => validateScenario(scenario2D([{ op: 'snapshot', server: 0, index: 0 }]))).to.throw(
      ScenarioError,
      /snapshot needs an index, a whole number from 1/,
    );
    expect(() => validateScenario(scenario2D([{ op: 'crashOnInstall', server: 0 }], ['disconnect']))).to.throw(
      ScenarioError,
      /crashOnInstall is of kind crash/,
    );
  });

  // Hashes of the first 300 scenarios of three seeds and of 28 shrink paths,
  // computed before lab 2D existed: without --lab 2D every seed and every
  // saved path draws what it drew (lab 2D draws with arbitraries of its own).
  it('draws, without --lab 2D, exactly what every seed and path drew before lab 2D', function () {
    const expected: Record<string, string[]> = {
      all: [
        '840a74d45dda36e2f429b04891e723ac04ba06d56b027e34678087c897a78ec0',
        'de8bcd83d327d53bd27a64d0e56ddcf5b922f163c6828268a2c15e5cf4bbb557',
        '194f7ae37243ff631bc2b5cbdfa70b9d79a4f6280c92483d17167771362c7c6a',
        '9ffefad9b5ce6cc84f818d1881c52a31b6b5a078107130bbbd0d99eaa4641c4c',
      ],
      '2B': [
        '58f5daf9f0f31087f71b8a1e50d19df4d4482f28b4968caa3893d6ec980718af',
        'f239bbba40d0b89ea3c79867deed82fcd322a8dfde9aa98a19028509bd45d598',
        '6d5483d5539ee2d9806f4d6a13466c69179e653a9b55f0c031de3c738fa4a979',
        '3ac25fcc5500352f5d53e3abff6ab43889d89916c0c3b1da7a509b0b77045279',
      ],
    };
    for (const [name, hashes] of Object.entries(expected)) {
      const space = name === 'all' ? {} : { kinds: [...(LAB_PROFILES[name] as FaultKind[])] };
      const got = [77, 1, 20261126].map((seed) => sha(fc.sample(scenarioArbFor(space), { seed, numRuns: 300 })));
      const paths: (Scenario | null)[] = [];
      for (const k of [0, 3, 7, 11]) {
        for (const p of ['', ':0', ':1', ':5', ':0:0', ':2:3', ':20']) {
          try {
            paths.push(scenarioAt(77, `${k}${p}`, space));
          } catch {
            paths.push(null);
          }
        }
      }
      got.push(sha(paths));
      expect(got, name).to.deep.equal(hashes);
    }
  });

  it('runs on the reference in-process, and the report says lab 2D', async function () {
    const report = await runFuzz({ snapshot: true, runs: 6, seed: 4, streams: 6 });
    expect(report.ok, report.failure?.message).to.equal(true);
    expect(report.space).to.deep.equal({ servers: [3, 4, 5, 6, 7, 8, 9], kinds: [...FAULT_KINDS], snapshot: true });
  });
});

describe('fuzz --lab 2D: the steps on a run', function () {
  this.timeout(60_000);

  it('snapshot: the service on that server snapshots at that index (not a tenth), or says it has not applied so far', async function () {
    const { ok, message, events } = await run(
      scenario2D([
        { op: 'submit', server: 0, command: 1, count: 15, everyMs: 0 },
        { op: 'pause', ms: 600 },
        { op: 'snapshot', server: 1, index: 13 },
        { op: 'snapshot', server: 2, index: 400 },
        { op: 'pause', ms: 200 },
      ]),
    );
    expect(ok, message).to.equal(true);
    const at = events.findIndex((e) => e.kind === 'step' && e.name === 'service' && e.detail === 'S1 snapshots through index 13');
    expect(at).to.be.greaterThan(0);
    // The snapshot applier's call, from the step, with the applier's encoding of the log up to 13.
    const taken = events
      .slice(0, at)
      .reverse()
      .find((e) => e.kind === 'snapshot');
    expect(taken).to.include({ server: 1, index: 13 });
    expect(
      events.some((e) => e.kind === 'step' && e.name === 'service' && e.detail === 'S2 does not snapshot through 400: down, or not applied that far'),
    ).to.equal(true);
    expect(events.some((e) => e.kind === 'snapshot' && e.index === 400)).to.equal(false);
  });

  it('crashOnSnapshot: crashes the server right after its first save inside snapshot(); the reference passes, a Raft that saves the trimmed log and the snapshot apart fails', async function () {
    const s = scenario2D([
      { op: 'crashOnSnapshot', server: 1, restartAfterMs: 300 },
      { op: 'submit', server: 0, command: 1, count: 12, everyMs: 0 },
      { op: 'pause', ms: 1000 },
      { op: 'disconnect', server: 2 },
      { op: 'submit', server: 0, command: 20, count: 20, everyMs: 0 },
      { op: 'pause', ms: 1000 },
      { op: 'connect', server: 2 },
      { op: 'pause', ms: 1000 },
    ]);
    const { ok, message, events } = await run(s);
    expect(ok, message).to.equal(true);
    const crashAt = events.findIndex((e) => e.kind === 'crash');
    const crash = events[crashAt] as Extract<TesterEvent, { kind: 'crash' }>;
    expect(crash.server).to.equal(1);
    // Just before: its snapshot() call (index 9, the applier's first), and the one save it made inside.
    const before = events.slice(0, crashAt).filter((e) => e.kind === 'snapshot' || e.kind === 'persist');
    expect(before.slice(-2).map((e) => [e.kind, 'server' in e ? e.server : -1, e.t])).to.deep.equal([
      ['snapshot', 1, crash.t],
      ['persist', 1, crash.t],
    ]);
    expect(events.find((e) => e.kind === 'start' && e.server === 1 && e.t > crash.t)?.t).to.equal(crash.t + 300);

    const split = await run(s, inProcessRaft(makeVariant(SplitSave), { persists: true }));
    expect(split.ok).to.equal(false);
    // Restarted with a log that begins after a snapshot the service was never given.
    expect(split.message).to.match(/apply out of order|snapshot/);
    const without = await run(
      { ...s, steps: s.steps.filter((step) => step.op !== 'crashOnSnapshot') },
      inProcessRaft(makeVariant(SplitSave), { persists: true }),
    );
    expect(without.ok, 'no crash falls between the two saves without the step').to.equal(true);
  });

  it('crashOnInstall: crashes the server inside the next InstallSnapshot it gets, right after its first save there; the reference passes', async function () {
    const { ok, message, events } = await run(
      scenario2D([
        // Crashed rather than disconnected: a restarted follower still has the leader's term, and installs.
        { op: 'crash', server: 2 },
        { op: 'submit', server: 0, command: 1, count: 25, everyMs: 0 },
        { op: 'pause', ms: 800 },
        { op: 'crashOnInstall', server: 2, restartAfterMs: 200 },
        { op: 'restart', server: 2 },
        { op: 'pause', ms: 1500 },
      ]),
    );
    expect(ok, message).to.equal(true);
    // The trigger's crash: the last of S2's (the schedule crashed it once first).
    const crashAt = events.map((e) => e.kind === 'crash' && e.server === 2).lastIndexOf(true);
    const crash = events[crashAt] as Extract<TesterEvent, { kind: 'crash' }>;
    const before = events.slice(0, crashAt);
    const install = before
      .filter((e): e is Extract<TesterEvent, { kind: 'deliver' }> => e.kind === 'deliver' && e.method === RPC.InstallSnapshot && e.to === 2)
      .pop();
    expect(install?.t).to.equal(crash.t);
    // From the delivery to the crash (crash1's own disconnection aside): the handler's first save, and nothing else of the server's.
    const between = before
      .slice(before.indexOf(install as TesterEvent) + 1)
      .filter((e) => e.kind !== 'disconnect' && e.kind !== 'end' && e.kind !== 'server' && e.kind !== 'step');
    expect(between.map((e) => [e.kind, 'server' in e ? e.server : undefined])).to.deep.equal([['persist', 2]]);
    // Its answer is lost: the handler ran on, on the killed instance.
    expect(events.some((e) => e.kind === 'handled' && e.id === install?.id)).to.equal(false);
    expect(events.find((e) => e.kind === 'start' && e.server === 2 && e.t > crash.t)?.t).to.equal(crash.t + 200);
  });

  it('a drawn 2D scenario goes through JSON and back, and replays event for event', async function () {
    const drawn = fc
      .sample(scenarioArbFor({ snapshot: true, servers: [3] }), { seed: 8, numRuns: 60 })
      .find((s) => ['snapshot', 'crashOnSnapshot', 'crashOnInstall'].every((op) => s.steps.some((step) => step.op === op)));
    if (drawn === undefined) throw new Error('no drawn scenario with every 2D step');
    const text = JSON.stringify(drawn);
    const back = validateScenario(JSON.parse(text));
    expect(back).to.deep.equal(drawn);
    expect(describeScenario(back)).to.contain('lab 2D: the snapshot applier');
    const [a, b] = await Promise.all([run(drawn), run(back)]);
    expect(a.ok, a.message).to.equal(true);
    expect(sha(a.events)).to.equal(sha(b.events));
    expect(a.events.some((e) => e.kind === 'snapshot')).to.equal(true);
  });
});
