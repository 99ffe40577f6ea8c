// Proof that the harness finds real bugs: each broken variant of
// test/mutants is caught by a real, small run of the harness (the stress
// loop on the cheapest test that catches it, or a short fuzz campaign), and
// the check that catches it is one the reference table expects. The
// reference Raft passes the very same runs, so these tests fail if the
// harness goes blind or over-eager. (The full figures: npm run mutants.)
import { expect } from 'chai';
import { BUILT_IN_RAFT } from '../../tester/built-in-raft.ts';
import { loadRaftModule, type RaftUnderTest } from '../../tester/raft-module.ts';
import { CHECK_IDS, type CheckId } from '../../tester/check-ids.ts';
import { testNamed } from '../../tester/tests.ts';
import { loadRegressionCases } from '../../tester/fuzz/regressions.ts';
import { runScenario } from '../../tester/execution/run-scenario.ts';
import { describeScenario } from '../../tester/execution/scenario.ts';
import { variantRaft } from './variant.ts';
import { fuzzRaft, stressRaft, type FuzzOutcome, type StressOutcome } from './harness.ts';
import { MUTANTS } from './index.ts';

const SEED = 20261126;

/** How each variant is checked: what catches it fastest. */
type Quick =
  | { kind: 'stress'; test: string; seeds: number }
  | { kind: 'fuzz'; runs: number }
  /** A fuzz scenario the fuzzer found and shrank, stored in test/regressions (npm run mutants runs the whole campaign). */
  | { kind: 'scenario'; name: string };

const QUICK: Record<string, Quick> = {
  E01: { kind: 'stress', test: 'TestUnreliableElection', seeds: 2 },
  // Needs a vote reply that arrives after the next election began: the fuzzer's delays and reordering.
  E04: { kind: 'fuzz', runs: 100 },
  E06: { kind: 'stress', test: 'TestInitialElection2A', seeds: 2 },
  E08: { kind: 'stress', test: 'TestOneWayLinks', seeds: 2 },
  E12: { kind: 'stress', test: 'TestStableLeader', seeds: 2 },
  // LV (not only the lab's checkOneLeader) names these two in the fuzzer.
  E14: { kind: 'fuzz', runs: 100 },
  // Split votes need messages that take time: the fuzzer's calm-but-delayed liveness phases.
  E15: { kind: 'fuzz', runs: 100 },
  E16: { kind: 'stress', test: 'TestStableLeader', seeds: 2 },
  E17: { kind: 'stress', test: 'TestStableLeader', seeds: 2 },
  E18: { kind: 'fuzz', runs: 100 },
  E20: { kind: 'stress', test: 'TestOneWayLinks', seeds: 2 },
  E22: { kind: 'stress', test: 'TestOneWayLinks', seeds: 2 },
  // Needs a late duplicate of an AppendEntries while the log grows: about one
  // fuzz scenario in a thousand (npm run mutants); here the one it found.
  L01: { kind: 'scenario', name: 'l01-stale-duplicate-truncates' },
  L02: { kind: 'stress', test: 'TestFailAgree2B', seeds: 2 },
  L03: { kind: 'stress', test: 'TestBackup2B', seeds: 2 },
  L05: { kind: 'stress', test: 'TestRejoin2B', seeds: 2 },
  L06: { kind: 'stress', test: 'TestRejoin2B', seeds: 2 },
  // Long divergent logs: the fuzzer's bursts of commands on a cut-off leader
  // (a fuzz campaign finds it within 100 scenarios: npm run mutants); here the
  // scenario it found and shrank.
  // A follower restarted after acknowledging entries: TestPersist12C restarts every server at once.
  L09: { kind: 'stress', test: 'TestPersist12C', seeds: 2 },
  L11: { kind: 'scenario', name: 'l11-one-by-one-backup-too-slow' },
  L12: { kind: 'stress', test: 'TestBasicAgree2B', seeds: 2 },
  L19: { kind: 'stress', test: 'TestSnapshotBasic2D', seeds: 2 },
  // A late copy of an InstallSnapshot after the follower applied beyond it: the
  // fuzzer's --lab 2D duplicates (about one scenario in four, npm run mutants);
  // here the scenario it found and shrank.
  L21: { kind: 'scenario', name: 'l21-late-install-goes-back' },
  L22: { kind: 'stress', test: 'TestSnapshotInit2D', seeds: 2 },
  // The first snapshot (index 9, in the first test that takes one) deadlocks; named 1 s later.
  L24: { kind: 'stress', test: 'TestSnapshotBasic2D', seeds: 2 },
  // Needs a handler that runs on a killed instance and raises its
  // commitIndex: a crash as an AppendEntries arrives (the fuzzer's
  // crashOnAppend; about 1 of 350 crash-only scenarios, npm run mutants),
  // or a request in an unreliable network's short delay at a crash (2 of 6
  // seeds of TestUnreliableChurn2C once); here the scenario the fuzzer found.
  L13: { kind: 'scenario', name: 'l13-zombie-applies-after-crash' },
  L17: { kind: 'stress', test: 'TestBasicAgree2B', seeds: 2 },
  // A leader cut off with a follower that acknowledged it, overwritten, and
  // elected again while replies of its first term are still held (the
  // fuzzer's nemesis: about one nemesis scenario in 100 for L30, in 20 for
  // L31, npm run mutants); here the scenarios it found and shrank.
  // TestMinorityLeaderLateReplies catches both on every seed tried.
  L30: { kind: 'scenario', name: 'l30-stale-reply-after-reelection' },
  L31: { kind: 'scenario', name: 'l31-stale-match-after-reelection' },
};

/**
 * What the failure must say, for a bug whose check alone (RAFT: the
 * implementation misbehaved) does not name it: the deadlock, in so many
 * words, and its two halves, not a run that times out.
 */
const NAMED: Record<string, RegExp> = {
  L24: /^TestSnapshotBasic2D seed \d+: server (\d)'s snapshot\(9\) has not returned after 1000 ms .*, and server \1 has applied nothing since index 9\b.*the lab's apply-channel deadlock/,
};

/** Shrinking only makes the report nicer; here it is cut short. */
const SHRINK_SECONDS = 1;

interface Verdict {
  caught: boolean;
  check?: CheckId;
  detail: string;
}

async function runQuick(quick: Quick, raft: RaftUnderTest, expected?: readonly string[]): Promise<Verdict> {
  if (quick.kind === 'scenario') {
    const stored = loadRegressionCases().find((c) => c.name === quick.name);
    if (stored === undefined) throw new Error(`no regression case named ${quick.name}`);
    const r = await runScenario(stored.scenario, { raft });
    if (r.ok) return { caught: false, detail: `scenario ${quick.name} passed` };
    return { caught: true, check: r.check, detail: `${r.message}\n${describeScenario(stored.scenario)}` };
  }
  if (quick.kind === 'fuzz') {
    const f: FuzzOutcome = await fuzzRaft(raft, {
      runs: quick.runs,
      timeSeconds: 60,
      shrinkSeconds: SHRINK_SECONDS,
      seed: SEED,
      ...(expected !== undefined && { prefer: expected }),
    });
    if (!f.found) return { caught: false, detail: `the fuzzer found nothing in ${f.scenarios} scenarios` };
    return { caught: true, check: f.check, detail: `${f.message}\n${f.scenarioText}\n${f.replay}` };
  }
  const test = testNamed(quick.test);
  if (test === undefined) throw new Error(`no test named ${quick.test}`);
  const s: StressOutcome = await stressRaft(raft, { tests: [test], seeds: quick.seeds, baseSeed: SEED, roundSeeds: quick.seeds });
  const first = s.first;
  if (first === undefined) return { caught: false, detail: `${quick.test} passed ${s.iterations} seeds` };
  return { caught: true, check: first.check, detail: `${first.test} seed ${first.seed}: ${first.message}` };
}

function describeQuick(quick: Quick): string {
  if (quick.kind === 'scenario') return `the stored fuzz scenario ${quick.name}`;
  return quick.kind === 'fuzz' ? `a fuzz campaign of at most ${quick.runs} scenarios` : `${quick.seeds} seeds of ${quick.test}`;
}

describe('mutants: the harness catches every known election bug and every visible log bug', function () {
  this.timeout(60_000);

  it('the registry has one variant per bug of the reference table, each a loadable --raft module', async function () {
    expect(MUTANTS.map((m) => m.id)).to.deep.equal([
      ...['E01', 'E04', 'E06', 'E08', 'E12', 'E14', 'E15', 'E16', 'E17', 'E18', 'E20', 'E22'],
      ...['L01', 'L02', 'L03', 'L05', 'L06', 'L09', 'L11', 'L12', 'L13', 'L17', 'L19', 'L21', 'L22', 'L24', 'L30', 'L31'],
    ]);
    const known: string[] = [...CHECK_IDS, 'RND'];
    for (const m of MUTANTS) {
      expect(m.expectedChecks, m.id).to.not.be.empty;
      for (const c of m.expectedChecks) expect(known, `${m.id} expects ${c}`).to.include(c);
      expect(QUICK[m.id], `${m.id} has no quick budget`).to.not.equal(undefined);
      const loaded = await loadRaftModule(m.file);
      expect(loaded.make, m.file).to.be.a('function');
      expect(loaded.persists, `${m.file} exports persists`).to.equal(true);
    }
  });

  for (const m of MUTANTS) {
    const quick = QUICK[m.id];
    if (quick === undefined) continue; // the registry test above fails it
    it(`${m.id} (${m.bug}): ${describeQuick(quick)} catches it with ${m.expectedChecks.join(' or ')}`, async function () {
      const v = await runQuick(quick, variantRaft(m.make), m.expectedChecks);
      expect(v.caught, `${m.id} was not caught: ${v.detail}`).to.equal(true);
      expect(m.expectedChecks, `${m.id} was caught by ${v.check}, not an expected check:\n${v.detail}`).to.include(v.check);
      const named = NAMED[m.id];
      if (named !== undefined) expect(v.detail).to.match(named);
    });
  }

  it('the reference Raft passes every one of those runs', async function () {
    const budgets = new Map<string, Quick>();
    for (const quick of Object.values(QUICK)) budgets.set(JSON.stringify(quick), quick);
    const verdicts = await Promise.all([...budgets.values()].map(async (quick) => ({ quick, v: await runQuick(quick, BUILT_IN_RAFT) })));
    for (const { quick, v } of verdicts) expect(v.caught, `the reference Raft failed ${describeQuick(quick)}: ${v.detail}`).to.equal(false);
  });
});
