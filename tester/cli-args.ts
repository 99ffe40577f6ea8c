// What every command line of the harness checks the same way. Each mistake
// is a UsageError: one clear line, exit code 2, before any work starts.
import { accessSync, constants, existsSync, mkdirSync, rmdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parseSeed } from '../runtime/random.ts';

export class UsageError extends Error {
  override name = 'UsageError';

  /** About the command line's shape (an unknown option...): worth pointing at --help. */
  constructor(
    message: string,
    readonly aboutUsage = false,
  ) {
    super(message);
  }
}

/** ' (npm run X -- --help for usage)' after a mistake in the command line's shape, else nothing. */
export function usageHint(error: unknown, command: string): string {
  return error instanceof UsageError && error.aboutUsage ? ` (${invocation(command)} --help for usage)` : '';
}

/** A whole number of at least 1. */
export function positiveInt(text: string, flag: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < 1) {
    throw new UsageError(`${flag} must be a whole number of at least 1, got '${text}'`);
  }
  return value;
}

/** A number of seconds above 0. */
export function positiveSeconds(text: string, flag: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0) throw new UsageError(`${flag} must be a number of seconds above 0, got '${text}'`);
  return value;
}

export function seedArg(text: string, flag = '--seed'): number {
  try {
    return parseSeed(text);
  } catch (error) {
    throw new UsageError(`${flag}: ${(error as Error).message}`);
  }
}

/** Makes sure `dir` is a folder we can write to, creating it if need be. */
export function writableDir(dir: string, flag: string): void {
  try {
    if (existsSync(dir) && !statSync(dir).isDirectory()) throw new UsageError(`${flag}: ${dir} exists and is not a folder`);
    makeDirs(dir);
    accessSync(dir, constants.W_OK);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`${flag}: cannot write to ${dir}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

/**
 * Makes sure `file` can be written at the end of the work: not a folder, not
 * read-only, in a folder we can write to (created if need be). Checked before
 * any work starts, so that a campaign's result is never lost to a bad path.
 */
export function writableFile(file: string, flag: string): void {
  try {
    if (existsSync(file)) {
      if (statSync(file).isDirectory()) throw new UsageError(`${flag}: ${file} is a folder; give a file name`);
      accessSync(file, constants.W_OK);
      return;
    }
    const dir = dirname(file);
    if (existsSync(dir) && !statSync(dir).isDirectory()) throw new UsageError(`${flag}: ${dir} is not a folder`);
    makeDirs(dir);
    accessSync(dir, constants.W_OK);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`${flag}: cannot write to ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

// One level at a time: Node's recursive mkdir never returns on some
// pseudo-filesystems (/proc), where a plain mkdir fails at once.
function makeDirs(dir: string): void {
  if (existsSync(dir)) return;
  const parent = dirname(dir);
  if (parent !== dir) makeDirs(parent);
  mkdirSync(dir);
  if (madeDirs.length === 0) process.on('exit', removeMadeDirsOnUsageError);
  madeDirs.push(dir);
}

/** Folders made while checking the command line, outermost first. */
const madeDirs: string[] = [];

/**
 * A command that ends with exit code 2 (bad input: nothing ran) leaves no
 * folder behind that checking its options made, if it stayed empty.
 */
function removeMadeDirsOnUsageError(code: number): void {
  if (code !== 2) return;
  for (const dir of [...madeDirs].reverse()) {
    try {
      rmdirSync(dir); // Only an empty folder: anything written into it stays.
    } catch {
      // Not empty, or gone: leave it.
    }
  }
}

// ---- one parser for every command line ----

type OptionSpec = { type: 'string' | 'boolean'; short?: string; multiple?: boolean };

/**
 * node:util's parseArgs, with the harness's manners: `-h`/`--help` anywhere
 * asks for the usage (the caller prints it and exits 0); a negative or
 * malformed number after an option is taken as its value, so that the
 * option's own range check names it in one line (parseArgs would call it
 * "ambiguous" in three); Node's advice to "place it after '--'" is left out.
 */
export function parseCommandLine<const O extends Record<string, OptionSpec>>(
  argv: readonly string[],
  options: O,
  allowPositionals: boolean,
): 'help' | { values: { [K in keyof O]?: O[K]['type'] extends 'boolean' ? boolean : string }; positionals: string[] } {
  const end = argv.indexOf('--');
  const flags = end < 0 ? argv : argv.slice(0, end);
  if (flags.includes('-h') || flags.includes('--help')) return 'help';
  const takesValue = new Set<string>();
  for (const [name, spec] of Object.entries(options)) {
    if (spec.type !== 'string') continue;
    takesValue.add(`--${name}`);
    if (spec.short !== undefined) takesValue.add(`-${spec.short}`);
  }
  // `-n -1` → `-n=-1`... as parseArgs reads it: `--seed=-5`, `-n-1`.
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const next = argv[i + 1];
    if ((end < 0 || i < end) && takesValue.has(arg) && next !== undefined && /^-[\d.]/.test(next)) {
      args.push(arg.startsWith('--') ? `${arg}=${next}` : `${arg}${next}`);
      i++;
    } else args.push(arg);
  }
  try {
    const parsed = parseArgs({ args, options: options, strict: true, allowPositionals });
    return parsed;
  } catch (error) {
    throw new UsageError(plainParseError(error as Error & { code?: string }), true);
  }
}

function plainParseError(error: Error & { code?: string }): string {
  const message = error.message.split('\n')[0] ?? error.message;
  if (error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const option = /'([^']+)'/.exec(message)?.[1];
    return `unknown option '${option ?? message}'`;
  }
  if (error.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
    const value = /'([^']+)'/.exec(message)?.[1];
    return `unexpected argument '${value ?? message}' (this command takes options only)`;
  }
  // "Option '--seed <value>' argument missing" and the like: already one line.
  return message.replace(/^Option/, 'option');
}

/**
 * How the user runs a command: `npm run stress --` inside this repository,
 * `npx raft-harness stress` from a project that installed the package (the
 * bin sets RAFT_HARNESS_BIN).
 */
export function invocation(command: string, env: NodeJS.ProcessEnv = process.env): string {
  return env.RAFT_HARNESS_BIN === '1' ? `npx raft-harness ${command}` : `npm run ${command} --`;
}

/** A usage text written with `npm run X --`, as the user runs it. */
export function usageText(text: string, env: NodeJS.ProcessEnv = process.env): string {
  return text.replace(/npm run ([\w-]+) --/g, (_, command: string) => invocation(command, env));
}

/**
 * Under `npm run`, npm starts the script in the project's root folder; paths
 * a user types are relative to the folder they typed them in (INIT_CWD).
 * Only when npm itself moved us (the script did not `cd` somewhere).
 */
export function enterUserFolder(env: NodeJS.ProcessEnv = process.env): void {
  const typedIn = env.INIT_CWD;
  const root = env.npm_config_local_prefix;
  if (typedIn === undefined || root === undefined || typedIn === process.cwd()) return;
  if (resolve(root) !== resolve(process.cwd())) return;
  if (!existsSync(typedIn) || !statSync(typedIn).isDirectory()) return;
  process.chdir(typedIn);
}

/** The Raft module a user names: a file that exists (a folder is not a module). */
/** flag: the option that named the file, said before the problem ('' for a positional argument: the command's name says it). */
export function checkRaftPath(path: string, flag: string): void {
  const file = resolve(path);
  const prefix = flag === '' ? '' : `${flag}: `;
  if (!existsSync(file)) throw new UsageError(`${prefix}no such file: ${path}`);
  if (statSync(file).isDirectory()) throw new UsageError(`${prefix}${path} is a folder; name the module's file (e.g. ${path.replace(/\/$/, '')}/raft.ts)`);
}

/** "1 worker", "2 workers". */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
