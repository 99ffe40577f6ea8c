// The wire's codec: its fast path for flat messages must agree with a JSON
// round trip on every value, in the copy and in the byte count.
import { expect } from 'chai';
import fc from 'fast-check';
import { encode } from '../../labrpc/codec.ts';

/** Values shaped like RPC messages, and many that are not. */
const scalar = fc.oneof(
  fc.integer(),
  fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }),
  fc.double(),
  fc.constantFrom(0, -0, NaN, Infinity, 2 ** 60),
  fc.boolean(),
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.constant(undefined),
  fc.constant(null),
  fc.constant([]),
  fc.array(fc.integer(), { maxLength: 3 }),
);
const key = fc.oneof(fc.constantFrom('term', 'voteGranted', 'entries', 'leaderId', '0', '10', 'a b', 'q"uote', 'ü'), fc.string({ maxLength: 6 }));
const message = fc.oneof(
  fc.dictionary(key, scalar, { maxKeys: 8 }),
  fc.record({ term: fc.nat(), candidateId: fc.nat(9), lastLogIndex: fc.nat(), lastLogTerm: fc.nat() }),
  fc.record({ term: fc.nat(), success: fc.boolean() }),
  fc.jsonValue(),
);

describe('labrpc codec', function () {
  it('copies and counts exactly as a JSON round trip does', function () {
    fc.assert(
      fc.property(message, (value) => {
        const json = JSON.stringify(value) as string | undefined;
        const encoded = encode(value);
        if (json === undefined) return encoded === undefined;
        expect(encoded?.bytes).to.equal(Buffer.byteLength(json));
        expect(JSON.stringify(encoded?.copy())).to.equal(JSON.stringify(JSON.parse(json)));
        expect(JSON.stringify(encoded?.record)).to.equal(json === undefined ? undefined : JSON.stringify(JSON.parse(json)));
        return true;
      }),
      { numRuns: 3000 },
    );
  });

  it('gives copies of their own: changing one changes neither the sender\'s object nor the next copy', function () {
    const args = { term: 3, candidateId: 1, lastLogIndex: 0, lastLogTerm: 0 };
    const encoded = encode(args);
    const first = encoded?.copy() as { term: number };
    first.term = 99;
    expect(args.term).to.equal(3);
    expect((encoded?.copy() as { term: number }).term).to.equal(3);
    args.term = 7;
    expect((encoded?.record as { term: number }).term).to.equal(3);
  });

  it('takes the JSON path for what the fast path cannot vouch for, with the same result', function () {
    class Point {
      constructor(readonly x: number) {}
    }
    const cases: unknown[] = [
      { when: new Date(0) },
      new Point(1),
      { toJSON: () => 'custom' },
      Object.assign(Object.create({ inherited: 1 }) as object, { own: 2 }),
      { nested: { a: 1 } },
      { text: 'tab\there' },
      [1, 2, 3],
    ];
    for (const value of cases) {
      const json = JSON.stringify(value);
      expect(encode(value)?.bytes, json).to.equal(Buffer.byteLength(json));
      expect(JSON.stringify(encode(value)?.copy()), json).to.equal(json);
    }
  });

  it('has no encoding for what JSON cannot carry', function () {
    expect(encode(undefined)).to.equal(undefined);
    expect(encode(() => 1)).to.equal(undefined);
    expect(() => encode({ big: 1n })).to.throw(TypeError);
  });
});
