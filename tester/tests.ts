// Every named test a driver can run: the lab's three, then our own.
import { LAB_2A_TESTS, type LabTestEntry } from './lab2a.ts';
import { OWN_TESTS } from './own-tests.ts';
import { UsageError } from './cli-args.ts';

export type { LabTestEntry as TestEntry };

export const ALL_TESTS: readonly LabTestEntry[] = [...LAB_2A_TESTS, ...OWN_TESTS];

/**
 * Tests whose name matches any pattern: an exact name, or a substring as
 * `go test -run` would take it ("2A", "ReElection").
 */
export function selectTests(patterns: readonly string[]): LabTestEntry[] {
  if (patterns.length === 0) return [...LAB_2A_TESTS];
  const matchers = patterns.map((p) => {
    try {
      return new RegExp(p);
    } catch {
      throw new UsageError(`'${p}' is not a valid test pattern (a name, or a regular expression as go test -run takes)`);
    }
  });
  return ALL_TESTS.filter((t) => patterns.some((p, i) => t.name === p || (matchers[i] as RegExp).test(t.name)));
}

export function testNamed(name: string): LabTestEntry | undefined {
  return ALL_TESTS.find((t) => t.name === name);
}
