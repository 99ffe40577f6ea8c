// WF: every Raft message carries exactly the contract's fields and types.
import { expect } from 'chai';
import { MESSAGE_FIELDS, RPC } from '../../raft/contract.ts';
import { shapeProblem } from '../../tester/monitors/shape.ts';
import { aeArgs, boot, elect, handled, heartbeats, rvArgs, rvSend, send, table, type Row } from './log.ts';

describe('monitors: shape (WF)', function () {
  const rows: Row[] = [
    { name: 'well-formed RequestVote and AppendEntries', log: [...boot(3), ...elect(10, 0, 1, [1]), ...heartbeats(10, 0, 1, 3)], want: [] },
    { name: 'a method outside the contract is not checked', log: [...boot(3), send(10, 0, 1, 'Other.Method', { anything: true })], want: [] },
    {
      name: 'a misnamed request field (Go style Term)',
      log: [...boot(3), send(10, 0, 1, RPC.RequestVote, { Term: 1, candidateId: 0, lastLogIndex: 0, lastLogTerm: 0 })],
      want: [{ check: 'WF', term: undefined, servers: [0], t: 10, says: "Raft.RequestVote request from server 0: field 'Term' should be named 'term'" }],
    },
    {
      name: 'a snake_case field',
      log: [...boot(3), send(10, 0, 1, RPC.RequestVote, { term: 1, candidate_id: 0, lastLogIndex: 0, lastLogTerm: 0 })],
      want: [{ check: 'WF', servers: [0], says: "field 'candidate_id' should be named 'candidateId'" }],
    },
    {
      name: 'a missing field',
      log: [...boot(3), send(10, 0, 1, RPC.RequestVote, { term: 1, candidateId: 0, lastLogIndex: 0 })],
      want: [{ check: 'WF', servers: [0], says: "missing field 'lastLogTerm'" }],
    },
    {
      name: 'an extra field',
      log: [...boot(3), rvSend(10, 0, 1, 1), handled(10, 0, 1, RPC.RequestVote, rvArgs(1, 0), { term: 1, voteGranted: false, reason: 'no' })],
      want: [{ check: 'WF', servers: [1], says: "Raft.RequestVote reply from server 1: unexpected field 'reason'" }],
    },
    {
      name: "another message's field (success in a RequestVote reply)",
      log: [...boot(3), rvSend(10, 0, 1, 1), handled(10, 0, 1, RPC.RequestVote, rvArgs(1, 0), { term: 1, success: true })],
      want: [{ check: 'WF', servers: [1], says: "unexpected field 'success'; missing field 'voteGranted'" }],
    },
    {
      name: "another message's fields (a RequestVote sent with AppendEntries' args)",
      log: [...boot(3), send(10, 0, 1, RPC.RequestVote, { term: 1, leaderId: 0, prevLogIndex: 0, leaderCommit: 0 })],
      want: [{ check: 'WF', servers: [0], says: "unexpected field 'leaderId'" }],
    },
    {
      name: 'a term that is not an integer',
      log: [...boot(3), send(10, 0, 1, RPC.RequestVote, { ...rvArgs(1, 0), term: 1.5 })],
      want: [{ check: 'WF', servers: [0], says: "field 'term' should be an integer, got 1.5" }],
    },
    {
      name: 'a boolean that is a string',
      log: [...boot(3), rvSend(10, 0, 1, 1), handled(10, 0, 1, RPC.RequestVote, rvArgs(1, 0), { term: 1, voteGranted: 'yes' })],
      want: [{ check: 'WF', servers: [1], says: "field 'voteGranted' should be a boolean" }],
    },
    {
      name: 'entries that are not an array',
      log: [...boot(3), ...elect(10, 0, 1, [1]), send(10, 0, 1, RPC.AppendEntries, { ...aeArgs(1, 0), entries: null })],
      want: [{ check: 'WF', servers: [0], says: "field 'entries' should be" }],
    },
    {
      name: 'a reply that is not an object',
      log: [...boot(3), handled(10, 2, 1, RPC.AppendEntries, aeArgs(1, 2), null)],
      want: [{ check: 'WF', servers: [1], says: 'expected an object with fields term, success, got null' }],
    },
  ];
  table(rows);

  it('shapeProblem accepts every contract message as the reference builds it', function () {
    expect(shapeProblem(MESSAGE_FIELDS[RPC.RequestVote].args, rvArgs(3, 1))).to.equal(undefined);
    expect(shapeProblem(MESSAGE_FIELDS[RPC.AppendEntries].args, aeArgs(3, 1))).to.equal(undefined);
    expect(shapeProblem(MESSAGE_FIELDS[RPC.RequestVote].reply, { term: 3, voteGranted: true })).to.equal(undefined);
    expect(shapeProblem(MESSAGE_FIELDS[RPC.AppendEntries].reply, { term: 3, success: false })).to.equal(undefined);
  });

  it('shapeProblem lists every problem of one message', function () {
    const problem = shapeProblem(MESSAGE_FIELDS[RPC.RequestVote].reply, { Term: 2, granted: true });
    expect(problem).to.equal("field 'Term' should be named 'term'; unexpected field 'granted'; missing field 'voteGranted'");
  });
});
