// L05: "A follower checks prevLogIndex but not prevLogTerm."
// Expected: LM.
import { Raft } from '../../raft/raft.ts';
import { makeVariant } from './variant.ts';

export class IgnoresPrevTerm extends Raft {
  // BUG (L05): the reference also compares the term at prevLogIndex (Figure 2, receiver rule 2).
  protected override prevLogMatches(): boolean {
    return true;
  }
}

export const make = makeVariant(IgnoresPrevTerm);
export { persists } from './variant.ts';
