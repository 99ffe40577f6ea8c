// The lab's seven 2D tests: two once in real time (as `go test -run 2D`
// would), all seven over a few seeds in virtual time. LAB_REAL=all runs all
// seven in real time (about five minutes); SEEDS=n sets the seeds per test.
// Until the reference Raft compacts its log (snapshot()), they run on a
// stand-in that does (test/support/snapshot-stub-raft.ts).
import type { RaftPeer } from '../raft/contract.ts';
import { Raft } from '../raft/raft.ts';
import { LAB_2D_TESTS } from '../tester/lab2d.ts';
import { registerLogLabTests } from './support/log-lab-tests.ts';
import { raftUnderTest } from './support/raft-under-test.ts';
import { make as stubMake } from './support/snapshot-stub-raft.ts';

const referenceCompacts = typeof (Raft.prototype as Partial<RaftPeer>).snapshot === 'function';
const chosen = process.env['RAFT_MODULE'] !== undefined && process.env['RAFT_MODULE'] !== '';

registerLogLabTests({
  part: '2D',
  tests: LAB_2D_TESTS,
  realTimeFew: ['TestSnapshotBasic2D', 'TestSnapshotInit2D'],
  realTimeWhy: 'two of them',
  defaultSeeds: 3,
  ...(!chosen && !referenceCompacts && { raft: () => Promise.resolve({ make: stubMake }) }),
});
