// The reference Raft on the real (emulated) network, through the lab's
// config, in virtual time.
import { expect } from 'chai';
import type { TesterEvent, ViolationEvent } from '../../tester/events.ts';
import { makeConfig } from '../../tester/config.ts';
import { STRICT } from '../../tester/monitors/index.ts';

describe('raft: a real cluster of 3 in virtual time', function () {
  it('elects exactly one leader (seed 1)', async function () {
    const cfg = makeConfig(3, false, { seed: 1, print: () => {} });
    try {
      const leader = await cfg.checkOneLeader();
      const states = cfg.rafts.map((r) => r!.getState());
      expect(
        states.filter((s) => s.isLeader),
        'leaders',
      ).to.have.length(1);
      expect(states[leader]!.isLeader).to.equal(true);
      expect(states[leader]!.term).to.be.at.least(1);
      expect(new Set(states.map((s) => s.term)).size, "every server in the leader's term").to.equal(1);
    } finally {
      await cfg.cleanup();
    }
  });

  for (const seed of [2, 3, 4, 5, 6]) {
    it(`elects one leader with every monitor strict, and no violation (seed ${seed})`, async function () {
      const violations: ViolationEvent[] = [];
      const record = (e: TesterEvent): void => {
        if (e.kind === 'violation') violations.push(e);
      };
      const cfg = makeConfig(3, false, { seed, print: () => {}, policy: STRICT, record });
      try {
        await cfg.checkOneLeader();
        await cfg.sleep(2000);
        await cfg.checkOneLeader();
      } finally {
        await cfg.cleanup();
      }
      expect(violations.map((v) => `[${v.check}] ${v.message}`)).to.deep.equal([]);
    });
  }
});
