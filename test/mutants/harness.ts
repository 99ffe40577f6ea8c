// Runs a Raft (a broken variant, or the reference as a control) through the
// harness the way a user would: the fuzzer, and the stress loop over the
// lab's tests and ours. Shared by the mutants CLI and the mocha tests.
import { runFuzz, type FuzzReport } from '../../tester/fuzz/fuzz.ts';
import type { LabTestEntry } from '../../tester/lab-test.ts';
import type { CheckPolicy } from '../../tester/monitors/index.ts';
import type { RaftUnderTest } from '../../tester/raft-module.ts';
import type { CheckCounts, CheckId } from '../../tester/check-ids.ts';
import { iterationSeed, runIteration, type IterationResult } from '../../tester/execution/iteration.ts';

// ---- the fuzzer ----

export interface FuzzBudget {
  /** Scenarios at most (shrinking not included). */
  runs: number;
  /** Start no new scenario after this long. */
  timeSeconds: number;
  /** Once a failure is found, shrink it for at most this long (then keep the smallest so far). */
  shrinkSeconds: number;
  seed: number;
  /** Scenarios at once (the fuzzer's default when left out). */
  streams?: number;
  /** The campaign reports each check it saw broken: report one of these if it is among them. */
  prefer?: readonly string[];
  /** Lab 2D's scenarios (fuzz --lab 2D). */
  snapshot?: boolean;
}

interface FuzzCampaign {
  /** Shrinking was cut short by shrinkSeconds (the counterexample is the smallest found by then). */
  shrinkCut: boolean;
  /** Scenarios run in all (shrinking included), and the wall ms the campaign took. */
  scenarios: number;
  wallMs: number;
  seed: number;
  timedOut: boolean;
}

/** What the fuzzer found: the shrunk counterexample of one check. */
interface FuzzFound {
  found: true;
  /** The failed check of the shrunk counterexample. */
  check: CheckId;
  message: string;
  /** Scenarios run until the first failure was seen, and wall ms until then. */
  scenariosUntilFound: number;
  msUntilFound: number;
  /** Fault steps and servers of the shrunk counterexample. */
  faults: number;
  servers: number;
  shrinks: number;
  shrinkRuns: number;
  scenarioText: string;
  replay: string;
}

/** Found nothing: no counterexample to tell of (its fields absent, so that they can be read without asking first). */
type FuzzNothing = { found: false } & { [K in Exclude<keyof FuzzFound, 'found'>]?: never };

export type FuzzOutcome = FuzzCampaign & (FuzzFound | FuzzNothing);

export async function fuzzRaft(raft: RaftUnderTest, budget: FuzzBudget): Promise<FuzzOutcome> {
  const report: FuzzReport = await runFuzz({
    raft,
    runs: budget.runs,
    timeSeconds: budget.timeSeconds,
    seed: budget.seed,
    ...(budget.streams !== undefined && { streams: budget.streams }),
    shrinkSeconds: budget.shrinkSeconds,
    ...(budget.snapshot === true && { snapshot: true }),
  });
  const f = report.findings.find((x) => budget.prefer?.includes(x.check) === true) ?? report.failure;
  const campaign = { shrinkCut: f !== undefined && f.shrinkCut, scenarios: report.runs, wallMs: report.wallMs, seed: report.seed, timedOut: report.timedOut };
  if (f === undefined) return { found: false, ...campaign };
  return {
    found: true,
    ...campaign,
    check: f.check,
    message: f.message,
    scenariosUntilFound: f.runsUntilFound,
    msUntilFound: f.msUntilFound,
    faults: f.faults,
    servers: f.scenario.n,
    shrinks: f.shrinks,
    shrinkRuns: f.shrinkRuns,
    scenarioText: f.scenarioText,
    replay: f.replay,
  };
}

// ---- the stress loop ----

export interface StressBudget {
  tests: readonly LabTestEntry[];
  /** Seeds per test. */
  seeds: number;
  baseSeed: number;
  /** Default: each test's own (the lab's tests: every monitor, stability a warning; ours: every monitor fatal). */
  policy?: CheckPolicy;
  /** Seeds per round: a round runs these seeds of every test at once. */
  roundSeeds?: number;
}

export interface StressFailure {
  test: string;
  seed: number;
  check: CheckId;
  message: string;
  replay?: string;
  /** 1-based position in the campaign's order: seed index first, then test order. */
  iteration: number;
}

export interface StressOutcome {
  iterations: number;
  failed: number;
  /** Failures by the check that failed first in each iteration. */
  byCheck: CheckCounts;
  /** Failures by test. */
  byTest: Record<string, number>;
  /** The failure earliest in the campaign's order, and the wall ms until its round ended. */
  first?: StressFailure & { msUntilFound: number };
  wallMs: number;
}

/**
 * Runs `seeds` iterations of every test, in virtual time, in-process. Rounds
 * of a few seeds of every test run at once (virtual runs share the settle
 * pump, so many at once cost less each). Every iteration runs: the outcome
 * gives the catch rate as well as the first failure.
 */
export async function stressRaft(raft: RaftUnderTest, budget: StressBudget): Promise<StressOutcome> {
  const started = Date.now();
  const tests = budget.tests;
  const perRound = Math.max(1, budget.roundSeeds ?? 5);
  const outcome: StressOutcome = { iterations: 0, failed: 0, byCheck: {}, byTest: {}, wallMs: 0 };
  for (let from = 0; from < budget.seeds; from += perRound) {
    const jobs: Promise<{ result: IterationResult; iteration: number }>[] = [];
    for (let index = from; index < Math.min(budget.seeds, from + perRound); index++) {
      tests.forEach((test, k) => {
        const seed = iterationSeed(budget.baseSeed, test.name, index);
        const run = runIteration(test, seed, {
          raft,
          ...(budget.policy !== undefined && { policy: budget.policy }),
        });
        jobs.push(run.then((result) => ({ result, iteration: index * tests.length + k + 1 })));
      });
    }
    const done = await Promise.all(jobs);
    for (const { result, iteration } of done) {
      outcome.iterations++;
      if (result.ok) continue;
      const check = result.check;
      outcome.failed++;
      outcome.byCheck[check] = (outcome.byCheck[check] ?? 0) + 1;
      outcome.byTest[result.test] = (outcome.byTest[result.test] ?? 0) + 1;
      if (outcome.first === undefined || iteration < outcome.first.iteration) {
        outcome.first = {
          test: result.test,
          seed: result.seed,
          check,
          message: result.message,
          ...(result.replay !== undefined && { replay: result.replay }),
          iteration,
          msUntilFound: Date.now() - started,
        };
      }
    }
  }
  outcome.wallMs = Date.now() - started;
  return outcome;
}
