// E06: "Majority computed as `votes >= floor(N/2)`."
// Expected: QC, ES, checkNoLeader (LAB).
import { Raft } from '../../raft/raft.ts';
import { makeVariant } from './variant.ts';

export class ShortMajority extends Raft {
  // BUG (E06): the reference needs floor(N/2) + 1 votes, itself included.
  protected override majority(): number {
    return Math.floor(this.peers.length / 2);
  }
}

export const make = makeVariant(ShortMajority);
export { persists } from './variant.ts';
