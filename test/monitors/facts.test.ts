// Facts: the talking majorities, worked out on bits, are the reference's on
// lists, group for group and in the same order.
import { expect } from 'chai';
import fc from 'fast-check';
import { MAX_MASK_SERVERS, talkingGroupsByLists, talkingGroupsByMasks } from '../../tester/monitors/facts.ts';

describe('monitors: Facts', function () {
  it('talkingGroupsByMasks gives talkingGroupsByLists’ groups in its order, for any liveness and reachability (property)', function () {
    // Mostly up, so that large groups, overlaps and groups that share their
    // first member (whose order is the discovery order) come up often.
    const mostly = (percent: number): fc.Arbitrary<boolean> => fc.integer({ min: 0, max: 99 }).map((x) => x < percent);
    const cluster = fc.integer({ min: 1, max: 9 }).chain((n) =>
      fc.record({
        n: fc.constant(n),
        alive: fc.array(mostly(90), { minLength: n, maxLength: n }),
        // Each direction of each link on its own: reachability need not be symmetric.
        reach: fc.array(fc.array(mostly(80), { minLength: n, maxLength: n }), { minLength: n, maxLength: n }),
      }),
    );
    fc.assert(
      fc.property(cluster, ({ n, alive, reach }) => {
        const mutual = (a: number, b: number): boolean => a !== b && reach[a]?.[b] === true && reach[b]?.[a] === true;
        const majority = Math.floor(n / 2) + 1;
        expect(talkingGroupsByMasks(n, majority, alive, mutual)).to.deep.equal(talkingGroupsByLists(n, majority, alive, mutual));
      }),
      { numRuns: 2000, seed: 11 },
    );
  });

  it('finds overlapping groups, a bridge server in both', function () {
    // 0-1-2 and 2-3-4 talk inside; 2 talks to everyone; 0,1 and 3,4 do not talk.
    const n = 5;
    const groupOf = [0, 0, -1, 1, 1];
    const mutual = (a: number, b: number): boolean => a !== b && (groupOf[a] === -1 || groupOf[b] === -1 || groupOf[a] === groupOf[b]);
    const alive = new Array<boolean>(n).fill(true);
    expect(talkingGroupsByMasks(n, 3, alive, mutual)).to.deep.equal([
      [0, 1, 2],
      [2, 3, 4],
    ]);
    expect(MAX_MASK_SERVERS).to.be.at.most(30);
  });
});
