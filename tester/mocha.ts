// The lab's tests inside a user's own mocha run, against their module:
//
//   import { registerLabTests } from 'raft-election-harness/mocha';
//   registerLabTests({ raft: './raft.ts' });
//
// It registers, as test/lab2a.test.ts does for this repository, each of the
// lab's tests once in real time (as `go test -run 2A` would) and over many
// seeds in virtual time, where every monitor judges and every failure
// prints the command that replays it.
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MakeRaft } from '../raft/contract.ts';
import { LAB_2A_TESTS, type LabTestEntry } from './lab2a.ts';
import { loadRaftModule } from './raft-module.ts';
import { iterationSeed, runIteration, type IterationResult } from './stress/iteration.ts';
import { selectTests } from './tests.ts';
import { failsTheLab, policyFor, type Checks } from './checks.ts';

/** Mocha's globals, as much of them as this uses (so that its types are not needed here). */
interface MochaContext {
  timeout(ms: number): void;
  skip(): never;
}
type Suite = (this: MochaContext) => void;
type Test = (this: MochaContext) => Promise<void>;
declare const describe: (title: string, body: Suite) => void;
declare const it: (title: string, body: Test) => void;
declare const before: (body: (this: MochaContext) => Promise<void>) => void;

export interface LabTestsOptions {
  /** The module to test: a path (relative to the current folder) or a file: URL (`new URL('./raft.ts', import.meta.url)`). */
  raft: string | URL;
  /** Seeds per test in virtual time (default 100). */
  seeds?: number;
  /** The base seed (default 2026). */
  seed?: number;
  /**
   * Tests by name or pattern, as `raft-harness stress` takes them ('2A',
   * '2B', 'ReElection', 'TestInitialElection2A'); default: the lab's three
   * 2A tests. A pattern leaves out what the module cannot run (2B tests for
   * a module without start(), crash tests for one that does not declare
   * persists), as stress does: those are shown as pending.
   */
  tests?: string[];
  /** Also run tests once in real time: true (default) each of them, false none, or these (names or patterns). */
  realTime?: boolean | string[];
  /** Failing seeds of a test shown in full (default 5, as stress --keep); the rest are counted, with their seeds. */
  keep?: number;
  /** How the module was named, for messages (default the path). */
  label?: string;
  /** 'lab': only the lab's own checks judge, as the Go tester would (default 'all': every monitor too). */
  checks?: Checks;
}

interface Loaded {
  make: MakeRaft;
  globalTimers: boolean;
  persists: boolean;
  lacks: string[];
  /** The module's path as replay commands name it: relative to the folder mocha runs in, when inside it. */
  module: string;
}

export function registerLabTests(options: LabTestsOptions): void {
  const module = options.raft instanceof URL ? fileURLToPath(options.raft) : options.raft;
  const shown = options.label ?? shownPath(module);
  const seeds = options.seeds ?? 100;
  const base = options.seed ?? 2026;
  const keep = options.keep ?? 5;
  const patterns = options.tests ?? [];
  const tests = chooseTests(patterns, 'tests');
  let loaded: Loaded | undefined;
  const load = async (): Promise<Loaded> => {
    if (loaded === undefined) {
      const raft = await loadRaftModule(module, options.label ?? 'raft');
      loaded = { make: raft.make, globalTimers: raft.timers === 'global', persists: raft.persists === true, lacks: raft.lacks, module: shownPath(module) };
    }
    return loaded;
  };
  // What stress would leave out of these patterns for this module (it cannot run it): pending, not failed.
  // A test named exactly is asked for: it runs (and fails) whatever the module lacks.
  const runnable = (test: LabTestEntry, chosenBy: readonly string[], raft: Loaded): boolean =>
    chosenBy.includes(test.name) || (test.requires?.some((m) => raft.lacks.includes(m)) !== true && (raft.persists || test.crashes !== true));

  describe(`lab tests on ${shown}`, function () {
    // A module that cannot load fails once, here, with the one-line reason.
    before(async function () {
      // Loading compiles the module (tsx, on first use) and makes one server to probe it: longer
      // than mocha's default 2 s on a busy machine, and no judgment on the module's speed.
      this.timeout(60_000);
      await load();
    });
    const realPatterns = Array.isArray(options.realTime) ? options.realTime : patterns;
    const realTime = options.realTime === false ? [] : Array.isArray(options.realTime) ? chooseTests(options.realTime, 'realTime') : tests;
    if (realTime.length > 0) {
      describe('in real time (as go test would)', function () {
        this.timeout(130_000);
        for (const test of realTime) {
          it(test.name, async function () {
            const raft = await load();
            if (!runnable(test, realPatterns, raft)) this.skip();
            const policy = policyFor(options.checks);
            await test.run({ clock: 'real', raft: raft.make, ...(policy !== undefined && { policy }) });
          });
        }
      });
    }
    describe(`in virtual time (${seeds} seeds each)`, function () {
      this.timeout(300_000);
      for (const test of tests) {
        it(`${test.name} over ${seeds} seeds`, async function () {
          const raft = await load();
          if (!runnable(test, patterns, raft)) this.skip();
          const runs = Array.from({ length: seeds }, (_, i) => iterationSeed(base, test.name, i));
          // All seeds at once: the simulations share the settle pump.
          const results: IterationResult[] = await Promise.all(
            runs.map((seed) =>
              runIteration(test, seed, {
                raft: raft.make,
                globalTimers: raft.globalTimers,
                raftModule: raft.module,
                ...(options.checks !== undefined && { checks: options.checks }),
              }),
            ),
          );
          const failed = results.filter((r) => !r.ok);
          if (failed.length > 0) {
            // Would the lab's checks fail it too? Each failure shown in full, once more with them alone (it replays exactly).
            const lab = async (r: IterationResult): Promise<string> => {
              if (options.checks === 'lab' || failsTheLab(r.check ?? 'HARNESS')) return '';
              const again = await runIteration(test, r.seed, { raft: raft.make, globalTimers: raft.globalTimers, raftModule: raft.module, checks: 'lab' });
              return again.ok
                ? "(only our monitors fail it: the lab's checks pass it)"
                : `(the lab's checks fail it too: ${(again.message ?? '').split('\n')[0]})`;
            };
            const notes = await Promise.all(failed.slice(0, keep).map(lab));
            const error = new Error(failureReport(failed, seeds, keep, notes));
            // The report is the whole story: a stack into the harness after it is only noise under mocha's listing.
            error.stack = `Error: ${error.message}`;
            throw error;
          }
        });
      }
    });
  });
}

/** Tests by name or pattern, as stress selects them; a pattern that matches nothing is a mistake, said at once. */
function chooseTests(patterns: readonly string[], option: string): LabTestEntry[] {
  if (patterns.length === 0) return [...LAB_2A_TESTS];
  let chosen: LabTestEntry[];
  try {
    chosen = selectTests(patterns);
  } catch (error) {
    throw new Error(`registerLabTests: ${option}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const unmatched = patterns.filter((p) => selectTests([p]).length === 0);
  if (unmatched.length > 0) {
    throw new Error(
      `registerLabTests: ${option}: ${unmatched.map((p) => `'${p}'`).join(', ')} matches no test (a name, or a pattern such as '2A', '2B', 'ReElection')`,
    );
  }
  return chosen;
}

/**
 * The first `keep` failing seeds in full, each with the command that
 * replays it; the rest counted, with their seeds (as stress --keep does).
 */
export function failureReport(failed: readonly IterationResult[], seeds: number, keep: number, notes: readonly string[] = []): string {
  const shown = failed.slice(0, keep).map((r, i) => {
    const message = `${r.message ?? 'failed'}${notes[i] ? `\n${notes[i]}` : ''}`;
    return r.replay === undefined || message.includes(r.replay) ? `seed ${r.seed}: ${message}` : `seed ${r.seed}: ${message}\n  replay: ${r.replay}`;
  });
  const rest = failed.slice(keep);
  const more = rest.length === 0 ? '' : `\n\n... and ${rest.length} more failed seed${rest.length === 1 ? '' : 's'}: ${rest.map((r) => r.seed).join(', ')}`;
  return `${failed.length} of ${seeds} seeds failed:\n\n${shown.join('\n\n')}${more}`;
}

/** A path inside the current folder, relative to it (as the user types it in a replay command); any other, absolute. */
function shownPath(path: string): string {
  const absolute = isAbsolute(path) ? path : resolve(path);
  const inside = relative(process.cwd(), absolute);
  return inside === '' || inside.startsWith(`..${sep}`) || inside === '..' || isAbsolute(inside) ? absolute : inside;
}
