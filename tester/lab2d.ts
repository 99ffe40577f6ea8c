// The lab's seven 2D tests (log compaction), written once, exactly as the
// 2023 test_test.go defines them, in the order `go test -run 2D` runs them;
// each needs start(), snapshot() and installSnapshot() (PART_FACTS). Every
// driver (mocha, the stress loop, replay, the bench) runs these bodies. The
// servers start with the snapshot applier (PART_FACTS: the lab's
// make_config(..., snapshot=true)): after every tenth command it asks each
// server, from inside that apply, to snapshot the log applied so far; a
// restarted server is handed its stored snapshot first.
import { SNAPSHOT_INTERVAL } from './cluster/applier.ts';
import type { Config } from './config.ts';
import { labTest, type LabTestEntry } from './lab-test.ts';

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

export const LAB_2D_TESTS: readonly LabTestEntry[] = [
  labTest({ name: 'TestSnapshotBasic2D', part: '2D', servers: 3, unreliable: false }, async (cfg) => {
    await snapcommon(cfg, 'Test (2D): snapshots basic', false, false);
  }),
  labTest({ name: 'TestSnapshotInstall2D', part: '2D', servers: 3, unreliable: false }, async (cfg) => {
    await snapcommon(cfg, 'Test (2D): install snapshots (disconnect)', true, false);
  }),
  labTest({ name: 'TestSnapshotInstallUnreliable2D', part: '2D', servers: 3, unreliable: true }, async (cfg) => {
    await snapcommon(cfg, 'Test (2D): install snapshots (disconnect+unreliable)', true, false);
  }),
  labTest({ name: 'TestSnapshotInstallCrash2D', part: '2D', servers: 3, unreliable: false, crashes: true }, async (cfg) => {
    await snapcommon(cfg, 'Test (2D): install snapshots (crash)', false, true);
  }),
  labTest({ name: 'TestSnapshotInstallUnCrash2D', part: '2D', servers: 3, unreliable: true, crashes: true }, async (cfg) => {
    await snapcommon(cfg, 'Test (2D): install snapshots (unreliable+crash)', false, true);
  }),
  /**
   * do the servers persist the snapshots, and
   * restart using snapshot along with the
   * tail of the log?
   */
  labTest({ name: 'TestSnapshotAllCrash2D', part: '2D', servers: 3, unreliable: false, crashes: true }, async (cfg, servers) => {
    const iters = 5;

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
  }),
  /**
   * do servers correctly initialize their in-memory copy of the snapshot, making
   * sure that future writes to persistent state don't lose state?
   */
  labTest({ name: 'TestSnapshotInit2D', part: '2D', servers: 3, unreliable: false, crashes: true }, async (cfg, servers) => {
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
  }),
];
