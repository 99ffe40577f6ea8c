// E22: "getState() reads a separate leader flag that step-down does not
// clear."
// Expected: ES.
import type { RaftState } from '../../raft/contract.ts';
import { Raft } from '../../raft/raft.ts';
import { makeVariant } from './variant.ts';

export class StaleLeaderFlag extends Raft {
  private isLeaderFlag = false;

  protected override becomeLeader(): void {
    this.isLeaderFlag = true;
    super.becomeLeader();
  }

  // BUG (E22): the reference answers `role === Leader`; this flag is set on
  // winning and nothing (becomeFollower included) ever clears it.
  override getState(): RaftState {
    return { term: this.currentTerm, isLeader: this.isLeaderFlag };
  }
}

export const make = makeVariant(StaleLeaderFlag);
export { persists } from './variant.ts';
