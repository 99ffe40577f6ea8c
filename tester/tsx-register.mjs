// Registers tsx (TypeScript for Node) with this package's own tsconfig, not
// whatever tsconfig the current folder holds: class fields, targets and
// module settings must not change with the folder a command is typed in
// (a user's project, or INIT_CWD under npm run).
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

export const TSCONFIG = fileURLToPath(new URL('../tsconfig.json', import.meta.url));

register({ tsconfig: TSCONFIG });
