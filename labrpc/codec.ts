// How messages cross the network: as JSON, the way the lab's labgob encodes
// them. A handler never shares an object with its caller, and byte counts are
// the UTF-8 size of the JSON text.
//
// Encoding is the simulator's hottest path (every RPC copies its arguments
// twice and its reply once), so the common case, plain objects and arrays of
// integers, booleans, null and simple ASCII strings, nested a few levels at
// most (every 2A message, and an AppendEntries whose entries carry such
// commands), is copied and measured directly, many times faster than a JSON
// round trip; anything else takes the round trip. Both give the same copy and
// the same size (a property test checks it).

export interface Encoded {
  /** Size of the JSON text in UTF-8 bytes. */
  readonly bytes: number;
  /**
   * The message as decoded, for observers to read (never to change); a
   * reply's, read by nobody else, is handed to its caller.
   */
  readonly record: unknown;
  /** A fresh copy of its own, as a receiver decodes it. */
  copy(): unknown;
}

/** Encodes a value as the wire would carry it; undefined when it has no JSON form. */
export function encode(value: unknown): Encoded | undefined {
  const flat = typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype ? plainSize(value, MAX_DEPTH) : -1;
  if (flat >= 0) return new FlatEncoded(value as Record<string, unknown>, flat);
  const json = JSON.stringify(value) as string | undefined;
  return json === undefined ? undefined : new JsonEncoded(json);
}

class FlatEncoded implements Encoded {
  readonly record: Record<string, unknown>;
  constructor(
    value: Record<string, unknown>,
    readonly bytes: number,
  ) {
    this.record = copyFlat(value);
  }
  copy(): unknown {
    return copyFlat(this.record);
  }
}

class JsonEncoded implements Encoded {
  readonly bytes: number;
  readonly record: unknown;
  constructor(private readonly json: string) {
    this.bytes = Buffer.byteLength(json);
    this.record = JSON.parse(json);
  }
  copy(): unknown {
    return JSON.parse(this.json);
  }
}

// Copies the properties JSON would keep (plainSize has vetted them).
function copyFlat(value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key in value) {
    const x = value[key];
    const type = typeof x;
    if (type === 'undefined' || type === 'function' || type === 'symbol') continue;
    out[key] = type === 'object' && x !== null ? copyPlain(x as object) : x;
  }
  return out;
}

function copyPlain(value: object): unknown {
  if (!Array.isArray(value)) return copyFlat(value as Record<string, unknown>);
  const out = new Array<unknown>(value.length);
  for (let i = 0; i < value.length; i++) {
    const x: unknown = value[i];
    out[i] = typeof x === 'object' && x !== null ? copyPlain(x) : x;
  }
  return out;
}

/** How deep the fast path follows objects and arrays (an AppendEntries with object commands is 4 deep). */
const MAX_DEPTH = 4;

const SIMPLE_KEYS = new Set<string>();

/**
 * The JSON size of a plain object or array whose leaves JSON writes verbatim
 * (safe integers, booleans, null, simple ASCII strings), nested at most
 * `depth` levels, or -1 when the value is anything else (the caller then uses
 * JSON itself).
 */
function plainSize(value: object, depth: number): number {
  if (depth === 0) return -1;
  if (Array.isArray(value)) {
    if (Object.getPrototypeOf(value) !== Array.prototype) return -1;
    let bytes = 2; // []
    for (let i = 0; i < value.length; i++) {
      if (!(i in value)) return -1; // a hole: JSON writes null, the copy would not
      const size = leafOrNestedSize(value[i], depth);
      if (size < 0) return -1;
      bytes += size + (i > 0 ? 1 : 0);
    }
    return bytes;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return -1;
  const record = value as Record<string, unknown>;
  let bytes = 2; // {}
  let fields = 0;
  for (const key in record) {
    // An own "__proto__" would set the copy's prototype (out[key] = ...): JSON.parse makes it a plain property.
    if (!Object.hasOwn(record, key) || key === 'toJSON' || key === '__proto__') return -1;
    const x = record[key];
    const type = typeof x;
    if (type === 'undefined' || type === 'function' || type === 'symbol') continue; // JSON leaves these properties out.
    const size = leafOrNestedSize(x, depth);
    if (size < 0) return -1;
    if (!SIMPLE_KEYS.has(key)) {
      if (!isSimpleAscii(key)) return -1;
      SIMPLE_KEYS.add(key);
    }
    bytes += key.length + 3 + size + (fields > 0 ? 1 : 0); // "key": value, with a comma before all but the first
    fields++;
  }
  return bytes;
}

/** The JSON size of one value inside a plain object or array, or -1. */
function leafOrNestedSize(x: unknown, depth: number): number {
  switch (typeof x) {
    case 'number':
      return Number.isSafeInteger(x) ? integerDigits(x) : -1;
    case 'boolean':
      return x ? 4 : 5;
    case 'string':
      return isSimpleAscii(x) ? x.length + 2 : -1;
    case 'object':
      return x === null ? 4 : plainSize(x, depth - 1);
    default:
      return -1; // undefined or a function inside an array, bigint, symbol: JSON's own rules
  }
}

function integerDigits(x: number): number {
  if (x === 0) return 1; // also -0, which JSON writes as 0
  let n = x < 0 ? 2 : 1;
  let rest = Math.abs(x);
  while (rest >= 10) {
    rest = Math.floor(rest / 10);
    n++;
  }
  return n;
}

// Printable ASCII that JSON writes as is: no control characters, quotes or backslashes.
function isSimpleAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return false;
  }
  return true;
}
