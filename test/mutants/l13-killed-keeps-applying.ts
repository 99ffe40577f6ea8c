// L13: "A killed server keeps applying."
// Expected: AO (a killed incarnation applies after its server restarted, the
// lab's zombie check), SMS when what it applies disagrees.
import type { LogEntry } from '../../raft/contract.ts';
import { Raft } from '../../raft/raft.ts';
import { makeVariant } from './variant.ts';

export class KilledKeepsApplying extends Raft {
  // BUG (L13): the reference's apply loop stops once kill() has been called.
  // Here a killed server whose handlers still run (a request the network had
  // handed it before the crash) raises commitIndex and applies on.
  protected override applyCommitted(): void {
    while (this.lastApplied < this.commitIndex) {
      this.lastApplied++;
      const entry = this.log[this.lastApplied] as LogEntry;
      this.applyCh.send({ commandValid: true, command: entry.command, commandIndex: this.lastApplied });
    }
  }
}

// The 2A design's 150-300 ms election timeouts, which the reference had when
// the fuzzer found and shrank this mutant's stored scenario (test/regressions):
// the scenario replays event for event only with the timing it was found with.
export const make = makeVariant(KilledKeepsApplying, { electionTimeoutMs: [150, 300] });
export { persists } from './variant.ts';
