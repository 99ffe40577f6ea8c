// The monitors through log compaction (lab 2D): Figure 13 and §7 of the
// Raft paper, on hand-written logs. A snapshot stands for every entry up to
// its last included index, all of them committed; the tester's encoding
// says which command it holds at each. Each row is named after the sentence
// of the paper (or the lab) it holds an implementation to.
import { expect } from 'chai';
import type { AppendEntriesArgs, ApplyChannel, ApplyMsg, InstallSnapshotArgs, LogEntry } from '../../raft/contract.ts';
import { RPC } from '../../raft/contract.ts';
import { Raft } from '../../raft/raft.ts';
import { World } from '../../runtime/runtime.ts';
import type { TesterEvent } from '../../tester/events.ts';
import { judge } from '../../tester/monitors/index.ts';
import { MemoryPersister } from '../../tester/persister.ts';
import { encodeSnapshot } from '../../tester/snapshot-codec.ts';
import { testNamed } from '../../tester/tests.ts';
import { stressRaft } from '../mutants/harness.ts';
import { SnapshotGoesBack } from '../mutants/l21-snapshot-goes-back.ts';
import { makeVariant, variantRaft } from '../mutants/variant.ts';
import { FakePeer } from '../raft/fakes.ts';
import {
  append,
  apply,
  applySnapshot,
  boot,
  crash,
  elect,
  entry,
  expectViolations,
  installSnapshot,
  installSnapshotSend,
  only,
  persist,
  restart,
  snapshotOf,
  submit,
  table,
  vote,
  type Log,
  type Row,
} from './log.ts';

// Three servers; server 0 wins term 1 with server 1's vote and puts a, b, c
// at indexes 1-3 on every server; every server applies them.
const won: Log = [...boot(3), ...elect(10, 0, 1, [1])];
const abc: Log = [
  ...won,
  submit(20, 0, 'a', 1, 1),
  submit(21, 0, 'b', 2, 1),
  submit(22, 0, 'c', 3, 1),
  ...append(30, 0, 1, 1, { entries: [entry(1, 'a'), entry(1, 'b'), entry(1, 'c')] }),
  ...append(30, 0, 2, 1, { entries: [entry(1, 'a'), entry(1, 'b'), entry(1, 'c')] }),
  apply(31, 0, 1, 'a'),
  apply(31, 0, 2, 'b'),
  apply(31, 0, 3, 'c'),
  ...append(40, 0, 1, 1, { prev: 3, prevTerm: 1, commit: 3 }),
  ...append(40, 0, 2, 1, { prev: 3, prevTerm: 1, commit: 3 }),
  apply(41, 1, 1, 'a'),
  apply(41, 1, 2, 'b'),
  apply(41, 1, 3, 'c'),
  apply(41, 2, 1, 'a'),
  apply(41, 2, 2, 'b'),
  apply(41, 2, 3, 'c'),
];
const ABC = snapshotOf('a', 'b', 'c');

// Server 2 crashes and comes back empty (no stored snapshot); the leader,
// which compacted its log through index 3, sends it its snapshot.
const behind: Log = [...abc, crash(50, 2), restart(60, 2, 2)];

// Server 1 wins term 2 with server 2's vote: server 2 has said term 2.
const term2: Log = [...abc, ...vote(500, 1, 2, 2, 3, 1)];

describe('monitors through compaction (2D): Figure 13, §7', function () {
  describe('SMS: a delivered snapshot stands for every index up to its own', function () {
    const rows: Row[] = [
      {
        name: '"the snapshot replaces all entries up through lastIncludedIndex": one that holds what every server applied',
        log: [...behind, ...installSnapshot(70, 0, 2, 1, 3, 1, { data: ABC, effects: [applySnapshot(70, 2, 3, ABC, 1, 2)] })],
        want: [],
        options: { policy: { ST: 'off' } },
      },
      {
        name: 'a snapshot that holds another command than the one applied at an index',
        log: [...behind, applySnapshot(70, 2, 3, snapshotOf('a', 'x', 'c'), 1, 2)],
        want: [
          {
            check: 'SMS',
            servers: [2, 0],
            t: 70,
            says: 'commit index=2 server=2 "x" != server=0 "b": server 2 delivered a snapshot through index 3 that holds "x" at index 2, but server 0 applied "b" there at t=31 ms',
          },
        ],
        options: only('SMS'),
      },
      {
        name: 'what a snapshot holds counts as applied: a later apply of another command there',
        log: [...won, applySnapshot(30, 2, 3, ABC), apply(40, 0, 3, 'z')],
        want: [{ check: 'SMS', servers: [0, 2], t: 40, says: 'but server 2 delivered a snapshot that holds "c" there at t=30 ms' }],
        options: only('SMS'),
      },
      {
        name: 'and a later snapshot that disagrees with it',
        log: [...won, applySnapshot(30, 2, 3, ABC), applySnapshot(40, 1, 3, snapshotOf('a', 'b', 'y'))],
        want: [{ check: 'SMS', servers: [1, 2], t: 40, says: 'commit index=3 server=1 "y" != server=2 "c"' }],
        options: only('SMS'),
      },
      {
        name: "a snapshot the tester's encoding cannot read is not judged (the lab's ingestSnap fails on it)",
        log: [...behind, applySnapshot(70, 2, 3, 'not a snapshot', 1, 2)],
        want: [],
        options: only('SMS'),
      },
    ];
    table(rows);
  });

  describe('AO: applies continue after a snapshot; snapshots never move backwards', function () {
    const five: Log = [...boot(3), apply(10, 0, 1, 'a'), apply(11, 0, 2, 'b'), apply(12, 0, 3, 'c'), apply(13, 0, 4, 'd'), apply(14, 0, 5, 'e')];
    const rows: Row[] = [
      {
        name: 'a snapshot beyond what was applied, then the next index',
        log: [...boot(3), apply(10, 0, 1, 'a'), applySnapshot(20, 0, 9), apply(21, 0, 10, 'j')],
        want: [],
        options: only('AO'),
      },
      {
        name: 'the same snapshot again is no step back',
        log: [...boot(3), applySnapshot(20, 0, 9), applySnapshot(30, 0, 9), apply(31, 0, 10, 'j')],
        want: [],
        options: only('AO'),
      },
      {
        name: 'L21: "snapshot moved backwards": a snapshot below what the incarnation applied',
        log: [...five, applySnapshot(20, 0, 3), apply(21, 0, 4, 'd')],
        want: [
          {
            check: 'AO',
            servers: [0],
            t: 20,
            says: 'server 0 snapshot moved backwards: incarnation 1 delivered a snapshot through index 3 after it had applied index 5 (its service goes back to an older state, to apply indexes 4-5 again',
          },
        ],
        options: only('AO'),
      },
      {
        name: 'a snapshot below one it installed',
        log: [...boot(3), applySnapshot(20, 0, 19), applySnapshot(30, 0, 9)],
        want: [{ check: 'AO', t: 30, says: 'delivered a snapshot through index 9 after it had installed a snapshot through index 19' }],
        options: only('AO'),
      },
      {
        name: 'a snapshot below the stored one its restart started from',
        log: [...five, crash(20, 0), restart(30, 0, 2, 9), applySnapshot(40, 0, 5, 'snap5', 1, 2)],
        want: [
          { check: 'AO', t: 40, says: 'incarnation 2 delivered a snapshot through index 5 after it had started from its stored snapshot through index 9' },
        ],
        options: only('AO'),
      },
      {
        name: "a snapshot of an earlier incarnation is not this one's past: a restarted server may start lower",
        log: [...boot(3), applySnapshot(20, 0, 19), crash(30, 0), restart(40, 0, 2), applySnapshot(50, 0, 9, 'snap9', 1, 2)],
        want: [],
        options: only('AO'),
      },
      {
        name: "no command at or below a delivered snapshot's index is applied after it",
        log: [...boot(3), applySnapshot(20, 0, 9), apply(21, 0, 7, 'g')],
        want: [{ check: 'AO', t: 21, says: 'applied index 7 after it installed a snapshot through index 9, which holds it' }],
        options: only('AO'),
      },
      {
        name: 'a command beyond the next one after a snapshot',
        log: [...boot(3), applySnapshot(20, 0, 9), apply(21, 0, 11, 'k')],
        want: [{ check: 'AO', t: 21, says: 'applied index 11 right after it installed a snapshot through index 9 (skipped index 10)' }],
        options: only('AO'),
      },
      {
        name: 'a killed incarnation delivers a snapshot',
        log: [...boot(3), apply(10, 0, 1, 'a'), crash(20, 0), applySnapshot(25, 0, 9)],
        want: [{ check: 'AO', t: 25, says: 'incarnation 1 delivered a snapshot through index 9 after it was killed (at t=20 ms)' }],
        options: only('AO'),
      },
      {
        name: 'a snapshot sent by the rest of the handler a crash came in (a power cut inside its save) is its loss, not a killed server applying on',
        log: [...boot(3), apply(10, 0, 1, 'a'), crash(20, 0), { ...applySnapshot(20, 0, 9), inKilledCall: true }],
        want: [],
        options: only('AO'),
      },
    ];
    table(rows);
  });

  describe('LM and RF: an index covered by a snapshot counts as held', function () {
    // Server 2 crashes and restarts from its stored snapshot through index 3 (committed in term 1).
    const restarted: Log = [...abc, crash(50, 2), restart(60, 2, 2, 3)];
    const rows: Row[] = [
      {
        name: '"the last included term ... to support the AppendEntries consistency check for the first log entry following the snapshot": the entry after it is accepted',
        log: [...restarted, submit(65, 0, 'd', 4, 1), ...append(70, 0, 2, 1, { prev: 3, prevTerm: 1, entries: [entry(1, 'd')] })],
        want: [],
        options: only('LM', 'RF'),
      },
      {
        name: 'a follower whose snapshot ends at prevLogIndex accepts a prevLogTerm other than the entry committed there',
        log: [...restarted, ...append(70, 0, 2, 1, { prev: 3, prevTerm: 2 })],
        want: [{ check: 'LM', servers: [2, 0], t: 70, says: 'with prevLogIndex=3 prevLogTerm=2, but its entry at index 3 has term 1' }],
        options: only('LM'),
      },
      {
        name: 'a follower whose snapshot ends at prevLogIndex refuses the entry after it in its own term',
        log: [...restarted, ...append(70, 0, 2, 1, { prev: 3, prevTerm: 1 }, false)],
        want: [
          { check: 'RF', servers: [2], t: 70, says: 'its log passes the check (an entry at prevLogIndex 3 with term 1, the last entry its snapshot includes)' },
        ],
        options: only('RF'),
      },
      {
        name: 'inside its snapshot a follower has nothing to compare: accepting is not judged (LC judges the leader)',
        log: [...restarted, ...append(70, 0, 2, 1, { prev: 2, prevTerm: 7 })],
        want: [],
        options: only('LM', 'RF'),
      },
      {
        name: "an InstallSnapshot's last included entry names one command: another one already sent at that index and term",
        log: [...abc, installSnapshotSend(70, 0, 2, 1, 3, 1, snapshotOf('a', 'b', 'x'))],
        want: [
          {
            check: 'LM',
            servers: [0],
            term: 1,
            says: 'server 0\'s term-1 InstallSnapshot holds "x" at its last included entry, index 3 term 1, but start() on server 0 at t=22 ms carried "c" there',
          },
        ],
        options: only('LM'),
      },
    ];
    table(rows);
  });

  describe('LC: a leader holds every committed entry, in its log or its snapshot', function () {
    const rows: Row[] = [
      {
        name: 'a new leader sends the snapshot of what was committed',
        log: [...abc, ...vote(500, 1, 2, 2, 3, 1), crash(510, 2), restart(520, 2, 2), ...installSnapshot(530, 1, 2, 2, 3, 1, { data: ABC })],
        want: [],
        options: only('LC', 'LM'),
      },
      {
        name: 'Figure 13, "lastIncludedTerm: term of lastIncludedIndex": a later leader sends its own term instead',
        log: [...abc, ...vote(500, 1, 2, 2, 3, 1), installSnapshotSend(530, 1, 2, 2, 3, 2, ABC)],
        want: [
          {
            check: 'LC',
            servers: [1, 0],
            term: 2,
            t: 530,
            says: "server 1's term-2 InstallSnapshot says the last entry its snapshot includes, index 3, has term 2, but the entry committed there has term 1",
          },
        ],
        options: only('LC'),
      },
      {
        name: '§7, a snapshot holds "only the committed entries": whoever sends it, in the very term they were committed',
        log: [...abc, installSnapshotSend(70, 0, 2, 1, 3, 0, ABC)],
        want: [{ check: 'LC', servers: [0, 0], term: 1, says: 'has term 0, but the entry committed there has term 1' }],
        options: only('LC'),
      },
      {
        name: 'a snapshot that holds another command than the one applied at an index',
        log: [...abc, ...vote(500, 1, 2, 2, 3, 1), installSnapshotSend(530, 1, 2, 2, 3, 1, snapshotOf('a', 'q', 'c'))],
        want: [
          {
            check: 'LC',
            servers: [1, 0],
            term: 2,
            says: 'server 1\'s term-2 InstallSnapshot through index 3 holds "q" at index 2, but server 0 applied "b" there',
          },
        ],
        options: only('LC'),
      },
    ];
    table(rows);
  });

  describe('RF: Figure 13, "Reply immediately if term < currentTerm"', function () {
    const rows: Row[] = [
      {
        name: 'a stale InstallSnapshot answered at once with the current term',
        log: [...term2, ...installSnapshot(600, 0, 2, 1, 3, 1, { data: ABC, replyTerm: 2 })],
        want: [],
        // (A hand-written log has no fault to explain the new election.)
        options: { policy: { ST: 'off' } },
      },
      {
        name: 'a stale-term InstallSnapshot installed: the snapshot reaches the service',
        log: [...term2, ...installSnapshot(600, 0, 2, 1, 3, 1, { data: ABC, replyTerm: 2, effects: [applySnapshot(600, 2, 3, ABC)] })],
        want: [
          {
            check: 'RF',
            servers: [2],
            term: 2,
            t: 600,
            says: 'server 2 took in a term-1 InstallSnapshot from server 0 while in term 2: it delivered a snapshot through index 3 to its service',
          },
        ],
        options: only('RF'),
      },
      {
        name: 'a stale-term InstallSnapshot stored, though not delivered',
        log: [
          ...term2,
          persist(550, 2),
          ...installSnapshot(600, 0, 2, 1, 3, 1, { data: ABC, replyTerm: 2, effects: [persist(600, 2, { size: ABC.length, index: 3 })] }),
        ],
        want: [{ check: 'RF', servers: [2], t: 600, says: 'it stored a snapshot through index 3' }],
        options: only('RF'),
      },
      {
        name: 'its reply shows its term, though it had said none higher',
        log: [...abc, ...installSnapshot(600, 0, 2, 1, 3, 1, { data: ABC, replyTerm: 4, effects: [applySnapshot(600, 2, 3, ABC)] })],
        want: [{ check: 'RF', servers: [2], term: 4, says: 'took in a term-1 InstallSnapshot from server 0 while in term 4' }],
        options: only('RF'),
      },
      {
        name: 'a save that leaves the stored snapshot as it was is no installation',
        log: [
          ...term2,
          persist(550, 2, { size: 10, index: 9 }),
          ...installSnapshot(600, 0, 2, 1, 3, 1, { replyTerm: 2, effects: [persist(600, 2, { size: 10, index: 9 })] }),
        ],
        want: [],
        options: only('RF'),
      },
      {
        name: "an asynchronous handler's effects are not told from other work: not judged",
        log: [...term2, ...installSnapshot(600, 0, 2, 1, 3, 1, { data: ABC, replyTerm: 2, async: true, effects: [applySnapshot(600, 2, 3, ABC)] })],
        want: [],
        options: only('RF'),
      },
      {
        name: "one of the receiver's term installs",
        log: [
          ...behind,
          ...installSnapshot(70, 0, 2, 1, 3, 1, {
            data: ABC,
            effects: [persist(70, 2, { size: ABC.length, index: 3 }, 2), applySnapshot(70, 2, 3, ABC, 1, 2)],
          }),
        ],
        want: [],
        options: only('RF'),
      },
    ];
    table(rows);
  });

  describe('DUR: what a stored snapshot held survives a crash', function () {
    // Server 0 applied 1..9 and stored the service's snapshot through 9; it crashes.
    const stored: Log = [
      ...boot(3),
      ...Array.from({ length: 9 }, (_, j) => apply(10 + j, 0, j + 1, `c${j + 1}`)),
      persist(20, 0, { size: 50, index: 9 }),
      crash(30, 0),
    ];
    const rows: Row[] = [
      {
        name: 'a restart finds the stored snapshot and applies from the index after it',
        log: [...stored, restart(40, 0, 2, 9), persist(45, 0, { size: 50, index: 9 }, 2), apply(50, 0, 10, 'c10', 2)],
        want: [],
        options: only('DUR'),
      },
      {
        name: 'L22: a restart that erases the stored snapshot while the log was trimmed',
        log: [
          ...stored,
          restart(40, 0, 2, 9),
          // The restarted Raft did not read its snapshot back: its next save stores none (the lab's Save(state, nil)).
          persist(45, 0, undefined, 2),
          crash(50, 0),
          restart(60, 0, 3),
          apply(70, 0, 10, 'c10', 3),
        ],
        want: [
          {
            check: 'DUR',
            servers: [0],
            t: 70,
            says:
              'server 0 restarted at t=60 ms with no stored snapshot, yet applied index 10 first: indexes 1-9 are in neither its stored snapshot nor its log. ' +
              'Before, the save at t=20 ms (incarnation 1) that stored a snapshot through index 9, then a save that left no snapshot at t=45 ms (incarnation 2) erased it',
          },
        ],
        options: only('DUR'),
      },
      {
        name: 'an older snapshot put in the place of the stored one',
        log: [...stored, restart(40, 0, 2, 9), persist(45, 0, { size: 20, index: 4 }, 2), crash(50, 0), restart(60, 0, 3, 4), apply(70, 0, 10, 'c10', 3)],
        want: [{ check: 'DUR', t: 70, says: 'with a stored snapshot through index 4 only, yet applied index 10 first: indexes 5-9 are in neither' }],
        options: only('DUR'),
      },
      {
        name: 'the stored snapshot gone, but the log still holds every entry: it applies from 1 again',
        log: [...stored, restart(40, 0, 2, 9), persist(45, 0, undefined, 2), crash(50, 0), restart(60, 0, 3), apply(70, 0, 1, 'c1', 3)],
        want: [],
        options: only('DUR'),
      },
      {
        name: 'the stored snapshot gone, and a leader sends it a snapshot first',
        log: [...stored, restart(40, 0, 2, 9), persist(45, 0, undefined, 2), crash(50, 0), restart(60, 0, 3), applySnapshot(70, 0, 9, 'snap9', 1, 3)],
        want: [],
        options: only('DUR'),
      },
    ];
    table(rows);
  });

  // The catalogue's snapshot bugs beyond the visible ones: each row is a
  // buggy Raft's record, named after the sentence it breaks, with the check
  // that names it first.
  describe("the catalogue's snapshot bugs, and the check that names each", function () {
    // Server 0 leads term 1, puts a-e at indexes 1-5 on server 1, and both
    // apply them; server 0 compacts its log through index 3.
    const fiveOnTwo: Log = [
      ...won,
      ...['a', 'b', 'c', 'd', 'e'].map((c, j) => submit(20 + j, 0, c, j + 1, 1)),
      ...append(30, 0, 1, 1, { entries: ['a', 'b', 'c', 'd', 'e'].map((c) => entry(1, c)) }),
      ...['a', 'b', 'c', 'd', 'e'].map((c, j) => apply(31, 0, j + 1, c)),
      ...append(40, 0, 1, 1, { prev: 5, prevTerm: 1, commit: 5 }),
      ...['a', 'b', 'c', 'd', 'e'].map((c, j) => apply(41, 1, j + 1, c)),
    ];
    const rows: Row[] = [
      {
        name: 'a wrong last-included term (Figure 13, "lastIncludedTerm: term of lastIncludedIndex"): LC',
        log: [...abc, ...vote(500, 1, 2, 2, 3, 1), crash(510, 2), restart(520, 2, 2), ...installSnapshot(530, 1, 2, 2, 3, 2, { data: ABC })],
        want: [{ check: 'LC', servers: [1, 0], term: 2, t: 530, says: 'has term 2, but the entry committed there has term 1' }],
        options: { policy: { ST: 'off' } },
      },
      {
        name: 'a restart that erases the stored snapshot (Figure 13, "Save snapshot file"; §7, the log is discarded only up through a saved snapshot): DUR',
        log: [
          ...abc,
          persist(50, 2, { size: ABC.length, index: 3 }),
          crash(60, 2),
          restart(70, 2, 2, 3),
          persist(80, 2, undefined, 2),
          crash(90, 2),
          restart(100, 2, 3),
          submit(110, 0, 'd', 4, 1),
          ...append(115, 0, 1, 1, { prev: 3, prevTerm: 1, entries: [entry(1, 'd')] }),
          apply(116, 0, 4, 'd'),
          ...append(120, 0, 2, 1, { prev: 3, prevTerm: 1, entries: [entry(1, 'd')], commit: 4 }),
          apply(120, 2, 4, 'd', 3),
        ],
        want: [
          { check: 'DUR', servers: [2], t: 120, says: 'restarted at t=100 ms with no stored snapshot, yet applied index 4 first: indexes 1-3 are in neither' },
        ],
        options: { policy: { ST: 'off' } },
      },
      {
        name: 'a follower that drops the entries after a matching snapshot (Figure 13, step 6: "If existing log entry has same index and term as snapshot\'s last included entry, retain log entries following it"): RF',
        log: [
          ...fiveOnTwo,
          // A late InstallSnapshot through index 3: the follower held index 3 term 1, yet discards 4-5.
          ...installSnapshot(50, 0, 1, 1, 3, 1, { data: ABC }),
          ...append(60, 0, 1, 1, { prev: 5, prevTerm: 1, commit: 5 }, false),
        ],
        want: [
          {
            check: 'RF',
            servers: [1],
            t: 60,
            says: "server 1 refused a term-1 AppendEntries from server 0 while in term 1 itself, though its log passes the check (an entry at prevLogIndex 5 with term 1, accepted from server 0's term-1 AppendEntries at t=30 ms)",
          },
        ],
      },
      {
        name: "a leader that does not advance nextIndex after InstallSnapshot: no rule of Figures 2 and 13 is broken (the lab's one() names it: below)",
        log: [
          ...behind,
          ...installSnapshot(70, 0, 2, 1, 3, 1, { data: ABC, effects: [applySnapshot(70, 2, 3, ABC, 1, 2)] }),
          ...[180, 290, 400, 510].flatMap((t) => installSnapshot(t, 0, 2, 1, 3, 1, { data: ABC })),
        ],
        want: [],
        options: { policy: { ST: 'off' } },
      },
      {
        name: 'a stale-term InstallSnapshot installed (Figure 13, step 1: "Reply immediately if term < currentTerm"): RF',
        log: [
          ...term2,
          ...installSnapshot(600, 0, 2, 1, 3, 1, {
            data: ABC,
            replyTerm: 2,
            effects: [persist(600, 2, { size: ABC.length, index: 3 }), applySnapshot(600, 2, 3, ABC)],
          }),
        ],
        want: [
          { check: 'RF', servers: [2], term: 2, t: 600, says: 'it stored a snapshot through index 3, and delivered a snapshot through index 3 to its service' },
        ],
        options: { policy: { ST: 'off' } },
      },
    ];
    table(rows);

    it("a leader that does not advance nextIndex after InstallSnapshot: the lab's one() names it (LAB), on a cluster of three", async function () {
      // Its follower only ever gets snapshots: it catches up to each, never past it.
      class NextIndexStays extends Raft {
        protected override onInstallSnapshotReply(peer: number, args: InstallSnapshotArgs): void {
          if (args.lastIncludedIndex > (this.matchIndex[peer] ?? 0)) this.matchIndex[peer] = args.lastIncludedIndex;
        }
      }
      const test = testNamed('TestSnapshotInstall2D');
      if (test === undefined) throw new Error('no TestSnapshotInstall2D');
      const s = await stressRaft(variantRaft(makeVariant(NextIndexStays)), { tests: [test], seeds: 1, baseSeed: 20261126, roundSeeds: 1 });
      expect(s.first?.check, s.first?.message).to.equal('LAB');
      expect(s.first?.message).to.match(/^one\(\d+\) failed to reach agreement/);
    });
  });

  describe('L21 (an InstallSnapshot older than the commit index is accepted), on a follower driven by hand', function () {
    /**
     * Server 0 of three, the Raft under test, follows server 1 (term 1): it
     * takes c1-c12 and applies them (the tester's snapshot applier hands it
     * a snapshot through index 9 on the way); then a late copy of the
     * leader's InstallSnapshot through index 9 arrives, then a heartbeat.
     * What it does is recorded as the network and the tester record it.
     */
    function drive(Variant: typeof Raft): Log {
      const world = new World('virtual', 1);
      const runtime = world.runtime('server-0');
      const peers = [0, 1, 2].map(() => new FakePeer(() => runtime.now()));
      const entries: LogEntry[] = Array.from({ length: 12 }, (_, j) => ({ term: 1, command: `c${j + 1}` }));
      // Server 2 acknowledged them all: the leader may commit them.
      const log: Log = [...boot(3), ...elect(10, 1, 1, [2]), ...append(15, 1, 2, 1, { entries })];
      const applied: unknown[] = [null];
      const made: { raft?: Raft } = {};
      let t = 20;
      const channel: ApplyChannel = {
        send: (msg: ApplyMsg) => {
          log.push(applyEventOf(t, msg));
          if (msg.snapshotValid === true) return;
          applied[msg.commandIndex] = msg.command;
          if ((msg.commandIndex + 1) % 10 !== 0) return;
          const snapshot = encodeSnapshot(msg.commandIndex, applied.slice(0, msg.commandIndex + 1));
          log.push({ kind: 'snapshot', t, server: 0, incarnation: 1, index: msg.commandIndex, size: snapshot.length });
          made.raft?.snapshot(msg.commandIndex, snapshot);
        },
      };
      const raft = new Variant(peers, 0, new MemoryPersister(), channel, runtime);
      made.raft = raft;
      let rpc = 50000;
      const exchange = (method: string, args: AppendEntriesArgs | InstallSnapshotArgs, handle: () => unknown): void => {
        const id = rpc++;
        log.push({ kind: 'send', t, id, from: 1, to: 0, method, args, bytes: 100 });
        log.push({ kind: 'deliver', t, id, from: 1, to: 0, method, args, duplicate: false });
        const reply = handle();
        log.push({ kind: 'handled', t, id, from: 1, to: 0, method, args, reply, duplicate: false });
        log.push({ kind: 'reply', t, id, from: 1, to: 0, method, args, reply, bytes: 20 });
      };
      const ae: AppendEntriesArgs = { term: 1, leaderId: 1, prevLogIndex: 0, prevLogTerm: 0, entries, leaderCommit: 12 };
      exchange(RPC.AppendEntries, ae, () => raft.appendEntries(ae));
      t = 130;
      const late: InstallSnapshotArgs = {
        term: 1,
        leaderId: 1,
        lastIncludedIndex: 9,
        lastIncludedTerm: 1,
        data: encodeSnapshot(9, [null, ...entries.slice(0, 9).map((e) => e.command)]),
      };
      exchange(RPC.InstallSnapshot, late, () => raft.installSnapshot(late));
      t = 240;
      const heartbeat: AppendEntriesArgs = { term: 1, leaderId: 1, prevLogIndex: 12, prevLogTerm: 1, entries: [], leaderCommit: 12 };
      exchange(RPC.AppendEntries, heartbeat, () => raft.appendEntries(heartbeat));
      raft.kill();
      return log;
    }

    it('the reference ignores it: every check passes', function () {
      expectViolations(judge(drive(Raft)), []);
    });

    it('the mutant installs it and delivers a snapshot through index 9 after applying index 12: AO, "snapshot moved backwards"', function () {
      expectViolations(judge(drive(SnapshotGoesBack)), [
        {
          check: 'AO',
          servers: [0],
          t: 130,
          says: 'server 0 snapshot moved backwards: incarnation 1 delivered a snapshot through index 9 after it had applied index 12',
        },
      ]);
    });
  });
});

/** An ApplyMsg as the tester records it (tester/config.ts). */
function applyEventOf(t: number, msg: ApplyMsg): TesterEvent {
  return {
    kind: 'apply',
    t,
    server: 0,
    incarnation: 1,
    commandValid: msg.commandValid,
    command: msg.command,
    index: msg.snapshotValid === true ? 0 : msg.commandIndex,
    ...(msg.snapshotValid === true && {
      snapshotValid: true as const,
      snapshot: msg.snapshot as string,
      snapshotIndex: msg.snapshotIndex as number,
      snapshotTerm: msg.snapshotTerm as number,
    }),
  };
}
