// A lab 2C Raft for the fuzzer's tests: the reference seen without
// snapshot() and installSnapshot() (lab 2D), as a Raft written up to 2C
// is. `fuzz --lab 2D` must refuse it in one line.
import type { MakeRaft, RaftPeer } from '../../raft/contract.ts';
import { make as reference } from '../../raft/raft.ts';

export const persists = true;

export const make: MakeRaft = (peers, me, persister, applyCh, runtime) => {
  const raft = reference(peers, me, persister, applyCh, runtime);
  const only2C: RaftPeer = {
    getState: () => raft.getState(),
    kill: () => raft.kill(),
    requestVote: (args) => raft.requestVote(args),
    appendEntries: (args) => raft.appendEntries(args),
    start: (command) => (raft.start as NonNullable<RaftPeer['start']>).call(raft, command),
  };
  return only2C;
};
