// LogJson must write exactly what JSON.stringify(log.slice(1)) would, through
// any history of appends, truncations at a conflict, and rewrites.
import { expect } from 'chai';
import fc from 'fast-check';
import type { LogEntry } from '../../raft/contract.ts';
import { LogJson } from './log-json.ts';

type Step = { kind: 'append'; entries: LogEntry[] } | { kind: 'truncate'; keep: number } | { kind: 'replace'; at: number; entry: LogEntry };

const entry: fc.Arbitrary<LogEntry> = fc.record({ term: fc.nat(50), command: fc.oneof(fc.integer(), fc.string(), fc.constant(null)) });
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('append' as const), entries: fc.array(entry, { maxLength: 6 }) }),
  fc.record({ kind: fc.constant('truncate' as const), keep: fc.nat(20) }),
  fc.record({ kind: fc.constant('replace' as const), at: fc.nat(20), entry }),
);

describe('LogJson (how C07-C09 persist their log)', function () {
  it('gives the text of JSON.stringify(log[1..]) after every append, truncation and rewrite', function () {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40 }), (steps) => {
        const json = new LogJson();
        const log: LogEntry[] = [{ term: 0, command: null }];
        expect(json.of(log)).to.equal('[]');
        for (const s of steps) {
          if (s.kind === 'append') log.push(...s.entries);
          else if (s.kind === 'truncate') log.length = Math.max(1, Math.min(log.length, s.keep + 1));
          else if (s.at + 1 < log.length) log[s.at + 1] = s.entry; // a new entry object where a conflict was
          expect(json.of(log)).to.equal(JSON.stringify(log.slice(1)));
        }
      }),
      { numRuns: 500 },
    );
  });
});
