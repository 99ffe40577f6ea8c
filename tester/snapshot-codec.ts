// The tester's own snapshot encoding (lab 2D): what the snapshot applier
// hands to snapshot() and what ingestSnap reads back (the lab's labgob of
// lastIncludedIndex and log[0..lastIncludedIndex]), here in JSON. The
// applier encodes and decodes with it; the monitors decode with it too, to
// see through compaction (a snapshot stands for every command it holds).

/** What the tester's snapshots hold: the lab's labgob encoding of (lastIncludedIndex, log[0..lastIncludedIndex]), in JSON. */
export interface TesterSnapshot {
  lastIncludedIndex: number;
  /** Slot 0 is null (the lab's nil); slot k holds the command applied at k. */
  log: unknown[];
}

/** The snapshot applier's encoding of its applied log up to index (JSON). */
export function encodeSnapshot(lastIncludedIndex: number, log: unknown[]): string {
  return JSON.stringify({ lastIncludedIndex, log } satisfies TesterSnapshot);
}

/** The tester's snapshot back from its encoding, or why it cannot be (the lab's Decode() failing). */
export function decodeSnapshot(snapshot: unknown): TesterSnapshot | string {
  if (typeof snapshot !== 'string') return `it is a ${Array.isArray(snapshot) ? 'array' : typeof snapshot}, not the string snapshot() was given`;
  let value: unknown;
  try {
    value = JSON.parse(snapshot);
  } catch {
    return `it is not the text snapshot() was given: ${excerpt(snapshot)}`;
  }
  const record = value as Partial<TesterSnapshot> | null;
  if (typeof record !== 'object' || record === null || !Number.isInteger(record.lastIncludedIndex) || !Array.isArray(record.log)) {
    return `it is not the text snapshot() was given: ${excerpt(snapshot)}`;
  }
  return { lastIncludedIndex: record.lastIncludedIndex as number, log: record.log };
}

function excerpt(text: string): string {
  return text.length <= 60 ? JSON.stringify(text) : `${JSON.stringify(text.slice(0, 60))}... (${text.length} characters)`;
}
