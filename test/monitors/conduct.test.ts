// Liveness and conduct monitors (HB, LA, LV, ST) on hand-written logs.
import {
  ae,
  aeSend,
  append,
  appendSend,
  boot,
  cluster,
  crash,
  disconnect,
  elect,
  entry,
  end,
  heartbeats,
  heartbeatSends,
  link,
  netConfig,
  reconnect,
  rvSend,
  send,
  start,
  state,
  step,
  table,
  type Log,
  type Row,
} from './log.ts';
import { RPC } from '../../raft/contract.ts';
import { limitsFromTiming } from '../../tester/monitors/index.ts';

/** AppendEntries from `leader` to `peer` in `term`, `count` of them, `every` ms apart from `from`. */
function sendsEvery(from: number, every: number, count: number, leader: number, peer: number, term: number): Log {
  return Array.from({ length: count }, (_, k) => aeSend(from + k * every, leader, peer, term));
}

describe('monitors: conduct', function () {
  describe('HB: at most 10 heartbeats per second to one follower', function () {
    // Two servers: one follower, so one window to watch.
    const won = [...boot(2), ...elect(10, 0, 1, [1])];
    const rows: Row[] = [
      { name: '11 sends 100 ms apart (the 11th exactly 1 s after the 1st)', log: [...won, ...sendsEvery(10, 100, 11, 0, 1, 1)], want: [] },
      { name: '10 sends 50 ms apart', log: [...won, ...sendsEvery(10, 50, 10, 0, 1, 1)], want: [] },
      {
        name: '11 sends 99 ms apart (in 990 ms)',
        log: [...won, ...sendsEvery(10, 99, 11, 0, 1, 1)],
        want: [{ check: 'HB', term: 1, servers: [0, 1], t: 1000, says: 'sent 11 heartbeats (AppendEntries without entries) to server 1 within 990 ms' }],
      },
      {
        // Replication is not heartbeating: entries go out as soon as there are some (Figure 2); the lab's budgets judge their volume.
        name: '11 AppendEntries carrying entries 20 ms apart, between heartbeats',
        log: [
          ...won,
          ...Array.from({ length: 11 }, (_, k) => appendSend(10 + k * 20, 0, 1, 1, { prev: k, prevTerm: k === 0 ? 0 : 1, entries: [entry(1, k)] })),
        ],
        want: [],
      },
      {
        name: 'E16: heartbeats every 20 ms',
        log: [...won, ...sendsEvery(10, 20, 11, 0, 1, 1)],
        want: [{ check: 'HB', term: 1, servers: [0, 1], t: 210 }],
      },
      {
        // The lab limits heartbeats; AppendEntries that carry entries (sent at once on start()) are the RPC budgets' business.
        name: 'AppendEntries carrying entries 20 ms apart are not heartbeats',
        log: [
          ...won,
          ...Array.from({ length: 11 }, (_, k) => appendSend(10 + 20 * k, 0, 1, 1, { prev: k, prevTerm: k === 0 ? 0 : 1, entries: [entry(1, k)] })),
        ],
        want: [],
      },
      {
        name: 'the limit is configurable',
        log: [...won, ...sendsEvery(10, 100, 6, 0, 1, 1)],
        want: [{ check: 'HB', term: 1, servers: [0, 1], says: 'at most 5 per second' }],
        options: { limits: { maxHeartbeatsPerSecond: 5 } },
      },
    ];
    table(rows);
  });

  describe('LA: a new leader heartbeats at once; later, as often as it declared (if it did)', function () {
    const won = [...boot(2), ...elect(10, 0, 1, [1])];
    const rows: Row[] = [
      { name: 'first heartbeat at the instant of winning', log: [...won, aeSend(10, 0, 1, 1)], want: [] },
      { name: 'first heartbeat exactly 100 ms after winning', log: [...won, aeSend(110, 0, 1, 1)], want: [] },
      {
        name: 'E17: first heartbeat 101 ms after winning',
        log: [...won, aeSend(111, 0, 1, 1)],
        want: [
          {
            check: 'LA',
            term: 1,
            servers: [0, 1],
            t: 111,
            says: 'first AppendEntries to server 1 101 ms after winning the election: Figure 2 sends it upon election, at once',
          },
        ],
      },
      {
        name: 'winning is when the majority formed, not the first grant (5 servers)',
        log: [...boot(5), ...elect(10, 0, 1, [1]), ...elect(200, 0, 1, [2]), ...heartbeatSends(300, 0, 1, [1, 2, 3, 4])],
        want: [],
      },
      // A correct Raft with a 200 ms heartbeat and 600-1200 ms election timeouts: no constant of ours limits it.
      { name: 'heartbeats 200 ms apart, no timing declared', log: [...won, ...sendsEvery(10, 200, 6, 0, 1, 1)], want: [] },
      { name: 'heartbeats 900 ms apart, no timing declared (ST judges the consequence)', log: [...won, aeSend(10, 0, 1, 1), aeSend(910, 0, 1, 1)], want: [] },
      {
        name: 'declared 600-1200 ms timeouts: heartbeats 600 ms apart',
        log: [...won, aeSend(10, 0, 1, 1), aeSend(610, 0, 1, 1)],
        want: [],
        options: { limits: limitsFromTiming({ electionTimeoutMs: [600, 1200] }) },
      },
      {
        name: 'declared 600-1200 ms timeouts: heartbeats 601 ms apart',
        log: [...won, aeSend(10, 0, 1, 1), aeSend(611, 0, 1, 1)],
        want: [
          {
            check: 'LA',
            term: 1,
            servers: [0, 1],
            t: 611,
            says: 'went 601 ms without an AppendEntries or InstallSnapshot to server 1, longer than the minimum election timeout it declares (600 ms)',
          },
        ],
        options: { limits: limitsFromTiming({ electionTimeoutMs: [600, 1200] }) },
      },
      {
        // Figure 13: InstallSnapshot is invoked by the leader; a leader busy sending a snapshot is in contact.
        name: 'declared 600-1200 ms timeouts: AppendEntries 900 ms apart, an InstallSnapshot between them',
        log: [
          ...won,
          aeSend(10, 0, 1, 1),
          send(450, 0, 1, RPC.InstallSnapshot, { term: 1, leaderId: 0, lastIncludedIndex: 9, lastIncludedTerm: 1, data: '{}' }),
          aeSend(910, 0, 1, 1),
        ],
        want: [],
        options: { limits: limitsFromTiming({ electionTimeoutMs: [600, 1200] }) },
      },
      {
        name: 'a late heartbeat of an older term does not break the gap of the newer one',
        log: [...won, aeSend(10, 0, 1, 1), ...elect(300, 0, 2, [1]), aeSend(300, 0, 1, 2), aeSend(302, 0, 1, 1), aeSend(400, 0, 1, 2)],
        want: [],
        options: { limits: limitsFromTiming({ electionTimeoutMs: [150, 300] }) },
      },
      {
        name: 'timing slack widens both limits',
        log: [...won, aeSend(210, 0, 1, 1), aeSend(460, 0, 1, 1)],
        want: [],
        options: { timingSlackMs: 100, limits: limitsFromTiming({ electionTimeoutMs: [150, 300] }) },
      },
      {
        name: 'a late first heartbeat to each peer of 3',
        log: [...boot(3), ...elect(10, 0, 1, [1]), ...heartbeatSends(200, 0, 1, [1, 2])],
        want: [
          { check: 'LA', term: 1, servers: [0, 1] },
          { check: 'LA', term: 1, servers: [0, 2] },
        ],
      },
    ];
    table(rows);
  });

  describe('LV: a leader within 5 s wherever a majority can talk both ways', function () {
    const rows: Row[] = [
      { name: 'no leader yet at 4999 ms', log: [...boot(3), step(4999)], want: [] },
      {
        name: 'no leader at 5000 ms',
        log: [...boot(3), step(5000)],
        want: [{ check: 'LV', term: undefined, servers: [0, 1, 2], t: 5000, says: 'no leader among {0, 1, 2} within 5000 ms' }],
      },
      {
        name: 'E14: candidates that never win',
        log: [...boot(3), rvSend(200, 0, 1, 1), rvSend(200, 0, 2, 1), rvSend(400, 1, 2, 2), step(6000)],
        want: [{ check: 'LV', servers: [0, 1, 2], t: 5000 }],
      },
      { name: 'a leader after 300 ms', log: [...boot(3), ...elect(300, 0, 1, [1]), ...heartbeatSends(300, 0, 1, [1, 2]), step(6000)], want: [] },
      { name: 'a getState() leader claim counts', log: [...boot(3), ...elect(300, 0, 1, [1]), state(300, 0, 1, true), step(6000)], want: [] },
      {
        name: "a leader in a term below a member's does not count",
        log: [...boot(3), rvSend(100, 2, 0, 4), ...elect(200, 0, 1, [1]), ...heartbeatSends(200, 0, 1, [1, 2]), step(5000)],
        want: [{ check: 'LV', servers: [0, 1, 2], t: 5000 }],
      },
      { name: 'not armed on an unreliable network', log: [...boot(3), netConfig(0, { reliable: false }), step(6000)], want: [] },
      { name: 'not armed with long reordering', log: [...boot(3), netConfig(0, { longReordering: true }), step(6000)], want: [] },
      { name: 'not armed with duplicates', log: [...boot(3), netConfig(0, { duplicateRate: 0.1 }), step(6000)], want: [] },
      {
        name: 'not armed when no majority is connected',
        log: [cluster(3), netConfig(0), start(0), start(1), start(2), step(6000)],
        want: [],
      },
      {
        // Server 2 can send to 0 but hear nobody: it may disrupt, yet {0, 1} must still elect.
        name: 'armed though a server outside can send into the majority (a one-way end into it)',
        log: [cluster(3), netConfig(0), start(0), start(1), start(2), end(0, 0, 1, true), end(0, 1, 0, true), end(0, 2, 0, true), step(5000)],
        want: [{ check: 'LV', servers: [0, 1], t: 5000 }],
      },
      {
        name: 'armed when a one-way link is cut inside the cluster: {0, 2} and {1, 2} can each talk both ways',
        log: [...boot(3), link(0, 0, 1, false), step(5000)],
        want: [{ check: 'LV', servers: [0, 1, 2], t: 5000, says: 'no leader among {0, 2} or {1, 2}' }],
      },
      {
        name: 'with two overlapping majorities, a leader of either one counts',
        log: [...boot(3), link(0, 0, 1, false), ...elect(300, 1, 1, [2]), ...heartbeatSends(300, 1, 1, [0, 2]), step(6000)],
        want: [],
      },
      {
        name: 'not armed when the only pair that can talk both ways is no majority of 5',
        log: [
          cluster(5),
          netConfig(0),
          ...[0, 1, 2, 3, 4].map((i) => start(i)),
          end(0, 0, 1, true),
          end(0, 1, 0, true),
          end(0, 2, 0, true),
          end(0, 0, 2, true),
          step(6000),
        ],
        want: [],
      },
      {
        name: 'armed for 3 of 5 that talk both ways while the other two only send into them',
        log: [
          cluster(5),
          netConfig(0),
          ...[0, 1, 2, 3, 4].map((i) => start(i)),
          ...[0, 1, 2].flatMap((a) => [0, 1, 2].map((b) => end(0, a, b, true))),
          ...[3, 4].flatMap((a) => [0, 1, 2].map((b) => end(0, a, b, true))),
          step(5000),
        ],
        want: [{ check: 'LV', servers: [0, 1, 2], t: 5000 }],
      },
      {
        name: 'armed for a clean majority of 2 of 3, the third cut off entirely',
        log: [cluster(3), netConfig(0), start(0), start(1), start(2), end(0, 0, 1, true), end(0, 1, 0, true), step(5000)],
        want: [{ check: 'LV', servers: [0, 1], t: 5000 }],
      },
      {
        name: 'a change of connectivity at 3000 ms restarts the 5 s (not yet at 7999)',
        log: [...boot(3), ...disconnect(3000, 2, 3), step(5000), step(7999)],
        want: [],
      },
      {
        name: 'a change of connectivity at 3000 ms restarts the 5 s (fires at 8000)',
        log: [...boot(3), ...disconnect(3000, 2, 3), step(8000)],
        want: [{ check: 'LV', servers: [0, 1], t: 8000 }],
      },
      {
        // Server 2 is disconnected; what happens to its links changes nothing for {0, 1}.
        name: 'a change outside the majority does not restart the 5 s (fires at 5000)',
        log: [...boot(3), ...disconnect(0, 2, 3), link(3000, 2, 0, false), link(4000, 2, 0, true), step(5000)],
        want: [{ check: 'LV', servers: [0, 1], t: 5000 }],
      },
      {
        name: 'a member restarting restarts the 5 s (not yet at 7999)',
        log: [...boot(3), crash(3000, 1), start(1, 3000, 2), step(7999)],
        want: [],
      },
      {
        name: 'a member restarting restarts the 5 s (fires at 8000)',
        log: [...boot(3), crash(3000, 1), start(1, 3000, 2), step(8000)],
        want: [{ check: 'LV', servers: [0, 1, 2], t: 8000 }],
      },
      {
        name: 'the network turning unreliable disarms it',
        log: [...boot(3), netConfig(1000, { reliable: false }), step(6000)],
        want: [],
      },
    ];
    table(rows);
  });

  describe('ST: no election or term change within 2 s of a leader heard by all', function () {
    // Leader 0 of term 1; both followers accept its heartbeat at t=100.
    const heard = [...boot(3), ...elect(100, 0, 1, [1]), ...heartbeats(100, 0, 1, 3)];
    const rows: Row[] = [
      {
        name: 'E12: an election 2000 ms after every member accepted the heartbeat',
        log: [...heard, rvSend(2100, 1, 2, 2)],
        want: [{ check: 'ST', term: 1, servers: [1, 0], t: 2100, says: 'server 1 started an election for term 2 2000 ms after' }],
      },
      { name: 'an election 2001 ms after', log: [...heard, rvSend(2101, 1, 2, 2)], want: [] },
      {
        name: 'a term change seen in getState()',
        log: [...heard, state(1000, 2, 2, false)],
        want: [{ check: 'ST', term: 1, servers: [2, 0], says: 'moved to term 2' }],
      },
      { name: "the leader's own getState() in its term", log: [...heard, state(1000, 0, 1, true), state(1000, 1, 1, false)], want: [] },
      {
        name: 'not armed until every member has accepted a heartbeat',
        log: [...boot(3), ...elect(100, 0, 1, [1]), ...heartbeats(100, 0, 1, 2), aeSend(100, 0, 2, 1), rvSend(500, 2, 1, 2)],
        want: [],
      },
      {
        // Refused for its log check (server 2 holds nothing at index 1), as Figure 2 allows.
        name: 'a refused heartbeat is not an acceptance',
        log: [...boot(3), ...elect(100, 0, 1, [1]), ...ae(100, 0, 1, 1), ...append(100, 0, 2, 1, { prev: 1, prevTerm: 1 }, false), rvSend(500, 1, 2, 2)],
        want: [],
      },
      {
        // The leader's retry of a failed term-1 RequestVote, or one decided in term 1 and sent late: no new term.
        name: "a late RequestVote of the leader's own term is no election",
        log: [...heard, rvSend(1000, 0, 2, 1), rvSend(1001, 0, 2, 1)],
        want: [],
      },
      {
        name: "a RequestVote of a term above the leader's is one",
        log: [...heard, rvSend(1000, 0, 2, 1), rvSend(1500, 1, 2, 2)],
        want: [{ check: 'ST', term: 1, servers: [1, 0], t: 1500, says: 'started an election for term 2' }],
      },
      {
        name: 'not armed on an unreliable network',
        log: [...boot(3), netConfig(0, { reliable: false }), ...heard.slice(boot(3).length), rvSend(500, 1, 2, 2)],
        want: [],
      },
      {
        name: 'exempt right after a heal: the rejoining server may depose the leader',
        log: [...heard, ...heartbeatSends(200, 0, 1, [1, 2]), ...disconnect(250, 2, 3), ...reconnect(300, 2, 3), rvSend(310, 2, 0, 2)],
        want: [],
      },
      {
        name: 're-armed once every member has accepted a heartbeat after the heal',
        log: [
          ...heard,
          ...heartbeatSends(200, 0, 1, [1, 2]),
          ...disconnect(250, 2, 3),
          ...reconnect(300, 2, 3),
          ...heartbeats(350, 0, 1, 3),
          rvSend(400, 2, 0, 2),
        ],
        want: [{ check: 'ST', term: 1, servers: [2, 0], t: 400 }],
      },
    ];
    table(rows);
  });
});
