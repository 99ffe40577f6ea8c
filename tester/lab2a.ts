// The lab's three 2A tests, written once, exactly as test_test.go defines
// them, in the order `go test -run 2A` runs them. Every driver (mocha, the
// stress loop, replay) runs these bodies.
import { RAFT_ELECTION_TIMEOUT_MS } from './config.ts';
import { labTest, type LabTestEntry } from './lab-test.ts';

export const LAB_2A_TESTS: readonly LabTestEntry[] = [
  labTest({ name: 'TestInitialElection2A', part: '2A', servers: 3, unreliable: false }, async (cfg) => {
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
  }),

  labTest({ name: 'TestReElection2A', part: '2A', servers: 3, unreliable: false }, async (cfg, servers) => {
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
  }),

  labTest({ name: 'TestManyElections2A', part: '2A', servers: 7, unreliable: false }, async (cfg, servers) => {
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
  }),
];
