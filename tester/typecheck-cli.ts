// npm run typecheck-raft -- FILE...: does each module fit the contract?
// Exit code (runCli): 0 all fit, 1 a type error, 2 bad input, 3 internal error.
import { UsageError, checkRaftPath, enterUserFolder, parseCommandLine, usageText } from './cli-args.ts';
import { runCli, type CommandResult } from './run-cli.ts';
import { typecheckModule } from './typecheck.ts';

const USAGE = `usage: npm run typecheck-raft -- FILE...

Type-checks each Raft module against the harness's contract (raft/contract.ts)
with the TypeScript compiler, strict, with the harness's own settings: no
tsconfig of your own is needed. (The other commands run TypeScript without
checking its types.)`;

function main(): CommandResult {
  enterUserFolder();
  const parsed = parseCommandLine(process.argv.slice(2), {}, true);
  if (parsed === 'help') {
    console.log(usageText(USAGE));
    return 0;
  }
  const files = parsed.positionals;
  if (files.length === 0) throw new UsageError('name the module(s) to check');
  // No flag label: the message is already prefixed with the command's name.
  for (const file of files) checkRaftPath(file, '');
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

runCli(main, { name: 'typecheck-raft', helpHint: 'always' });
