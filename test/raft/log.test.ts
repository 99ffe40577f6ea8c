// Log replication of the reference Raft, driven by hand (Figure 2 of the
// Raft paper): the receiver's rules, the leader's commit rule (Figure 8),
// backing up nextIndex with the lab's hints, start(), applies, persistence.
import { expect } from 'chai';
import type { AppendEntriesArgs, AppendEntriesReply, LogEntry } from '../../raft/contract.ts';
import { Leader, Raft } from '../../raft/raft.ts';
import type { ApplyLog, MemoryPersister } from '../../tester/persister.ts';
import { flush, harness } from './fakes.ts';

/** A log of entries with these terms (commands name their index). */
function entries(terms: number[], from = 1): LogEntry[] {
  return terms.map((term, i) => ({ term, command: `c${from + i}` }));
}

function withLog(raft: Raft, terms: number[], currentTerm = Math.max(0, ...terms)): void {
  raft.log = [{ term: 0, command: null }, ...entries(terms)];
  raft.currentTerm = currentTerm;
}

function termsOf(raft: Raft): number[] {
  return raft.log.slice(1).map((e) => e.term);
}

function ae(term: number, prevLogIndex: number, prevLogTerm: number, terms: number[], leaderCommit = 0): AppendEntriesArgs {
  return { term, leaderId: 1, prevLogIndex, prevLogTerm, entries: entries(terms, prevLogIndex + 1), leaderCommit };
}

function applied(raft: Raft): number[] {
  return (raft.applyCh as ApplyLog).messages.map((m) => m.commandIndex);
}

interface ReceiverRow {
  name: string;
  log: number[];
  args: AppendEntriesArgs;
  reply: Partial<AppendEntriesReply>;
  after: number[];
}

// prettier-ignore
const receiverRows: ReceiverRow[] = [
  { name: 'appends after a matching prev entry',                 log: [1, 1],       args: ae(2, 2, 1, [2, 2]),    reply: { success: true },                              after: [1, 1, 2, 2] },
  { name: 'a heartbeat leaves the log alone',                    log: [1, 1],       args: ae(2, 2, 1, []),        reply: { success: true },                              after: [1, 1] },
  { name: 'rejects a prev index beyond its log, with xLen',      log: [1],          args: ae(2, 3, 1, [2]),       reply: { success: false, xTerm: -1, xLen: 2 },        after: [1] },
  { name: 'rejects a prev term mismatch, with xTerm and xIndex', log: [1, 2, 2, 2], args: ae(3, 4, 3, [3]),       reply: { success: false, xTerm: 2, xIndex: 2, xLen: 5 }, after: [1, 2, 2, 2] },
  { name: 'truncates at a conflict, and only there',             log: [1, 2, 2, 2], args: ae(3, 1, 1, [2, 3]),    reply: { success: true },                              after: [1, 2, 3] },
  { name: 'keeps newer entries a stale message already holds',   log: [1, 1, 1, 1], args: ae(1, 1, 1, [1]),       reply: { success: true },                              after: [1, 1, 1, 1] },
  { name: 'rejects an older term without looking at the log',    log: [1, 2],       args: ae(1, 0, 0, [1]),       reply: { success: false, term: 2 },                    after: [1, 2] },
];

describe('raft: log replication', function () {
  describe('AppendEntries receiver (Figure 2)', function () {
    for (const row of receiverRows) {
      it(row.name, function () {
        const { raft } = harness(3, 0);
        withLog(raft, row.log);
        const reply = raft.appendEntries(row.args);
        expect(reply).to.include(row.reply);
        expect(termsOf(raft)).to.deep.equal(row.after);
      });
    }

    it('commits up to leaderCommit, capped at the last entry the message vouches for, and applies in order', function () {
      const { raft } = harness(3, 0);
      withLog(raft, [1, 1, 1, 1]); // entries 3 and 4 may be stale: not vouched for by a heartbeat at prev 2
      raft.appendEntries(ae(1, 2, 1, [], 4));
      expect(raft.commitIndex).to.equal(2);
      expect(applied(raft)).to.deep.equal([1, 2]);
      raft.appendEntries(ae(1, 2, 1, [1, 1], 4));
      expect(applied(raft)).to.deep.equal([1, 2, 3, 4]);
      raft.appendEntries(ae(1, 4, 1, [], 3)); // a lower leaderCommit never moves it back
      expect(raft.commitIndex).to.equal(4);
    });

    it('persists exactly JSON of { currentTerm, votedFor, log } after every change, however the log changed', function () {
      const { raft } = harness(3, 0);
      const saved = (): unknown => JSON.parse((raft.persister as MemoryPersister).readRaftState());
      raft.appendEntries(ae(2, 0, 0, [1, 2, 2]));
      expect((raft.persister as MemoryPersister).readRaftState()).to.equal(JSON.stringify({ currentTerm: 2, votedFor: -1, log: entries([1, 2, 2]) }));
      raft.appendEntries(ae(3, 1, 1, [3])); // truncates at index 2
      expect(saved()).to.deep.equal({ currentTerm: 3, votedFor: -1, log: entries([1, 3]) });
    });

    it('persists the log it acknowledges, and a restart reads it back', function () {
      const { raft, peers, runtime } = harness(3, 0);
      raft.appendEntries(ae(2, 0, 0, [1, 2]));
      const again = new Raft(peers, 0, raft.persister as MemoryPersister, raft.applyCh, runtime);
      expect(termsOf(again)).to.deep.equal([1, 2]);
      expect(again.currentTerm).to.equal(2);
    });
  });

  describe('RequestVote up-to-date check (§5.4.1)', function () {
    // prettier-ignore
    const rows: [lastLogIndex: number, lastLogTerm: number, granted: boolean][] = [
      [3, 2, true],  // same last term, same length
      [4, 2, true],  // same last term, longer
      [2, 2, false], // same last term, shorter
      [1, 3, true],  // later last term, even if shorter
      [9, 1, false], // earlier last term, even if longer
    ];
    for (const [lastLogIndex, lastLogTerm, granted] of rows) {
      it(`a candidate with last entry (index ${lastLogIndex}, term ${lastLogTerm}) against (3, 2): ${granted ? 'granted' : 'denied'}`, function () {
        const { raft } = harness(3, 0);
        withLog(raft, [1, 2, 2]);
        expect(raft.requestVote({ term: 5, candidateId: 1, lastLogIndex, lastLogTerm }).voteGranted).to.equal(granted);
      });
    }
  });

  describe('leader', function () {
    function leaderOf(n: number, terms: number[], term: number): ReturnType<typeof harness> {
      const h = harness(n, 0);
      withLog(h.raft, terms, term - 1);
      h.raft.startElection();
      for (let i = 1; i < n; i++) h.peers[i]!.lastRequestVote().answer({ term, voteGranted: true });
      return h;
    }

    it('start() appends at the next index and answers at once; a follower declines', async function () {
      const { raft } = leaderOf(3, [1, 1], 2);
      await flush();
      expect(raft.role).to.equal(Leader);
      expect(raft.start('x')).to.deep.equal({ index: 3, term: 2, isLeader: true });
      expect(termsOf(raft)).to.deep.equal([1, 1, 2]);
      const { raft: follower } = harness(3, 1);
      expect(follower.start('y').isLeader).to.equal(false);
      expect(follower.log).to.have.length(1);
    });

    it('sends each follower what it lacks from nextIndex, and commits a current-term entry once a majority holds it', async function () {
      const { raft, peers } = leaderOf(3, [], 1);
      await flush();
      raft.start('a');
      raft.start('b');
      raft.sendHeartBeats();
      const call = peers[1]!.lastAppendEntries();
      expect(call.args).to.deep.include({ prevLogIndex: 0, prevLogTerm: 0, leaderCommit: 0 });
      expect(call.args.entries).to.deep.equal([
        { term: 1, command: 'a' },
        { term: 1, command: 'b' },
      ]);
      call.answer({ term: 1, success: true });
      await flush();
      expect(raft.commitIndex).to.equal(2);
      expect(applied(raft)).to.deep.equal([1, 2]);
      expect(raft.nextIndex[1]).to.equal(3);
    });

    it('never commits an entry of an earlier term by counting replicas (Figure 8)', async function () {
      const { raft, peers } = leaderOf(3, [1, 1], 3);
      await flush();
      raft.sendHeartBeats();
      peers[1]!.lastAppendEntries().answer({ term: 3, success: true }); // follower 1 holds 1..2
      await flush();
      expect(raft.matchIndex[1]).to.equal(2);
      expect(raft.commitIndex, 'term-1 entries held by a majority are not committed').to.equal(0);
      raft.start('now');
      raft.sendHeartBeats();
      peers[1]!.lastAppendEntries().answer({ term: 3, success: true });
      await flush();
      expect(raft.commitIndex, 'committed through an entry of its own term').to.equal(3);
    });

    it('counts a success by what it sent, not by its log as it is when the reply comes', async function () {
      const { raft, peers } = leaderOf(3, [], 1);
      await flush();
      raft.start('a');
      raft.sendHeartBeats();
      const call = peers[1]!.lastAppendEntries();
      raft.start('b'); // appended while the call is out
      call.answer({ term: 1, success: true });
      await flush();
      expect(raft.matchIndex[1]).to.equal(1);
      expect(raft.commitIndex).to.equal(1);
    });

    // prettier-ignore
    const backups: [name: string, leaderLog: number[], reply: AppendEntriesReply, next: number][] = [
      ['follower too short: to its log length',                      [1, 1, 2, 2, 4], { term: 4, success: false, xTerm: -1, xIndex: -1, xLen: 2 }, 2],
      ['conflict in a term the leader holds: after its last of it',   [1, 1, 2, 2, 4], { term: 4, success: false, xTerm: 2, xIndex: 3, xLen: 6 },   5],
      ['conflict in a term the leader lacks: to the follower\'s first', [1, 1, 2, 2, 4], { term: 4, success: false, xTerm: 3, xIndex: 3, xLen: 6 },   3],
      ['no hints: one entry back',                                     [1, 1, 2, 2, 4], { term: 4, success: false },                                  5],
    ];
    for (const [name, log, reply, next] of backups) {
      it(`backs nextIndex up by term: ${name}`, async function () {
        const { raft, peers } = leaderOf(3, log, 5);
        await flush();
        expect(raft.nextIndex[1]).to.equal(6);
        peers[1]!.lastAppendEntries().answer(reply);
        await flush();
        expect(raft.nextIndex[1]).to.equal(next);
      });
    }

    it('"decrement nextIndex and retry" (Figure 2): a refusal is sent again at once, further back, not at the next heartbeat', async function () {
      const { raft, peers } = leaderOf(3, [1, 1, 2, 2, 4], 5);
      await flush();
      const before = peers[1]!.appendEntries().length;
      peers[1]!.lastAppendEntries().answer({ term: 5, success: false, xTerm: -1, xIndex: -1, xLen: 3 });
      await flush();
      expect(peers[1]!.appendEntries(), 'one retry, to that follower only').to.have.length(before + 1);
      expect(peers[2]!.appendEntries()).to.have.length(before);
      const retry = peers[1]!.lastAppendEntries();
      expect(retry.args).to.deep.include({ term: 5, prevLogIndex: 2, prevLogTerm: 1 });
      expect(retry.args.entries.map((e) => e.term)).to.deep.equal([2, 2, 4]);
      // A success moves nothing back: no retry.
      retry.answer({ term: 5, success: true });
      await flush();
      expect(peers[1]!.appendEntries()).to.have.length(before + 1);
      expect(raft.nextIndex[1]).to.equal(6);
    });

    it('ignores a stale rejection for a nextIndex it has already moved past', async function () {
      const { raft, peers } = leaderOf(3, [1, 1, 1], 2);
      await flush();
      const first = peers[1]!.lastAppendEntries();
      raft.sendHeartBeats();
      peers[1]!.lastAppendEntries().answer({ term: 2, success: false, xTerm: -1, xIndex: -1, xLen: 2 });
      await flush();
      expect(raft.nextIndex[1]).to.equal(2);
      first.answer({ term: 2, success: false, xTerm: -1, xIndex: -1, xLen: 1 }); // sent for nextIndex 4, since moved: ignored
      await flush();
      expect(raft.nextIndex[1]).to.equal(2);
    });
  });
});
