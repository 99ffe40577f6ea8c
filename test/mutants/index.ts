// The registry of broken variants: one per known election bug and per
// visible log bug of the catalogue of known Raft bugs (see
// docs/mutants-and-variants.md), each a small change to the reference
// Raft (raft/raft.ts) kept here, in the test code, never in the reference.
//
// expectedChecks: the checks the catalogue says catch the bug, plus
// LAB where the lab's own checks (checkOneLeader, checkNoLeader, checkTerms)
// catch it too (measured: `npm run mutants`). A variant counts as caught
// only when one of these names it.
//
// RND (E15) is in the catalogue, but the harness has no RND monitor
// (tester/check-ids.ts MONITOR_CHECKS): LV catches E15, in the fuzzer's
// liveness phases on a lossless network with small delays, where servers
// whose timers expire together really do split the vote.
import type { MakeRaft } from '../../raft/contract.ts';
import { make as e01 } from './e01-votes-twice.ts';
import { make as e04 } from './e04-stale-grant.ts';
import { make as e06 } from './e06-short-majority.ts';
import { make as e08 } from './e08-keeps-role.ts';
import { make as e12 } from './e12-heartbeat-no-reset.ts';
import { make as e14 } from './e14-candidate-gives-up.ts';
import { make as e15 } from './e15-fixed-timeout.ts';
import { make as e16 } from './e16-fast-heartbeats.ts';
import { make as e17 } from './e17-late-first-heartbeat.ts';
import { make as e18 } from './e18-awaits-each-vote.ts';
import { make as e20 } from './e20-heartbeat-loop-survives.ts';
import { make as e22 } from './e22-stale-leader-flag.ts';
import { make as l01 } from './l01-truncates-always.ts';
import { make as l02 } from './l02-commits-old-term.ts';
import { make as l03 } from './l03-commit-uncapped.ts';
import { make as l05 } from './l05-ignores-prev-term.ts';
import { make as l06 } from './l06-votes-for-stale-logs.ts';
import { make as l09 } from './l09-log-not-persisted.ts';
import { make as l11 } from './l11-backs-up-one-by-one.ts';
import { make as l12 } from './l12-applies-twice.ts';
import { make as l13 } from './l13-killed-keeps-applying.ts';
import { make as l17 } from './l17-start-index-off-by-one.ts';
import { make as l19 } from './l19-log-not-trimmed.ts';
import { make as l21 } from './l21-snapshot-goes-back.ts';
import { make as l22 } from './l22-snapshot-not-reloaded.ts';
import { make as l24 } from './l24-apply-snapshot-deadlock.ts';
import { make as l30 } from './l30-stale-append-reply.ts';
import { make as l31 } from './l31-leader-state-kept.ts';

export interface Mutant {
  id: string;
  /** The bug, as the reference table words it. */
  bug: string;
  make: MakeRaft;
  expectedChecks: string[];
  /** The file that holds the variant: it exports make(), so it also works as --raft MODULE. */
  file: string;
  /** A lab 2D bug: its fuzz campaign draws lab 2D's scenarios (fuzz --lab 2D: the snapshot applier and its steps). */
  lab2D?: true;
}

export const MUTANTS: Mutant[] = [
  {
    id: 'E01',
    bug: 'RequestVote grants a vote for an equal or higher term without checking whom it already voted for in that term',
    make: e01,
    expectedChecks: ['V1', 'ES', 'LAB'],
    file: 'test/mutants/e01-votes-twice.ts',
  },
  {
    id: 'E04',
    bug: 'A granted reply is counted without checking that the candidate is still a candidate in the term the request was sent in (a reply from an earlier election counts)',
    make: e04,
    expectedChecks: ['QC', 'ES'],
    file: 'test/mutants/e04-stale-grant.ts',
  },
  {
    id: 'E06',
    bug: 'Majority computed as `votes >= floor(N/2)`',
    make: e06,
    expectedChecks: ['QC', 'ES', 'LAB'],
    file: 'test/mutants/e06-short-majority.ts',
  },
  {
    id: 'E08',
    bug: 'On seeing a higher term the server adopts it but stays leader or candidate',
    make: e08,
    expectedChecks: ['ES', 'AEL', 'TA', 'LAB'],
    file: 'test/mutants/e08-keeps-role.ts',
  },
  {
    id: 'E12',
    bug: "A heartbeat does not reset the follower's election timer",
    make: e12,
    expectedChecks: ['ST'],
    file: 'test/mutants/e12-heartbeat-no-reset.ts',
  },
  {
    id: 'E14',
    bug: 'A candidate whose election fails never starts another one',
    make: e14,
    expectedChecks: ['LV', 'LAB'],
    file: 'test/mutants/e14-candidate-gives-up.ts',
  },
  {
    id: 'E15',
    bug: 'Every server uses the same fixed election timeout',
    make: e15,
    expectedChecks: ['LV', 'RND'],
    file: 'test/mutants/e15-fixed-timeout.ts',
  },
  {
    id: 'E16',
    bug: 'The leader sends heartbeats every 20 ms',
    make: e16,
    expectedChecks: ['HB'],
    file: 'test/mutants/e16-fast-heartbeats.ts',
  },
  {
    id: 'E17',
    bug: 'A new leader waits a full heartbeat interval (or longer than the minimum election timeout) before its first heartbeat',
    make: e17,
    expectedChecks: ['ST', 'LA'],
    file: 'test/mutants/e17-late-first-heartbeat.ts',
  },
  {
    id: 'E18',
    bug: 'The candidate or leader awaits each RPC in turn (or all of them) before going on',
    make: e18,
    expectedChecks: ['LV', 'ST', 'LAB'],
    file: 'test/mutants/e18-awaits-each-vote.ts',
  },
  {
    id: 'E20',
    bug: 'The heartbeat loop keeps running after the leader steps down, sending with its new term',
    make: e20,
    expectedChecks: ['AEL', 'ES', 'LAB'],
    file: 'test/mutants/e20-heartbeat-loop-survives.ts',
  },
  {
    id: 'E22',
    bug: '`getState()` reads a separate leader flag that step-down does not clear',
    make: e22,
    expectedChecks: ['ES', 'LAB'],
    file: 'test/mutants/e22-stale-leader-flag.ts',
  },
  // ---- log bugs (lab 2B) ----
  {
    id: 'L01',
    bug: 'A follower truncates its log after prevLogIndex on every AppendEntries, even when the entries match (a stale, reordered AppendEntries erases newer entries)',
    make: l01,
    // RF: the follower then refuses a request whose previous entry it had acknowledged.
    expectedChecks: ['LM', 'RF', 'SMS', 'CM'],
    file: 'test/mutants/l01-truncates-always.ts',
  },
  {
    id: 'L02',
    bug: 'A leader commits an entry of an earlier term by counting replicas',
    make: l02,
    expectedChecks: ['CM', 'SMS', 'LAB'],
    file: 'test/mutants/l02-commits-old-term.ts',
  },
  {
    id: 'L03',
    bug: 'A follower sets commitIndex to leaderCommit without capping it at the index of the last new entry',
    make: l03,
    expectedChecks: ['SMS', 'CM', 'LAB'],
    file: 'test/mutants/l03-commit-uncapped.ts',
  },
  {
    id: 'L05',
    bug: 'A follower checks prevLogIndex but not prevLogTerm',
    make: l05,
    expectedChecks: ['LM', 'SMS', 'CM', 'LAB'],
    file: 'test/mutants/l05-ignores-prev-term.ts',
  },
  {
    id: 'L06',
    bug: 'A vote is granted without the up-to-date check (§5.4.1)',
    make: l06,
    expectedChecks: ['LC', 'SMS', 'LAB'],
    file: 'test/mutants/l06-votes-for-stale-logs.ts',
  },
  {
    id: 'L09',
    bug: 'The log is not persisted before a reply that acknowledges it',
    make: l09,
    // DUR: a restarted follower no longer holds what it acknowledged; SMS once a lost committed entry is overwritten.
    expectedChecks: ['DUR', 'SMS', 'LC', 'LAB'],
    file: 'test/mutants/l09-log-not-persisted.ts',
  },
  {
    id: 'L11',
    bug: 'A leader backs up nextIndex one entry per RPC',
    make: l11,
    // LAB: one() in the fuzzer's liveness phase (or the lab's Backup) runs out of time.
    expectedChecks: ['LAB', 'LV'],
    file: 'test/mutants/l11-backs-up-one-by-one.ts',
  },
  {
    id: 'L12',
    bug: 'A server applies an index twice, or skips one',
    make: l12,
    expectedChecks: ['AO', 'LAB'],
    file: 'test/mutants/l12-applies-twice.ts',
  },
  {
    id: 'L13',
    bug: 'A killed server keeps applying',
    make: l13,
    // AO: a killed incarnation applies on (the lab's snapshot applier would see it out of order). The
    // lab's 2C checks alone cannot: a zombie's applies there are the committed commands, in order.
    expectedChecks: ['AO', 'SMS'],
    file: 'test/mutants/l13-killed-keeps-applying.ts',
  },
  {
    id: 'L17',
    bug: '`start()` returns an index off by one',
    make: l17,
    expectedChecks: ['SI', 'LAB'],
    file: 'test/mutants/l17-start-index-off-by-one.ts',
  },
  // ---- lab 2D: log compaction ----
  {
    id: 'L19',
    bug: 'The log is not trimmed after `snapshot()`',
    make: l19,
    expectedChecks: ['LAB'],
    file: 'test/mutants/l19-log-not-trimmed.ts',
    lab2D: true,
  },
  {
    id: 'L21',
    bug: 'An InstallSnapshot older than the commit index is accepted: the snapshot goes backwards',
    make: l21,
    // AO ("snapshot moved backwards"): a late or duplicated InstallSnapshot reaches a follower that
    // has applied beyond it. The lab's checks pass it: ingestSnap does not check that snapshots move
    // forward, and the commands applied again are the same ones.
    expectedChecks: ['AO'],
    file: 'test/mutants/l21-snapshot-goes-back.ts',
    lab2D: true,
  },
  {
    id: 'L22',
    bug: 'The snapshot is not reloaded on restart (and the next save erases it)',
    make: l22,
    // DUR: the restart after the erasing save finds no snapshot, yet applies from after the old one;
    // the lab's applier then names it too ("expected index 1, got 10").
    expectedChecks: ['DUR', 'LAB'],
    file: 'test/mutants/l22-snapshot-not-reloaded.ts',
    lab2D: true,
  },
  {
    id: 'L24',
    bug: 'An apply that waits on a snapshot that waits on the apply: the apply loop holds an async lock across its send and then awaits the snapshot() the service called from inside it, which needs that lock (the JavaScript form of the apply-channel deadlock)',
    make: l24,
    // RAFT: the tester's snapshot() call, made from inside the apply as the lab's applier makes it, is
    // still pending after labrpc's stuck-handler time, and that server has applied nothing since.
    expectedChecks: ['RAFT'],
    file: 'test/mutants/l24-apply-snapshot-deadlock.ts',
    lab2D: true,
  },
  // ---- bugs only a nemesis finds: a leader cut off with a follower, replies late across re-elections ----
  {
    id: 'L30',
    bug: 'Term confusion on AppendEntries replies: the leader handles a reply without checking that it still leads in the term the request was sent in',
    make: l30,
    // CM: a reply of an earlier term counts the follower for an entry of the current term; SMS once it
    // is overwritten; LAB: the stale reply's nextIndex keeps the follower from being brought up to date.
    expectedChecks: ['CM', 'SMS', 'LC', 'LAB'],
    file: 'test/mutants/l30-stale-append-reply.ts',
  },
  {
    id: 'L31',
    bug: 'Leader state not reset on election: a new leader keeps nextIndex and matchIndex from an earlier term in which it led',
    make: l31,
    // CM, SMS, LC as L30; LAB or LV: the stale nextIndex keeps a follower from being brought up to date.
    expectedChecks: ['CM', 'SMS', 'LC', 'LAB', 'LV'],
    file: 'test/mutants/l31-leader-state-kept.ts',
  },
];
