// Type-checks a Raft module against the contract (raft/contract.ts). tsx,
// which runs the module, strips types without checking them; this runs the
// TypeScript compiler with the harness's own settings, so that a user needs
// no tsconfig of their own.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const CONTRACT = fileURLToPath(new URL('../raft/contract.ts', import.meta.url));

export interface TypecheckResult {
  ok: boolean;
  /** The compiler's messages, one per line, with paths as the user gave them. */
  output: string;
}

export function typecheckModule(path: string): TypecheckResult {
  const file = resolve(path);
  const dir = mkdtempSync(join(tmpdir(), 'raft-typecheck-'));
  try {
    // The module must export make: MakeRaft, and may export timers.
    const check = join(dir, 'contract-check.mts');
    writeFileSync(
      check,
      [
        `import type { RaftModule } from ${JSON.stringify(CONTRACT)};`,
        `import * as candidate from ${JSON.stringify(file)};`,
        '// Your module, seen as the harness loads it: make(peers, me, persister, applyCh, runtime), and optionally timers.',
        'export const yourModule: RaftModule = candidate;',
        '',
      ].join('\n'),
    );
    const typeRoots = [dirname(dirname(require.resolve('@types/node/package.json')))];
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          allowImportingTsExtensions: true,
          typeRoots,
          types: ['node'],
        },
        files: [check],
      }),
    );
    // TypeScript 7 (the native compiler), installed under an alias of its own:
    // the name `typescript` is TypeScript 6, for typescript-eslint's sake.
    const tsc = join(dirname(require.resolve('@typescript/native/package.json')), 'bin', 'tsc');
    const run = spawnSync(process.execPath, [tsc, '-p', join(dir, 'tsconfig.json'), '--pretty', 'false'], { encoding: 'utf8' });
    const output = `${run.stdout}${run.stderr}`
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => line.replaceAll(relative(process.cwd(), check), 'contract check').replaceAll(check, 'contract check'))
      .join('\n');
    return { ok: run.status === 0, output };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
