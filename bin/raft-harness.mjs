#!/usr/bin/env node
// raft-harness COMMAND [options]: the harness's commands for a project that
// installed the package. Each is the same program as `npm run COMMAND --`
// inside the harness's repository; TypeScript runs through tsx, registered
// here with the harness's own settings, so no loader needs configuring.
import { pathToFileURL, fileURLToPath } from 'node:url';

const COMMANDS = {
  init: ['tester/init-cli.ts', 'set up this project: raft.ts from the skeleton, a mocha test, npm scripts'],
  stress: ['tester/stress/cli.ts', 'the stress loop: the lab tests over many seeds, on every core'],
  fuzz: ['tester/fuzz/cli.ts', 'fault schedules generated, run under every monitor, failures shrunk'],
  replay: ['tester/replay/cli.ts', 'one iteration again, event by event, from its seed'],
  trace: ['tester/trace/cli.ts', 'read a trace: columns per server, JSON Lines, or a web page'],
  mutants: ['test/mutants/cli.ts', "the harness's proof: broken Rafts it must catch"],
  'typecheck-raft': ['tester/typecheck-cli.ts', 'type-check Raft modules against the contract'],
};

const USAGE = `usage: npx raft-harness COMMAND [options]   (COMMAND --help for its options)

${Object.entries(COMMANDS)
  .map(([name, [, what]]) => `  ${name.padEnd(15)} ${what}`)
  .join('\n')}`;

const [command, ...rest] = process.argv.slice(2);
if (command === undefined || command === '-h' || command === '--help') {
  console.log(USAGE);
  process.exit(command === undefined ? 2 : 0);
}
const entry = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
if (entry === undefined) {
  console.error(`raft-harness: unknown command '${command}' (one of: ${Object.keys(COMMANDS).join(', ')}; npx raft-harness --help)`);
  process.exit(2);
}
// Messages and replay commands then say `npx raft-harness X`, not `npm run X --`.
process.env.RAFT_HARNESS_BIN = '1';
const script = fileURLToPath(new URL(`../${entry[0]}`, import.meta.url));
process.argv = [process.argv[0], script, ...rest];
await import('../tester/tsx-register.mjs');
await import(pathToFileURL(script).href);
