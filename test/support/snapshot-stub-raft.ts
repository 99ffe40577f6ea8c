// A stand-in snapshot-capable Raft for the tester's own tests of lab 2D: the
// reference Raft, which keeps its whole log in memory but persists only the
// entries after the service's last snapshot (so the Raft state stays small),
// stores that snapshot with its state, and on restart fills the compacted
// part of its log with placeholders and applies from after the snapshot.
// It never sends InstallSnapshot: it passes only the tests in which every
// server keeps up (snapshots basic, crash and restart all, initialization);
// where a server falls behind a restarted leader's snapshot, the leader sends
// placeholders, and the tester must catch that.
import type { ApplyChannel, InstallSnapshotArgs, InstallSnapshotReply, LogEntry, MakeRaft, Peer, Persister, RaftRuntime } from '../../raft/contract.ts';
import { DEFAULT_TIMING, Raft } from '../../raft/raft.ts';

/** What it persists: Figure 2's state, with only the log after the snapshot. */
interface StubState {
  currentTerm: number;
  votedFor: number;
  snapIndex: number;
  snapTerm: number;
  /** The entries at snapIndex+1, snapIndex+2, ... */
  log: LogEntry[];
}

export class StubSnapshotRaft extends Raft {
  private snapIndex = 0;
  private snapTerm = 0;
  private snap = '';

  constructor(peers: Peer[], me: number, persister: Persister, applyCh: ApplyChannel, runtime: RaftRuntime) {
    const stored = persister.readRaftState();
    const state = stored === '' ? undefined : (JSON.parse(stored) as StubState);
    // The reference reads its own form back: the compacted entries become placeholders.
    const asReference =
      state === undefined
        ? ''
        : JSON.stringify({
            currentTerm: state.currentTerm,
            votedFor: state.votedFor,
            log: [...Array.from({ length: state.snapIndex }, () => ({ term: state.snapTerm, command: null })), ...state.log],
          });
    super(peers, me, { ...bind(persister), readRaftState: () => asReference }, applyCh, runtime, DEFAULT_TIMING);
    this.snap = persister.readSnapshot();
    if (state !== undefined) {
      this.snapIndex = state.snapIndex;
      this.snapTerm = state.snapTerm;
      // The service has the snapshot (the tester ingests it at start1): apply from after it.
      this.commitIndex = state.snapIndex;
      this.lastApplied = state.snapIndex;
    }
  }

  override snapshot(index: number, snapshot: string): void {
    if (index <= this.snapIndex || index > this.log.length - 1) return;
    this.snapIndex = index;
    this.snapTerm = (this.log[index] as LogEntry).term;
    this.snap = snapshot;
    this.persist();
  }

  override installSnapshot(args: InstallSnapshotArgs): InstallSnapshotReply {
    return { term: Math.max(this.currentTerm, args.term) };
  }

  protected override persist(): void {
    const state: StubState = {
      currentTerm: this.currentTerm,
      votedFor: this.votedFor,
      snapIndex: this.snapIndex,
      snapTerm: this.snapTerm,
      log: this.log.slice(this.snapIndex + 1),
    };
    this.persister.save(JSON.stringify(state), this.snap === '' ? null : this.snap);
  }
}

function bind(persister: Persister): Persister {
  return {
    saveRaftState: (state) => persister.saveRaftState(state),
    readRaftState: () => persister.readRaftState(),
    raftStateSize: () => persister.raftStateSize(),
    save: (state, snapshot) => persister.save(state, snapshot),
    readSnapshot: () => persister.readSnapshot(),
    snapshotSize: () => persister.snapshotSize(),
  };
}

export const make: MakeRaft = (peers, me, persister, applyCh, runtime) => {
  const raft = new StubSnapshotRaft(peers, me, persister, applyCh, runtime);
  void raft.ticker();
  return raft;
};

export const persists = true;
