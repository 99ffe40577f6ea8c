// L31: "Leader state not reset on election: a new leader does not
// reinitialise nextIndex and matchIndex."
// Expected: CM (a command applied before a majority held it), SMS, LC; LAB
// or LV when a follower is never brought up to date.
//
// As students write it: nextIndex[] and matchIndex[] are set up once (in
// Make(), Figure 2 lists them as leaders' state) and never again, though
// Figure 2 says "reinitialized after election". A server that led term T,
// with a follower that acknowledged a long tail of its log, then lost
// leadership, had both logs overwritten (§5.3) and leads again in T' keeps
// that follower's matchIndex of term T: it counts the follower for entries of
// T' at those indexes, which it does not hold, and commits them without a
// majority. (And the follower's stale nextIndex, beyond the leader's log,
// keeps it from being brought up to date: a refusal of a prevLogIndex other
// than nextIndex - 1 is taken as stale.)
import { Leader, Raft } from '../../raft/raft.ts';
import { makeVariant } from './variant.ts';

export class KeepsLeaderState extends Raft {
  protected override becomeLeader(): void {
    this.role = Leader;
    // BUG (L31): the reference fills nextIndex with its log length and
    // matchIndex with 0 at every election; here only the first one sets them up.
    if (this.nextIndex.length === 0) {
      this.nextIndex = new Array<number>(this.peers.length).fill(this.log.length);
      this.matchIndex = new Array<number>(this.peers.length).fill(0);
    }
    this.matchIndex[this.me] = this.lastLogIndex();
    this.sendHeartBeats();
  }
}

export const make = makeVariant(KeepsLeaderState);
export { persists } from './variant.ts';
