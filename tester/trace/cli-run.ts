// The trace command itself, apart from the process it runs in (cli.ts wires
// it to stdin, stdout and the exit code), so that tests can run it in-process.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError, invocation, parseCommandLine, usageText, writableFile } from '../cli-args.ts';
import { DEFAULT_WIDTH, TOPIC_GROUPS, filterLines, parseTopics, renderColumns } from './columns.ts';
import { writeTraceHtml } from './html.ts';
import { TraceInputError, jsonLines, parseTrace } from './input.ts';
import { TRACE_KINDS } from './structured.ts';
import type { CommandResult } from '../run-cli.ts';

export const USAGE = `usage: npm run trace -- [FILE|-] [options]
  FILE            a raw trace (replay --trace, a stress failure log) or a structured one; '-' or none: standard input
  --only TOPICS   show only these topics (comma-separated)
  --ignore TOPICS hide these topics
  --from MS       start of the time window (ms)
  --to MS         end of the time window (ms)
  --width N       total width (default: the terminal's, else ${DEFAULT_WIDTH})
  --all           also show the link toggles and server registrations that connect/disconnect/start/crash imply
  --color         colour even when not writing to a terminal
  --no-color      no colour (as does NO_COLOR=1)
  --json          print the structured trace (one JSON object per line) instead of columns
  --html OUT      write the trace as a web page to OUT (--title to name it)
topics: ${TRACE_KINDS.join(', ')}
groups: ${Object.entries(TOPIC_GROUPS)
  .map(([name, kinds]) => `${name} (${kinds.join(', ')})`)
  .join('; ')}`;

/** What the command needs from its process. */
export interface TraceIO {
  out: (text: string) => void;
  err: (text: string) => void;
  /** All of standard input. */
  readStdin: () => Promise<string>;
  stdinIsTTY: boolean;
  stdoutIsTTY: boolean;
  /** The terminal's width, if stdout is one. */
  columns: number | undefined;
  env: Record<string, string | undefined>;
}

/** Runs `npm run trace -- ARGS`; resolves to the exit code (2: bad input or usage). */
export async function runTraceCli(args: string[], io: TraceIO): Promise<CommandResult> {
  try {
    return await run(args, io);
  } catch (error) {
    if (error instanceof TraceInputError) {
      io.err(`trace: ${error.message}\n`);
      return 2;
    }
    if (error instanceof UsageError) {
      io.err(`trace: ${error.message} (${invocation('trace')} --help for usage)\n`);
      return 2;
    }
    throw error;
  }
}

async function run(args: string[], io: TraceIO): Promise<CommandResult> {
  const parsed = parseCommandLine(
    args,
    {
      only: { type: 'string' },
      ignore: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      width: { type: 'string' },
      all: { type: 'boolean' },
      color: { type: 'boolean' },
      'no-color': { type: 'boolean' },
      json: { type: 'boolean' },
      html: { type: 'string' },
      title: { type: 'string' },
    },
    true,
  );
  if (parsed === 'help') {
    io.out(`${usageText(USAGE)}\n`);
    return 0;
  }
  const { values, positionals } = parsed;
  if (positionals.length > 1) throw new UsageError(`one trace file at a time (got ${positionals.length}: ${positionals.join(' ')})`);
  const only = values.only !== undefined ? topics(values.only, '--only') : undefined;
  const ignore = values.ignore !== undefined ? topics(values.ignore, '--ignore') : undefined;
  const from = values.from !== undefined ? milliseconds(values.from, '--from') : undefined;
  const to = values.to !== undefined ? milliseconds(values.to, '--to') : undefined;
  if (from !== undefined && to !== undefined && from > to) throw new UsageError(`--from ${from} is after --to ${to}`);
  let width = io.columns !== undefined && io.columns > 0 ? io.columns : DEFAULT_WIDTH;
  if (values.width !== undefined) {
    width = Number(values.width);
    if (!Number.isInteger(width) || width < 20) throw new UsageError(`--width must be a whole number of at least 20, got "${values.width}"`);
  }
  const noColorEnv = io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '';
  const color = values['no-color'] === true ? false : values.color === true ? true : noColorEnv ? false : io.stdoutIsTTY;

  // The page's path is checked before the trace is read (a large one takes a while).
  if (values.html !== undefined) {
    try {
      writableFile(resolve(values.html), '--html');
    } catch (error) {
      throw new TraceInputError((error as Error).message);
    }
  }
  const file = positionals[0];
  let text: string;
  let source: string;
  if (file === undefined || file === '-') {
    if (file === undefined && io.stdinIsTTY) throw new UsageError('no trace file given (and nothing piped to standard input)');
    text = await io.readStdin();
    source = 'standard input';
  } else {
    source = file;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new TraceInputError(`${file}: no such file`);
      if (code === 'EISDIR') throw new TraceInputError(`${file}: is a directory, not a trace file`);
      throw new TraceInputError(`${file}: cannot read it: ${(error as Error).message}`);
    }
  }

  if (values.html !== undefined) {
    const title = values.title ?? (file !== undefined && file !== '-' ? `trace: ${file}` : 'trace');
    try {
      writeTraceHtml(text, values.html, title);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (typeof code === 'string') throw new TraceInputError(`cannot write ${values.html}: ${(error as Error).message}`);
      throw error;
    }
    io.out(`page written to ${values.html}\n`);
    return 0;
  }

  const trace = parseTrace(text, source);
  const filters = {
    all: true,
    ...(only !== undefined && { only }),
    ...(ignore !== undefined && { ignore }),
    ...(from !== undefined && { from }),
    ...(to !== undefined && { to }),
  };
  if (values.json === true) {
    io.out(jsonLines(trace.header, filterLines(trace.lines, filters)));
    return 0;
  }
  const rows = [
    ...trace.header.map((h) => (color ? `\x1b[2m# ${h}\x1b[22m` : `# ${h}`)),
    ...renderColumns(trace.lines, { ...filters, n: trace.n, width, color, all: values.all === true }),
  ];
  io.out(`${rows.join('\n')}\n`);
  return 0;
}

function topics(list: string, flag: string): ReturnType<typeof parseTopics> {
  try {
    return parseTopics(list);
  } catch (error) {
    throw new UsageError(`${flag}: ${(error as Error).message}`);
  }
}

function milliseconds(value: string, flag: string): number {
  const ms = Number(value);
  if (value.trim() === '' || !Number.isFinite(ms)) throw new UsageError(`${flag} takes a time in ms, got "${value}"`);
  return ms;
}
