// E14: "A candidate whose election fails never starts another one."
// Expected: LV.
import { Candidate, Raft } from '../../raft/raft.ts';
import { makeVariant } from './variant.ts';

export class CandidateGivesUp extends Raft {
  override startElection(): void {
    // BUG (E14): only a follower's timeout starts an election; a candidate
    // stays one (until a heartbeat or a higher term reaches it).
    if (this.role === Candidate) return;
    super.startElection();
  }
}

export const make = makeVariant(CandidateGivesUp);
export { persists } from './variant.ts';
