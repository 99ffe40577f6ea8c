// Log compaction of the reference Raft, driven by hand (lab 2D): §7 of the
// Raft paper and its Figure 13 (InstallSnapshot). Each test is named after
// the sentence it checks.
import { expect } from 'chai';
import type { AppendEntriesArgs, ApplyChannel, ApplyMsg, InstallSnapshotArgs, LogEntry } from '../../raft/contract.ts';
import { Follower, Leader, Raft } from '../../raft/raft.ts';
import { ApplyLog, MemoryPersister } from '../../tester/persister.ts';
import { flush, harness, runUntil, type Harness } from './fakes.ts';

/** Entries with these terms; each command names its index. */
function entries(terms: number[], from = 1): LogEntry[] {
  return terms.map((term, i) => ({ term, command: `c${from + i}` }));
}

function ae(term: number, prevLogIndex: number, prevLogTerm: number, terms: number[], leaderCommit = 0): AppendEntriesArgs {
  return { term, leaderId: 1, prevLogIndex, prevLogTerm, entries: entries(terms, prevLogIndex + 1), leaderCommit };
}

function is(term: number, lastIncludedIndex: number, lastIncludedTerm: number, data = `snap${lastIncludedIndex}`): InstallSnapshotArgs {
  return { term, leaderId: 1, lastIncludedIndex, lastIncludedTerm, data };
}

/** The indexes and terms the log holds beyond the snapshot. */
function held(raft: Raft): [index: number, term: number][] {
  return raft.log.slice(1).map((e, i) => [raft.lastIncludedIndex + 1 + i, e.term]);
}

function messages(raft: Raft): ApplyMsg[] {
  return (raft.applyCh as ApplyLog).messages;
}

function persister(raft: Raft): MemoryPersister {
  return raft.persister as MemoryPersister;
}

function savedState(raft: Raft): Record<string, unknown> {
  return JSON.parse(persister(raft).readRaftState()) as Record<string, unknown>;
}

/** A follower (server 0 of 3) whose log has these terms, committed and applied through `commit`. */
function follower(terms: number[], commit: number, term = Math.max(1, ...terms)): Harness {
  const h = harness(3, 0);
  h.raft.appendEntries(ae(term, 0, 0, terms, commit));
  expect(h.raft.commitIndex).to.equal(commit);
  return h;
}

/** The same server restarted on its persister (a fresh apply channel). */
function restart(h: Harness): Raft {
  return new Raft(h.peers, h.raft.me, persister(h.raft).copy(), new ApplyLog(), h.runtime);
}

describe('raft: log compaction (§7, Figure 13)', function () {
  describe('snapshot() from the service', function () {
    it('"it may delete all log entries up through the last included index": the log keeps only what follows, indexes unchanged', function () {
      const { raft } = follower([1, 1, 2, 2, 3], 4);
      raft.snapshot(3, 'snap3');
      expect(raft.lastIncludedIndex).to.equal(3);
      expect(held(raft)).to.deep.equal([
        [4, 2],
        [5, 3],
      ]);
      expect(raft.lastLogIndex()).to.equal(5);
      expect(raft.lastLogTerm()).to.equal(3);
    });

    it('"the last included term ... preserved to support the AppendEntries consistency check for the first log entry following the snapshot"', function () {
      const { raft } = follower([1, 1, 2, 2], 4);
      raft.snapshot(4, 'snap4');
      expect(raft.lastIncludedTerm()).to.equal(2);
      expect(raft.log, 'nothing beyond the snapshot').to.have.length(1);
      expect(raft.appendEntries(ae(3, 4, 2, [3], 5))).to.include({ success: true });
      expect(held(raft)).to.deep.equal([[5, 3]]);
      expect(raft.appendEntries(ae(3, 5, 2, [3]))).to.deep.include({ success: false, xTerm: 3, xIndex: 5, xLen: 6 });
    });

    it('saves the state and the snapshot together (Save(state, snapshot)), the state with lastIncludedIndex and lastIncludedTerm', function () {
      const { raft } = follower([1, 1, 2], 3);
      const saves: (string | null)[] = [];
      const p = persister(raft);
      const save = p.save.bind(p);
      p.save = (state, snapshot) => {
        saves.push(snapshot);
        save(state, snapshot);
      };
      raft.snapshot(2, 'snap2');
      expect(saves).to.deep.equal(['snap2']);
      expect(p.readSnapshot()).to.equal('snap2');
      expect(savedState(raft)).to.deep.equal({ currentTerm: 2, votedFor: -1, log: entries([2], 3), lastIncludedIndex: 2, lastIncludedTerm: 1 });
    });

    it('without a snapshot the saved state is the 2C one, byte for byte (no metadata)', function () {
      const { raft } = follower([1, 2], 1);
      expect(persister(raft).readRaftState()).to.equal(JSON.stringify({ currentTerm: 2, votedFor: -1, log: entries([1, 2]) }));
      expect(persister(raft).readSnapshot()).to.equal('');
    });

    it('ignores an index at or below its current snapshot', function () {
      const { raft } = follower([1, 1, 1, 1], 4);
      raft.snapshot(3, 'snap3');
      raft.snapshot(3, 'again');
      raft.snapshot(2, 'older');
      expect(raft.lastIncludedIndex).to.equal(3);
      expect(raft.snapshotData).to.equal('snap3');
      expect(persister(raft).readSnapshot()).to.equal('snap3');
    });

    it('"covering just the committed entries in its log": ignores an index beyond what was applied', function () {
      const { raft } = follower([1, 1, 1, 1], 2);
      raft.snapshot(3, 'snap3');
      expect(raft.lastIncludedIndex).to.equal(0);
      expect(persister(raft).readSnapshot()).to.equal('');
    });

    it("the service may call it from inside an apply (as the lab's applier does): every command is applied once, in order", function () {
      const seen: number[] = [];
      // The Raft the service snapshots, once made.
      const made: { raft?: Raft } = {};
      const applyCh: ApplyChannel = {
        send(msg) {
          seen.push(msg.commandIndex);
          if (msg.commandValid && (msg.commandIndex + 1) % 3 === 0) made.raft?.snapshot(msg.commandIndex, `snap${msg.commandIndex}`);
        },
      };
      const h = harness(3, 0);
      const raft = new Raft(h.peers, 0, new MemoryPersister(), applyCh, h.runtime);
      made.raft = raft;
      raft.appendEntries(ae(1, 0, 0, [1, 1, 1, 1, 1, 1, 1, 1, 1], 9));
      expect(seen).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(raft.lastIncludedIndex).to.equal(8);
      expect(held(raft)).to.deep.equal([[9, 1]]);
    });
  });

  describe('InstallSnapshot receiver (Figure 13)', function () {
    it('"1. Reply immediately if term < currentTerm": with its term, installing nothing', function () {
      const { raft } = follower([1, 2], 0, 3);
      const state = persister(raft).readRaftState();
      expect(raft.installSnapshot(is(2, 5, 2))).to.deep.equal({ term: 3 });
      expect(raft.lastIncludedIndex).to.equal(0);
      expect(held(raft)).to.deep.equal([
        [1, 1],
        [2, 2],
      ]);
      expect(messages(raft)).to.have.length(0);
      expect(persister(raft).readRaftState()).to.equal(state);
      expect(persister(raft).readSnapshot()).to.equal('');
    });

    it('follows the leader as AppendEntries does: a higher term, and a candidate of the same term yields', function () {
      const { raft } = follower([1], 0, 1);
      raft.startElection(); // term 2, candidate
      expect(raft.installSnapshot(is(2, 3, 2))).to.deep.equal({ term: 2 });
      expect({ role: raft.role, votedFor: raft.votedFor }, 'same term: the vote stays').to.deep.equal({ role: Follower, votedFor: 0 });
      const other = follower([1], 0, 1).raft;
      other.role = Leader;
      expect(other.installSnapshot(is(4, 3, 2))).to.deep.equal({ term: 4 });
      expect({ role: other.role, term: other.currentTerm, votedFor: other.votedFor }).to.deep.equal({ role: Follower, term: 4, votedFor: -1 });
    });

    it('resets the election timer: InstallSnapshots every 100 ms (even ignored ones) keep a follower from starting an election', async function () {
      const { raft, peers, world } = follower([1], 1, 1);
      void raft.ticker();
      const beat = (): void => {
        if (world.clock.now() > 2000) return;
        raft.installSnapshot(is(1, 5, 1));
        world.clock.setTimer(100, beat);
      };
      beat();
      await runUntil(world, () => false, 2000);
      raft.kill();
      world.clock.cancelAll();
      expect(raft.lastIncludedIndex).to.equal(5);
      expect(
        peers.flatMap((p) => p.requestVotes()),
        'no election while they arrive',
      ).to.have.length(0);
    });

    it('a snapshot not newer than what it has committed is ignored: its service is already past it', function () {
      const { raft } = follower([1, 1, 1, 1, 1], 4);
      raft.snapshot(2, 'snap2');
      const before = messages(raft).length;
      expect(raft.installSnapshot(is(1, 3, 1))).to.deep.equal({ term: 1 });
      expect(raft.installSnapshot(is(1, 4, 1))).to.deep.equal({ term: 1 });
      expect(raft.installSnapshot(is(1, 1, 1))).to.deep.equal({ term: 1 });
      expect(raft.lastIncludedIndex).to.equal(2);
      expect(raft.snapshotData).to.equal('snap2');
      expect(held(raft).map(([i]) => i)).to.deep.equal([3, 4, 5]);
      expect(messages(raft), 'nothing delivered: the service would go back').to.have.length(before);
    });

    it('"6. If existing log entry has same index and term as snapshot\'s last included entry, retain log entries following it"', function () {
      const { raft } = follower([1, 1, 2, 2, 2, 3], 1);
      expect(raft.installSnapshot(is(3, 4, 2))).to.deep.equal({ term: 3 });
      expect(raft.lastIncludedIndex).to.equal(4);
      expect(held(raft)).to.deep.equal([
        [5, 2],
        [6, 3],
      ]);
    });

    it('"7. Discard the entire log": when the entry at the last included index has another term', function () {
      const { raft } = follower([1, 1, 2, 2, 2], 1);
      raft.installSnapshot(is(3, 4, 3));
      expect(raft.lastIncludedIndex).to.equal(4);
      expect(raft.lastIncludedTerm()).to.equal(3);
      expect(held(raft)).to.deep.equal([]);
      expect(raft.lastLogIndex()).to.equal(4);
    });

    it('"7. Discard the entire log": when the log does not reach the last included index', function () {
      const { raft } = follower([1, 1], 1);
      raft.installSnapshot(is(2, 9, 2));
      expect({ index: raft.lastIncludedIndex, term: raft.lastIncludedTerm(), last: raft.lastLogIndex() }).to.deep.equal({ index: 9, term: 2, last: 9 });
      expect(held(raft)).to.deep.equal([]);
    });

    it('"8. Reset state machine using snapshot contents": the service gets the snapshot, then applies continue after it', function () {
      const { raft } = follower([1, 1, 1], 2);
      raft.installSnapshot(is(2, 6, 2, 'state6'));
      expect(raft.commitIndex).to.equal(6);
      expect(raft.lastApplied).to.equal(6);
      expect(messages(raft).slice(2)).to.deep.equal([
        { commandValid: false, command: null, commandIndex: 0, snapshotValid: true, snapshot: 'state6', snapshotTerm: 2, snapshotIndex: 6 },
      ]);
      // The first entry after the snapshot, checked against its last included term.
      expect(raft.appendEntries(ae(2, 6, 2, [2, 2], 8))).to.include({ success: true });
      expect(
        messages(raft)
          .slice(3)
          .map((m) => m.commandIndex),
      ).to.deep.equal([7, 8]);
    });

    it('"5. Save snapshot file": the state and the snapshot together, and a restart finds both', function () {
      const h = follower([1, 1], 1);
      h.raft.installSnapshot(is(2, 5, 2, 'state5'));
      expect(persister(h.raft).readSnapshot()).to.equal('state5');
      expect(savedState(h.raft)).to.deep.include({ currentTerm: 2, lastIncludedIndex: 5, lastIncludedTerm: 2, log: [] });
      const again = restart(h);
      expect({ index: again.lastIncludedIndex, term: again.lastIncludedTerm(), commit: again.commitIndex }).to.deep.equal({ index: 5, term: 2, commit: 5 });
    });

    it('"2. Create new snapshot file if first chunk (offset is 0) ... 4. wait for more data chunks if done is false"', function () {
      const { raft } = follower([1], 1);
      expect(raft.installSnapshot({ ...is(2, 4, 2, 'ab'), offset: 0, done: false })).to.deep.equal({ term: 2 });
      expect(raft.lastIncludedIndex, 'nothing installed before the last chunk').to.equal(0);
      raft.installSnapshot({ ...is(2, 4, 2, 'XX'), offset: 5, done: true }); // not where the snapshot stands: ignored
      expect(raft.lastIncludedIndex).to.equal(0);
      raft.installSnapshot({ ...is(2, 4, 2, 'cd'), offset: 2, done: false });
      raft.installSnapshot({ ...is(2, 4, 2, 'e'), offset: 4, done: true });
      expect(raft.lastIncludedIndex).to.equal(4);
      expect(raft.snapshotData).to.equal('abcde');
      expect(messages(raft).at(-1)).to.include({ snapshotValid: true, snapshot: 'abcde', snapshotIndex: 4 });
    });

    it('an AppendEntries from before the snapshot: what lies inside it is held, what follows it is appended', function () {
      const { raft } = follower([1, 1, 1, 1], 4);
      raft.snapshot(3, 'snap3');
      expect(raft.appendEntries(ae(1, 1, 1, [1, 1]))).to.include({ success: true }); // entries 2..3: inside the snapshot
      expect(held(raft)).to.deep.equal([[4, 1]]);
      expect(raft.appendEntries(ae(2, 1, 1, [1, 1, 1, 2, 2], 6))).to.include({ success: true }); // entries 2..6
      expect(held(raft)).to.deep.equal([
        [4, 1],
        [5, 2],
        [6, 2],
      ]);
      expect(raft.commitIndex).to.equal(6);
    });
  });

  describe('leader', function () {
    /** Server 0 leading term `term` of 3 with log `terms`, every entry committed, snapshot through `snap`. */
    async function leaderWithSnapshot(terms: number[], term: number, snap: number): Promise<Harness> {
      const h = follower(terms, terms.length, term - 1);
      h.raft.snapshot(snap, `snap${snap}`);
      h.raft.startElection();
      for (let i = 1; i < 3; i++) h.peers[i]!.lastRequestVote().answer({ term, voteGranted: true });
      await flush();
      expect(h.raft.role).to.equal(Leader);
      return h;
    }

    it('"the leader must occasionally send snapshots to followers that lag behind": InstallSnapshot when nextIndex <= lastIncludedIndex', async function () {
      const { raft, peers } = await leaderWithSnapshot([1, 1, 1, 1], 2, 3);
      // Follower 1 is far behind: it had nothing.
      peers[1]!.lastAppendEntries().answer({ term: 2, success: false, xTerm: -1, xIndex: -1, xLen: 1 });
      await flush();
      expect(raft.nextIndex[1]).to.equal(1);
      const call = peers[1]!.lastInstallSnapshot();
      expect(call.args).to.deep.equal({ term: 2, leaderId: 0, lastIncludedIndex: 3, lastIncludedTerm: 1, data: 'snap3' });
      // Until it answers, every heartbeat sends it the snapshot again.
      raft.sendHeartBeats();
      expect(peers[1]!.installSnapshots()).to.have.length(2);
      expect(peers[2]!.installSnapshots(), 'a follower not behind gets AppendEntries').to.have.length(0);
      // nextIndex at the last included index itself: its previous entry is gone too.
      raft.nextIndex[2] = 3;
      raft.sendHeartBeats();
      expect(peers[2]!.lastInstallSnapshot().args).to.include({ lastIncludedIndex: 3, lastIncludedTerm: 1 });
    });

    it('a follower whose nextIndex is just after the snapshot gets AppendEntries with prevLogTerm = lastIncludedTerm', async function () {
      const { raft, peers } = await leaderWithSnapshot([1, 1, 1, 1], 2, 4);
      raft.nextIndex[1] = 5;
      raft.start('x');
      raft.sendHeartBeats();
      expect(peers[1]!.lastAppendEntries().args).to.deep.include({ prevLogIndex: 4, prevLogTerm: 1, entries: [{ term: 2, command: 'x' }] });
    });

    it('on the reply: matchIndex and nextIndex from the snapshot it sent, not its state now; then what follows, at once', async function () {
      const { raft, peers } = await leaderWithSnapshot([1, 1, 1, 1, 1, 1], 2, 3);
      raft.nextIndex[1] = 2;
      raft.sendHeartBeats();
      const call = peers[1]!.lastInstallSnapshot();
      raft.snapshot(5, 'snap5'); // compacts further while the call is out
      const aes = peers[1]!.appendEntries().length;
      call.answer({ term: 2 });
      await flush();
      expect(raft.matchIndex[1]).to.equal(3);
      expect(raft.nextIndex[1]).to.equal(4);
      // Entry 4 is gone from its log now: the next step is the newer snapshot.
      expect(peers[1]!.lastInstallSnapshot().args).to.include({ lastIncludedIndex: 5 });
      expect(peers[1]!.appendEntries()).to.have.length(aes);
      peers[1]!.lastInstallSnapshot().answer({ term: 2 });
      await flush();
      expect(raft.matchIndex[1]).to.equal(5);
      expect(peers[1]!.lastAppendEntries().args).to.deep.include({ prevLogIndex: 5, prevLogTerm: 1 });
      expect(peers[1]!.lastAppendEntries().args.entries.map((e) => e.command)).to.deep.equal(['c6']);
    });

    it('a late reply never moves matchIndex or nextIndex back', async function () {
      const { raft, peers } = await leaderWithSnapshot([1, 1, 1, 1, 1, 1], 2, 3);
      raft.nextIndex[1] = 2;
      raft.sendHeartBeats();
      const call = peers[1]!.lastInstallSnapshot();
      raft.matchIndex[1] = 6;
      raft.nextIndex[1] = 7;
      call.answer({ term: 2 });
      await flush();
      expect([raft.matchIndex[1], raft.nextIndex[1]]).to.deep.equal([6, 7]);
    });

    it('steps down on a reply with a higher term', async function () {
      const { raft, peers } = await leaderWithSnapshot([1, 1, 1, 1], 2, 3);
      raft.nextIndex[1] = 1;
      raft.sendHeartBeats();
      peers[1]!.lastInstallSnapshot().answer({ term: 5 });
      await flush();
      expect({ role: raft.role, term: raft.currentTerm }).to.deep.equal({ role: Follower, term: 5 });
    });
  });

  describe('restart', function () {
    it('reloads the snapshot and its metadata, and applies from after it', function () {
      const h = follower([1, 1, 2, 2, 2], 5);
      h.raft.snapshot(4, 'snap4');
      const again = restart(h);
      expect(again.lastIncludedIndex).to.equal(4);
      expect(again.lastIncludedTerm()).to.equal(2);
      expect(again.snapshotData).to.equal('snap4');
      expect({ commit: again.commitIndex, applied: again.lastApplied }).to.deep.equal({ commit: 4, applied: 4 });
      expect(held(again)).to.deep.equal([[5, 2]]);
      again.appendEntries(ae(2, 5, 2, [2], 6));
      expect(
        messages(again).map((m) => m.commandIndex),
        'the service read the snapshot itself: applies continue at 5',
      ).to.deep.equal([5, 6]);
    });

    it('Save(state, snapshot) after a restart: a restarted server that saves never erases the snapshot', function () {
      const h = follower([1, 1, 1], 3);
      h.raft.snapshot(3, 'snap3');
      const again = restart(h);
      const p = persister(again);
      again.requestVote({ term: 7, candidateId: 2, lastLogIndex: 9, lastLogTerm: 5 }); // a new term and a vote: saves
      again.appendEntries(ae(7, 3, 1, [7]));
      expect(p.readSnapshot()).to.equal('snap3');
      const third = new Raft(h.peers, 0, p.copy(), new ApplyLog(), h.runtime);
      expect({ index: third.lastIncludedIndex, snapshot: third.snapshotData, term: third.currentTerm }).to.deep.equal({ index: 3, snapshot: 'snap3', term: 7 });
      expect(held(third)).to.deep.equal([[4, 7]]);
    });
  });
});
