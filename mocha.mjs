// `import { registerLabTests } from '<package>/mocha'` in a user's own mocha
// run: the lab's tests against their module. tsx is registered here (with
// the harness's own settings), so their mocha needs no loader.
import './tester/tsx-register.mjs';

const entry = await import('./tester/mocha.ts');
export const { registerLabTests } = entry;
