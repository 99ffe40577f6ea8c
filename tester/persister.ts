// The lab's Persister and apply channel, as far as 2A needs them.
import type { ApplyChannel, ApplyMsg, Persister } from '../raft/contract.ts';

export class MemoryPersister implements Persister {
  private state = '';

  saveRaftState(state: string): void {
    this.state = state;
  }

  readRaftState(): string {
    return this.state;
  }

  raftStateSize(): number {
    return this.state.length;
  }

  /** A fresh persister with the same content, as the lab's Copy(). */
  copy(): MemoryPersister {
    const twin = new MemoryPersister();
    twin.state = this.state;
    return twin;
  }
}

/** Collects what a server applies; 2A applies nothing, so the count stays 0. */
export class ApplyLog implements ApplyChannel {
  readonly messages: ApplyMsg[] = [];

  send(msg: ApplyMsg): void {
    this.messages.push(msg);
  }
}
