// E08: "On seeing a higher term the server adopts it but stays leader or
// candidate."
// Expected: ES, AEL, TA.
import { Raft } from '../../raft/raft.ts';
import { NOBODY, makeVariant } from './variant.ts';

export class KeepsRoleOnHigherTerm extends Raft {
  protected override becomeFollower(term: number): void {
    this.currentTerm = term;
    this.votedFor = NOBODY;
    // BUG (E08): the reference also sets `this.role = Follower` here.
    this.persist();
  }
}

export const make = makeVariant(KeepsRoleOnHigherTerm);
export { persists } from './variant.ts';
