// MonitorSet: NET and RAFT reports, the policy (fail / warn / off), deadlines.
import { expect } from 'chai';
import { RPC } from '../../raft/contract.ts';
import type { ViolationEvent } from '../../tester/events.ts';
import { CHECKS, LAB_CHECKS_ONLY, LAB_TESTS, MonitorSet, judge, type CheckId } from '../../tester/monitors/index.ts';
import { boot, elect, expectViolations, handlerError, heartbeats, misuse, rv, rvSend, state, step, table, type Log, type Row } from './log.ts';

describe('monitors: MonitorSet', function () {
  describe('NET and RAFT reports', function () {
    const rows: Row[] = [
      { name: 'a clean election', log: [...boot(3), ...elect(10, 0, 1, [1]), ...heartbeats(10, 0, 1, 3)], want: [] },
      {
        name: 'the network reports misuse',
        log: [...boot(3), misuse(10, "labrpc: unknown service 'Rafft', called on server 1")],
        want: [{ check: 'NET', term: undefined, servers: [], t: 10, says: "unknown service 'Rafft'" }],
      },
      {
        name: 'a handler throws',
        log: [...boot(3), rvSend(10, 0, 1, 1), handlerError(10, 0, 1, RPC.RequestVote, 'boom')],
        want: [{ check: 'RAFT', term: undefined, servers: [1], t: 10, says: "server 1's Raft.RequestVote handler threw: boom" }],
      },
    ];
    table(rows);
  });

  describe('policy', function () {
    // Two voters, two leaders of term 1: V1 and ES.
    const twoLeaders: Log = [...boot(3), ...elect(10, 0, 1, [1]), ...rv(10, 2, 1, 1), state(20, 0, 1, true), state(20, 2, 1, true)];

    it('by default every check fails (fatal)', function () {
      expectViolations(judge(twoLeaders), [
        { check: 'V1', fatal: true },
        { check: 'ES', term: 1, servers: [0, 2], fatal: true },
      ]);
    });

    it("a check set to 'warn' reports a non-fatal violation", function () {
      expectViolations(judge(twoLeaders, { policy: { ES: 'warn' } }), [
        { check: 'V1', fatal: true },
        { check: 'ES', term: 1, servers: [0, 2], fatal: false },
      ]);
    });

    it("a check set to 'off' reports nothing", function () {
      expectViolations(judge(twoLeaders, { policy: { ES: 'off' } }), [{ check: 'V1', fatal: true }]);
      expectViolations(judge(twoLeaders, { policy: { ES: 'off', V1: 'off' } }), []);
    });

    it("'off' and 'warn' apply to NET and RAFT too", function () {
      const log: Log = [...boot(3), misuse(10, 'labrpc: bad'), handlerError(20, 0, 1, RPC.AppendEntries, 'x')];
      expectViolations(judge(log, { policy: { NET: 'off', RAFT: 'warn' } }), [{ check: 'RAFT', fatal: false }]);
    });

    it("the lab tests' policy only warns about stability", function () {
      const log: Log = [...boot(3), ...elect(100, 0, 1, [1]), ...heartbeats(100, 0, 1, 3), rvSend(500, 1, 2, 2)];
      expectViolations(judge(log), [{ check: 'ST', fatal: true }]);
      expectViolations(judge(log, { policy: LAB_TESTS }), [{ check: 'ST', fatal: false }]);
    });

    it('LAB_CHECKS_ONLY turns every monitor off', function () {
      expect(Object.keys(LAB_CHECKS_ONLY).sort()).to.deep.equal(Object.keys(CHECKS).sort());
      expectViolations(judge([...twoLeaders, misuse(30, 'x'), step(6000)], { policy: LAB_CHECKS_ONLY }), []);
    });
  });

  describe('driven one event at a time', function () {
    function monitorSet(): { set: MonitorSet; found: ViolationEvent[]; wakes: number[] } {
      const found: ViolationEvent[] = [];
      const wakes: number[] = [];
      const set = new MonitorSet({ onViolation: (v) => found.push(v), wakeAt: (time) => wakes.push(time) });
      return { set, found, wakes };
    }

    it('reports a violation at the event that breaks the check', function () {
      const { set, found } = monitorSet();
      for (const e of [...boot(3), ...rv(10, 0, 1, 1)]) set.observe(e);
      expect(found).to.deep.equal([]);
      for (const e of rv(20, 2, 1, 1)) set.observe(e);
      expect(found.map((v) => [v.check, v.t])).to.deep.equal([['V1', 20]]);
    });

    it('asks to be woken at the liveness deadline and fires there', function () {
      const { set, found, wakes } = monitorSet();
      for (const e of boot(3)) set.observe(e);
      set.observe(step(1));
      expect(wakes).to.include(5000);
      set.advanceTo(4999);
      expect(found).to.deep.equal([]);
      set.advanceTo(5000);
      expectViolations(found, [{ check: 'LV', servers: [0, 1, 2], t: 5000 }]);
    });

    it('every check id has a name', function () {
      const ids: CheckId[] = [
        'ES',
        'V1',
        'QC',
        'TM',
        'TA',
        'RW',
        'RF',
        'AEL',
        'HB',
        'LA',
        'LV',
        'ST',
        'SMS',
        'AO',
        'LM',
        'LAO',
        'LC',
        'CM',
        'SI',
        'DUR',
        'BUD',
        'WF',
        'NET',
        'RAFT',
      ];
      expect(Object.keys(CHECKS).sort()).to.deep.equal([...ids].sort());
    });
  });
});
