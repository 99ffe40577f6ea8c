// Our own tests, stricter than the lab's: every monitor is a failure
// (stability included), and the faults go beyond the lab's 2A tests: even
// clusters, partitions, one-way links, crash and restart, a lossy network.
import { makeConfig } from './config.ts';
import type { LabTestEntry, LabTestOptions } from './lab2a.ts';
import { STRICT } from './monitors/index.ts';

function strictConfig(n: number, unreliable: boolean, name: string, options: LabTestOptions) {
  return makeConfig(n, unreliable, { policy: STRICT, ...options, testName: name });
}

/** 5 servers, no faults: the leader and the term stay put (a failure here, not a warning). */
export async function TestStableLeader(options: LabTestOptions = {}): Promise<void> {
  const cfg = strictConfig(5, false, 'TestStableLeader', options);
  try {
    cfg.begin('Test (ours): stable leader without faults');
    const leader = await cfg.checkOneLeader();
    await cfg.sleep(50);
    const term = cfg.checkTerms();
    await cfg.sleep(3000);
    if (cfg.checkTerms() !== term) cfg.fatal(`term changed from ${term} to ${cfg.checkTerms()} without any fault`);
    const again = await cfg.checkOneLeader();
    if (again !== leader) cfg.fatal(`leader changed from ${leader} to ${again} without any fault`);
    cfg.end();
  } finally {
    await cfg.cleanup();
  }
}

/** 4 servers: 2 of 4 is no majority, 3 of 4 is. */
export async function TestEvenCluster(options: LabTestOptions = {}): Promise<void> {
  const cfg = strictConfig(4, false, 'TestEvenCluster', options);
  try {
    cfg.begin('Test (ours): election in an even cluster');
    const leader = await cfg.checkOneLeader();
    const other = (leader + 1) % 4;
    cfg.disconnect(leader);
    cfg.disconnect(other);
    await cfg.sleep(2000);
    cfg.checkNoLeader();
    cfg.connect(other);
    await cfg.checkOneLeader();
    cfg.connect(leader);
    await cfg.checkOneLeader();
    cfg.end();
  } finally {
    await cfg.cleanup();
  }
}

/** 5 servers split 2 | 3 by cut links: only the majority side elects; after healing, one leader. */
export async function TestPartitionHeal(options: LabTestOptions = {}): Promise<void> {
  const cfg = strictConfig(5, false, 'TestPartitionHeal', options);
  try {
    cfg.begin('Test (ours): partition and heal');
    const leader = await cfg.checkOneLeader();
    const minority = [leader, (leader + 1) % 5];
    const majority = [0, 1, 2, 3, 4].filter((s) => !minority.includes(s));
    cfg.partition([minority, majority]);
    // The lab's checkOneLeader would accept the stale leader on the minority
    // side (a partition disconnects nobody): only the majority counts here.
    await cfg.checkOneLeaderAmong(majority);
    cfg.healLinks();
    await cfg.checkOneLeader();
    cfg.end();
  } finally {
    await cfg.cleanup();
  }
}

/** 3 servers: the leader's outgoing links are cut one way; the others elect, and the old leader steps down. */
export async function TestOneWayLinks(options: LabTestOptions = {}): Promise<void> {
  const cfg = strictConfig(3, false, 'TestOneWayLinks', options);
  try {
    cfg.begin('Test (ours): one-way link failure');
    const leader = await cfg.checkOneLeader();
    for (let j = 0; j < 3; j++) if (j !== leader) cfg.setLink(leader, j, false);
    await cfg.sleep(2000);
    const next = await cfg.checkOneLeader();
    if (next === leader) cfg.fatal(`server ${leader} still leads though none of its messages get out`);
    cfg.healLinks();
    await cfg.checkOneLeader();
    cfg.end();
  } finally {
    await cfg.cleanup();
  }
}

/** 3 servers: the leader crashes, the others elect; it restarts (its persisted state kept) and rejoins. */
export async function TestCrashRestart(options: LabTestOptions = {}): Promise<void> {
  const cfg = strictConfig(3, false, 'TestCrashRestart', options);
  try {
    cfg.begin('Test (ours): crash and restart');
    const leader = await cfg.checkOneLeader();
    cfg.crash1(leader);
    await cfg.checkOneLeader();
    cfg.start1(leader);
    cfg.connect(leader);
    await cfg.checkOneLeader();
    await cfg.sleep(1000);
    cfg.checkTerms();
    await cfg.checkOneLeader();
    cfg.end();
  } finally {
    await cfg.cleanup();
  }
}

/**
 * 5 servers on the lab's unreliable network with long reordering, in turns
 * with a calm network. Under that much loss and reordering the design's
 * 150-300 ms timeouts may not elect anyone within the lab's 5 s (vote
 * replies arrive after the next election has begun), so the lossy phases are
 * judged on safety by the monitors, and a leader is required once calm.
 */
export async function TestUnreliableElection(options: LabTestOptions = {}): Promise<void> {
  const cfg = strictConfig(5, false, 'TestUnreliableElection', options);
  try {
    cfg.begin('Test (ours): elections on an unreliable network');
    for (let round = 0; round < 4; round++) {
      cfg.setUnreliable(true);
      cfg.setLongReordering(true);
      const down = cfg.random.intn(5);
      cfg.disconnect(down);
      await cfg.sleep(3000);
      cfg.connect(down);
      cfg.setUnreliable(false);
      cfg.setLongReordering(false);
      await cfg.checkOneLeader();
    }
    cfg.end();
  } finally {
    await cfg.cleanup();
  }
}

export const OWN_TESTS: readonly LabTestEntry[] = [
  { name: 'TestStableLeader', run: TestStableLeader },
  { name: 'TestEvenCluster', run: TestEvenCluster },
  { name: 'TestPartitionHeal', run: TestPartitionHeal },
  { name: 'TestOneWayLinks', run: TestOneWayLinks },
  { name: 'TestCrashRestart', run: TestCrashRestart, crashes: true },
  { name: 'TestUnreliableElection', run: TestUnreliableElection },
];
