// npm run trace -- FILE [options]
// Prints a trace (raw JSON events, a stress failure log, or the structured
// form; '-' or piped input for standard input) as one column per server,
// coloured by topic; or converts it (--json) or draws it as a web page (--html).
// The command is in cli-run.ts; this file wires it to the process.
import { enterUserFolder } from '../cli-args.ts';
import { runTraceCli } from './cli-run.ts';

enterUserFolder();

// A closed pipe (| head) just ends the output.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

runTraceCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  readStdin,
  stdinIsTTY: process.stdin.isTTY === true,
  stdoutIsTTY: process.stdout.isTTY === true,
  columns: process.stdout.columns,
  env: process.env,
}).then(
  (code) => {
    // Let stdout drain before leaving (a large printout into a pipe).
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`trace: internal error: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 3;
  },
);
