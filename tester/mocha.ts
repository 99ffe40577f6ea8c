// The lab's tests inside a user's own mocha run, against their module:
//
//   import { registerLabTests } from 'raft-election-harness/mocha';
//   registerLabTests({ raft: './raft.ts' });
//
// It registers, as test/lab2a.test.ts does for this repository, each of the
// lab's tests once in real time (as `go test -run 2A` would) and over many
// seeds in virtual time, where every monitor judges and every failure
// prints the command that replays it.
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MakeRaft } from '../raft/contract.ts';
import { LAB_2A_TESTS, type LabTestEntry } from './lab2a.ts';
import { loadRaftModule } from './raft-module.ts';
import { iterationSeed, runIteration, type IterationResult } from './stress/iteration.ts';
import { ALL_TESTS } from './tests.ts';
import { failsTheLab, policyFor, type Checks } from './checks.ts';

/** Mocha's globals, as much of them as this uses (so that its types are not needed here). */
interface MochaContext {
  timeout(ms: number): void;
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
  /** Tests by name (default: the lab's three 2A tests; our own stricter ones are in ALL_TESTS). */
  tests?: string[];
  /** Also run tests once in real time: true (default) each of them, false none, or these by name. */
  realTime?: boolean | string[];
  /** How the module was named, for messages (default the path). */
  label?: string;
  /** 'lab': only the lab's own checks judge, as the Go tester would (default 'all': every monitor too). */
  checks?: Checks;
}

interface Loaded {
  make: MakeRaft;
  globalTimers: boolean;
  module: string;
}

export function registerLabTests(options: LabTestsOptions): void {
  const module = options.raft instanceof URL ? fileURLToPath(options.raft) : options.raft;
  const shown = options.label ?? module;
  const seeds = options.seeds ?? 100;
  const base = options.seed ?? 2026;
  const tests = chooseTests(options.tests);
  let loaded: Loaded | undefined;
  const load = async (): Promise<Loaded> => {
    if (loaded === undefined) {
      const raft = await loadRaftModule(module, options.label ?? 'raft');
      loaded = { make: raft.make, globalTimers: raft.timers === 'global', module: isAbsolute(module) ? module : resolve(module) };
    }
    return loaded;
  };

  describe(`lab tests on ${shown}`, function () {
    // A module that cannot load fails once, here, with the one-line reason.
    before(async function () {
      await load();
    });
    const realTime = options.realTime === false ? [] : options.realTime === true || options.realTime === undefined ? tests : chooseTests(options.realTime);
    if (realTime.length > 0) {
      describe('in real time (as go test would)', function () {
        this.timeout(130_000);
        for (const test of realTime) {
          it(test.name, async function () {
            const { make, globalTimers } = await load();
            const policy = policyFor(options.checks);
            await test.run({ clock: 'real', raft: make, ...(policy !== undefined && { policy }) });
          });
        }
      });
    }
    describe(`in virtual time (${seeds} seeds each)`, function () {
      this.timeout(300_000);
      for (const test of tests) {
        it(`${test.name} over ${seeds} seeds`, async function () {
          const { make, globalTimers } = await load();
          const runs = Array.from({ length: seeds }, (_, i) => iterationSeed(base, test.name, i));
          // All seeds at once: the simulations share the settle pump.
          const results: IterationResult[] = await Promise.all(
            runs.map((seed) => runIteration(test, seed, { raft: make, globalTimers, raftModule: module, ...(options.checks !== undefined && { checks: options.checks }) })),
          );
          // Would the lab's checks fail it too? The seed once more with them alone (it replays exactly).
          const lab = async (r: IterationResult): Promise<string> => {
            if (options.checks === 'lab' || failsTheLab(r.check ?? 'HARNESS')) return '';
            const again = await runIteration(test, r.seed, { raft: make, globalTimers, raftModule: module, checks: 'lab' });
            return again.ok ? "\n(only our monitors fail it: the lab's checks pass it)" : `\n(the lab's checks fail it too: ${(again.message ?? '').split('\n')[0]})`;
          };
          const failures = await Promise.all(results.filter((r) => !r.ok).map(async (r) => `seed ${r.seed}: ${r.message}${await lab(r)}`));
          if (failures.length > 0) throw new Error(`${failures.length} of ${seeds} seeds failed:\n\n${failures.join('\n\n')}`);
        });
      }
    });
  });
}

function chooseTests(names: string[] | undefined): LabTestEntry[] {
  if (names === undefined) return [...LAB_2A_TESTS];
  return names.map((name) => {
    const test = ALL_TESTS.find((t) => t.name === name);
    if (test === undefined) throw new Error(`registerLabTests: unknown test '${name}' (known: ${ALL_TESTS.map((t) => t.name).join(', ')})`);
    return test;
  });
}
