// Safety monitors (ES, V1, QC, TM, TA, RW, AEL) on hand-written logs: each
// table has logs that must pass and logs that must fail with exactly the
// listed violations, in order.
import {
  aeHandled,
  aeReply,
  aeSend,
  boot,
  crash,
  elect,
  heartbeats,
  heartbeatSends,
  rv,
  rvHandled,
  rvReply,
  rvSend,
  start,
  state,
  table,
  type Row,
} from './log.ts';

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
          { check: 'ES', term: 1, servers: [0, 1], says: "getState() said leader" },
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
      { name: '5 servers: two distinct grants plus itself', log: [...boot(5), ...elect(10, 0, 1, [1, 2]), ...heartbeatSends(10, 0, 1, [1, 2, 3, 4])], want: [] },
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
          { check: 'TA', term: 2, servers: [0] },
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
        name: 'a send with a lower term',
        log: [...boot(3), rvSend(10, 0, 1, 2), rvSend(20, 0, 1, 1)],
        want: [{ check: 'TM', term: 1, servers: [0], t: 20, says: 'went down from 2' }],
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
        log: [...boot(3), rvSend(10, 0, 1, 2), crash(0, 20), start(0, 30, 2), rvSend(40, 0, 1, 1)],
        want: [{ check: 'TM', term: 1, servers: [0], says: 'it restarted in between' }],
      },
    ];
    table(rows);
  });

  describe('TA: a higher term, once taken in, is kept', function () {
    // Server 1 answers server 0's term-1 request with its own term 3.
    const higherReply = [...boot(3), rvSend(10, 0, 1, 1), rvHandled(10, 0, 1, 1, false, 3), rvReply(10, 0, 1, 1, false, 3)];
    const rows: Row[] = [
      { name: "grace: a reply's term is not taken in at its own instant", log: [...higherReply, rvSend(10, 0, 2, 1)], want: [] },
      { name: 'moving on to the higher term', log: [...higherReply, rvSend(50, 0, 2, 4)], want: [] },
      {
        name: "speaking the old term the next millisecond after a reply's higher term",
        log: [...higherReply, rvSend(11, 0, 2, 1)],
        want: [{ check: 'TA', term: 1, servers: [0], t: 11, says: 'took in term 3 (from a Raft.RequestVote reply from server 1)' }],
      },
      { name: 'with 50 ms of timing slack, 60 is still within grace', log: [...higherReply, rvSend(60, 0, 2, 1)], want: [], options: { timingSlackMs: 50 } },
      {
        name: 'with 50 ms of timing slack, 61 is not',
        log: [...higherReply, rvSend(61, 0, 2, 1)],
        want: [{ check: 'TA', term: 1, servers: [0] }],
        options: { timingSlackMs: 50 },
      },
      {
        name: 'a getState() answer in the old term after the reply',
        log: [...higherReply, state(30, 0, 1, false)],
        want: [{ check: 'TA', term: 1, servers: [0], says: 'answered getState()' }],
      },
      {
        name: 'a restart forgets what the old incarnation took in',
        log: [...higherReply, crash(0, 20), start(0, 30, 2), rvSend(40, 0, 1, 1)],
        want: [],
      },
      {
        name: "a request's higher term is taken in when the handler replies (which must say it)",
        log: [...boot(3), rvSend(5, 1, 2, 2), rvHandled(10, 0, 1, 3, false, 2), rvSend(20, 1, 2, 2)],
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

  describe('AEL: only the legitimate leader sends AppendEntries', function () {
    const leader = [...boot(3), ...elect(10, 0, 1, [1]), ...heartbeatSends(10, 0, 1, [1, 2]), state(20, 0, 1, true)];
    const rows: Row[] = [
      {
        name: 'heartbeats in flight when the leader stepped down',
        log: [...leader, rvHandled(50, 2, 0, 2, true), aeReply(60, 0, 1, 1, true), state(70, 0, 2, false)],
        want: [],
      },
      {
        name: 'after getState() said it was no longer leader in that term',
        log: [...leader, state(50, 0, 1, false), ...heartbeatSends(100, 0, 1, [1])],
        want: [{ check: 'AEL', term: 1, servers: [0], t: 100, says: 'no longer leader' }],
      },
      {
        name: 'E20: the heartbeat loop sends the old term after moving on',
        log: [...leader, rvHandled(50, 2, 0, 2, true), ...heartbeatSends(100, 0, 1, [1])],
        want: [
          { check: 'AEL', term: 1, servers: [0], says: 'after moving on to term 2' },
          { check: 'TM', term: 1, servers: [0] },
        ],
      },
    ];
    table(rows);
  });
});
