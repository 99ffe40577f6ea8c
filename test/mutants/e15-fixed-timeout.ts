// E15: "Every server uses the same fixed election timeout."
// Expected: LV, RND (the harness has no RND monitor: see index.ts).
import { Raft } from '../../raft/raft.ts';
import { makeVariant } from './variant.ts';

/** The one timeout every server uses, in the design's 150..300 ms range. */
export const FIXED_ELECTION_TIMEOUT_MS = 200;

export class FixedElectionTimeout extends Raft {
  // BUG (E15): the reference draws uniformly from its range (250..500 ms), per server and per round.
  override getRandElectionTimeOut(): number {
    return FIXED_ELECTION_TIMEOUT_MS;
  }
}

export const make = makeVariant(FixedElectionTimeout);
export { persists } from './variant.ts';
