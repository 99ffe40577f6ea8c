// The lab's Persister (the Raft state and, from lab 2D, the snapshot) and a
// plain apply channel for unit tests.
import type { ApplyChannel, ApplyMsg, Persister } from '../raft/contract.ts';

export class MemoryPersister implements Persister {
  private state = '';
  private snap = '';
  /**
   * Told of every save, while this persister is the server's (the config
   * layer detaches it at crash1: the lab's later writes by the old
   * instance land in a copy nobody reads).
   */
  onSave: ((bytes: number) => void) | undefined;

  saveRaftState(state: string): void {
    this.state = state;
    // Its length, not Buffer.byteLength: that walks the whole text (and
    // flattens a string built by concatenation) on every save, a cost that
    // grows with the log of a Raft that writes its whole log each time
    // (BENCHMARKS.md, "Lab 2C"). The same measure as raftStateSize().
    this.onSave?.(state.length);
  }

  /** The lab's Save(state, snapshot): both at once; a null snapshot erases the stored one. */
  save(raftState: string, snapshot: string | null): void {
    this.snap = snapshot ?? '';
    this.saveRaftState(raftState);
  }

  readRaftState(): string {
    return this.state;
  }

  raftStateSize(): number {
    return this.state.length;
  }

  readSnapshot(): string {
    return this.snap;
  }

  snapshotSize(): number {
    return this.snap.length;
  }

  /** A fresh persister with the same content (and no listener), as the lab's Copy(). */
  copy(): MemoryPersister {
    const twin = new MemoryPersister();
    twin.state = this.state;
    twin.snap = this.snap;
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
