// Safety monitors (ES, V1, QC, TM, TA, RW, RF, AEL) on hand-written logs: each
// table has logs that must pass and logs that must fail with exactly the
// listed violations, in order.
import {
  ae,
  aeHandled,
  aeReply,
  aeSend,
  boot,
  crash,
  deliver,
  elect,
  heartbeats,
  handled,
  heartbeatSends,
  rv,
  rvHandled,
  rvArgs,
  rvReply,
  rvSend,
  send,
  start,
  state,
  table,
  type Log,
  type Row,
} from './log.ts';
import { RPC } from '../../raft/contract.ts';

/** A request from `from` delivered to `to` and handled there, at t: one RPC id, as the network records it. */
function exchange(t: number, from: number, to: number, term: number, replyTerm: number): Log {
  const d = deliver(t, from, to, RPC.RequestVote, rvArgs(term, from));
  const h = rvHandled(t, from, to, term, false, replyTerm);
  return [d, { ...h, id: d.id }];
}

describe('monitors: safety', function () {
  describe('ES: at most one leader per term', function () {
    const rows: Row[] = [
      {
        name: 'one leader per term, another leader in a later term',
        log: [
          ...boot(3),
          ...elect(10, 0, 1, [1]),
          ...heartbeats(10, 0, 1, 3),
          state(10, 0, 1, true),
          ...elect(2500, 1, 2, [2]),
          ...heartbeats(2500, 1, 2, 3),
          state(2500, 1, 2, true),
        ],
        want: [],
      },
      {
        name: 'the same leader acting twice in its term',
        log: [...boot(3), ...elect(10, 0, 1, [1]), ...heartbeatSends(10, 0, 1, [1, 2]), state(10, 0, 1, true), ...heartbeatSends(100, 0, 1, [1, 2])],
        want: [],
      },
      {
        // Only the candidates' side of server 1's votes is recorded, so V1
        // cannot see the double vote: ES alone must catch two leaders.
        name: 'two servers send AppendEntries in one term',
        log: [
          ...boot(3),
          rvSend(10, 0, 1, 1),
          rvReply(10, 0, 1, 1, true),
          rvSend(10, 2, 1, 1),
          rvReply(10, 2, 1, 1, true),
          aeSend(10, 0, 1, 1),
          aeSend(20, 2, 1, 1),
        ],
        want: [{ check: 'ES', term: 1, servers: [0, 2], t: 20, says: 'term 1 has two leaders' }],
      },
      {
        name: 'E01: a voter grants two candidates, both lead the term',
        log: [...boot(3), ...elect(10, 0, 1, [1]), ...rv(10, 2, 1, 1), aeSend(20, 0, 1, 1), aeSend(20, 2, 1, 1)],
        want: [
          { check: 'V1', term: 1, servers: [1, 0, 2], t: 10 },
          { check: 'ES', term: 1, servers: [0, 2], t: 20 },
        ],
      },
      {
        name: 'a getState() leader claim makes a leader too',
        log: [...boot(3), ...elect(10, 0, 1, [1]), state(20, 0, 1, true), state(30, 1, 1, true)],
        want: [
          { check: 'ES', term: 1, servers: [0, 1], says: 'getState() said leader' },
          { check: 'QC', term: 1, servers: [1] },
        ],
      },
    ];
    table(rows);
  });

  describe('V1: one vote per term', function () {
    const rows: Row[] = [
      { name: 'granting the same candidate again (a duplicate)', log: [...boot(3), ...rv(10, 0, 1, 1), rvHandled(15, 0, 1, 1, true)], want: [] },
      { name: 'one vote in each of two terms', log: [...boot(3), ...rv(10, 0, 1, 1), ...rv(400, 2, 1, 2)], want: [] },
      { name: 'a refusal is not a vote', log: [...boot(3), ...rv(10, 0, 1, 1), ...rv(20, 2, 1, 1, false)], want: [] },
      {
        name: 'granting two candidates in one term',
        log: [...boot(3), ...rv(10, 0, 1, 1), ...rv(20, 2, 1, 1)],
        want: [{ check: 'V1', term: 1, servers: [1, 0, 2], t: 20, says: 'first for server 0, then granted server 2' }],
      },
      {
        name: 'granting a candidate, then standing in the same term',
        log: [...boot(3), ...rv(10, 0, 1, 1), rvSend(20, 1, 2, 1)],
        want: [{ check: 'V1', term: 1, servers: [1, 0, 1], says: 'then stood as a candidate itself' }],
      },
      {
        name: 'standing as a candidate, then granting another in that term',
        log: [...boot(3), rvSend(10, 0, 1, 1), ...rv(20, 2, 0, 1)],
        want: [{ check: 'V1', term: 1, servers: [0, 0, 2] }],
      },
    ];
    table(rows);
  });

  describe('QC: a leader had a quorum of distinct, current votes', function () {
    const rows: Row[] = [
      { name: '3 servers: one grant plus itself', log: [...boot(3), ...elect(10, 0, 1, [1]), ...heartbeatSends(10, 0, 1, [1, 2])], want: [] },
      {
        name: '5 servers: two distinct grants plus itself',
        log: [...boot(5), ...elect(10, 0, 1, [1, 2]), ...heartbeatSends(10, 0, 1, [1, 2, 3, 4])],
        want: [],
      },
      {
        name: 'a refusal before the grants does not matter',
        log: [...boot(5), ...rv(10, 0, 1, 1, false), ...elect(20, 0, 1, [2, 3]), ...heartbeatSends(20, 0, 1, [1, 2, 3, 4])],
        want: [],
      },
      {
        name: 'no grant at all',
        log: [...boot(3), ...rv(10, 0, 1, 1, false), aeSend(20, 0, 1, 1)],
        want: [{ check: 'QC', term: 1, servers: [0], t: 20, says: 'needs 2 distinct servers' }],
      },
      {
        name: 'E04: a stale term-1 grant arriving during term 2 does not count for term 2',
        log: [
          ...boot(3),
          rvSend(10, 0, 1, 1),
          rvHandled(10, 0, 1, 1, true),
          rvSend(200, 0, 1, 2),
          rvSend(200, 0, 2, 2),
          rvReply(205, 0, 1, 1, true),
          aeSend(210, 0, 1, 2),
        ],
        want: [{ check: 'QC', term: 2, servers: [0], says: 'votes from {0} only' }],
      },
      {
        name: 'a duplicate grant from one voter counts once (5 servers)',
        log: [...boot(5), ...rv(10, 0, 1, 1), rvReply(12, 0, 1, 1, true), aeSend(20, 0, 1, 1)],
        want: [{ check: 'QC', term: 1, servers: [0], says: 'votes from {0, 1} only: a majority of 5 needs 3' }],
      },
      {
        name: 'E06: 4 servers, floor(N/2) = 2 votes are not a majority',
        log: [...boot(4), ...elect(10, 0, 1, [1]), aeSend(20, 0, 1, 1)],
        want: [{ check: 'QC', term: 1, servers: [0], says: 'a majority of 4 needs 3' }],
      },
      {
        name: 'a grant whose reply carries a higher term does not count',
        log: [...boot(3), rvSend(10, 0, 1, 2), rvHandled(10, 0, 1, 2, true, 3), rvReply(10, 0, 1, 2, true, 3), aeSend(20, 0, 1, 2)],
        want: [
          { check: 'RW', term: 3, servers: [1] },
          { check: 'QC', term: 2, servers: [0] },
        ],
      },
      {
        name: 'getState() says leader without votes',
        log: [...boot(3), state(10, 0, 1, true)],
        want: [{ check: 'QC', term: 1, servers: [0], says: 'getState() said leader' }],
      },
    ];
    table(rows);
  });

  describe('TM: terms never go down', function () {
    const rows: Row[] = [
      {
        name: 'terms rise across sends, replies and getState()',
        log: [...boot(3), rvSend(10, 0, 1, 1), state(10, 0, 1, false), rvHandled(50, 2, 0, 2, false, 2), state(60, 0, 2, false), rvSend(400, 0, 1, 3)],
        want: [],
      },
      {
        // A retry of a failed RequestVote, or one decided in term 1 that goes out late: a slow network would do the same.
        name: 'a request sent late with an older term is no decrease',
        log: [...boot(3), rvSend(10, 0, 1, 1), state(10, 0, 1, false), rvSend(200, 0, 2, 2), state(200, 0, 2, false), rvSend(220, 0, 1, 1)],
        want: [],
      },
      {
        name: 'a late AppendEntries of the term a leader won, sent after it moved on, is no decrease',
        log: [
          ...boot(3),
          ...elect(10, 0, 1, [1]),
          ...heartbeatSends(10, 0, 1, [1, 2]),
          rvHandled(50, 2, 0, 2, true),
          state(50, 0, 2, false),
          ...heartbeatSends(51, 0, 1, [1, 2]),
        ],
        want: [],
      },
      {
        name: 'its effects are judged: a grant won by a late term-1 request does not count for term 2',
        log: [
          ...boot(3),
          rvSend(10, 0, 1, 1),
          state(10, 0, 1, false),
          rvSend(200, 0, 2, 2),
          state(200, 0, 2, false),
          ...rv(220, 0, 1, 1),
          state(221, 0, 2, true),
        ],
        want: [{ check: 'QC', term: 2, servers: [0], says: 'votes from {0} only' }],
      },
      {
        name: 'getState() below a term the server sent a request in',
        log: [...boot(3), rvSend(10, 0, 1, 2), state(20, 0, 1, false)],
        want: [{ check: 'TM', term: 1, servers: [0], t: 20, says: 'went down from 2 (sent Raft.RequestVote at t=10 ms)' }],
      },
      {
        name: 'getState() with a lower term',
        log: [...boot(3), state(10, 0, 2, false), state(20, 0, 1, false)],
        want: [{ check: 'TM', term: 1, servers: [0] }],
      },
      {
        name: 'a reply with a term below one said before',
        log: [...boot(3), rvSend(10, 1, 2, 3), aeHandled(20, 0, 1, 1, true, 1)],
        want: [{ check: 'TM', term: 1, servers: [1], says: 'replied to Raft.AppendEntries' }],
      },
      {
        name: 'a restart that loses the term is named as such',
        log: [...boot(3), rvSend(10, 0, 1, 2), crash(20, 0), start(0, 30, 2), state(40, 0, 1, false)],
        want: [{ check: 'TM', term: 1, servers: [0], says: 'it restarted in between' }],
      },
    ];
    table(rows);
  });

  describe('TA: a higher term, once taken in, is kept', function () {
    // Server 1 answers server 0's term-1 request with its own term 3.
    const higherReply = [...boot(3), rvSend(10, 0, 1, 1), rvHandled(10, 0, 1, 1, false, 3), rvReply(10, 0, 1, 1, false, 3)];
    const rows: Row[] = [
      { name: "a reply's term is not taken in at its own instant", log: [...higherReply, state(10, 0, 1, false)], want: [] },
      { name: 'moving on to the higher term', log: [...higherReply, rvSend(50, 0, 2, 4), state(50, 0, 4, false)], want: [] },
      {
        // The caller may have queued the reply behind other work (a lock): like a slow network.
        name: 'getState() in the old term after the reply, before the server has handled anything that came later',
        log: [...higherReply, state(30, 0, 1, false), state(200, 0, 1, false)],
        want: [],
      },
      {
        name: 'a reply in the old term to a request that reached it after the higher-term reply',
        log: [...higherReply, ...exchange(30, 2, 0, 1, 1)],
        want: [
          {
            check: 'TA',
            term: 1,
            servers: [0],
            t: 30,
            says: 'took in term 3 (from a Raft.RequestVote reply from server 1) but then replied to Raft.RequestVote with term 1',
          },
        ],
      },
      {
        name: 'getState() in the old term once it has handled a request that came after the reply',
        log: [...higherReply, ...exchange(30, 2, 0, 3, 3), state(31, 0, 1, false)],
        want: [
          { check: 'TA', term: 1, servers: [0], t: 31, says: 'answered getState()' },
          { check: 'TM', term: 1, servers: [0] },
        ],
      },
      {
        name: 'a request that reached it before the reply confirms nothing',
        log: [
          ...boot(3),
          rvSend(10, 0, 1, 1),
          deliver(9, 2, 0, RPC.RequestVote, rvArgs(1, 2)),
          rvHandled(10, 0, 1, 1, false, 3),
          rvReply(10, 0, 1, 1, false, 3),
          rvHandled(30, 2, 0, 1, false, 1),
        ],
        want: [],
      },
      {
        name: 'a request decided in the old term may still go out late (a retry)',
        log: [...higherReply, state(11, 0, 3, false), rvSend(30, 0, 2, 1)],
        want: [],
      },
      {
        name: 'a restart forgets what the old incarnation took in',
        log: [...higherReply, crash(20, 0), start(0, 30, 2), state(40, 0, 1, false)],
        want: [],
      },
      {
        name: "a request's higher term is taken in when the handler replies (which must say it)",
        log: [...boot(3), rvSend(5, 1, 2, 2), rvHandled(10, 0, 1, 3, false, 2), state(20, 1, 2, false)],
        want: [
          { check: 'RW', term: 3, servers: [1] },
          { check: 'TA', term: 2, servers: [1], says: 'took in term 3 (from a Raft.RequestVote request from server 0)' },
        ],
      },
      {
        name: 'E08: a leader takes in a higher term and keeps leading in it',
        log: [
          ...boot(3),
          ...elect(10, 0, 1, [1]),
          ...heartbeatSends(10, 0, 1, [1, 2]),
          rvSend(50, 2, 1, 2),
          aeSend(100, 0, 1, 1),
          aeSend(100, 0, 2, 1),
          aeHandled(100, 0, 2, 1, false, 2),
          aeReply(100, 0, 2, 1, false, 2),
          aeSend(101, 0, 1, 2),
        ],
        want: [
          { check: 'TA', term: 2, servers: [0], t: 101, says: 'without winning an election' },
          { check: 'QC', term: 2, servers: [0] },
        ],
      },
    ];
    table(rows);
  });

  describe('RW: replies are well formed', function () {
    const rows: Row[] = [
      { name: 'equal-term grant and success', log: [...boot(3), ...elect(10, 0, 1, [1]), ...heartbeats(10, 0, 1, 3)], want: [] },
      { name: 'a higher-term refusal', log: [...boot(3), rvSend(10, 0, 1, 1), rvHandled(10, 0, 1, 1, false, 3), aeHandled(20, 2, 1, 2, false, 3)], want: [] },
      {
        name: "a reply's term below the request's",
        log: [...boot(3), rvSend(10, 0, 1, 3), rvHandled(10, 0, 1, 3, false, 2)],
        want: [{ check: 'RW', term: 3, servers: [1], says: 'lower than the request' }],
      },
      {
        name: 'a higher-term reply that grants the vote',
        log: [...boot(3), rvSend(10, 0, 1, 1), rvHandled(10, 0, 1, 1, true, 2)],
        want: [{ check: 'RW', term: 2, servers: [1], says: 'granted the vote' }],
      },
      {
        name: 'a higher-term AppendEntries reply that reports success',
        log: [...boot(3), aeHandled(10, 0, 1, 1, true, 2)],
        want: [{ check: 'RW', term: 2, servers: [1], says: 'reported success' }],
      },
    ];
    table(rows);
  });

  describe('RF: receivers follow Figure 2', function () {
    const rows: Row[] = [
      { name: "heartbeats of the receiver's term succeed", log: [...boot(3), ...elect(10, 0, 1, [1]), ...heartbeats(10, 0, 1, 3)], want: [] },
      {
        name: "a stale-term heartbeat refused with the receiver's higher term",
        log: [...boot(3), ...elect(5, 0, 1, [2]), state(5, 1, 2, false), ...ae(10, 0, 1, 1, false, 2)],
        want: [],
      },
      { name: "a vote refused in the candidate's own term (allowed: a disruption guard)", log: [...boot(3), ...rv(10, 0, 1, 1, false)], want: [] },
      {
        name: "a heartbeat of the receiver's term refused, with prevLogIndex 0 (every log passes)",
        log: [...boot(3), ...elect(5, 0, 1, [2]), ...ae(10, 0, 1, 1, false)],
        want: [{ check: 'RF', term: 1, servers: [1], t: 10, says: 'server 1 refused a term-1 AppendEntries from server 0 while in term 1 itself' }],
      },
      {
        name: 'a heartbeat of a higher term refused in that term',
        log: [...boot(3), state(5, 1, 1, false), ...elect(8, 0, 4, [2]), ...ae(10, 0, 1, 4, false)],
        want: [{ check: 'RF', term: 4, servers: [1] }],
      },
      {
        name: 'a refusal with prevLogIndex above 0 is not judged without a model of the logs',
        log: [
          ...boot(3),
          handled(
            10,
            0,
            1,
            RPC.AppendEntries,
            { term: 1, leaderId: 0, prevLogIndex: 3, prevLogTerm: 1, entries: [], leaderCommit: 0 },
            { term: 1, success: false },
          ),
        ],
        want: [],
      },
      {
        name: 'a plugged-in log check judges it',
        log: [
          ...boot(3),
          handled(
            10,
            0,
            1,
            RPC.AppendEntries,
            { term: 1, leaderId: 0, prevLogIndex: 3, prevLogTerm: 1, entries: [], leaderCommit: 0 },
            { term: 1, success: false },
          ),
        ],
        want: [{ check: 'RF', term: 1, servers: [1], says: 'prevLogIndex 3 with term 1' }],
        options: { logCheck: (_receiver, args) => args.prevLogIndex <= 3 },
      },
    ];
    table(rows);
  });

  describe('AEL: only the legitimate leader sends AppendEntries', function () {
    const leader = [...boot(3), ...elect(10, 0, 1, [1]), ...heartbeatSends(10, 0, 1, [1, 2]), state(20, 0, 1, true)];
    const rows: Row[] = [
      {
        name: 'heartbeats in flight when the leader stepped down',
        log: [...leader, rvHandled(50, 2, 0, 2, true), aeReply(60, 0, 1, 1, true), state(70, 0, 2, false)],
        want: [],
      },
      {
        // Decided while it led, sent a few ms later: no different from a slow network.
        name: 'a heartbeat of its won term sent after getState() said it no longer leads',
        log: [...leader, state(50, 0, 1, false), ...heartbeatSends(52, 0, 1, [1])],
        want: [],
      },
      {
        name: 'a heartbeat of its won term sent after moving on',
        log: [...leader, rvHandled(50, 2, 0, 2, true), ...heartbeatSends(51, 0, 1, [1])],
        want: [],
      },
      {
        name: "E20: after stepping down to term 2, the heartbeat loop sends with term 2 (the first act is QC's, the next AEL's)",
        log: [...leader, rvHandled(50, 2, 0, 2, true), ...heartbeatSends(100, 0, 2, [1]), ...heartbeatSends(200, 0, 2, [1])],
        want: [
          { check: 'QC', term: 2, servers: [0], t: 100 },
          { check: 'AEL', term: 2, servers: [0], t: 200, says: 'without having won an election in term 2' },
        ],
      },
    ];
    table(rows);
  });
});
