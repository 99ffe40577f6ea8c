// The lab's seven 2D tests (log compaction), written once, exactly as the
// 2023 test_test.go defines them. Every driver (mocha, the stress loop,
// replay, the bench) runs these bodies. The servers start with the snapshot
// applier (the lab's make_config(..., snapshot=true)): after every tenth
// command it asks each server, from inside that apply, to snapshot the log
// applied so far; a restarted server is handed its stored snapshot first.
import { RAFT_SNAPSHOT_METHODS } from '../raft/contract.ts';
import { SNAPSHOT_INTERVAL } from './cluster/applier.ts';
import { makeConfig, type Config } from './config.ts';
import type { LabTestEntry, LabTestOptions } from './lab2a.ts';

/** What every 2D test needs of an implementation beyond 2A, and the lab's snapshot applier. */
const NEEDS = { requires: RAFT_SNAPSHOT_METHODS, snapshot: true };

/** The lab's MAXLOGSIZE: the largest Raft state (the snapshot excluded) allowed after a round, in bytes. */
export const MAXLOGSIZE = 2000;

/** The lab's SnapShotInterval. */
const SnapShotInterval = SNAPSHOT_INTERVAL;

/** Go's rand.Int() (63 bits there): a non-negative integer JSON carries exactly. */
function randInt(cfg: Config): number {
  return cfg.random.intn(0x7fffffff);
}

async function snapcommon(cfg: Config, name: string, disconnect: boolean, crash: boolean): Promise<void> {
  const iters = 30;
  const servers = 3;

  cfg.begin(name);

  await cfg.one(randInt(cfg), servers, true);
  let leader1 = await cfg.checkOneLeader();

  for (let i = 0; i < iters; i++) {
    let victim = (leader1 + 1) % servers;
    let sender = leader1;
    if (i % 3 === 1) {
      sender = (leader1 + 1) % servers;
      victim = leader1;
    }

    if (disconnect) {
      cfg.disconnect(victim);
      await cfg.one(randInt(cfg), servers - 1, true);
    }
    if (crash) {
      cfg.crash1(victim);
      await cfg.one(randInt(cfg), servers - 1, true);
    }

    // perhaps send enough to get a snapshot
    const nn = SnapShotInterval / 2 + (randInt(cfg) % SnapShotInterval);
    for (let i = 0; i < nn; i++) {
      cfg.start(sender, randInt(cfg));
    }

    // let applier threads catch up with the Start()'s
    if (disconnect === false && crash === false) {
      // make sure all followers have caught up, so that
      // an InstallSnapshot RPC isn't required for
      // TestSnapshotBasic2D().
      await cfg.one(randInt(cfg), servers, true);
    } else {
      await cfg.one(randInt(cfg), servers - 1, true);
    }

    if (cfg.logSize() >= MAXLOGSIZE) {
      cfg.fatal('Log size too large');
    }
    if (disconnect) {
      // reconnect a follower, who maybe behind and
      // needs to rceive a snapshot to catch up.
      cfg.connect(victim);
      await cfg.one(randInt(cfg), servers, true);
      leader1 = await cfg.checkOneLeader();
    }
    if (crash) {
      cfg.start1(victim, cfg.applierSnap);
      cfg.connect(victim);
      await cfg.one(randInt(cfg), servers, true);
      leader1 = await cfg.checkOneLeader();
    }
  }
  cfg.end();
}

/** One snapcommon variant as a test: its network and its title. */
async function runSnapcommon(testName: string, options: LabTestOptions, name: string, disconnect: boolean, reliable: boolean, crash: boolean): Promise<void> {
  const servers = 3;
  const cfg = makeConfig(servers, !reliable, { ...options, ...NEEDS, testName });
  try {
    await snapcommon(cfg, name, disconnect, crash);
  } finally {
    await cfg.cleanup();
  }
}

export async function TestSnapshotBasic2D(options: LabTestOptions = {}): Promise<void> {
  await runSnapcommon('TestSnapshotBasic2D', options, 'Test (2D): snapshots basic', false, true, false);
}

export async function TestSnapshotInstall2D(options: LabTestOptions = {}): Promise<void> {
  await runSnapcommon('TestSnapshotInstall2D', options, 'Test (2D): install snapshots (disconnect)', true, true, false);
}

export async function TestSnapshotInstallUnreliable2D(options: LabTestOptions = {}): Promise<void> {
  await runSnapcommon('TestSnapshotInstallUnreliable2D', options, 'Test (2D): install snapshots (disconnect+unreliable)', true, false, false);
}

export async function TestSnapshotInstallCrash2D(options: LabTestOptions = {}): Promise<void> {
  await runSnapcommon('TestSnapshotInstallCrash2D', options, 'Test (2D): install snapshots (crash)', false, true, true);
}

export async function TestSnapshotInstallUnCrash2D(options: LabTestOptions = {}): Promise<void> {
  await runSnapcommon('TestSnapshotInstallUnCrash2D', options, 'Test (2D): install snapshots (unreliable+crash)', false, false, true);
}

/**
 * do the servers persist the snapshots, and
 * restart using snapshot along with the
 * tail of the log?
 */
export async function TestSnapshotAllCrash2D(options: LabTestOptions = {}): Promise<void> {
  const servers = 3;
  const iters = 5;
  const cfg = makeConfig(servers, false, { ...options, ...NEEDS, testName: 'TestSnapshotAllCrash2D' });
  try {
    cfg.begin('Test (2D): crash and restart all servers');

    await cfg.one(randInt(cfg), servers, true);

    for (let i = 0; i < iters; i++) {
      // perhaps enough to get a snapshot
      const nn = SnapShotInterval / 2 + (randInt(cfg) % SnapShotInterval);
      for (let i = 0; i < nn; i++) {
        await cfg.one(randInt(cfg), servers, true);
      }

      const index1 = await cfg.one(randInt(cfg), servers, true);

      // crash all
      for (let i = 0; i < servers; i++) {
        cfg.crash1(i);
      }

      // revive all
      for (let i = 0; i < servers; i++) {
        cfg.start1(i, cfg.applierSnap);
        cfg.connect(i);
      }

      const index2 = await cfg.one(randInt(cfg), servers, true);
      if (index2 < index1 + 1) {
        cfg.fatal(`index decreased from ${index1} to ${index2}`);
      }
    }
    cfg.end();
  } finally {
    await cfg.cleanup();
  }
}

/**
 * do servers correctly initialize their in-memory copy of the snapshot, making
 * sure that future writes to persistent state don't lose state?
 */
export async function TestSnapshotInit2D(options: LabTestOptions = {}): Promise<void> {
  const servers = 3;
  const cfg = makeConfig(servers, false, { ...options, ...NEEDS, testName: 'TestSnapshotInit2D' });
  try {
    cfg.begin('Test (2D): snapshot initialization after crash');
    await cfg.one(randInt(cfg), servers, true);

    // enough ops to make a snapshot
    const nn = SnapShotInterval + 1;
    for (let i = 0; i < nn; i++) {
      await cfg.one(randInt(cfg), servers, true);
    }

    // crash all
    for (let i = 0; i < servers; i++) {
      cfg.crash1(i);
    }

    // revive all
    for (let i = 0; i < servers; i++) {
      cfg.start1(i, cfg.applierSnap);
      cfg.connect(i);
    }

    // a single op, to get something to be written back to persistent storage.
    await cfg.one(randInt(cfg), servers, true);

    // crash all
    for (let i = 0; i < servers; i++) {
      cfg.crash1(i);
    }

    // revive all
    for (let i = 0; i < servers; i++) {
      cfg.start1(i, cfg.applierSnap);
      cfg.connect(i);
    }

    // do another op to trigger potential bug
    await cfg.one(randInt(cfg), servers, true);
    cfg.end();
  } finally {
    await cfg.cleanup();
  }
}

/** The lab's 2D tests, in the order `go test -run 2D` runs them; each needs start(), snapshot() and installSnapshot(). */
export const LAB_2D_TESTS: readonly LabTestEntry[] = [
  { name: 'TestSnapshotBasic2D', run: TestSnapshotBasic2D, requires: RAFT_SNAPSHOT_METHODS },
  { name: 'TestSnapshotInstall2D', run: TestSnapshotInstall2D, requires: RAFT_SNAPSHOT_METHODS },
  { name: 'TestSnapshotInstallUnreliable2D', run: TestSnapshotInstallUnreliable2D, requires: RAFT_SNAPSHOT_METHODS },
  { name: 'TestSnapshotInstallCrash2D', run: TestSnapshotInstallCrash2D, requires: RAFT_SNAPSHOT_METHODS, crashes: true },
  { name: 'TestSnapshotInstallUnCrash2D', run: TestSnapshotInstallUnCrash2D, requires: RAFT_SNAPSHOT_METHODS, crashes: true },
  { name: 'TestSnapshotAllCrash2D', run: TestSnapshotAllCrash2D, requires: RAFT_SNAPSHOT_METHODS, crashes: true },
  { name: 'TestSnapshotInit2D', run: TestSnapshotInit2D, requires: RAFT_SNAPSHOT_METHODS, crashes: true },
];
