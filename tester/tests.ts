// The registry: every named test a driver can run, the lab's 2A, 2B, 2C and 2D
// tests, then our own. Adding one is an entry (labTest) in its part's file.
import { LAB_2A_TESTS } from './lab2a.ts';
import { LAB_2B_TESTS } from './lab2b.ts';
import { LAB_2C_TESTS } from './lab2c.ts';
import { LAB_2D_TESTS } from './lab2d.ts';
import { lackingText } from './raft-module.ts';
import type { LabTestEntry } from './lab-test.ts';
import { OWN_TESTS } from './own-tests.ts';
import { PART_FACTS, type Part } from './parts.ts';
import { UsageError } from './cli-args.ts';

export const ALL_TESTS: readonly LabTestEntry[] = [...LAB_2A_TESTS, ...LAB_2B_TESTS, ...LAB_2C_TESTS, ...LAB_2D_TESTS, ...OWN_TESTS];

/** The tests of these parts, in registry order. */
export function testsOf(...parts: readonly Part[]): LabTestEntry[] {
  return ALL_TESTS.filter((t) => parts.includes(t.part));
}

/** The lab's own tests (test_test.go's), as against ours. */
export function isLabTest(test: LabTestEntry): boolean {
  return PART_FACTS[test.part].lab;
}

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
  /** Methods the implementation's servers lack (start() for a 2A-only one). */
  lacks: readonly string[] = [],
): { tests: LabTestEntry[]; note: string | undefined } {
  const notes: string[] = [];
  // A test it cannot run at all, picked by a pattern: left out. Named exactly, or
  // if nothing else is left, the driver refuses it in one line instead (refuseLacking).
  const cannot = tests.filter((t) => t.requires.some((m) => lacks.includes(m)) && !patterns.includes(t.name));
  let kept = cannot.length < tests.length ? tests.filter((t) => !cannot.includes(t)) : [...tests];
  if (kept.length < tests.length) {
    const { what, lab } = lackingText(lacks.filter((m) => cannot.some((t) => t.requires.includes(m))));
    notes.push(`${count(cannot)} left out: ${raftLabel} has no ${what}, which they need (${lab}).`);
  }
  if (!persists) {
    const left = kept.filter((t) => t.crashes && !patterns.includes(t.name));
    if (left.length > 0) {
      kept = kept.filter((t) => !left.includes(t));
      notes.push(
        `${left.length > 3 ? count(left) : left.map((t) => t.name).join(', ')} left out: ${raftLabel} does not declare \`export const persists = true\`, and a server that does not ` +
          `persist its term and vote cannot survive a crash (persistence is lab 2C). Name the test exactly to run it anyway.`,
      );
    }
  }
  return { tests: kept, note: notes.length === 0 ? undefined : notes.join(' ') };
}

function count(tests: readonly LabTestEntry[]): string {
  return tests.length > 3
    ? `${tests
        .slice(0, 3)
        .map((t) => t.name)
        .join(', ')} and ${tests.length - 3} more`
    : tests.map((t) => t.name).join(', ');
}

export function testNamed(name: string): LabTestEntry | undefined {
  return ALL_TESTS.find((t) => t.name === name);
}

/** The registered test of that name; one not registered is a mistake in the caller. */
export function registeredTest(name: string): LabTestEntry {
  const test = testNamed(name);
  if (test === undefined) throw new Error(`no registered test named ${name}`);
  return test;
}
