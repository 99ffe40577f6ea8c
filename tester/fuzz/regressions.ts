// Regression cases: scenarios stored as JSON under test/regressions/, each
// replayed by the test suite on every run. A case stores the scenario
// itself (not fast-check's seed and path), so it survives changes to the
// arbitraries and to fast-check.
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ScenarioError, validateScenario, type Scenario } from '../execution/scenario.ts';
import { isCheckId, notACheck, type CheckId } from '../check-ids.ts';

export const REGRESSIONS_DIR = fileURLToPath(new URL('../../test/regressions/', import.meta.url));
const REPOSITORY = fileURLToPath(new URL('../../', import.meta.url));

/** Where --save writes: REGRESSIONS_DIR, unless FUZZ_REGRESSIONS_DIR names another folder (the CLI's own tests use one). */
export function saveDir(): string {
  const dir = process.env['FUZZ_REGRESSIONS_DIR'];
  return dir !== undefined && dir !== '' ? dir : REGRESSIONS_DIR;
}

export interface RegressionCase {
  /** The file's name without .json. */
  name: string;
  /** Why the case is kept: what it once exposed. */
  description: string;
  /** How it was found, when the fuzzer found it. */
  found?: {
    check: CheckId;
    message: string;
    /** The Raft it failed on: 'built-in' or the --raft module. */
    raft: string;
    /** fast-check's seed and path at the time (they replay only with the same arbitraries and fast-check version). */
    seed: number;
    path: string;
    date: string;
  };
  scenario: Scenario;
}

/** A case name is a plain file name: letters, digits, '.', '_' and '-'. */
export function checkCaseName(name: string): string | undefined {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name) || name.length > 100) {
    return `a case name is letters, digits, '.', '_' and '-' (at most 100, starting with a letter or digit), got '${name}'`;
  }
  return undefined;
}

export function regressionPath(name: string, dir = REGRESSIONS_DIR): string {
  return join(dir, `${name}.json`);
}

export function saveRegressionCase(c: RegressionCase, dir = REGRESSIONS_DIR): string {
  const problem = checkCaseName(c.name);
  if (problem !== undefined) throw new ScenarioError(problem);
  validateScenario(c.scenario);
  const path = regressionPath(c.name, dir);
  writeFileSync(path, `${JSON.stringify(c, null, 2)}\n`);
  return path;
}

/** Every case in the folder, checked; a malformed file throws a ScenarioError naming it. */
export function loadRegressionCases(dir = REGRESSIONS_DIR): RegressionCase[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => {
      let value: unknown;
      try {
        value = JSON.parse(readFileSync(join(dir, file), 'utf8'));
      } catch (error) {
        throw new ScenarioError(`${file}: not valid JSON: ${(error as Error).message}`);
      }
      const c = value as Partial<RegressionCase> | null;
      if (typeof c !== 'object' || c === null || typeof c.description !== 'string') {
        throw new ScenarioError(`${file}: a case needs a description and a scenario`);
      }
      try {
        validateScenario(c.scenario);
      } catch (error) {
        throw new ScenarioError(`${file}: ${(error as Error).message}`);
      }
      if (c.found !== undefined && !isCheckId(c.found.check)) throw new ScenarioError(`${file}: found.check ${notACheck(c.found.check)}`);
      return { ...(c as RegressionCase), name: file.slice(0, -'.json'.length) };
    });
}

/**
 * The deliberately broken Raft a case was found on, when it is one of the
 * harness's own (a module under test/ of this repository): npm test replays
 * the case on it and requires the same check to fail, so that the case keeps
 * proving what it was kept for. A case found on any other module (a user's
 * Raft, which they may since have fixed) is only required to pass on the
 * Raft under test.
 */
export function harnessBrokenRaft(c: RegressionCase): string | undefined {
  const raft = c.found?.raft;
  if (raft === undefined || !/^test\/[\w./-]+\.ts$/.test(raft) || raft.includes('..')) return undefined;
  const file = join(REPOSITORY, raft);
  return existsSync(file) ? file : undefined;
}
