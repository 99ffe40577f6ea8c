// npm run trace -- FILE [options]
// Prints a trace (raw JSON events, a stress failure log, or the structured
// form; '-' or piped input for standard input) as one column per server,
// coloured by topic; or converts it (--json) or draws it as a web page (--html).
// The command is in cli-run.ts; this file wires it to the process (runCli:
// exit codes, and a closed pipe, | head, that just ends the output).
import { enterUserFolder } from '../cli-args.ts';
import { runCli } from '../run-cli.ts';
import { runTraceCli } from './cli-run.ts';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

runCli(
  () => {
    enterUserFolder();
    return runTraceCli(process.argv.slice(2), {
      out: (text) => process.stdout.write(text),
      err: (text) => process.stderr.write(text),
      readStdin,
      stdinIsTTY: process.stdin.isTTY === true,
      stdoutIsTTY: process.stdout.isTTY === true,
      columns: process.stdout.columns,
      env: process.env,
    });
  },
  { name: 'trace' },
);
