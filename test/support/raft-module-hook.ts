// Root hooks (see .mocharc.json). When RAFT_MODULE names a Raft, say so at
// the top of mocha's output, and load it once before any test, so that a
// wrong value is one failure naming the variable, not one per test. And
// before any test, let the loader's own I/O end: tsx writes each fresh
// compile of the test files to its cache after loading them, and a
// virtual-time run started meanwhile would be failed as waiting on real I/O.
import { drainRealIo } from '../../runtime/settle-pump.ts';
import { raftUnderTest } from './raft-under-test.ts';

export const mochaHooks = {
  // Named so that mocha's report says which hook: "before all" hook: RAFT_MODULE.
  beforeAll: [
    async function RAFT_MODULE(): Promise<void> {
      const module = process.env['RAFT_MODULE'];
      if (module === undefined || module === '') return;
      console.log(`  RAFT_MODULE=${module}: the lab's tests, our own and the regression cases run on it`);
      await raftUnderTest();
    },
    async function loaderIo(): Promise<void> {
      await drainRealIo();
    },
  ],
};
