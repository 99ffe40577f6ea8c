// npm run typecheck-raft -- FILE...: does each module fit the contract?
// Exit code: 0 all fit, 1 a type error, 2 bad input.
import { UsageError, checkRaftPath, enterUserFolder, invocation, parseCommandLine, usageText } from './cli-args.ts';
import { typecheckModule } from './typecheck.ts';

const USAGE = `usage: npm run typecheck-raft -- FILE...

Type-checks each Raft module against the harness's contract (raft/contract.ts)
with the TypeScript compiler, strict, with the harness's own settings: no
tsconfig of your own is needed. (The other commands run TypeScript without
checking its types.)`;

function main(): number {
  enterUserFolder();
  let files: string[];
  try {
    const parsed = parseCommandLine(process.argv.slice(2), {}, true);
    if (parsed === 'help') {
      console.log(usageText(USAGE));
      return 0;
    }
    files = parsed.positionals;
    if (files.length === 0) throw new UsageError('name the module(s) to check');
    // No flag label: the message below is already prefixed with the command's name.
    for (const file of files) checkRaftPath(file, '');
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`typecheck-raft: ${error.message} (${invocation('typecheck-raft')} --help for usage)`);
    return 2;
  }
  let failed = 0;
  for (const file of files) {
    const result = typecheckModule(file);
    if (result.ok) console.log(`${file}: fits the contract`);
    else {
      failed++;
      console.log(`${file}: type errors\n${result.output.replace(/^/gm, '  ')}`);
    }
  }
  return failed === 0 ? 0 : 1;
}

process.exit(main());
