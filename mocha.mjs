// `import { registerLabTests } from '<package>/mocha'` in a user's own mocha
// run: the lab's tests against their module. tsx is registered here (with
// the harness's own settings), so their mocha needs no loader.
import './tester/tsx-register.mjs';

// The replay commands a failure prints are then the ones a user of the
// package runs (`npx raft-harness replay ...`), not this repository's
// `npm run replay --`, which their project does not have.
process.env.RAFT_HARNESS_BIN = '1';

const entry = await import('./tester/mocha.ts');
export const { registerLabTests } = entry;
