// Log monitors (SMS, AO, LM, RF with logs, LAO, LC, CM, SI, BUD) on hand-written
// logs: each table has logs that must pass and logs that must fail with
// exactly the listed violations, in order.
import { expect } from 'chai';
import type { ViolationEvent } from '../../tester/events.ts';
import { MonitorSet } from '../../tester/monitors/index.ts';
import {
  agreeOnA,
  append,
  applySnapshot,
  installSnapshot,
  appendAnsweredLater,
  byTime,
  appendSend,
  apply,
  boot,
  crash,
  elect,
  entry,
  expectViolations,
  only,
  rv,
  start,
  step,
  submit,
  table,
  vote,
  type Log,
  type Row,
} from './log.ts';

// Three servers; server 0 wins term 1, start('a') gives index 1, both
// followers accept it, every server applies it.
const won: Log = [...boot(3), ...elect(10, 0, 1, [1])];
const agreeA: Log = agreeOnA(won);

// Server 0 (term 1) committed 'a' at index 1 with server 1; server 2 never
// got it, yet wins term 2 with server 1's vote (no up-to-date check: L06)
// and puts 'b' at index 1.
const staleLeader: Log = [
  ...won,
  submit(20, 0, 'a', 1, 1),
  ...append(30, 0, 1, 1, { entries: [entry(1, 'a')] }),
  apply(31, 0, 1, 'a'),
  ...vote(100, 2, 1, 2, 0, 0),
];

describe('monitors: log safety', function () {
  describe('SMS: no two servers apply different commands at one index', function () {
    const rows: Row[] = [
      { name: 'every server applies the same command', log: agreeA, want: [] },
      {
        name: 'a follower applies another command at index 1',
        log: [...agreeA.slice(0, -1), apply(41, 2, 1, 'b')],
        want: [
          { check: 'SMS', servers: [2, 0], t: 41, says: 'commit index=1 server=2 "b" != server=0 "a"' },
          { check: 'CM', servers: [2], t: 41, says: 'no AppendEntries and no start() ever put it at index 1' },
        ],
      },
      {
        name: 'a stale leader overwrites a committed entry: both applies and the AppendEntries that put each entry there',
        log: [
          ...staleLeader,
          submit(110, 2, 'b', 1, 2),
          ...append(120, 2, 1, 2, { entries: [entry(2, 'b')] }),
          apply(130, 2, 1, 'b'),
          ...append(140, 2, 1, 2, { prev: 1, prevTerm: 2, commit: 1 }),
          apply(141, 1, 1, 'b'),
        ],
        want: [
          { check: 'LC', t: 110, servers: [2, 0] },
          { check: 'LC', t: 120, servers: [2, 0] },
          { check: 'SMS', t: 130, servers: [2, 0] },
          { check: 'LC', t: 140, servers: [2, 0], says: 'holds a term-2 entry there (its prevLogTerm)' },
          {
            check: 'SMS',
            t: 141,
            servers: [1, 0],
            says: "server 1 got index 1 from server 2's term-2 AppendEntries",
          },
        ],
        options: only('SMS', 'LC', 'CM'),
      },
      {
        name: 'the same command applied again by a restarted server',
        log: [...agreeA, crash(50, 2), start(2, 60, 2), apply(70, 2, 1, 'a', 2)],
        want: [],
      },
    ];
    table(rows);
  });

  describe('AO: each incarnation applies 1, 2, 3... once each', function () {
    const rows: Row[] = [
      { name: '1, 2, 3', log: [...boot(3), apply(10, 0, 1, 'a'), apply(11, 0, 2, 'b'), apply(12, 0, 3, 'c')], want: [], options: only('AO') },
      {
        name: 'after a restart, from 1 again or from what it kept',
        log: [
          ...boot(3),
          apply(10, 0, 1, 'a'),
          apply(11, 0, 2, 'b'),
          crash(20, 0),
          start(0, 30, 2),
          apply(40, 0, 1, 'a', 2),
          crash(50, 0),
          start(0, 60, 3),
          apply(70, 0, 3, 'c', 3),
        ],
        want: [],
        options: only('AO'),
      },
      {
        name: "L13: a crashed incarnation's applier goes on after kill() (named once)",
        log: [
          ...boot(3),
          apply(10, 0, 1, 'a'),
          crash(20, 0),
          apply(25, 0, 2, 'b', 1),
          start(0, 30, 2),
          apply(31, 0, 1, 'a', 2),
          apply(32, 0, 3, 'c', 1),
          apply(33, 0, 2, 'b', 2),
        ],
        want: [
          {
            check: 'AO',
            servers: [0],
            t: 25,
            says: 'server 0 apply out of order 2: incarnation 1 applied index 2 after it was killed (at t=20 ms): a killed server keeps applying',
          },
        ],
        options: only('AO'),
      },
      {
        name: 'L12: an index skipped',
        log: [...boot(3), apply(10, 0, 1, 'a'), apply(11, 0, 3, 'c')],
        want: [
          { check: 'AO', servers: [0], t: 11, says: 'server 0 apply out of order 3: incarnation 1 applied index 3 right after index 1 (skipped index 2)' },
        ],
        options: only('AO'),
      },
      {
        name: 'L12: several indexes skipped, named as a range',
        log: [...boot(3), apply(10, 0, 1, 'a'), apply(11, 0, 5, 'e')],
        want: [{ check: 'AO', servers: [0], t: 11, says: 'applied index 5 right after index 1 (skipped indexes 2-4)' }],
        options: only('AO'),
      },
      {
        name: 'L12: an index applied twice',
        log: [...boot(3), apply(10, 0, 1, 'a'), apply(11, 0, 1, 'a')],
        want: [{ check: 'AO', t: 11, says: 'applied index 1 twice' }],
        options: only('AO'),
      },
      {
        name: 'the first apply is not index 1',
        log: [...boot(3), apply(10, 1, 2, 'b')],
        want: [{ check: 'AO', says: 'began applying at index 2' }],
        options: only('AO'),
      },
      {
        name: 'lab 2D: after a snapshot ApplyMsg, applies continue after its index',
        log: [...boot(3), apply(10, 0, 1, 'a'), applySnapshot(20, 0, 9), apply(21, 0, 10, 'j')],
        want: [],
        options: only('AO'),
      },
      {
        name: 'lab 2D: a command at or below a delivered snapshot is applied after it',
        log: [...boot(3), apply(10, 0, 1, 'a'), applySnapshot(20, 0, 9), apply(21, 0, 9, 'i')],
        want: [{ check: 'AO', t: 21, says: 'applied index 9 after it installed a snapshot through index 9, which holds it' }],
        options: only('AO'),
      },
      {
        name: 'lab 2D: a restart with a stored snapshot applies from after it',
        log: [...boot(3), apply(10, 0, 1, 'a'), crash(20, 0), { ...start(0, 30, 2), snapshotIndex: 9 }, apply(40, 0, 10, 'j', 2)],
        want: [],
        options: only('AO'),
      },
      {
        name: 'after a restart, beyond anything applied before',
        log: [...boot(3), apply(10, 0, 1, 'a'), crash(20, 0), start(0, 30, 2), apply(40, 0, 3, 'c', 2)],
        want: [{ check: 'AO', t: 40, says: 'incarnation 2 began applying at index 3, but it has applied nothing beyond index 1' }],
        options: only('AO'),
      },
    ];
    table(rows);
  });

  describe('LM: Log Matching, and the follower log check', function () {
    const rows: Row[] = [
      { name: 'followers accept entries that extend what they hold', log: agreeA, want: [] },
      {
        name: 'a new leader forwards an entry of an earlier term unchanged',
        log: [...agreeA, ...vote(500, 1, 2, 2, 1, 1), ...append(500, 1, 0, 2, { entries: [entry(1, 'a')] }), ...append(500, 1, 2, 2, { prev: 1, prevTerm: 1 })],
        want: [],
        // (A hand-written log has no fault to explain the new election.)
        options: { policy: { ST: 'off' } },
      },
      {
        name: 'one index and term, two commands',
        log: [...won, ...append(30, 0, 1, 1, { entries: [entry(1, 'a')] }), ...elect(500, 2, 2, [1]), appendSend(500, 2, 1, 2, { entries: [entry(1, 'x')] })],
        want: [
          { check: 'LM', servers: [2], term: 1, t: 500, says: 'carries "x" at index 1 term 1, but server 0\'s term-1 AppendEntries at t=30 ms carried "a"' },
        ],
        options: only('LM'),
      },
      {
        name: 'one index and term, two different entries before it',
        log: [
          ...won,
          appendSend(30, 0, 1, 1, { entries: [entry(1, 'a'), entry(1, 'b')] }),
          ...elect(500, 2, 2, [1]),
          appendSend(500, 2, 1, 2, { prev: 1, prevTerm: 2, entries: [entry(1, 'b')] }),
        ],
        want: [{ check: 'LM', term: 1, says: 'puts a term-2 entry before index 2 term 1, but' }],
        options: only('LM'),
      },
      {
        name: 'L05: a follower accepts entries whose previous entry has another term',
        log: [
          ...won,
          ...append(30, 0, 1, 1, { entries: [entry(1, 'a')] }),
          ...elect(500, 2, 2, [1]),
          ...append(500, 2, 1, 2, { prev: 1, prevTerm: 2, entries: [entry(2, 'z')] }),
        ],
        want: [
          {
            check: 'LM',
            servers: [1, 2],
            t: 500,
            term: 2,
            says: "accepted server 2's term-2 AppendEntries with prevLogIndex=1 prevLogTerm=2, but its entry at index 1 has term 1",
          },
        ],
        options: only('LM'),
      },
      {
        name: 'a follower accepts entries after the end of its log',
        log: [...won, ...append(30, 0, 2, 1, { prev: 3, prevTerm: 1 })],
        want: [{ check: 'LM', servers: [2, 0], says: 'its log ends at index 0' }],
        options: only('LM'),
      },
      {
        name: 'lab 2D: a follower that took an InstallSnapshot holds its last included entry (Figure 13)',
        log: [...won, ...installSnapshot(30, 0, 2, 1, 9, 1), ...append(40, 0, 2, 1, { prev: 9, prevTerm: 1 })],
        want: [],
        options: only('LM'),
      },
      {
        name: 'after a restart the log is unknown (it may have been persisted)',
        log: [...won, crash(20, 2), start(2, 25, 2), ...append(30, 0, 2, 1, { prev: 3, prevTerm: 1 })],
        want: [],
        options: only('LM'),
      },
      {
        name: 'a conflict truncates: what followed is gone, and the new entries are what it holds',
        log: [
          ...won,
          ...append(30, 0, 1, 1, { entries: [entry(1, 'a'), entry(1, 'b')] }),
          ...elect(500, 2, 2, [1]),
          ...append(500, 2, 1, 2, { entries: [entry(2, 'z')] }),
          ...append(510, 2, 1, 2, { prev: 1, prevTerm: 2, entries: [entry(2, 'y')] }),
          ...append(520, 2, 1, 2, { prev: 2, prevTerm: 2 }),
        ],
        want: [],
        options: only('LM', 'RF'),
      },
    ];
    table(rows);
  });

  describe('RF with a model of the logs: an AppendEntries whose log check passes succeeds', function () {
    const rows: Row[] = [
      {
        name: 'a refusal for a higher term, and one for a missing previous entry',
        log: [...won, ...append(30, 0, 1, 1, { prev: 0 }, false, 2), ...append(30, 0, 2, 1, { prev: 1, prevTerm: 1 }, false)],
        want: [],
        options: only('RF'),
      },
      {
        name: "a heartbeat with prevLogIndex 0 refused in the receiver's term",
        log: [...won, ...append(30, 0, 2, 1, {}, false)],
        want: [{ check: 'RF', servers: [2], term: 1, says: 'prevLogIndex is 0, so every log passes the check' }],
      },
      {
        name: 'L01: a stale AppendEntries cut the log, so a later one whose previous entry it had accepted is refused',
        log: [
          ...won,
          ...append(30, 0, 1, 1, { entries: [entry(1, 'a'), entry(1, 'b'), entry(1, 'c')] }),
          ...append(35, 0, 1, 1, { entries: [entry(1, 'a')] }),
          ...append(40, 0, 1, 1, { prev: 3, prevTerm: 1, entries: [entry(1, 'd')] }, false),
        ],
        want: [{ check: 'RF', servers: [1], t: 40, says: "an entry at prevLogIndex 3 with term 1, accepted from server 0's term-1 AppendEntries at t=30 ms" }],
      },
    ];
    table(rows);
  });

  describe('LAO: a leader never changes what it sent in its term', function () {
    const rows: Row[] = [
      {
        name: 'the same entries sent again, and more after them',
        log: [...won, appendSend(30, 0, 1, 1, { entries: [entry(1, 'a')] }), appendSend(40, 0, 1, 1, { entries: [entry(1, 'a'), entry(1, 'b')] })],
        want: [],
        options: only('LAO'),
      },
      {
        name: 'an entry replaced by one of another term',
        log: [
          ...boot(3),
          ...elect(10, 0, 2, [1]),
          appendSend(30, 0, 1, 2, { entries: [entry(1, 'a')] }),
          appendSend(40, 0, 1, 2, { entries: [entry(2, 'b')] }),
        ],
        want: [
          {
            check: 'LAO',
            servers: [0],
            term: 2,
            t: 40,
            says: 'leader 0 of term 2 sent "b" (term 2) at index 1, but earlier in term 2 (t=30 ms) it sent "a" (term 1) there',
          },
        ],
      },
      {
        name: 'a previous entry whose term changed',
        log: [...won, appendSend(30, 0, 1, 1, { prev: 2, prevTerm: 1 }), appendSend(40, 0, 1, 1, { prev: 2, prevTerm: 0 })],
        want: [{ check: 'LAO', t: 40, says: 'a term-0 entry (as prevLogTerm)' }],
        options: only('LAO'),
      },
    ];
    table(rows);
  });

  describe('LC: every later leader holds what was applied', function () {
    const rows: Row[] = [
      {
        name: 'a new leader with the applied entry sends it on',
        log: [...agreeA, ...vote(500, 1, 2, 2, 1, 1), ...append(500, 1, 0, 2, { prev: 1, prevTerm: 1, commit: 1 }), submit(510, 1, 'b', 2, 2)],
        want: [],
        options: { policy: { ST: 'off' } },
      },
      {
        name: 'L06: a leader elected without the applied entry: its RequestVote showed it',
        log: [...staleLeader, ...append(100, 2, 1, 2)],
        want: [
          {
            check: 'LC',
            servers: [2, 0],
            term: 2,
            t: 100,
            says: 'it won with a log ending at index 0 term 0 (its RequestVote), less up to date than index 1 term 1',
          },
        ],
      },
      {
        name: 'L06: what start() answers shows it too',
        log: [...staleLeader, submit(110, 2, 'b', 1, 2)],
        want: [{ check: 'LC', servers: [2, 0], term: 2, says: 'start() on leader 2 of term 2 returned index 1, so its log lacked index 1' }],
      },
      {
        name: 'a stale leader of an older term may still send its old entry',
        log: [
          ...boot(3),
          ...elect(10, 2, 1, [1]),
          submit(15, 2, 'x', 1, 1),
          ...elect(100, 0, 2, [1]),
          submit(110, 0, 'a', 1, 2),
          ...append(120, 0, 1, 2, { entries: [entry(2, 'a')] }),
          apply(121, 0, 1, 'a'),
          appendSend(130, 2, 0, 1, { entries: [entry(1, 'x')] }),
        ],
        want: [],
        options: only('LC'),
      },
    ];
    table(rows);
  });

  // Server 1's asynchronous handler takes 'a' and 'b' in term 1, and while it
  // awaits (a persist) a term-2 RequestVote arrives: it answers false, term 2,
  // yet holds both. Server 0 wins term 3, puts 'c' at index 3 and server 1
  // accepts it after index 2 (term 1).
  const appendedThenRefused: Log = byTime(
    won,
    submit(20, 0, 'a', 1, 1),
    submit(21, 0, 'b', 2, 1),
    appendAnsweredLater(30, 34, 0, 1, 1, { entries: [entry(1, 'a'), entry(1, 'b')] }, false, 2),
    rv(32, 2, 1, 2, false),
    vote(40, 0, 1, 3, 2, 1),
    submit(50, 0, 'c', 3, 3),
    append(60, 0, 1, 3, { prev: 2, prevTerm: 1, entries: [entry(3, 'c')] }),
  );
  describe('an asynchronous handler may append, then refuse with the newer term it learnt meanwhile', function () {
    table([
      {
        name: 'the follower accepts a later AppendEntries after what it appended (was LM: "its log ends at index 0")',
        log: appendedThenRefused,
        want: [],
        options: only('LM', 'RF'),
      },
      {
        name: 'accepting index 2 vouches for index 1 (Log Matching): a and c are on a majority (was CM)',
        log: [...appendedThenRefused, apply(70, 0, 1, 'a'), apply(70, 0, 2, 'b'), apply(70, 0, 3, 'c')],
        want: [],
        options: only('CM'),
      },
      {
        name: 'a synchronous refusal with a newer term appended nothing: accepting after it is still caught',
        log: byTime(
          won,
          submit(20, 0, 'a', 1, 1),
          append(30, 0, 1, 1, { entries: [entry(1, 'a')] }, false, 2),
          vote(40, 0, 1, 3, 1, 1),
          append(60, 0, 1, 3, { prev: 1, prevTerm: 1 }),
        ),
        want: [{ check: 'LM', says: 'its log ends at index 0' }],
        options: only('LM'),
      },
    ]);
  });

  describe('CM: applied only once on a majority; Figure 8', function () {
    // Server 0 put 'a' at index 1 in term 1, sent it to nobody, and wins term 2.
    const reelected: Log = [...boot(3), ...elect(10, 0, 1, [1]), submit(20, 0, 'a', 1, 1), ...elect(500, 0, 2, [1])];
    const rows: Row[] = [
      { name: 'a majority held it first', log: agreeA, want: [] },
      {
        name: 'a leader applies what only it holds',
        log: [...won, submit(20, 0, 'a', 1, 1), ...append(30, 0, 1, 1, { entries: [entry(1, 'a')] }, false, 1), apply(31, 0, 1, 'a')],
        want: [{ check: 'CM', servers: [0], t: 31, says: 'only servers {0} ever held it there (term 1): a majority of 3 is 2' }],
        options: only('CM'),
      },
      {
        name: 'L02: a leader commits an entry of an earlier term by counting replicas (Figure 8)',
        log: [...reelected, ...append(510, 0, 1, 2, { entries: [entry(1, 'a')] }), appendSend(520, 0, 1, 2, { prev: 1, prevTerm: 1, commit: 1 })],
        want: [{ check: 'CM', servers: [0], term: 2, t: 520, says: 'no entry of term 2 is on a majority yet (it has none' }],
        options: only('CM'),
      },
      {
        name: 'it commits the earlier entry through one of its own term',
        log: [
          ...reelected,
          submit(505, 0, 'b', 2, 2),
          ...append(510, 0, 1, 2, { entries: [entry(1, 'a'), entry(2, 'b')] }),
          appendSend(520, 0, 1, 2, { prev: 2, prevTerm: 2, commit: 2 }),
        ],
        want: [],
        options: only('CM'),
      },
      {
        name: 'lab 2D: a follower that installed a snapshot knows it committed, and may lead with that leaderCommit',
        log: [
          ...won,
          ...installSnapshot(30, 0, 1, 1, 9, 1),
          applySnapshot(30, 1, 9),
          ...elect(500, 1, 2, [2]),
          appendSend(510, 1, 2, 2, { prev: 9, prevTerm: 1, commit: 9 }),
        ],
        want: [],
        options: only('CM'),
      },
      {
        name: 'leaderCommit beyond what a majority holds',
        log: [
          ...won,
          submit(20, 0, 'a', 1, 1),
          submit(21, 0, 'b', 2, 1),
          ...append(30, 0, 1, 1, { entries: [entry(1, 'a')] }),
          appendSend(40, 0, 1, 1, { prev: 1, prevTerm: 1, commit: 2 }),
        ],
        want: [{ check: 'CM', t: 40, says: 'a majority holds only up to index 1' }],
        options: only('CM'),
      },
      {
        name: 'a new leader passes on the commit index it learned as a follower',
        log: [...agreeA, ...elect(500, 1, 2, [2]), appendSend(500, 1, 0, 2, { prev: 1, prevTerm: 1, commit: 1 })],
        want: [],
        options: only('CM'),
      },
    ];
    table(rows);
  });

  describe("SI: start()'s answer", function () {
    const rows: Row[] = [
      { name: 'the index start() gave is where the command goes', log: agreeA, want: [] },
      {
        name: 'the leader sends during start(): the feed records the answer first',
        log: [...won, submit(20, 0, 'a', 1, 1), appendSend(20, 0, 1, 1, { entries: [entry(1, 'a')] }), step(30)],
        want: [],
        options: only('SI'),
      },
      {
        name: 'L17: start() returns one more than the index the command gets',
        log: [...won, submit(20, 0, 'a', 2, 1), appendSend(30, 0, 1, 1, { entries: [entry(1, 'a')] }), step(40)],
        want: [{ check: 'SI', servers: [0], term: 1, t: 30, says: 'start("a") on leader 0 returned index 2 in term 1, but it sent "a" at index 1' }],
        options: only('SI'),
      },
      {
        name: 'L17: the next command lands where start() put the previous one',
        log: [...won, submit(20, 0, 'a', 2, 1), submit(21, 0, 'b', 3, 1), appendSend(30, 0, 1, 1, { entries: [entry(1, 'a'), entry(1, 'b')] }), step(40)],
        want: [
          { check: 'SI', t: 30, says: 'start("a") on leader 0 returned index 2 in term 1, but it sent "a" at index 1' },
          { check: 'SI', t: 30, says: 'start("a") on leader 0 returned index 2 in term 1 at t=20 ms, but it sent "b" at index 2' },
        ],
        options: only('SI'),
      },
      {
        name: 'index 0',
        log: [...won, submit(20, 0, 'a', 0, 1)],
        want: [{ check: 'SI', says: 'returned index 0; the first index is 1' }],
        options: only('SI'),
      },
      {
        name: 'said it was not leader, then sent the command as its own',
        log: [...won, submit(20, 0, 'z', -1, 1, false), appendSend(30, 0, 1, 1, { entries: [entry(1, 'z')] }), step(40)],
        want: [{ check: 'SI', says: 'answered start("z") with isLeader=false at t=20 ms, yet sent "z" as an entry of its own term 1 at index 1' }],
        options: only('SI'),
      },
      {
        name: 'said it was not leader, and forwarded the command from another leader',
        log: [
          ...won,
          submit(20, 1, 'a', -1, 1, false),
          submit(21, 0, 'a', 1, 1),
          ...append(30, 0, 1, 1, { entries: [entry(1, 'a')] }),
          ...rv(500, 1, 2, 2),
          appendSend(510, 1, 2, 2, { entries: [entry(1, 'a')] }),
          step(520),
        ],
        want: [],
        options: only('SI'),
      },
      {
        name: 'the same index returned twice in a term',
        log: [...won, submit(20, 0, 'a', 1, 1), submit(21, 0, 'b', 1, 1)],
        want: [{ check: 'SI', t: 21, says: 'returned index 1 in term 1, which start("a") had returned' }],
        options: only('SI'),
      },
    ];
    table(rows);
  });

  describe("BUD: the lab's budgets, as a test sets them", function () {
    function run(log: Log, open: (set: MonitorSet) => void, at: number): ViolationEvent[] {
      const found: ViolationEvent[] = [];
      const set = new MonitorSet({ onViolation: (v) => found.push(v), policy: only('BUD').policy });
      for (const e of log) {
        if (e.t >= at && at >= 0) {
          open(set);
          at = -1;
        }
        set.observe(e);
      }
      return found;
    }

    it('counts delivered RPCs from when the window opens, and reports the one that goes over', function () {
      const log = [...boot(3), ...rv(5, 0, 1, 1), ...append(10, 0, 1, 1), ...append(10, 0, 2, 1), ...append(20, 0, 1, 1)];
      let window: ReturnType<MonitorSet['budgetWindow']> | undefined;
      const found = run(log, (set) => (window = set.budgetWindow({ what: 'for 10 entries', maxRpcs: 2 })), 10);
      expectViolations(found, [{ check: 'BUD', t: 20, says: 'too many RPCs (3) for 10 entries (at most 2)' }]);
      expect(window?.rpcs).to.equal(3);
    });

    it('bytes are request sizes plus delivered reply sizes', function () {
      const log = [...boot(3), ...append(10, 0, 1, 1, { entries: [entry(1, 'x'.repeat(100))] })];
      let window: ReturnType<MonitorSet['budgetWindow']> | undefined;
      const found = run(log, (set) => (window = set.budgetWindow({ what: 'for one entry', maxBytes: 100 })), 5);
      expect(window?.bytes).to.be.greaterThan(130);
      expectViolations(found, [{ check: 'BUD', says: 'too many RPC bytes; got ' }]);
    });

    it('a closed window counts no more', function () {
      const log = [...boot(3), ...append(10, 0, 1, 1), ...append(20, 0, 1, 1)];
      const found = run(log, (set) => set.budgetWindow({ what: 'x', maxRpcs: 0 }).close(), 5);
      expect(found).to.deep.equal([]);
    });
  });
});
