// Every named test a driver can run: the lab's 2A, 2B and 2C tests, then our own.
import { LAB_2A_TESTS, type LabTestEntry } from './lab2a.ts';
import { LAB_2B_TESTS } from './lab2b.ts';
import { LAB_2C_TESTS } from './lab2c.ts';
import { OWN_TESTS } from './own-tests.ts';
import { UsageError } from './cli-args.ts';

export type { LabTestEntry as TestEntry };

export const ALL_TESTS: readonly LabTestEntry[] = [...LAB_2A_TESTS, ...LAB_2B_TESTS, ...LAB_2C_TESTS, ...OWN_TESTS];

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

/**
 * Leaves out the tests that crash servers when the implementation does not
 * persist (persistence is lab 2C), unless the user named the test exactly:
 * that is asking for it. Returns the tests to run and a note on what was
 * left out and why (undefined when nothing was).
 */
export function stageTests(
  tests: readonly LabTestEntry[],
  patterns: readonly string[],
  persists: boolean,
  raftLabel: string,
): { tests: LabTestEntry[]; note: string | undefined } {
  if (persists) return { tests: [...tests], note: undefined };
  const left = tests.filter((t) => t.crashes === true && !patterns.includes(t.name));
  if (left.length === 0) return { tests: [...tests], note: undefined };
  const names = left.map((t) => t.name).join(', ');
  return {
    tests: tests.filter((t) => !left.includes(t)),
    note:
      `${names} left out: ${raftLabel} does not declare \`export const persists = true\`, and a server that does not ` +
      `persist its term and vote cannot survive a crash (persistence is lab 2C). Name the test exactly to run it anyway.`,
  };
}

export function testNamed(name: string): LabTestEntry | undefined {
  return ALL_TESTS.find((t) => t.name === name);
}
