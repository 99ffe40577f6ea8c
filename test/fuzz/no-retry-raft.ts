// A deliberately broken Raft for the fuzzer's regression cases (bug E14 of
// the catalogue of known election bugs, docs/mutants-and-variants.md): a candidate whose election fails
// never starts another one.
import type { MakeRaft } from '../../raft/contract.ts';
import { Candidate, Raft } from '../../raft/raft.ts';

class NoRetry extends Raft {
  private campaigned = false;

  override startElection(): void {
    if (this.campaigned && this.role === Candidate) return; // Gives up for good.
    this.campaigned = true;
    super.startElection();
  }
}

export const make: MakeRaft = (peers, me, persister, applyCh, runtime) => {
  const raft = new NoRetry(peers, me, persister, applyCh, runtime);
  void raft.ticker();
  return raft;
};
