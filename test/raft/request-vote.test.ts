// RequestVote decisions of the reference Raft, as a table: whom the server
// already voted for × the request's term against its own.
import { expect } from 'chai';
import type { RequestVoteReply } from '../../raft/contract.ts';
import { Candidate, Follower, Leader, type Role } from '../../raft/raft.ts';
import { harness } from './fakes.ts';

const NOBODY = -1;
const ME = 0;
const REQUESTER = 1;
const OTHER = 2;
const TERM = 5;

interface Row {
  /** The server's state before the request (at term 5). */
  role: Role;
  votedFor: number;
  /** The request's term, from candidate 1. */
  term: number;
  /** The reply, and the server's state after it. */
  granted: boolean;
  replyTerm: number;
  votedForAfter: number;
  termAfter: number;
  roleAfter: Role;
}

const name: Record<Role, string> = { [Follower]: 'follower', [Candidate]: 'candidate', [Leader]: 'leader' };
const whom = (v: number): string => (v === NOBODY ? 'nobody' : v === ME ? 'itself' : v === REQUESTER ? 'the requester' : 'another candidate');
const when = (t: number): string => (t < TERM ? 'lower' : t === TERM ? 'equal' : 'higher');

// prettier-ignore
const rows: Row[] = [
  // role       votedFor   term  granted replyTerm votedForAfter termAfter roleAfter
  { role: Follower,  votedFor: NOBODY,    term: 4, granted: false, replyTerm: 5, votedForAfter: NOBODY,    termAfter: 5, roleAfter: Follower },
  { role: Follower,  votedFor: NOBODY,    term: 5, granted: true,  replyTerm: 5, votedForAfter: REQUESTER, termAfter: 5, roleAfter: Follower },
  { role: Follower,  votedFor: NOBODY,    term: 6, granted: true,  replyTerm: 6, votedForAfter: REQUESTER, termAfter: 6, roleAfter: Follower },
  { role: Follower,  votedFor: REQUESTER, term: 4, granted: false, replyTerm: 5, votedForAfter: REQUESTER, termAfter: 5, roleAfter: Follower },
  { role: Follower,  votedFor: REQUESTER, term: 5, granted: true,  replyTerm: 5, votedForAfter: REQUESTER, termAfter: 5, roleAfter: Follower },
  { role: Follower,  votedFor: REQUESTER, term: 6, granted: true,  replyTerm: 6, votedForAfter: REQUESTER, termAfter: 6, roleAfter: Follower },
  { role: Follower,  votedFor: OTHER,     term: 4, granted: false, replyTerm: 5, votedForAfter: OTHER,     termAfter: 5, roleAfter: Follower },
  { role: Follower,  votedFor: OTHER,     term: 5, granted: false, replyTerm: 5, votedForAfter: OTHER,     termAfter: 5, roleAfter: Follower },
  { role: Follower,  votedFor: OTHER,     term: 6, granted: true,  replyTerm: 6, votedForAfter: REQUESTER, termAfter: 6, roleAfter: Follower },
  // A candidate or leader of term 5 voted for itself.
  { role: Candidate, votedFor: ME,        term: 4, granted: false, replyTerm: 5, votedForAfter: ME,        termAfter: 5, roleAfter: Candidate },
  { role: Candidate, votedFor: ME,        term: 5, granted: false, replyTerm: 5, votedForAfter: ME,        termAfter: 5, roleAfter: Candidate },
  { role: Candidate, votedFor: ME,        term: 6, granted: true,  replyTerm: 6, votedForAfter: REQUESTER, termAfter: 6, roleAfter: Follower },
  { role: Leader,    votedFor: ME,        term: 4, granted: false, replyTerm: 5, votedForAfter: ME,        termAfter: 5, roleAfter: Leader },
  { role: Leader,    votedFor: ME,        term: 5, granted: false, replyTerm: 5, votedForAfter: ME,        termAfter: 5, roleAfter: Leader },
  { role: Leader,    votedFor: ME,        term: 6, granted: true,  replyTerm: 6, votedForAfter: REQUESTER, termAfter: 6, roleAfter: Follower },
];

describe('raft: RequestVote decisions', function () {
  for (const row of rows) {
    const title =
      `${name[row.role]} that voted for ${whom(row.votedFor)}, ${when(row.term)}-term request: ` +
      `${row.granted ? 'grants' : 'refuses'}, replies term ${row.replyTerm}, ends ${name[row.roleAfter]} of term ${row.termAfter} voted for ${whom(row.votedForAfter)}`;
    it(title, function () {
      const { raft } = harness(3, ME);
      raft.currentTerm = TERM;
      raft.role = row.role;
      raft.votedFor = row.votedFor;
      const reply: RequestVoteReply = raft.requestVote({ term: row.term, candidateId: REQUESTER, lastLogIndex: 0, lastLogTerm: 0 });
      expect(reply).to.deep.equal({ term: row.replyTerm, voteGranted: row.granted });
      expect({ votedFor: raft.votedFor, currentTerm: raft.currentTerm, role: raft.role }).to.deep.equal({
        votedFor: row.votedForAfter,
        currentTerm: row.termAfter,
        role: row.roleAfter,
      });
      expect(raft.getState()).to.deep.equal({ term: row.termAfter, isLeader: row.roleAfter === Leader });
    });
  }

  it('votes once per term: after granting 1, refuses 2 in the same term, grants 2 in the next', function () {
    const { raft } = harness(3, ME);
    expect(raft.requestVote({ term: 1, candidateId: 1, lastLogIndex: 0, lastLogTerm: 0 }).voteGranted).to.equal(true);
    expect(raft.requestVote({ term: 1, candidateId: 2, lastLogIndex: 0, lastLogTerm: 0 }).voteGranted).to.equal(false);
    expect(raft.requestVote({ term: 1, candidateId: 1, lastLogIndex: 0, lastLogTerm: 0 }).voteGranted).to.equal(true);
    expect(raft.requestVote({ term: 2, candidateId: 2, lastLogIndex: 0, lastLogTerm: 0 })).to.deep.equal({ term: 2, voteGranted: true });
    expect(raft.votedFor).to.equal(2);
  });
});
