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
  fc.record({
    term: fc.nat(),
    leaderId: fc.nat(9),
    prevLogIndex: fc.nat(),
    prevLogTerm: fc.nat(),
    entries: fc.array(fc.record({ term: fc.nat(), command: fc.oneof(scalar, fc.jsonValue(), fc.dictionary(key, scalar, { maxKeys: 3 })) }), { maxLength: 4 }),
    leaderCommit: fc.nat(),
  }),
  fc.record({ term: fc.nat(), success: fc.boolean(), xTerm: fc.integer({ min: -1 }), xIndex: fc.integer({ min: -1 }), xLen: fc.nat() }),
  fc.jsonValue(),
  fc.array(fc.oneof(scalar, fc.jsonValue()), { maxLength: 4 }),
  fc.object({ maxDepth: 5 }),
);

describe('labrpc codec', function () {
  it('keeps an own "__proto__" key as a property, as JSON does (found by the property below, seed 213316152)', function () {
    const value = JSON.parse('[{"__proto__":0,"a":1}]') as unknown;
    const copy = encode(value)?.copy();
    expect(JSON.stringify(copy)).to.equal('[{"__proto__":0,"a":1}]');
    expect(Object.getPrototypeOf((copy as object[])[0])).to.equal(Object.prototype);
  });

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

  it("gives copies of their own: changing one changes neither the sender's object nor the next copy", function () {
    const args = { term: 3, candidateId: 1, lastLogIndex: 0, lastLogTerm: 0 };
    const encoded = encode(args);
    const first = encoded?.copy() as { term: number };
    first.term = 99;
    expect(args.term).to.equal(3);
    expect((encoded?.copy() as { term: number }).term).to.equal(3);
    args.term = 7;
    expect((encoded?.record as { term: number }).term).to.equal(3);
  });

  it('copies nested entries deeply: a leader that changes its log after sending changes no message', function () {
    const entries = [{ term: 1, command: { key: 'k', value: [1, 2] } }];
    const args = { term: 1, leaderId: 0, prevLogIndex: 0, prevLogTerm: 0, entries, leaderCommit: 0 };
    const encoded = encode(args);
    const copy = encoded?.copy() as typeof args;
    entries[0]!.command.value.push(3);
    entries.push({ term: 2, command: { key: 'x', value: [] } });
    expect(copy.entries).to.deep.equal([{ term: 1, command: { key: 'k', value: [1, 2] } }]);
    expect((encoded?.record as typeof args).entries).to.deep.equal([{ term: 1, command: { key: 'k', value: [1, 2] } }]);
    expect(encoded?.bytes).to.equal(Buffer.byteLength(JSON.stringify({ ...args, entries: [{ term: 1, command: { key: 'k', value: [1, 2] } }] })));
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
