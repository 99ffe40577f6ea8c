// Our own tests, stricter than the lab's: every monitor is a failure
// (stability included), and the faults go beyond the lab's 2A tests: even
// clusters, partitions, one-way links, crash and restart, a lossy network,
// a nemesis that cuts leaders off and holds their replies.
import { RAFT_LOG_METHODS } from '../raft/contract.ts';
import { Nemesis } from './cluster/nemesis.ts';
import { LIVENESS_MS, MAX_HOLD_REPLY_MS } from './cluster/nemesis.ts';
import type { Config } from './config.ts';
import { labTest, type LabTestEntry } from './lab-test.ts';

/** How often the nemesis test looks at getState() while it waits for a leader or a commit. */
const POLL_MS = 10;

/**
 * The leader of the highest term among `members`, once one of them leads in
 * a term above `aboveTerm`; fails after the lab's 5 s. Liveness is asked of
 * a connected majority only, whose own replies nobody holds.
 */
async function leaderAmong(cfg: Config, members: readonly number[], aboveTerm: number): Promise<{ leader: number; term: number }> {
  const deadline = cfg.now() + LIVENESS_MS;
  for (;;) {
    let best: { leader: number; term: number } | undefined;
    for (const m of members) {
      const { term, isLeader } = cfg.getStateOf(m);
      if (isLeader && term > aboveTerm && (best === undefined || term > best.term)) best = { leader: m, term };
    }
    if (best !== undefined) return best;
    if (cfg.now() >= deadline) cfg.fatal(`expected a leader among {${members.join(',')}} in a term above ${aboveTerm} within ${LIVENESS_MS} ms, got none`);
    await cfg.sleep(POLL_MS);
  }
}

/** Until `count` servers have applied `index` (at most the lab's one() budget of 2 s); fails if they do not. */
async function appliedOn(cfg: Config, index: number, count: number): Promise<void> {
  const deadline = cfg.now() + 2000;
  while (cfg.nCommitted(index).count < count) {
    if (cfg.now() >= deadline) cfg.fatal(`index ${index} applied on ${cfg.nCommitted(index).count} servers within 2 s, wanted ${count}`);
    await cfg.sleep(POLL_MS);
  }
}

/** start() on a server that must lead: its index. */
function startOn(cfg: Config, server: number, command: number): number {
  const r = cfg.start(server, command);
  if (!r.isLeader) cfg.fatal(`S${server} led a moment ago but refused start(${command})`);
  return r.index;
}

export const OWN_TESTS: readonly LabTestEntry[] = [
  /** 5 servers, no faults: the leader and the term stay put (a failure here, not a warning). */
  labTest({ name: 'TestStableLeader', part: 'own', servers: 5, unreliable: false }, async (cfg) => {
    cfg.begin('Test (ours): stable leader without faults');
    const leader = await cfg.checkOneLeader();
    await cfg.sleep(50);
    const term = cfg.checkTerms();
    await cfg.sleep(3000);
    if (cfg.checkTerms() !== term) cfg.fatal(`term changed from ${term} to ${cfg.checkTerms()} without any fault`);
    const again = await cfg.checkOneLeader();
    if (again !== leader) cfg.fatal(`leader changed from ${leader} to ${again} without any fault`);
    cfg.end();
  }),

  /** 4 servers: 2 of 4 is no majority, 3 of 4 is. */
  labTest({ name: 'TestEvenCluster', part: 'own', servers: 4, unreliable: false }, async (cfg) => {
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
  }),

  /** 5 servers split 2 | 3 by cut links: only the majority side elects; after healing, one leader. */
  labTest({ name: 'TestPartitionHeal', part: 'own', servers: 5, unreliable: false }, async (cfg) => {
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
  }),

  /** 3 servers: the leader's outgoing links are cut one way; the others elect, and the old leader steps down. */
  labTest({ name: 'TestOneWayLinks', part: 'own', servers: 3, unreliable: false }, async (cfg) => {
    cfg.begin('Test (ours): one-way link failure');
    const leader = await cfg.checkOneLeader();
    for (let j = 0; j < 3; j++) if (j !== leader) cfg.setLink(leader, j, false);
    await cfg.sleep(2000);
    const next = await cfg.checkOneLeader();
    if (next === leader) cfg.fatal(`server ${leader} still leads though none of its messages get out`);
    cfg.healLinks();
    await cfg.checkOneLeader();
    cfg.end();
  }),

  /** 3 servers: the leader crashes, the others elect; it restarts (its persisted state kept) and rejoins. */
  labTest({ name: 'TestCrashRestart', part: 'own', servers: 3, unreliable: false, crashes: true }, async (cfg) => {
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
  }),

  /**
   * 5 servers on the lab's unreliable network with long reordering, in turns
   * with a calm network. Under that much loss and reordering the design's
   * 150-300 ms timeouts may not elect anyone within the lab's 5 s (vote
   * replies arrive after the next election has begun), so the lossy phases are
   * judged on safety by the monitors, and a leader is required once calm.
   */
  labTest({ name: 'TestUnreliableElection', part: 'own', servers: 5, unreliable: false }, async (cfg) => {
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
  }),

  /**
   * 5 servers: a leader is cut off with a follower that acknowledged it, and
   * the replies between the two are held the lab's longest reordering delay
   * (2.2 s); it takes commands the majority never sees. Leadership then
   * rotates around the majorities until the old leader, overwritten in
   * between (§5.3), leads again, while the held replies of its old term are
   * still on their way. Cut off once more with a single voter, it takes new
   * commands, which must not commit: no majority holds them (Figure 2: a
   * reply counts for the term of its request, and nextIndex and matchIndex
   * are reinitialized after each election). Each majority's leader is forced:
   * only one server of it has the log its voters need (§5.4.1). Every monitor
   * is fatal; liveness is required only of a connected majority.
   */
  labTest({ name: 'TestMinorityLeaderLateReplies', part: 'own', servers: 5, unreliable: false, requires: RAFT_LOG_METHODS }, async (cfg: Config, n) => {
    const nemesis = new Nemesis(cfg);
    try {
      cfg.begin('Test (ours): a minority leader, its replies late across later elections');
      await cfg.one(101, n, true);
      const all = [0, 1, 2, 3, 4];
      const { leader: old, term: oldTerm } = await leaderAmong(cfg, all, 0);
      // Every follower acknowledges the old leader's log: its next heartbeat.
      await cfg.sleep(200);
      const acked = nemesis.acknowledged(old, oldTerm);
      const follower = acked[cfg.random.intn(acked.length)];
      if (follower === undefined) cfg.fatal(`no follower acknowledged leader S${old} of term ${oldTerm} within 200 ms`);
      // 1. The old leader and its follower alone. It takes commands the
      //    majority never sees and replicates them to the follower (a heartbeat
      //    or two); from then on their replies to each other are held.
      nemesis.cutOff([old, follower]);
      for (let c = 0; c < 20; c++) startOn(cfg, old, 1000 + c);
      await cfg.sleep(150);
      nemesis.holdReplies(MAX_HOLD_REPLY_MS);
      const majority = all.filter((s) => s !== old && s !== follower);
      const second = await leaderAmong(cfg, majority, oldTerm);
      await appliedOn(cfg, startOn(cfg, second.leader, 201), majority.length);
      // 2. The second leader cut off with one of its followers: the third side
      //    (the old pair and the one left) can elect only that one, the only
      //    holder of the second term's entries; it overwrites the pair's logs.
      const others = majority.filter((s) => s !== second.leader);
      const partner = others[cfg.random.intn(others.length)] as number;
      const third = others.find((s) => s !== partner) as number;
      nemesis.cutOff([second.leader, partner]);
      const t3 = await leaderAmong(cfg, [old, follower, third], second.term);
      if (t3.leader !== third) cfg.fatal(`S${t3.leader} won term ${t3.term} without the second term's entries, which S${third} alone held among its voters`);
      await appliedOn(cfg, startOn(cfg, third, 301), 3);
      // 3. The third leader cut off with the old follower: the old leader, now
      //    the only one of its side with the third term's entries, leads again.
      nemesis.cutOff([third, follower]);
      const again = await leaderAmong(cfg, [old, second.leader, partner], t3.term);
      if (again.leader !== old)
        cfg.fatal(`S${again.leader} won term ${again.term} without the third term's entries, which S${old} alone held among its voters`);
      // 4. It keeps one of its voters only: no majority holds what it takes
      //    now, so nothing may commit, whatever replies of its first term
      //    arrive meanwhile (the monitors judge every apply: CM, SMS, LC).
      const kept = second.leader;
      cfg.partition([[old, kept], [partner], [third, follower]]);
      for (let c = 0; c < 5; c++) startOn(cfg, old, 401 + c);
      await cfg.sleep(MAX_HOLD_REPLY_MS);
      // 5. Heal, deliver what is still held, and agree on all five.
      nemesis.heal();
      cfg.healLinks();
      await cfg.one(501, n, true);
      cfg.end();
    } finally {
      nemesis.stop();
    }
  }),
];
