// E20: "The heartbeat loop keeps running after the leader steps down,
// sending with its new term."
// Expected: AEL, ES.
//
// The classic shape of this bug: winning starts a heartbeat loop of its own
// (as many Go solutions do), and the loop never checks that the server is
// still leader. The reference's ticker heartbeats only while role === Leader;
// here the ticker leaves heartbeats to that loop.
import { Leader, Raft } from '../../raft/raft.ts';
import { makeVariant } from './variant.ts';

export class HeartbeatLoopSurvives extends Raft {
  protected override becomeLeader(): void {
    this.role = Leader;
    void this.heartbeatLoop();
  }

  override isHeartBeatTimeOut(): boolean {
    return false; // The ticker's heartbeats: the loop below sends them instead.
  }

  private async heartbeatLoop(): Promise<void> {
    while (!this.killed()) {
      // BUG (E20): no `if (this.role !== Leader) return;` here. After stepping
      // down the loop goes on, and sendHeartBeats() uses the new currentTerm.
      this.sendHeartBeats();
      await this.runtime.sleep(this.timing.heartbeatMs);
    }
  }
}

export const make = makeVariant(HeartbeatLoopSurvives);
export { persists } from './variant.ts';
