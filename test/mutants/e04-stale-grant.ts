// E04: "A granted reply is counted without checking that the candidate is
// still a candidate in the term the request was sent in (a reply from an
// earlier election counts)."
// Expected: QC, ES.
import { Raft } from '../../raft/raft.ts';
import { makeVariant } from './variant.ts';

export class CountsStaleGrants extends Raft {
  // BUG (E04): the reference counts a grant only while `role === Candidate &&
  // currentTerm === term` (term: the term the request was sent in).
  protected override grantCounts(_term: number): boolean {
    return true;
  }
}

export const make = makeVariant(CountsStaleGrants);
export { persists } from './variant.ts';
