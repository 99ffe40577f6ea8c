// Registers tsx (TypeScript for Node) with this package's own tsconfig, not
// whatever tsconfig the current folder holds: class fields, targets and
// module settings must not change with the folder a command is typed in
// (a user's project, or INIT_CWD under npm run).
//
// Both of tsx's hooks, as the `tsx` command itself installs them. A `.ts`
// file takes its module format from the nearest package.json, as a `.js`
// file does: under `"type": "commonjs"` (what `npm init -y` writes with npm
// 11) or no type at all, it is CommonJS, and tsx's ESM hook then hands it to
// Node's require(). Without tsx's require hook, require() reads the file as
// plain JavaScript, finds ESM syntax (`export const make`), and loads it as
// an ES module through require(esm) while the ESM loader is still loading
// that same file: Node refuses with "Cannot require() ES Module ... in a
// cycle". With the hook, require() compiles it (ESM syntax to CommonJS, as
// tsc does for a CommonJS file), whatever the project's type says.
import { fileURLToPath } from 'node:url';
import { register as registerRequireHook } from 'tsx/cjs/api';
import { register } from 'tsx/esm/api';

export const TSCONFIG = fileURLToPath(new URL('../tsconfig.json', import.meta.url));

register({ tsconfig: TSCONFIG });
// tsx's require hook takes its tsconfig only from the environment, read once
// here; it is put back so that the user's own child processes see theirs.
const previous = process.env.TSX_TSCONFIG_PATH;
process.env.TSX_TSCONFIG_PATH = TSCONFIG;
registerRequireHook();
if (previous === undefined) delete process.env.TSX_TSCONFIG_PATH;
else process.env.TSX_TSCONFIG_PATH = previous;
