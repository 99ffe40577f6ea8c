// JUnit XML, the report format CI systems render (GitHub Actions through a
// reporter action, GitLab, Jenkins): <testsuites> of <testsuite> of
// <testcase>, a failing case holding a <failure message type> with the
// details as its text. Built with xmlbuilder2, which escapes every value.
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/** xmlbuilder2, loaded when XML is asked for: a campaign without --junit does not pay for it at start. */
const xmlbuilder2 = (): typeof import('xmlbuilder2') => createRequire(import.meta.url)('xmlbuilder2') as typeof import('xmlbuilder2');

export interface JUnitCase {
  name: string;
  classname: string;
  /** Seconds; left out when the run has no deterministic time to give. */
  time?: number;
  failure?: { message: string; type: string; text: string };
  /** Why the case did not run. */
  skipped?: string;
}

export interface JUnitSuite {
  name: string;
  time?: number;
  /** Shown by consumers as the run's settings (seed, Raft, clock...). */
  properties: Record<string, string>;
  cases: JUnitCase[];
}

export function junitXml(name: string, suites: readonly JUnitSuite[]): string {
  // Characters XML 1.0 cannot hold (a terminal's escape codes in a message) are dropped.
  const doc = xmlbuilder2().create({ version: '1.0', encoding: 'UTF-8', invalidCharReplacement: '' });
  const count = (f: (c: JUnitCase) => boolean): number => suites.reduce((n, s) => n + s.cases.filter(f).length, 0);
  const root = doc.ele('testsuites', {
    name,
    tests: String(count(() => true)),
    failures: String(count((c) => c.failure !== undefined)),
    errors: '0',
    skipped: String(count((c) => c.skipped !== undefined)),
    ...(suites.every((s) => s.time !== undefined) && { time: seconds(suites.reduce((t, s) => t + (s.time ?? 0), 0)) }),
  });
  for (const suite of suites) {
    const el = root.ele('testsuite', {
      name: suite.name,
      tests: String(suite.cases.length),
      failures: String(suite.cases.filter((c) => c.failure !== undefined).length),
      errors: '0',
      skipped: String(suite.cases.filter((c) => c.skipped !== undefined).length),
      ...(suite.time !== undefined && { time: seconds(suite.time) }),
    });
    const props = el.ele('properties');
    for (const [key, value] of Object.entries(suite.properties)) props.ele('property', { name: key, value });
    for (const c of suite.cases) {
      const tc = el.ele('testcase', { name: c.name, classname: c.classname, ...(c.time !== undefined && { time: seconds(c.time) }) });
      if (c.failure !== undefined) tc.ele('failure', { message: c.failure.message, type: c.failure.type }).txt(c.failure.text);
      if (c.skipped !== undefined) tc.ele('skipped', { message: c.skipped });
    }
  }
  return doc.end({ prettyPrint: true });
}

/** Writes the XML; on failure says so in one line and returns false (the campaign's result stands). */
export function writeJUnit(file: string, xml: string, command: string): boolean {
  try {
    writeFileSync(file, `${xml}\n`);
    console.log(`JUnit XML written to ${file}`);
    return true;
  } catch (error) {
    console.log(`${command}: cannot write the JUnit XML to ${file}: ${(error as Error).message}`);
    return false;
  }
}

function seconds(s: number): string {
  return s.toFixed(3);
}
