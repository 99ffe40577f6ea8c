// The lab's three 2A tests, written once, exactly as test_test.go defines
// them. Every driver (mocha, the stress loop, replay) runs these bodies.
import { RAFT_ELECTION_TIMEOUT_MS, makeConfig, type ConfigOptions } from './config.ts';

export type LabTestOptions = Omit<ConfigOptions, 'testName' | 'requires' | 'snapshot'>;
export type LabTest = (options?: LabTestOptions) => Promise<void>;

export async function TestInitialElection2A(options: LabTestOptions = {}): Promise<void> {
  const servers = 3;
  const cfg = makeConfig(servers, false, { ...options, testName: 'TestInitialElection2A' });
  try {
    cfg.begin('Test (2A): initial election');

    // is a leader elected?
    await cfg.checkOneLeader();

    // sleep a bit to avoid racing with followers learning of the
    // election, then check that all peers agree on the term.
    await cfg.sleep(50);
    const term1 = cfg.checkTerms();
    if (term1 < 1) cfg.fatal(`term is ${term1}, but should be at least 1`);

    // does the leader+term stay the same if there is no network failure?
    await cfg.sleep(2 * RAFT_ELECTION_TIMEOUT_MS);
    const term2 = cfg.checkTerms();
    if (term1 !== term2) cfg.warn('warning: term changed even though there were no failures');

    // there should still be a leader.
    await cfg.checkOneLeader();

    cfg.end();
  } finally {
    await cfg.cleanup();
  }
}

export async function TestReElection2A(options: LabTestOptions = {}): Promise<void> {
  const servers = 3;
  const cfg = makeConfig(servers, false, { ...options, testName: 'TestReElection2A' });
  try {
    cfg.begin('Test (2A): election after network failure');

    const leader1 = await cfg.checkOneLeader();

    // if the leader disconnects, a new one should be elected.
    cfg.disconnect(leader1);
    await cfg.checkOneLeader();

    // if the old leader rejoins, that shouldn't
    // disturb the new leader.
    cfg.connect(leader1);
    const leader2 = await cfg.checkOneLeader();

    // if there's no quorum, no leader should
    // be elected.
    cfg.disconnect(leader2);
    cfg.disconnect((leader2 + 1) % servers);
    await cfg.sleep(2 * RAFT_ELECTION_TIMEOUT_MS);
    cfg.checkNoLeader();

    // if a quorum arises, it should elect a leader.
    cfg.connect((leader2 + 1) % servers);
    await cfg.checkOneLeader();

    // re-join of last node shouldn't prevent leader from existing.
    cfg.connect(leader2);
    await cfg.checkOneLeader();

    cfg.end();
  } finally {
    await cfg.cleanup();
  }
}

export async function TestManyElections2A(options: LabTestOptions = {}): Promise<void> {
  const servers = 7;
  const cfg = makeConfig(servers, false, { ...options, testName: 'TestManyElections2A' });
  try {
    cfg.begin('Test (2A): multiple elections');

    await cfg.checkOneLeader();

    const iters = 10;
    for (let ii = 1; ii < iters; ii++) {
      // disconnect three nodes
      const i1 = cfg.random.intn(servers);
      const i2 = cfg.random.intn(servers);
      const i3 = cfg.random.intn(servers);
      cfg.disconnect(i1);
      cfg.disconnect(i2);
      cfg.disconnect(i3);

      // either the current leader should still be alive,
      // or the remaining four should elect a new one.
      await cfg.checkOneLeader();

      cfg.connect(i1);
      cfg.connect(i2);
      cfg.connect(i3);
    }

    await cfg.checkOneLeader();

    cfg.end();
  } finally {
    await cfg.cleanup();
  }
}

export interface LabTestEntry {
  name: string;
  run: LabTest;
  /** Methods the test needs beyond the 2A contract (RAFT_LOG_METHODS for 2B and 2C, RAFT_SNAPSHOT_METHODS for 2D): a Raft without them is refused before any work. */
  requires?: readonly string[];
  /** The test crashes and restarts servers: only an implementation that persists (lab 2C) can pass it. */
  crashes?: boolean;
}

/** The lab's 2A tests, in the order `go test -run 2A` runs them. */
export const LAB_2A_TESTS: readonly LabTestEntry[] = [
  { name: 'TestInitialElection2A', run: TestInitialElection2A },
  { name: 'TestReElection2A', run: TestReElection2A },
  { name: 'TestManyElections2A', run: TestManyElections2A },
];
