// Every named test a driver can run: the lab's 2A and 2B tests, then our own.
import { LAB_2A_TESTS, type LabTestEntry } from './lab2a.ts';
import { LAB_2B_TESTS } from './lab2b.ts';
import { OWN_TESTS } from './own-tests.ts';

export type { LabTestEntry as TestEntry };

export const ALL_TESTS: readonly LabTestEntry[] = [...LAB_2A_TESTS, ...LAB_2B_TESTS, ...OWN_TESTS];

/**
 * Tests whose name matches any pattern: an exact name, or a substring as
 * `go test -run` would take it ("2A", "ReElection").
 */
export function selectTests(patterns: readonly string[]): LabTestEntry[] {
  if (patterns.length === 0) return [...LAB_2A_TESTS];
  const chosen = ALL_TESTS.filter((t) => patterns.some((p) => t.name === p || new RegExp(p).test(t.name)));
  return chosen;
}

export function testNamed(name: string): LabTestEntry | undefined {
  return ALL_TESTS.find((t) => t.name === name);
}
