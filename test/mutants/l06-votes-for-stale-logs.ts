// L06: "A vote is granted without the up-to-date check (§5.4.1)."
// Expected: LC (and SMS once the stale leader overwrites a committed entry).
import { Raft } from '../../raft/raft.ts';
import { makeVariant } from './variant.ts';

export class VotesForStaleLogs extends Raft {
  // BUG (L06): the reference grants only a candidate whose log is at least as up to date as its own.
  protected override candidateUpToDate(): boolean {
    return true;
  }
}

export const make = makeVariant(VotesForStaleLogs);
export { persists } from './variant.ts';
