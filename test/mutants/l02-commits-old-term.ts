// L02: "A leader commits an entry of an earlier term by counting replicas."
// Expected: CM (Figure 8's rule), SMS.
import { Raft } from '../../raft/raft.ts';
import { makeVariant } from './variant.ts';

export class CommitsOldTerm extends Raft {
  // BUG (L02): the reference counts replicas only for entries of its own term (§5.4.2).
  protected override countsTowardCommit(): boolean {
    return true;
  }
}

export const make = makeVariant(CommitsOldTerm);
export { persists } from './variant.ts';
