// How messages cross the network: as JSON, the way the lab's labgob encodes
// them. A handler never shares an object with its caller, and byte counts are
// the UTF-8 size of the JSON text.
//
// Encoding is the simulator's hottest path (every RPC copies its arguments
// twice and its reply once), so the common case, a flat object of integers,
// booleans, simple ASCII strings and empty arrays (every 2A message), is
// copied and measured directly, about twenty times faster than a JSON round
// trip; anything else takes the round trip. Both give the same copy and the
// same size (a property test checks it).

export interface Encoded {
  /** Size of the JSON text in UTF-8 bytes. */
  readonly bytes: number;
  /** The message as decoded, for observers to read (never to change). */
  readonly record: unknown;
  /** A fresh copy of its own, as a receiver decodes it. */
  copy(): unknown;
}

/** Encodes a value as the wire would carry it; undefined when it has no JSON form. */
export function encode(value: unknown): Encoded | undefined {
  const flat = flatSize(value);
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

// Copies the properties JSON would keep (flatSize has vetted them).
function copyFlat(value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key in value) {
    const x = value[key];
    const type = typeof x;
    if (type === 'undefined' || type === 'function' || type === 'symbol') continue;
    out[key] = type === 'object' ? [] : x;
  }
  return out;
}

const SIMPLE_KEYS = new Set<string>();

/**
 * The JSON size of a plain, flat object whose values JSON writes verbatim, or
 * -1 when the value is anything else (the caller then uses JSON itself).
 */
function flatSize(value: unknown): number {
  if (typeof value !== 'object' || value === null || Object.getPrototypeOf(value) !== Object.prototype) return -1;
  const record = value as Record<string, unknown>;
  let bytes = 2; // {}
  let fields = 0;
  for (const key in record) {
    if (!Object.hasOwn(record, key) || key === 'toJSON') return -1;
    const x = record[key];
    let size: number;
    switch (typeof x) {
      case 'number':
        if (!Number.isSafeInteger(x)) return -1;
        size = integerDigits(x);
        break;
      case 'boolean':
        size = x ? 4 : 5;
        break;
      case 'string':
        if (!isSimpleAscii(x)) return -1;
        size = x.length + 2;
        break;
      case 'object':
        if (!Array.isArray(x) || x.length !== 0 || Object.getPrototypeOf(x) !== Array.prototype) return -1;
        size = 2;
        break;
      case 'undefined':
      case 'function':
      case 'symbol':
        continue; // JSON leaves these properties out.
      default:
        return -1; // bigint: JSON throws.
    }
    if (!SIMPLE_KEYS.has(key)) {
      if (!isSimpleAscii(key)) return -1;
      SIMPLE_KEYS.add(key);
    }
    bytes += key.length + 3 + size + (fields > 0 ? 1 : 0); // "key": value, with a comma before all but the first
    fields++;
  }
  return bytes;
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
