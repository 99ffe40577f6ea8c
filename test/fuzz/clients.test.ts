// The fuzzer's client commands: started from the drawn server on until one
// leads, and a new command applied on every healed server in the liveness
// phase; for a module without start(), neither (its scenarios still run).
import { expect } from 'chai';
import type { TesterEvent } from '../../tester/events.ts';
import { LIVENESS_COMMAND, runScenario } from '../../tester/fuzz/run-scenario.ts';
import type { Scenario } from '../../tester/fuzz/scenario.ts';
import { make as timerRaft } from '../../examples/timer-raft.ts';

const scenario: Scenario = {
  n: 3,
  simSeed: 11,
  network: { kind: 'reliable', longDelays: false },
  kinds: ['disconnect'],
  steps: [
    { op: 'pause', ms: 1000 },
    { op: 'submit', server: 0, command: 5, count: 3, everyMs: 10 },
    { op: 'disconnect', server: 1 },
    { op: 'submit', server: 2, command: 5, count: 1, everyMs: 0 },
    { op: 'pause', ms: 500 },
  ],
  liveness: { heal: 'all', members: [0, 1, 2], holdMs: 200 },
};

describe('fuzz: client commands', function () {
  this.timeout(30_000);

  it('each command goes to the servers in turn until one leads; the liveness phase has a new command applied on every healed server', async function () {
    const events: TesterEvent[] = [];
    const r = await runScenario(scenario, { record: (e) => events.push(e) });
    expect(r.ok, r.message).to.equal(true);
    const accepted = events.filter((e) => e.kind === 'submit' && e.isLeader).map((e) => (e as { command: unknown }).command);
    // 5; the next step's 5 (a duplicate) while 6 and 7 follow in the background; then the liveness command.
    expect(accepted.slice(0, 4)).to.deep.equal([5, 5, 6, 7]);
    expect(accepted).to.include(LIVENESS_COMMAND);
    const submits = events.filter((e): e is Extract<TesterEvent, { kind: 'submit' }> => e.kind === 'submit');
    expect(
      submits.some((e) => !e.isLeader && e.command !== LIVENESS_COMMAND),
      'the scenario makes some server refuse',
    ).to.equal(true);
    submits.forEach((e, i) => {
      if (e.isLeader) return;
      // A refusal is followed by a try of the same command on the next server (in the schedule; one() rotates its own way).
      const next = submits[i + 1];
      if (e.command === LIVENESS_COMMAND || next === undefined) return;
      expect(next.command).to.equal(e.command);
      expect(next.server).to.equal((e.server + 1) % scenario.n);
    });
    const appliedLast = events.filter((e) => e.kind === 'apply' && e.command === LIVENESS_COMMAND).map((e) => (e as { server: number }).server);
    expect([...new Set(appliedLast)].sort()).to.deep.equal([0, 1, 2]);
  });

  it('a module without start() runs the same scenario without commands', async function () {
    const events: TesterEvent[] = [];
    const r = await runScenario(scenario, { raft: timerRaft, globalTimers: true, record: (e) => events.push(e) });
    expect(r.ok, r.message).to.equal(true);
    expect(events.filter((e) => e.kind === 'submit' || e.kind === 'apply')).to.deep.equal([]);
  });
});
