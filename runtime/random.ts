// Seeded randomness. Every component of a run draws from its own stream,
// derived from the run's seed and the component's name, so that one
// component drawing more often never shifts another component's draws.
import { xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus';
import { uniformInt } from 'pure-rand/distribution/uniformInt';

type Generator = ReturnType<typeof xoroshiro128plusFromState>;

/** Largest seed accepted on command lines and in seed derivation. */
export const MAX_SEED = 0xffffffff;

export class Random {
  private readonly gen: Generator;

  constructor(seed: number, stream = '') {
    this.gen = xoroshiro128plusFromState(initialState(seed, stream));
  }

  /** Uniform integer in [0, n), like Go's rand.Intn(n). */
  intn(n: number): number {
    if (n <= 1) return 0;
    return uniformInt(this.gen, 0, n - 1);
  }

  /** Uniform integer in [lo, hi], both ends included. */
  between(lo: number, hi: number): number {
    return hi <= lo ? lo : uniformInt(this.gen, lo, hi);
  }

  /** Uniform float in [0, 1). */
  float(): number {
    return (this.gen.next() >>> 0) / 0x100000000;
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return p > 0 && (p >= 1 || this.float() < p);
  }

  /** Picks one element uniformly. */
  pick<T>(items: readonly T[]): T {
    return items[this.intn(items.length)] as T;
  }
}

/** A 32-bit seed derived from a parent seed and any labels (test name, iteration...). */
export function deriveSeed(seed: number, ...labels: (string | number)[]): number {
  let h = mix32(seed >>> 0);
  for (const label of labels) h = mix32(h ^ hashString(String(label)));
  return h >>> 0;
}

/** Parses a seed given by a person; throws a readable error for anything else. */
export function parseSeed(text: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value > MAX_SEED) {
    throw new Error(`seed must be a whole number from 0 to ${MAX_SEED}, got '${text}'`);
  }
  return value;
}

// xoroshiro's own seeding puts the seed straight into its state, so nearby
// seeds start out correlated; filling all 128 bits through a mixer avoids that.
function initialState(seed: number, stream: string): number[] {
  let h = deriveSeed(seed, stream);
  const state: number[] = [];
  for (let i = 0; i < 4; i++) {
    h = mix32(h + 0x9e3779b9);
    state.push(h | 0);
  }
  if (state.every((word) => word === 0)) return [1, 0, 0, 0];
  return state;
}

// murmur3's 32-bit finalizer: a well-studied avalanche mix.
function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

// FNV-1a over UTF-16 code units.
function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
