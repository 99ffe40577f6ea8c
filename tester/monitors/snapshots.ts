// Lab 2D: what the monitors read inside a snapshot. The tester's own
// encoding (the one its snapshot applier hands to snapshot() and ingests)
// says which command the service applied at each index up to the last
// included one; a snapshot stands for all of them (§7: it "replaces" the
// entries up through the last included index).
import { decodeSnapshot, type TesterSnapshot } from '../snapshot-codec.ts';

/** Distinct snapshot texts kept decoded: a leader re-sends one snapshot, a Raft saves one with every change. */
const CACHE_SIZE = 16;
const cache = new Map<string, TesterSnapshot | undefined>();

/**
 * The snapshot a message carries, decoded with the tester's encoding, or
 * undefined when it is not that encoding (a Raft may send what it likes;
 * the lab's ingestSnap fails on what it cannot decode, and no monitor
 * judges it).
 */
export function decoded(data: unknown): TesterSnapshot | undefined {
  if (typeof data !== 'string' || data === '') return undefined;
  if (cache.has(data)) return cache.get(data);
  const d = decodeSnapshot(data);
  const result = typeof d === 'string' ? undefined : d;
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  cache.set(data, result);
  return result;
}

/** The indexes a decoded snapshot holds commands for: 1 up to its last included index (slot 0 is the lab's nil). */
export function lastHeld(s: TesterSnapshot): number {
  return Math.min(s.lastIncludedIndex, s.log.length - 1);
}
