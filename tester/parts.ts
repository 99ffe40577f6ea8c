// The parts a named test belongs to, and what belonging to one implies: the
// lab's 2A (leader election), 2B (log agreement), 2C (persistence) and 2D
// (log compaction), in the order the lab assigns them, then our own tests.
import { RAFT_LOG_METHODS, RAFT_SNAPSHOT_METHODS } from '../raft/contract.ts';
import { STRICT, type CheckPolicy } from './monitors/index.ts';

export const PARTS = ['2A', '2B', '2C', '2D', 'own'] as const;
export type Part = (typeof PARTS)[number];

interface PartFacts {
  /** A part of the lab: its tests are test_test.go's, judged as the lab judges them. */
  readonly lab: boolean;
  /** Methods its tests need beyond the 2A contract: a Raft without them is refused before any work. */
  readonly requires: readonly string[];
  /** What each check does on a violation, unless the driver says otherwise (default: the lab tests' policy). */
  readonly policy?: CheckPolicy;
  /**
   * Its tests start every server with the lab's snapshot applier, as
   * make_config(t, n, reliable, snapshot=true) does (lab 2D): after every
   * tenth command it asks the server for a snapshot, from inside that apply.
   */
  readonly snapshot?: boolean;
}

export const PART_FACTS: Readonly<Record<Part, PartFacts>> = {
  '2A': { lab: true, requires: [] },
  // The lab's 2B and 2C tests call Start() (the 2B text: "start by implementing Start()").
  '2B': { lab: true, requires: RAFT_LOG_METHODS },
  '2C': { lab: true, requires: RAFT_LOG_METHODS },
  // The lab's 2D tests call Start(), Snapshot() and, through labrpc, InstallSnapshot.
  '2D': { lab: true, requires: RAFT_SNAPSHOT_METHODS, snapshot: true },
  // Ours are stricter than the lab's: every monitor is a failure (stability included).
  own: { lab: false, requires: [], policy: STRICT },
};

/** The lab's parts, in order. */
export const LAB_PARTS: readonly Part[] = PARTS.filter((p) => PART_FACTS[p].lab);
