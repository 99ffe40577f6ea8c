// How C07-C09 write their log to the persister: the JSON text of log[1..],
// kept up to date as the log changes. Not part of any variant's Raft (each is
// written independently); only how fast its persisting is.
import type { LogEntry } from '../../raft/contract.ts';

/**
 * The JSON text of log[1..], kept up to date as the log changes: the whole
 * log is written on every change, and re-encoding every entry each time made
 * persisting quadratic (the churn tests' logs reach thousands of entries).
 * Entries never change once in the log, so the text of the part that is
 * still the same (the same entry objects) is kept, and only what follows it
 * is encoded.
 */
export class LogJson {
  /** The entries encoded so far, and each one's text. */
  private entries: LogEntry[] = [];
  private parts: string[] = [];
  /** parts.join(','), kept as parts change. */
  private joined = '';

  /** The same text as JSON.stringify(log.slice(1)). */
  of(log: readonly LogEntry[]): string {
    let same = 0;
    const n = Math.min(this.entries.length, log.length - 1);
    while (same < n && this.entries[same] === log[same + 1]) same++;
    if (same < this.entries.length) {
      this.entries.length = same;
      this.parts.length = same;
      this.joined = this.parts.join(',');
    }
    for (let i = same + 1; i < log.length; i++) {
      const entry = log[i] as LogEntry;
      this.entries.push(entry);
      this.parts.push(JSON.stringify(entry));
    }
    if (this.parts.length > same) {
      const tail = this.parts.slice(same).join(',');
      this.joined = same === 0 ? tail : `${this.joined},${tail}`;
    }
    return `[${this.joined}]`;
  }
}
