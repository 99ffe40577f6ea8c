// L24: "An apply that waits on a snapshot that waits on the apply": the
// JavaScript form of the lab's apply-channel deadlock.
// Expected: RAFT, in the first 2D test that snapshots (TestSnapshotBasic2D):
// the tester calls snapshot() from inside the apply of every tenth command
// (the lab's applier calls Snapshot() from the goroutine that reads the
// channel), and here the promise snapshot() returns never settles.
//
// The student translated Go's rf.mu into an async mutex and, as the lab's
// text warns against, holds it while sending on the apply channel. In Go
// that send blocks until the applier has run Snapshot(), which needs rf.mu:
// deadlock. In JavaScript a send cannot block, so the same code would be
// harmless, but this student also knows that snapshot() trims the log (§7,
// Figure 13) and, to look up the next entry at the right offset, has the
// apply loop wait, still holding the lock, for the trim the service asked
// for. The trim waits for the lock; the lock waits for the trim. Neither
// ever runs again: that server applies nothing more and its snapshot()
// never returns.
import { Raft } from '../../raft/raft.ts';
import { makeVariant } from './variant.ts';

/** Go's sync.Mutex, translated: lock() resolves once the holder unlocks. */
class Mutex {
  private held = false;
  private readonly waiters: (() => void)[] = [];

  async lock(): Promise<void> {
    if (!this.held) {
      this.held = true;
      return;
    }
    await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  unlock(): void {
    const next = this.waiters.shift();
    if (next !== undefined) next();
    else this.held = false;
  }
}

export class ApplySnapshotDeadlock extends Raft {
  private readonly mu = new Mutex();
  /** The trim snapshot() started, which the apply loop waits for. */
  private trimming: Promise<void> | undefined;
  private applying = false;

  /** Figure 2's apply rule, as an async loop under the lock (one loop at a time). */
  protected override applyCommitted(): void {
    if (!this.applying) void this.applyLoop();
  }

  private async applyLoop(): Promise<void> {
    this.applying = true;
    await this.mu.lock();
    try {
      while (this.lastApplied < this.commitIndex && !this.killed()) {
        this.lastApplied++;
        const entry = this.entryAt(this.lastApplied);
        // BUG (L24): the lock is held across the send, as in Go...
        this.applyCh.send({ commandValid: true, command: entry.command, commandIndex: this.lastApplied });
        // ...and the loop then waits for the snapshot the service asked for
        // from inside that send, which needs the lock this loop holds.
        if (this.trimming !== undefined) await this.trimming;
      }
    } finally {
      this.mu.unlock();
      this.applying = false;
    }
  }

  // A promise where the contract says void: the student's snapshot() takes the lock, as every Go method of the lab's Raft does.
  // eslint-disable-next-line @typescript-eslint/no-misused-promises
  override async snapshot(index: number, data: string): Promise<void> {
    const trim = async (): Promise<void> => {
      await this.mu.lock();
      try {
        super.snapshot(index, data);
      } finally {
        this.mu.unlock();
      }
    };
    this.trimming = trim();
    await this.trimming;
    this.trimming = undefined;
  }
}

export const make = makeVariant(ApplySnapshotDeadlock);
export { persists } from './variant.ts';
