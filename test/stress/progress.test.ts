// What the stress loop says while it runs: no wild estimate early; --loop
// announces a round when its last iteration has finished.
import { expect } from 'chai';
import { RoundTracker } from '../../tester/stress/campaign.ts';
import { ETA_AFTER_S, timeLeft } from '../../tester/stress/progress.ts';

describe('stress progress', function () {
  it('estimates the time left only after the first seconds, from the iterations done', function () {
    expect(timeLeft(1000, 40, 0.5)).to.equal('');
    expect(timeLeft(1000, 0, 30)).to.equal('');
    expect(timeLeft(undefined, 10, 30)).to.equal('');
    expect(timeLeft(1000, 100, ETA_AFTER_S)).to.equal(`, ~${Math.ceil(900 / (100 / ETA_AFTER_S))} s left`);
  });

  it('--loop: a round is done when every iteration of it has finished, announced in order', function () {
    const done: number[] = [];
    let closed = 0;
    const rounds = new RoundTracker(
      (r, count) => done.push(r * 100 + count),
      () => closed,
    );
    rounds.started(1);
    rounds.started(1);
    closed = 1; // round 1 fully handed out
    rounds.started(2);
    rounds.finished(1);
    expect(done, 'one iteration of round 1 still runs').to.deep.equal([]);
    closed = 2;
    rounds.finished(2); // round 2's only iteration ends first
    expect(done).to.deep.equal([]);
    rounds.finished(1);
    expect(done, 'round 1 of 2 iterations, then round 2 of 1').to.deep.equal([102, 201]);
  });
});
