// Stepping down: a higher term, in a request or a reply, makes any server a
// follower of that term; an equal-term AppendEntries makes a candidate yield.
import { expect } from 'chai';
import type { AppendEntriesArgs, RequestVoteArgs } from '../../raft/contract.ts';
import { Candidate, Follower, Leader, type Raft, type Role } from '../../raft/raft.ts';
import { deny, flush, grant, harness } from './fakes.ts';

const NOBODY = -1;
const roles: [string, Role][] = [
  ['follower', Follower],
  ['candidate', Candidate],
  ['leader', Leader],
];

function rv(term: number, candidateId: number): RequestVoteArgs {
  return { term, candidateId, lastLogIndex: 0, lastLogTerm: 0 };
}

function ae(term: number, leaderId: number): AppendEntriesArgs {
  return { term, leaderId, prevLogIndex: 0, prevLogTerm: 0, entries: [], leaderCommit: 0 };
}

/** A server of term 3 in the given role (a candidate or leader voted for itself). */
function at3(role: Role): Raft {
  const { raft } = harness(3, 0);
  raft.currentTerm = 3;
  raft.role = role;
  raft.votedFor = role === Follower ? NOBODY : 0;
  return raft;
}

function expectFollowerOf(raft: Raft, term: number, votedFor: number): void {
  expect({ role: raft.role, currentTerm: raft.currentTerm, votedFor: raft.votedFor }).to.deep.equal({ role: Follower, currentTerm: term, votedFor });
  expect(raft.getState()).to.deep.equal({ term, isLeader: false });
}

describe('raft: stepping down', function () {
  describe('on a higher term in a request', function () {
    for (const [name, role] of roles) {
      it(`a ${name} of term 3 receiving a term-4 RequestVote grants it and follows term 4`, function () {
        const raft = at3(role);
        expect(raft.requestVote(rv(4, 2))).to.deep.equal({ term: 4, voteGranted: true });
        expectFollowerOf(raft, 4, 2);
      });

      it(`a ${name} of term 3 receiving a term-4 AppendEntries accepts it and follows term 4`, function () {
        const raft = at3(role);
        expect(raft.appendEntries(ae(4, 2))).to.deep.equal({ term: 4, success: true });
        expectFollowerOf(raft, 4, NOBODY);
      });

      it(`a ${name} of term 3 refuses a term-2 AppendEntries and changes nothing`, function () {
        const raft = at3(role);
        const before = { role: raft.role, votedFor: raft.votedFor };
        expect(raft.appendEntries(ae(2, 2))).to.deep.equal({ term: 3, success: false });
        expect({ role: raft.role, votedFor: raft.votedFor, currentTerm: raft.currentTerm }).to.deep.equal({ ...before, currentTerm: 3 });
      });
    }

    it('a candidate falls back to follower on an equal-term AppendEntries, keeping its vote', function () {
      const { raft } = harness(3, 0);
      raft.startElection();
      expect(raft.role).to.equal(Candidate);
      expect(raft.appendEntries(ae(1, 2))).to.deep.equal({ term: 1, success: true });
      expect({ role: raft.role, currentTerm: raft.currentTerm, votedFor: raft.votedFor }).to.deep.equal({ role: Follower, currentTerm: 1, votedFor: 0 });
    });

    it('a follower accepts an equal-term AppendEntries and stays follower', function () {
      const raft = at3(Follower);
      expect(raft.appendEntries(ae(3, 1))).to.deep.equal({ term: 3, success: true });
      expectFollowerOf(raft, 3, NOBODY);
    });
  });

  describe('on a higher term in a RequestVote reply', function () {
    it('from candidate: a refusal with term 3 ends the term-1 candidacy', async function () {
      const { raft, peers } = harness(3, 0);
      raft.startElection();
      peers[1]!.lastRequestVote().answer(deny(3));
      await flush();
      expectFollowerOf(raft, 3, NOBODY);
      // A later grant of the old election changes nothing.
      peers[2]!.lastRequestVote().answer(grant(1));
      await flush();
      expectFollowerOf(raft, 3, NOBODY);
    });

    it('from leader: a straggling reply with term 4 deposes the leader of term 1', async function () {
      const { raft, peers } = harness(3, 0);
      raft.startElection();
      peers[1]!.lastRequestVote().answer(grant(1));
      await flush();
      expect(raft.role).to.equal(Leader);
      peers[2]!.lastRequestVote().answer(deny(4));
      await flush();
      expectFollowerOf(raft, 4, NOBODY);
    });

    it('from follower: a candidate that yielded to a leader of its term still adopts a higher term from a late reply', async function () {
      const { raft, peers } = harness(3, 0);
      raft.startElection();
      raft.appendEntries(ae(1, 2));
      expect(raft.role).to.equal(Follower);
      peers[1]!.lastRequestVote().answer(deny(2));
      await flush();
      expectFollowerOf(raft, 2, NOBODY);
    });

    it('a reply of an equal or lower term does not depose anyone', async function () {
      const { raft, peers } = harness(3, 0);
      raft.startElection();
      peers[1]!.lastRequestVote().answer(grant(1));
      await flush();
      peers[2]!.lastRequestVote().answer(deny(1));
      await flush();
      expect(raft.getState()).to.deep.equal({ term: 1, isLeader: true });
    });
  });

  describe('on a higher term in an AppendEntries reply', function () {
    function leaderOf2(): ReturnType<typeof harness> {
      const h = harness(3, 0);
      h.raft.currentTerm = 2;
      h.raft.votedFor = 0;
      h.raft.role = Leader;
      h.raft.sendHeartBeats();
      return h;
    }

    it('from leader: a reply with term 3 deposes the leader of term 2', async function () {
      const { raft, peers } = leaderOf2();
      peers[1]!.lastAppendEntries().answer({ term: 3, success: false });
      await flush();
      expectFollowerOf(raft, 3, NOBODY);
    });

    it('from candidate: a late heartbeat reply with term 5 ends a term-3 candidacy', async function () {
      const { raft, peers } = leaderOf2();
      raft.startElection();
      expect({ role: raft.role, currentTerm: raft.currentTerm }).to.deep.equal({ role: Candidate, currentTerm: 3 });
      peers[1]!.lastAppendEntries().answer({ term: 5, success: false });
      await flush();
      expectFollowerOf(raft, 5, NOBODY);
    });

    it('from follower: a late heartbeat reply with term 4 moves a follower of term 3 on', async function () {
      const { raft, peers } = leaderOf2();
      raft.appendEntries(ae(3, 2));
      expectFollowerOf(raft, 3, NOBODY);
      peers[1]!.lastAppendEntries().answer({ term: 4, success: false });
      await flush();
      expectFollowerOf(raft, 4, NOBODY);
    });

    it('successful replies of its own term keep the leader leading', async function () {
      const { raft, peers } = leaderOf2();
      peers[1]!.lastAppendEntries().answer({ term: 2, success: true });
      peers[2]!.lastAppendEntries().answer(null);
      await flush();
      expect(raft.getState()).to.deep.equal({ term: 2, isLeader: true });
    });
  });
});
