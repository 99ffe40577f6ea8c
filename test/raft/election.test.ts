// Elections of the reference Raft driven by hand: vote tallies, stale replies,
// not waiting for stragglers, heartbeats on winning, a cluster of one.
import { expect } from 'chai';
import type { AppendEntriesArgs, RequestVoteReply } from '../../raft/contract.ts';
import { RPC } from '../../raft/contract.ts';
import { Candidate, DEFAULT_TIMING, Follower, Leader, TICKER_SLEEP_MS, type Raft, type Role } from '../../raft/raft.ts';
import { deny, flush, grant, harness, runUntil } from './fakes.ts';

/** Wraps collectVotes so the test can see when the election's promise settles. */
function watchCollectVotes(raft: Raft): { settled: () => boolean } {
  const original = raft.collectVotes.bind(raft);
  let settled = false;
  raft.collectVotes = (term: number): Promise<void> => {
    settled = false;
    const p = original(term);
    void p.then(() => {
      settled = true;
    });
    return p;
  };
  return { settled: () => settled };
}

interface TallyRow {
  n: number;
  /** Replies to the term-1 RequestVotes, in the order they arrive (null: the RPC failed). */
  replies: [peer: number, reply: RequestVoteReply | null][];
  /** Index of the reply after which the candidate leads; -1 for never. */
  leadsAfter: number;
}

// prettier-ignore
const tallies: TallyRow[] = [
  { n: 3, replies: [[1, grant(1)]],                                                 leadsAfter: 0 },
  { n: 3, replies: [[1, deny(1)], [2, grant(1)]],                                   leadsAfter: 1 },
  { n: 3, replies: [[1, null], [2, grant(1)]],                                      leadsAfter: 1 },
  { n: 3, replies: [[1, deny(1)], [2, deny(1)]],                                    leadsAfter: -1 },
  { n: 4, replies: [[1, grant(1)], [2, deny(1)], [3, grant(1)]],                    leadsAfter: 2 },
  { n: 4, replies: [[1, grant(1)], [2, deny(1)], [3, null]],                        leadsAfter: -1 },
  { n: 5, replies: [[1, grant(1)], [2, grant(1)]],                                  leadsAfter: 1 },
  { n: 5, replies: [[4, grant(1)], [3, grant(1)]],                                  leadsAfter: 1 },
  { n: 5, replies: [[1, grant(1)], [2, deny(1)], [3, null], [4, grant(1)]],         leadsAfter: 3 },
  { n: 5, replies: [[1, deny(1)], [2, deny(1)], [3, grant(1)], [4, deny(1)]],       leadsAfter: -1 },
];

function describeReply(r: RequestVoteReply | null): string {
  return r === null ? 'fail' : r.voteGranted ? 'grant' : 'deny';
}

describe('raft: elections', function () {
  it('starting an election: term + 1, candidate, votes for itself, asks every other peer at once', function () {
    const { raft, peers } = harness(5, 2);
    raft.currentTerm = 7;
    raft.startElection();
    expect({ role: raft.role, currentTerm: raft.currentTerm, votedFor: raft.votedFor }).to.deep.equal({ role: Candidate, currentTerm: 8, votedFor: 2 });
    expect(raft.getGrantedVotes()).to.equal(1);
    peers.forEach((peer, i) => {
      if (i === 2) expect(peer.calls, 'no RPC to itself').to.have.length(0);
      else {
        expect(peer.calls.map((c) => c.method)).to.deep.equal([RPC.RequestVote]);
        expect(peer.lastRequestVote().args).to.deep.equal({ term: 8, candidateId: 2, lastLogIndex: 0, lastLogTerm: 0 });
      }
    });
  });

  describe('vote tallies: leader exactly when a majority of distinct grants has arrived', function () {
    for (const row of tallies) {
      const seq = row.replies.map(([p, r]) => `${p}:${describeReply(r)}`).join(' ');
      const outcome = row.leadsAfter < 0 ? 'never leads' : `leads after reply ${row.leadsAfter + 1}`;
      it(`${row.n} servers, replies ${seq}: ${outcome}`, async function () {
        const { raft, peers } = harness(row.n, 0);
        raft.startElection();
        for (let k = 0; k < row.replies.length; k++) {
          const [peer, reply] = row.replies[k]!;
          peers[peer]!.lastRequestVote().answer(reply);
          await flush();
          const want: Role = row.leadsAfter >= 0 && k >= row.leadsAfter ? Leader : Candidate;
          expect(raft.role, `role after reply ${k + 1}`).to.equal(want);
          expect(raft.currentTerm).to.equal(1);
        }
      });
    }
  });

  describe('stale replies after a term change are ignored', function () {
    it('3 servers: term-1 grants arriving in term 2 do not elect; a term-2 grant does', async function () {
      const { raft, peers } = harness(3, 0);
      raft.startElection();
      raft.startElection();
      expect(raft.currentTerm).to.equal(2);
      for (const p of [1, 2]) peers[p]!.requestVotes()[0]!.answer(grant(1));
      await flush();
      expect({ role: raft.role, votes: raft.getGrantedVotes() }).to.deep.equal({ role: Candidate, votes: 1 });
      peers[1]!.requestVotes()[1]!.answer(grant(2));
      await flush();
      expect(raft.getState()).to.deep.equal({ term: 2, isLeader: true });
    });

    it('5 servers: a stale grant does not make up the majority', async function () {
      const { raft, peers } = harness(5, 0);
      raft.startElection();
      raft.startElection();
      peers[1]!.requestVotes()[0]!.answer(grant(1));
      peers[2]!.requestVotes()[1]!.answer(grant(2));
      await flush();
      expect(raft.role).to.equal(Candidate);
      peers[3]!.requestVotes()[1]!.answer(grant(2));
      await flush();
      expect(raft.getState()).to.deep.equal({ term: 2, isLeader: true });
    });

    it('a grant arriving after the candidate yielded to another leader does not make it leader', async function () {
      const { raft, peers } = harness(3, 0);
      raft.startElection();
      raft.appendEntries({ term: 1, leaderId: 2, prevLogIndex: 0, prevLogTerm: 0, entries: [], leaderCommit: 0 });
      peers[1]!.lastRequestVote().answer(grant(1));
      await flush();
      expect(raft.getState()).to.deep.equal({ term: 1, isLeader: false });
      expect(raft.role).to.equal(Follower);
    });
  });

  describe('collectVotes stops waiting once the outcome is known', function () {
    it('3 servers: resolves on the first grant, with the other peer still silent', async function () {
      const { raft, peers } = harness(3, 0);
      const watch = watchCollectVotes(raft);
      raft.startElection();
      await flush();
      expect(watch.settled()).to.equal(false);
      peers[1]!.lastRequestVote().answer(grant(1));
      await flush();
      expect(watch.settled()).to.equal(true);
      expect(peers[2]!.lastRequestVote().answered).to.equal(false);
    });

    it('5 servers: not after one grant, resolves on the second with two peers silent', async function () {
      const { raft, peers } = harness(5, 0);
      const watch = watchCollectVotes(raft);
      raft.startElection();
      peers[1]!.lastRequestVote().answer(grant(1));
      await flush();
      expect(watch.settled()).to.equal(false);
      peers[2]!.lastRequestVote().answer(grant(1));
      await flush();
      expect(watch.settled()).to.equal(true);
      expect([3, 4].map((p) => peers[p]!.lastRequestVote().answered)).to.deep.equal([false, false]);
    });

    it('resolves once every peer has answered without a majority', async function () {
      const { raft, peers } = harness(3, 0);
      const watch = watchCollectVotes(raft);
      raft.startElection();
      peers[1]!.lastRequestVote().answer(deny(1));
      await flush();
      expect(watch.settled()).to.equal(false);
      peers[2]!.lastRequestVote().answer(null);
      await flush();
      expect(watch.settled()).to.equal(true);
      expect(raft.role).to.equal(Candidate);
    });

    it('resolves when a higher term ends the election, with the other peers silent', async function () {
      const { raft, peers } = harness(5, 0);
      const watch = watchCollectVotes(raft);
      raft.startElection();
      peers[1]!.lastRequestVote().answer(deny(4));
      await flush();
      expect(watch.settled()).to.equal(true);
      expect(raft.getState()).to.deep.equal({ term: 4, isLeader: false });
    });
  });

  describe('winning', function () {
    it('sends a heartbeat to every peer at once, before any time passes', async function () {
      const { raft, peers, world } = harness(5, 0);
      raft.startElection();
      peers[1]!.lastRequestVote().answer(grant(1));
      peers[2]!.lastRequestVote().answer(grant(1));
      await flush();
      expect(raft.role).to.equal(Leader);
      expect(world.virtualClock.eventsRun, 'no timer ran').to.equal(0);
      const want: AppendEntriesArgs = { term: 1, leaderId: 0, prevLogIndex: 0, prevLogTerm: 0, entries: [], leaderCommit: 0 };
      expect(peers[0]!.calls, 'nothing sent to itself').to.have.length(0);
      for (const p of [1, 2, 3, 4]) {
        const hb = peers[p]!.appendEntries();
        expect(hb, `heartbeats to ${p}`).to.have.length(1);
        expect(hb[0]!.args).to.deep.equal(want);
        expect(hb[0]!.at).to.equal(0);
      }
      // A late grant does not start a second round.
      peers[3]!.lastRequestVote().answer(grant(1));
      await flush();
      for (const p of [1, 2, 3, 4]) expect(peers[p]!.appendEntries()).to.have.length(1);
    });

    it('a cluster of one elects itself on its first election', async function () {
      const { raft, peers, world } = harness(1, 0);
      raft.startElection();
      expect(raft.getState()).to.deep.equal({ term: 1, isLeader: true });
      expect(peers[0]!.calls).to.have.length(0);
      expect(world.virtualClock.eventsRun).to.equal(0);
    });

    it('a cluster of one, left to its ticker, leads term 1 once its election timeout passes', async function () {
      const { raft, peers, world } = harness(1, 0);
      void raft.ticker();
      await runUntil(world, () => raft.role === Leader, 1000);
      const now = world.clock.now();
      raft.kill();
      expect(raft.getState()).to.deep.equal({ term: 1, isLeader: true });
      // A timeout drawn from the reference's range, noticed on the next 30 ms tick.
      const [min, max] = DEFAULT_TIMING.electionTimeoutMs;
      expect(now).to.be.within(min, max + TICKER_SLEEP_MS);
      expect(peers[0]!.calls).to.have.length(0);
      world.clock.cancelAll();
    });
  });
});
