// The fuzzer's scenarios: what the arbitraries produce, how a scenario reads,
// and what validation rejects.
import { expect } from 'chai';
import fc from 'fast-check';
import {
  FAULT_KINDS,
  KIND_OF,
  MAX_SERVERS,
  ScenarioError,
  describeScenario,
  drainMs,
  commandCount,
  faultCount,
  majorityOf,
  scenarioArb,
  scenarioArbFor,
  scheduleMs,
  validateScenario,
  type Scenario,
  type Step,
} from '../../tester/fuzz/scenario.ts';

/** Every server a step names. */
function serversOf(step: Step): number[] {
  switch (step.op) {
    case 'disconnect':
    case 'connect':
    case 'crash':
    case 'restart':
      return [step.server];
    case 'cut':
    case 'restore':
      return [step.from, step.to];
    case 'partition':
      return step.groups.flat();
    default:
      return [];
  }
}

describe('the space of fuzz scenarios (--servers, --faults, --lab)', function () {
  it('the default space draws exactly what scenarioArb draws (seeds and saved paths stay valid)', function () {
    expect(fc.sample(scenarioArbFor(), { numRuns: 200, seed: 17 })).to.deep.equal(fc.sample(scenarioArb, { numRuns: 200, seed: 17 }));
  });

  it('draws only the chosen cluster sizes and fault kinds, and uses each', function () {
    const all = fc.sample(scenarioArbFor({ servers: [3, 5], kinds: ['disconnect', 'link'] }), { numRuns: 400, seed: 5 });
    expect(new Set(all.map((s) => s.n))).to.deep.equal(new Set([3, 5]));
    const ops = new Set(all.flatMap((s) => s.steps.map((step) => step.op)));
    // Client commands belong to no fault kind: every space has them.
    expect([...ops].sort()).to.deep.equal(['connect', 'cut', 'disconnect', 'pause', 'restore', 'submit']);
    for (const s of all)
      expect(
        s.kinds.every((k) => k === 'disconnect' || k === 'link'),
        s.kinds.join(','),
      ).to.equal(true);
  });

  it('with crash left out, no scenario crashes or restarts a server', function () {
    const all = fc.sample(scenarioArbFor({ kinds: FAULT_KINDS.filter((k) => k !== 'crash') }), { numRuns: 400, seed: 6 });
    expect(all.some((s) => s.steps.some((step) => step.op === 'crash' || step.op === 'restart'))).to.equal(false);
    expect(all.some((s) => s.steps.some((step) => step.op === 'partition'))).to.equal(true);
  });
});

describe('fuzz scenarios', function () {
  it('are valid for their own cluster size: indices in range, members a majority, steps of the chosen kinds only', function () {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        validateScenario(s);
        expect(s.n).to.be.within(1, MAX_SERVERS);
        for (const step of s.steps) {
          for (const server of serversOf(step)) expect(server).to.be.within(0, s.n - 1);
          if (step.op === 'cut' || step.op === 'restore') expect(step.from).to.not.equal(step.to);
          const kind = KIND_OF[step.op];
          if (kind !== undefined) expect(s.kinds).to.include(kind);
          if (step.op === 'partition') expect(step.groups.flat().sort((a, b) => a - b)).to.deep.equal([...Array(s.n).keys()]);
        }
        expect(s.liveness.members.length).to.be.at.least(majorityOf(s.n));
        expect(new Set(s.liveness.members).size).to.equal(s.liveness.members.length);
      }),
      { numRuns: 400, seed: 1 },
    );
  });

  it('stay valid while fast-check shrinks them (indices follow the cluster size down)', function () {
    // A property that fails for big enough scenarios: every value the
    // shrinker tries on its way down must itself be valid.
    const invalid: string[] = [];
    let tried = 0;
    const details = fc.check(
      fc.property(scenarioArb, (s) => {
        tried++;
        try {
          validateScenario(s);
        } catch (error) {
          invalid.push((error as Error).message);
        }
        return !(s.n >= 3 && faultCount(s) >= 3);
      }),
      { numRuns: 200, seed: 4 },
    );
    expect(invalid).to.deep.equal([]);
    expect(details.failed).to.equal(true);
    const [shrunk] = details.counterexample as [Scenario];
    expect(details.numShrinks).to.be.greaterThan(3);
    expect(tried).to.be.greaterThan(20);
    expect(shrunk.n).to.equal(3);
    expect(faultCount(shrunk)).to.equal(3);
  });

  it('cover every size from 1 to 9, odd and even', function () {
    const sizes = new Set(fc.sample(scenarioArb, { numRuns: 600, seed: 2 }).map((s) => s.n));
    expect([...sizes].sort((a, b) => a - b)).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('use swarm testing: each fault kind is left out of some scenarios, and all kinds, none, reliable and lossy networks occur', function () {
    const all = fc.sample(scenarioArb, { numRuns: 600, seed: 3 });
    for (const kind of FAULT_KINDS) {
      const without = all.filter((s) => !s.kinds.includes(kind));
      expect(without.length, `scenarios without ${kind}`).to.be.greaterThan(50);
      for (const s of without) expect(s.steps.some((step) => KIND_OF[step.op] === kind)).to.equal(false);
      expect(all.some((s) => s.steps.some((step) => KIND_OF[step.op] === kind))).to.equal(true);
    }
    expect(all.some((s) => s.kinds.length === 0)).to.equal(true);
    expect(all.some((s) => s.kinds.length === FAULT_KINDS.length)).to.equal(true);
    expect(all.some((s) => s.network.kind === 'reliable')).to.equal(true);
    expect(all.some((s) => s.network.kind === 'unreliable' && s.network.longReordering && s.network.duplicatePct > 0)).to.equal(true);
    expect(all.some((s) => s.liveness.heal === 'majority')).to.equal(true);
    expect(all.some((s) => s.liveness.heal === 'all')).to.equal(true);
  });

  it('client commands: at once or spread out in the background, counted apart from the faults, taking none of the schedule', function () {
    const s: Scenario = {
      n: 3,
      simSeed: 5,
      network: { kind: 'reliable', longDelays: false },
      kinds: ['disconnect'],
      steps: [
        { op: 'submit', server: 1, command: 7, count: 1, everyMs: 0 },
        { op: 'pause', ms: 100 },
        { op: 'submit', server: 2, command: 10, count: 5, everyMs: 20 },
        { op: 'disconnect', server: 0 },
        { op: 'submit', server: 0, command: 3, count: 2, everyMs: 0 },
      ],
      liveness: { heal: 'all', members: [0, 1, 2], holdMs: 0 },
    };
    validateScenario(s);
    expect(faultCount(s)).to.equal(1);
    expect(commandCount(s)).to.equal(8);
    expect(scheduleMs(s)).to.equal(100);
    expect(describeScenario(s).split('\n').slice(3, 8)).to.deep.equal([
      'schedule: 1 fault and 8 client commands over 100 ms',
      '  t=     0 ms  start(7) on S1, then on each next server until one leads',
      '  t=   100 ms  start(10..14) 20 ms apart in the background, each on S2, then on each next server until one leads',
      '  t=   100 ms  disconnect S0',
      '  t=   100 ms  start(3..4) at once, each on S0, then on each next server until one leads',
    ]);
    expect(() => validateScenario({ ...s, steps: [{ op: 'submit', server: 3, command: 1, count: 1, everyMs: 0 }] })).to.throw(
      ScenarioError,
      'server 3 is not in 0..2',
    );
    expect(() => validateScenario({ ...s, steps: [{ op: 'submit', server: 0, command: 1, count: 0, everyMs: 0 }] })).to.throw(
      ScenarioError,
      'count of commands',
    );
  });

  it('draw client commands, duplicates included', function () {
    const all = fc.sample(scenarioArb, { numRuns: 300, seed: 3 });
    const values = all.flatMap((s) => s.steps.flatMap((step) => (step.op === 'submit' ? Array.from({ length: step.count }, (_, i) => step.command + i) : [])));
    expect(values.length).to.be.greaterThan(1000);
    expect(new Set(values).size).to.be.lessThan(values.length);
    expect(all.some((s) => s.steps.some((step) => step.op === 'submit' && step.everyMs > 0 && step.count > 1))).to.equal(true);
  });

  it('read as one fault per line with its virtual time', function () {
    const s: Scenario = {
      n: 4,
      simSeed: 77,
      network: { kind: 'unreliable', requestDropPct: 10, replyDropPct: 5, maxDelayMs: 26, longDelays: true, longReordering: true, duplicatePct: 3 },
      kinds: ['disconnect', 'partition', 'crash'],
      steps: [
        { op: 'pause', ms: 500 },
        { op: 'disconnect', server: 2 },
        { op: 'pause', ms: 1200 },
        {
          op: 'partition',
          groups: [
            [0, 1],
            [2, 3],
          ],
        },
        { op: 'crash', server: 0 },
        { op: 'pause', ms: 300 },
        { op: 'restart', server: 0 },
        { op: 'connect', server: 2 },
      ],
      liveness: { heal: 'majority', members: [0, 1, 3], holdMs: 1000 },
    };
    expect(faultCount(s)).to.equal(5);
    expect(scheduleMs(s)).to.equal(2000);
    expect(drainMs(s)).to.equal(2201);
    expect(describeScenario(s)).to.equal(
      [
        'cluster: 4 servers (majority 3), simulation seed 77',
        'network: unreliable, request drop 10%, reply drop 5%, short delay up to 26 ms, long delays on, long reordering on, duplicates 3%',
        'fault kinds: disconnect, partition, crash (never: link, heal, nemesis)',
        'schedule: 5 faults over 2000 ms',
        '  t=   500 ms  disconnect S2',
        '  t=  1700 ms  partition {0,1} | {2,3}',
        '  t=  1700 ms  crash S0',
        '  t=  2000 ms  restart S0 (persisted state kept) and connect it',
        '  t=  2000 ms  connect S2',
        "  t=  2000 ms  liveness: drain 2201 ms (calm network, every server disconnected), then heal the majority {0,1,3} (restart, connect, restore links), isolate {2}, calm network; require a leader among {0,1,3} within 5000 ms, and (with start()) a new command applied on all of {0,1,3} within the lab's one() budget; then hold 1000 ms",
      ].join('\n'),
    );
    const calm: Scenario = {
      n: 1,
      simSeed: 0,
      network: { kind: 'reliable', longDelays: false },
      kinds: [],
      steps: [],
      liveness: { heal: 'all', members: [0], holdMs: 0 },
    };
    expect(describeScenario(calm).split('\n')).to.deep.equal([
      'cluster: 1 server (majority 1), simulation seed 0',
      'network: reliable, long delays off',
      'fault kinds: none (never: disconnect, partition, link, crash, heal, nemesis)',
      'schedule: 0 faults over 0 ms',
      "  t=     0 ms  liveness: heal everything (restart crashed servers, connect all, restore links), calm network; require a leader among {0} within 5000 ms, and (with start()) a new command applied on all of {0} within the lab's one() budget; then hold 0 ms",
    ]);
  });

  it('crash a server in the middle of an AppendEntries (crashOnAppend), restarted later or not', function () {
    const all = fc.sample(scenarioArbFor({ kinds: ['crash'] }), { numRuns: 400, seed: 11 });
    const steps = all.flatMap((s) => s.steps).filter((step): step is Extract<Step, { op: 'crashOnAppend' }> => step.op === 'crashOnAppend');
    expect(steps.some((step) => step.beforeReply)).to.equal(true);
    expect(steps.some((step) => !step.beforeReply)).to.equal(true);
    expect(steps.some((step) => step.restartAfterMs === undefined)).to.equal(true);
    expect(steps.some((step) => step.restartAfterMs !== undefined)).to.equal(true);
    expect(KIND_OF.crashOnAppend).to.equal('crash');
    const s: Scenario = {
      n: 3,
      simSeed: 1,
      network: { kind: 'reliable', longDelays: false },
      kinds: ['crash'],
      steps: [
        { op: 'crashOnAppend', server: 1, beforeReply: true },
        { op: 'pause', ms: 100 },
        { op: 'crashOnAppend', server: 2, beforeReply: false, restartAfterMs: 40 },
      ],
      liveness: { heal: 'all', members: [0, 1, 2], holdMs: 0 },
    };
    expect(validateScenario(JSON.parse(JSON.stringify(s)))).to.deep.equal(s);
    expect(faultCount(s)).to.equal(2);
    expect(describeScenario(s).split('\n').slice(4, 6)).to.deep.equal([
      '  t=     0 ms  crash S1 as its next AppendEntries with entries arrives',
      '  t=   100 ms  crash S2 while it handles its next AppendEntries with entries, restart it 40 ms later and connect it',
    ]);
    const bad = (step: unknown): unknown => ({ ...s, steps: [step] });
    expect(() => validateScenario(bad({ op: 'crashOnAppend', server: 1 }))).to.throw(ScenarioError, /needs beforeReply/);
    expect(() => validateScenario(bad({ op: 'crashOnAppend', server: 1, beforeReply: true, restartAfterMs: -1 }))).to.throw(ScenarioError, /restartAfterMs/);
    expect(() => validateScenario({ ...s, kinds: [] })).to.throw(ScenarioError, /crashOnAppend is of kind crash/);
  });

  it('are rejected with a reason when invalid (regression files are checked)', function () {
    const good = fc.sample(scenarioArb, { numRuns: 1, seed: 9 })[0] as Scenario;
    const bad = (patch: Partial<Scenario>): unknown => ({ ...good, ...patch });
    const cases: [unknown, RegExp][] = [
      [bad({ n: 0 }), /n must be a whole number from 1 to 9/],
      [bad({ n: 3, kinds: ['crash'], steps: [{ op: 'crash', server: 3 }] }), /server 3 is not in 0\.\.2/],
      [bad({ n: 3, kinds: [], steps: [{ op: 'crash', server: 1 }] }), /crash is of kind crash, which the scenario does not use/],
      [bad({ n: 3, kinds: ['link'], steps: [{ op: 'cut', from: 1, to: 1 }] }), /two different servers/],
      [bad({ n: 5, steps: [], liveness: { heal: 'majority', members: [0, 1], holdMs: 0 } }), /must be a majority of 5/],
      [bad({ steps: [{ op: 'explode' } as unknown as Step] }), /unknown step/],
      ['nonsense', /not an object/],
    ];
    for (const [value, message] of cases) expect(() => validateScenario(value)).to.throw(ScenarioError, message);
  });
});
