// Time in the reference Raft: the initial state, randomized election
// timeouts, the ticker (heartbeat pace, timer resets) and kill().
import { expect } from 'chai';
import type { AppendEntriesArgs } from '../../raft/contract.ts';
import { Candidate, DEFAULT_TIMING, Follower, Leader } from '../../raft/raft.ts';
import { World } from '../../runtime/runtime.ts';
import { flush, grant, harness, runUntil } from './fakes.ts';

function heartbeat(term: number, leaderId: number): AppendEntriesArgs {
  return { term, leaderId, prevLogIndex: 0, prevLogTerm: 0, entries: [], leaderCommit: 0 };
}

describe('raft: time', function () {
  it('starts as a follower of term 0 that voted for nobody', function () {
    const { raft, runtime } = harness(3, 1);
    expect({ role: raft.role, currentTerm: raft.currentTerm, votedFor: raft.votedFor }).to.deep.equal({ role: Follower, currentTerm: 0, votedFor: -1 });
    expect(raft.getState()).to.deep.equal({ term: 0, isLeader: false });
    expect(runtime.timersSet, 'the constructor sets no timer').to.equal(0);
  });

  describe('randomized election timeouts', function () {
    const { electionTimeoutMinMs: lo, electionTimeoutMaxMs: hi } = DEFAULT_TIMING;
    const values = hi - lo + 1;
    const draws = values * 200;

    it(`${draws} draws cover ${lo}..${hi}, both ends included, roughly uniformly`, function () {
      const { raft } = harness(3, 0, 2026);
      const counts = new Array<number>(values).fill(0);
      const outside: number[] = [];
      for (let k = 0; k < draws; k++) {
        const ms = raft.getRandElectionTimeOut();
        if (Number.isInteger(ms) && ms >= lo && ms <= hi) counts[ms - lo]!++;
        else outside.push(ms);
      }
      expect(outside, 'draws outside the range').to.deep.equal([]);
      expect(counts[0], `${lo} drawn`).to.be.above(0);
      expect(counts[values - 1], `${hi} drawn`).to.be.above(0);
      expect(
        counts.every((c) => c > 0),
        'every value drawn',
      ).to.equal(true);
      // Chi-square with values-1 degrees of freedom (df): mean df, sd sqrt(2 df); the bound is 6 sd out.
      const expected = draws / values;
      const chi2 = counts.reduce((sum, c) => sum + (c - expected) ** 2 / expected, 0);
      const df = values - 1;
      expect(chi2).to.be.below(df + 6 * Math.sqrt(2 * df));
      // The halves of the range get about half each.
      const half = Math.floor(values / 2);
      const low = counts.slice(0, half).reduce((a, b) => a + b, 0) / draws;
      expect(low).to.be.within(half / values - 0.02, half / values + 0.02);
    });

    it('differ between servers and between rounds', function () {
      const a = harness(3, 0, 7).raft;
      const b = harness(3, 1, 7).raft;
      const seqA = Array.from({ length: 20 }, () => a.getRandElectionTimeOut());
      const seqB = Array.from({ length: 20 }, () => b.getRandElectionTimeOut());
      expect(seqA).to.not.deep.equal(seqB);
      expect(new Set(seqA).size, 'rounds of one server differ').to.be.above(10);
    });
  });

  describe('the ticker', function () {
    it('kill() stops it: the ticker wakes once, sees it was killed, and sets no more timers', async function () {
      const { raft, runtime, world } = harness(3, 0);
      const done = raft.ticker();
      expect(runtime.timersSet).to.equal(1);
      raft.kill();
      expect(raft.killed()).to.equal(true);
      world.virtualClock.runNext();
      await flush();
      await done;
      expect(runtime.timersSet, 'no timer after waking').to.equal(1);
      expect(world.virtualClock.pendingTimers()).to.equal(0);
    });

    it('a server killed on the tick before its election is due never starts it', async function () {
      const seed = 5;
      const { tickerSleepMs: tick } = DEFAULT_TIMING;
      const first = new World('virtual', seed).runtime('server-0').random.between(DEFAULT_TIMING.electionTimeoutMinMs, DEFAULT_TIMING.electionTimeoutMaxMs);
      const due = Math.ceil(first / tick) * tick;
      const { raft, peers, runtime, world } = harness(3, 0, seed);
      const done = raft.ticker();
      await runUntil(world, () => world.clock.now() >= due - tick, 1000);
      expect(world.clock.now()).to.equal(due - tick);
      raft.kill();
      const timers = runtime.timersSet;
      await runUntil(world, () => false, 5000);
      await done;
      expect(
        peers.flatMap((p) => p.calls),
        'no RPC after kill',
      ).to.have.length(0);
      expect(raft.getState()).to.deep.equal({ term: 0, isLeader: false });
      expect(runtime.timersSet, 'no timer after kill').to.equal(timers);
    });

    it('a killed server ignores late replies', async function () {
      const { raft, peers } = harness(3, 0);
      raft.startElection();
      raft.kill();
      peers[1]!.lastRequestVote().answer(grant(1));
      await flush();
      expect(raft.role).to.equal(Candidate);
      expect(peers[2]!.appendEntries()).to.have.length(0);
    });

    it('a leader heartbeats every peer every 110..150 ms, at most 10 per second', async function () {
      const { raft, peers, world } = harness(3, 0);
      raft.startElection();
      peers[1]!.lastRequestVote().answer(grant(1));
      await flush();
      expect(raft.role).to.equal(Leader);
      void raft.ticker();
      await runUntil(world, () => false, 3000);
      raft.kill();
      for (const p of [1, 2]) {
        const times = peers[p]!.appendEntries().map((c) => c.at);
        expect(times.length).to.be.above(20);
        for (let k = 1; k < times.length; k++) expect(times[k]! - times[k - 1]!, `gap before heartbeat ${k}`).to.be.within(110, 150);
        for (let k = 10; k < times.length; k++) expect(times[k]! - times[k - 10]!, 'eleven heartbeats span at least 1 s').to.be.at.least(1000);
      }
      expect(raft.getState()).to.deep.equal({ term: 1, isLeader: true });
      world.clock.cancelAll();
    });

    it("E12: a leader's heartbeats every 100 ms keep a follower from starting an election", async function () {
      const { raft, peers, world } = harness(3, 1);
      void raft.ticker();
      let beats = 0;
      const beat = (): void => {
        if (world.clock.now() > 2000) return;
        beats++;
        expect(raft.appendEntries(heartbeat(1, 0)).success).to.equal(true);
        world.clock.setTimer(100, beat);
      };
      beat();
      await runUntil(world, () => false, 2000);
      expect(beats).to.equal(21);
      expect(
        peers.flatMap((p) => p.requestVotes()),
        'no election while heartbeats arrive',
      ).to.have.length(0);
      // Once they stop, the follower stands within one election timeout (plus a tick).
      await runUntil(world, () => raft.role === Candidate, 3000);
      raft.kill();
      const electedAt = peers[0]!.lastRequestVote().at;
      expect(electedAt - 2000).to.be.within(DEFAULT_TIMING.electionTimeoutMinMs, DEFAULT_TIMING.electionTimeoutMaxMs + DEFAULT_TIMING.tickerSleepMs);
      expect(peers[0]!.lastRequestVote().args.term).to.equal(2);
      world.clock.cancelAll();
    });

    it('granting a vote restarts the election timer', async function () {
      const { electionTimeoutMinMs: lo, electionTimeoutMaxMs: hi, tickerSleepMs: tick } = DEFAULT_TIMING;
      // The server's first timeout, drawn as the Raft draws it (same seed, same stream).
      const firstTimeout = (s: number): number => new World('virtual', s).runtime('server-1').random.between(lo, hi);
      // A seed whose first timeout is early: without the restart the server
      // would stand on the first tick after it, before 120 ms + the minimum
      // timeout, so the test means something.
      const early = (s: number): boolean => Math.ceil(firstTimeout(s) / tick) * tick < 120 + lo;
      const seed = Array.from({ length: 100 }, (_, k) => k + 1).find(early);
      if (seed === undefined) throw new Error('no seed in 1..100 gives an early first timeout');
      const { raft, peers, world } = harness(3, 1, seed);
      void raft.ticker();
      await runUntil(world, () => world.clock.now() >= 120, 1000);
      expect(world.clock.now()).to.equal(120);
      expect(raft.requestVote({ term: 1, candidateId: 2, lastLogIndex: 0, lastLogTerm: 0 }).voteGranted).to.equal(true);
      await runUntil(world, () => raft.role === Candidate, 2000);
      raft.kill();
      expect(peers[0]!.lastRequestVote().at - 120).to.be.at.least(lo);
      expect(raft.currentTerm).to.equal(2);
      world.clock.cancelAll();
    });
  });
});
