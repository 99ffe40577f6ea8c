// E17: "A new leader waits a full heartbeat interval (or longer than the
// minimum election timeout) before its first heartbeat."
// Expected: ST, LA.
import { Leader, Raft } from '../../raft/raft.ts';
import { makeVariant } from './variant.ts';

export class LateFirstHeartbeat extends Raft {
  protected override becomeLeader(): void {
    this.role = Leader;
    // BUG (E17): the reference calls this.sendHeartBeats() at once; here the
    // heartbeat clock starts now, so the ticker sends the first heartbeat
    // one full interval (110 ms, 110..140 ms with the 30 ms ticker) later.
    this.lastHeartbeatAt = this.runtime.now();
  }
}

export const make = makeVariant(LateFirstHeartbeat);
export { persists } from './variant.ts';
