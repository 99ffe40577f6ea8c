// The fuzzer's nemesis: its steps as plain data (drawn, validated,
// described), what they do to a cluster when replayed, and that adding them
// changed nothing any earlier seed draws.
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import type { TesterEvent } from '../../tester/events.ts';
import { scenarioAt } from '../../tester/fuzz/fuzz.ts';
import { runScenario } from '../../tester/fuzz/run-scenario.ts';
import {
  FAULT_KINDS,
  KIND_OF,
  MAX_HOLD_REPLY_MS,
  MIN_HOLD_MS,
  ScenarioError,
  describeScenario,
  drainMs,
  faultCount,
  maxIsolatedFollowers,
  scenarioArbFor,
  validateScenario,
  type FaultKind,
  type Scenario,
  type Step,
} from '../../tester/fuzz/scenario.ts';

const BEFORE_NEMESIS: FaultKind[] = ['disconnect', 'partition', 'link', 'crash', 'heal'];

function sha(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex');
}

/** A 5-server scenario on a reliable network: the nemesis's rounds by hand. */
function nemesisScenario(steps: Step[]): Scenario {
  return {
    n: 5,
    simSeed: 3,
    network: { kind: 'reliable', longDelays: false },
    kinds: ['nemesis'],
    steps,
    liveness: { heal: 'all', members: [0, 1, 2, 3, 4], holdMs: 200 },
  };
}

describe('the nemesis: adding it changed no earlier draw', function () {
  // Computed with the arbitraries as they were before the nemesis existed
  // (fast-check 4): the first 300 scenarios of three seeds, and a few shrink
  // paths. The nemesis is drawn after every other field, so without it in
  // the space every seed and every saved path gives what it gave then.
  it('without the nemesis, every seed draws the scenarios it drew before (the old default space and 2B profile)', function () {
    const expected: Record<string, string[]> = {
      [BEFORE_NEMESIS.join(',')]: [
        '07636ada52280af91558dd8a487ca56bacc2347713f6db1bfdfdbd4d13f377ba',
        '5b1e10f16b107c3815eab5df67591e56826a2a66950dfc5834707689b5248c67',
        '7cd96385cc0c43f2b8b0f72ca3ef16b57e44116dbf117af4666554a62c8809ff',
        'df0ce6f4bb8ccbc7f42d421efce77a5fead5337b97d75ed64c39f3eb7f3077cf',
      ],
      'disconnect,partition,link,heal': [
        '1773513af45b31e23bb806d897732861c38b1715ae5c932b3ce971b609d5a1b4',
        '4604ce600202da01e5bec3d5bc92a26ad680c591b489d39ec78213d083d39d45',
        '3a0002e9201c6a8137441fb20487c1f39e832a233e2231144f7e0ba00dafec86',
        'd94e81e0632b0d194d3496af14fe3628baaa7b9c7333d1ea57a723a5fde61698',
      ],
    };
    for (const [list, hashes] of Object.entries(expected)) {
      const space = { kinds: list.split(',') as FaultKind[] };
      const got = [1, 42, 20261126].map((seed) => sha(fc.sample(scenarioArbFor(space), { seed, numRuns: 300 })));
      const paths: (Scenario | null)[] = [];
      for (const k of [0, 3, 7, 11]) {
        for (const p of ['', ':0', ':1', ':5', ':0:0', ':2:3', ':20']) {
          try {
            paths.push(scenarioAt(1, `${k}${p}`, space));
          } catch {
            paths.push(null);
          }
        }
      }
      got.push(sha(paths));
      expect(got, list).to.deep.equal(hashes);
    }
  });

  it('is one swarm kind among the others: about half the scenarios use it, and only those have its steps', function () {
    expect(FAULT_KINDS).to.include('nemesis');
    const all = fc.sample(scenarioArbFor({ servers: [5, 7] }), { numRuns: 400, seed: 21 });
    const using = all.filter((s) => s.kinds.includes('nemesis'));
    expect(using.length).to.be.within(140, 260);
    for (const s of all) if (!s.kinds.includes('nemesis')) expect(s.steps.some((step) => KIND_OF[step.op] === 'nemesis')).to.equal(false);
  });
});

describe('the nemesis steps: drawn, validated, described', function () {
  it('draws every nemesis step, each valid for its cluster', function () {
    const all = fc.sample(scenarioArbFor({ servers: [2, 3, 5, 7, 9], kinds: ['nemesis'] }), { numRuns: 600, seed: 22 });
    const seen = new Set<string>();
    for (const s of all) {
      validateScenario(JSON.parse(JSON.stringify(s)));
      for (const step of s.steps) {
        seen.add(step.op === 'submit' && step.toLeader === true ? 'submit toLeader' : step.op);
        if (step.op === 'isolateLeader') expect(step.followers).to.be.within(0, maxIsolatedFollowers(s.n));
        if (step.op === 'rotate') expect(step.by).to.be.within(1, s.n - 1);
        if (step.op === 'holdReplies') expect(step.ms).to.be.within(MIN_HOLD_MS, MAX_HOLD_REPLY_MS);
      }
    }
    expect([...seen].sort()).to.deep.equal(['holdReplies', 'isolateLeader', 'pause', 'releaseReplies', 'rotate', 'submit', 'submit toLeader']);
    // Mostly with followers that acknowledged the leader, the case the nemesis is for.
    const isolations = all.filter((s) => s.n === 7).flatMap((s) => s.steps.filter((step) => step.op === 'isolateLeader'));
    expect(isolations.filter((step) => step.op === 'isolateLeader' && step.followers === 2).length).to.be.greaterThan(isolations.length / 2);
  });

  it('reads one step per line, as every other step', function () {
    const s = nemesisScenario([
      { op: 'pause', ms: 600 },
      { op: 'isolateLeader', followers: 1, pick: 0 },
      { op: 'holdReplies', ms: 2199 },
      { op: 'submit', server: 0, command: 5, count: 20, everyMs: 0, toLeader: true },
      { op: 'pause', ms: 700 },
      { op: 'isolateLeader', followers: 0, pick: 2 },
      { op: 'isolateLeader', followers: 1, pick: 1 },
      { op: 'rotate', by: 2 },
      { op: 'submit', server: 3, command: 9, count: 1, everyMs: 0, toLeader: true },
      { op: 'releaseReplies' },
    ]);
    expect(faultCount(s)).to.equal(6);
    expect(describeScenario(s).split('\n').slice(2, 13)).to.deep.equal([
      'fault kinds: nemesis (never: disconnect, partition, link, crash, heal)',
      'schedule: 6 faults and 21 client commands over 1300 ms',
      '  t=   600 ms  isolate the leader with 1 of the followers that acknowledged its term (most entries first) in a minority; the others form a majority',
      "  t=   600 ms  hold each reply inside the nemesis's minority 2199 ms",
      '  t=   600 ms  start(5..24) at once, each on the leader of the moment (else from S0 on until one leads)',
      '  t=  1300 ms  isolate the leader alone in a minority; the others form a majority',
      '  t=  1300 ms  isolate the leader with 1 of the followers that acknowledged its term (most entries first, from the 2nd) in a minority; the others form a majority',
      "  t=  1300 ms  rotate: the nemesis's minority moves 2 servers around the ring; the others form a majority",
      '  t=  1300 ms  start(9) on the leader of the moment (else from S3 on until one leads)',
      '  t=  1300 ms  release every held reply at once',
      "  t=  1300 ms  liveness: drain 1 ms (calm network, every server disconnected), then heal everything (restart crashed servers, connect all, restore links), calm network; require a leader among {0,1,2,3,4} within 5000 ms, and (with start()) a new command applied on all of {0,1,2,3,4} within the lab's one() budget; then hold 200 ms",
    ]);
    // Held replies are released as the drain begins: 1 ms lets them land before the calm window.
    expect(drainMs(s)).to.equal(1);
    expect(drainMs(nemesisScenario([{ op: 'isolateLeader', followers: 1, pick: 0 }]))).to.equal(0);
  });

  it('rejects, with a reason, what a cluster cannot do or a scenario does not use', function () {
    const bad = (step: unknown, patch: Partial<Scenario> = {}): unknown => ({ ...nemesisScenario([]), ...patch, steps: [step] });
    const cases: [unknown, RegExp][] = [
      [bad({ op: 'isolateLeader', followers: 2, pick: 0 }), /followers must be a whole number from 0 to 1 \(the leader and they must stay a minority of 5\)/],
      [bad({ op: 'isolateLeader', followers: 0, pick: -1 }), /pick must be a whole number from 0/],
      [
        bad({ op: 'isolateLeader', followers: 0, pick: 0 }, { n: 1, liveness: { heal: 'all', members: [0], holdMs: 0 } }),
        /isolateLeader needs at least 2 servers/,
      ],
      [bad({ op: 'rotate', by: 5 }), /rotate's by must be a whole number from 1 to 4/],
      [bad({ op: 'rotate', by: 1 }, { n: 2, liveness: { heal: 'all', members: [0, 1], holdMs: 0 } }), /rotate needs at least 3 servers/],
      [bad({ op: 'holdReplies', ms: -5 }), /holdReplies needs a whole number of ms/],
      [bad({ op: 'releaseReplies' }, { kinds: ['partition'] }), /releaseReplies is of kind nemesis, which the scenario does not use/],
      [bad({ op: 'submit', server: 0, command: 1, count: 1, everyMs: 0, toLeader: false }), /toLeader is true or absent/],
    ];
    for (const [value, message] of cases) expect(() => validateScenario(value)).to.throw(ScenarioError, message);
  });
});

describe('the nemesis steps: replayed on a cluster', function () {
  this.timeout(60_000);

  // Round 1 cuts the first leader off with its follower and holds their
  // replies; the majority elects; round 2 cuts that leader off; release.
  const s = nemesisScenario([
    { op: 'submit', server: 0, command: 1, count: 3, everyMs: 0 },
    { op: 'pause', ms: 900 },
    { op: 'isolateLeader', followers: 1, pick: 0 },
    { op: 'holdReplies', ms: 1500 },
    { op: 'submit', server: 0, command: 10, count: 5, everyMs: 0, toLeader: true },
    { op: 'pause', ms: 1000 },
    { op: 'submit', server: 0, command: 20, count: 2, everyMs: 0, toLeader: true },
    { op: 'pause', ms: 300 },
    { op: 'isolateLeader', followers: 1, pick: 0 },
    { op: 'pause', ms: 800 },
    { op: 'rotate', by: 1 },
    { op: 'pause', ms: 300 },
    { op: 'releaseReplies' },
  ]);

  async function run(): Promise<{ ok: boolean; events: TesterEvent[] }> {
    const events: TesterEvent[] = [];
    const r = await runScenario(s, { record: (e) => events.push(JSON.parse(JSON.stringify(e)) as TesterEvent) });
    expect(r.ok, r.message).to.equal(true);
    return { ok: r.ok, events };
  }

  it('aims at the leader of the moment and the followers that acknowledged it, holds their replies, and replays event for event', async function () {
    const [a, b] = await Promise.all([run(), run()]);
    expect(sha(a.events)).to.equal(sha(b.events));
    const steps = a.events.filter(
      (e): e is Extract<TesterEvent, { kind: 'step' }> =>
        e.kind === 'step' && (e.name === 'fault' || e.name === 'partition' || e.name === 'hold replies' || e.name === 'release replies'),
    );
    const text = steps.map((e) => `${e.name}: ${e.detail}`);
    const isolations = text.filter((t) => t.startsWith('fault: isolate leader'));
    expect(isolations, text.join('\n')).to.have.length(2);
    // Each cut takes the leader of the moment, with one follower that had acknowledged it.
    for (const line of isolations) expect(line).to.match(/^fault: isolate leader S(\d) \(term \d+\) with S\d, which acknowledged it in a minority$/);
    const first = /S(\d) \(term (\d+)\) with S(\d)/.exec(isolations[0] as string) as RegExpExecArray;
    const [leader, term, follower] = [Number(first[1]), Number(first[2]), Number(first[3])];
    const said = a.events.filter(
      (e): e is Extract<TesterEvent, { kind: 'state' }> => e.kind === 'state' && e.isLeader && e.server === leader && e.term === term,
    );
    expect(said, `S${leader} led term ${term}`).to.not.be.empty;
    const pair = [leader, follower].sort((x, y) => x - y);
    expect(text).to.include(`hold replies: inside {${pair.join(',')}} 1500 ms`);
    expect(
      text.some((t) => /^fault: rotate: minority \{\d,\d\} moves 1 around the ring to \{\d,\d\}$/.test(t)),
      text.join('\n'),
    ).to.equal(true);
    expect(
      text.some((t) => /^release replies: \d+ held$/.test(t)),
      text.join('\n'),
    ).to.equal(true);
    // Replies inside the pair, and only those, were held 1500 ms.
    const held = a.events.filter((e): e is Extract<TesterEvent, { kind: 'delay' }> => e.kind === 'delay' && e.stage === 'reply');
    expect(held).to.not.be.empty;
    for (const e of held) {
      expect(e.ms).to.equal(1500);
      expect(pair).to.include(e.from);
      expect(pair).to.include(e.to);
    }
    // The monitors saw the hold: the network was not calm while it lasted.
    const configs = a.events.filter((e): e is Extract<TesterEvent, { kind: 'net-config' }> => e.kind === 'net-config');
    expect(configs.some((e) => e.holdMs === 1500 && JSON.stringify(e.holdGroup) === JSON.stringify(pair))).to.equal(true);
    expect(configs.at(-1)?.holdGroup).to.equal(undefined);
  });

  it('without a leader, isolateLeader does nothing and says so; holdReplies without a minority holds nothing', async function () {
    const events: TesterEvent[] = [];
    const quiet = nemesisScenario([
      { op: 'isolateLeader', followers: 1, pick: 0 },
      { op: 'holdReplies', ms: 500 },
    ]);
    const r = await runScenario(quiet, { record: (e) => events.push(e) });
    expect(r.ok, r.message).to.equal(true);
    const text = events.filter((e): e is Extract<TesterEvent, { kind: 'step' }> => e.kind === 'step' && e.name === 'fault').map((e) => e.detail);
    expect(text).to.deep.equal(['isolate the leader: no server leads, nothing done', 'hold replies: no minority cut off, nothing held']);
  });
});
