// How every command ends. A command's main says what it found; this owns
// the exit codes, the same for all of them:
//   0    it passed
//   1    a failure found (or nothing ran: only a run that ran something can pass)
//   2    bad input: one line, no stack, before any work
//   3    internal error: the stack, on standard error
//   130  stopped by SIGINT, 143 by SIGTERM (128 + the signal's number, as a shell says it)
// A reader that closes standard output (`| head`) ends the command quietly.
import { UsageError, invocation, usageHint } from './cli-args.ts';
import { RaftModuleError } from './raft-module.ts';

/** What a stop signal's exit code is. */
export const SIGNAL_EXIT = { SIGINT: 130, SIGTERM: 143 } as const;
export type StopSignal = keyof typeof SIGNAL_EXIT;

/** What a command's main returns: 0 passed, 1 a failure found, 2 bad input it has already said. */
export type CommandResult = 0 | 1 | 2;

export interface CliRun {
  /** The first stop signal the command received, if any. */
  readonly stoppedBy: StopSignal | undefined;
  /**
   * From now on a stop signal winds the command down instead of ending it:
   * the first calls `stop` (start nothing new, then report what there is:
   * main returns as usual, and the exit code is the signal's); a second calls
   * `leave` (write what there is, now) and ends the process with its code.
   * Before this is called, a stop signal ends the command at once.
   */
  onStop(stop: (signal: StopSignal) => void, leave?: (signal: StopSignal) => void): void;
}

export interface RunCliOptions {
  /** The command's name, which starts each of its last words ('stress: ...'). */
  name: string;
  /** Errors besides UsageError and RaftModuleError that are bad input: said in one line, exit 2. */
  badInput?: readonly (abstract new (...args: never[]) => Error)[];
  /** Which usage errors end with a pointer to --help: those about the command line's shape (default), or all. */
  helpHint?: 'shape' | 'always';
  /** The command that prints the usage, for the pointer (default: `${invocation(name)} --help`). */
  help?: string;
}

/** Runs a command's main and ends the process with the exit code its outcome calls for. */
export function runCli(main: (cli: CliRun) => CommandResult | Promise<CommandResult>, options: RunCliOptions): void {
  const { name } = options;
  let stoppedBy: StopSignal | undefined;
  let handlers: { stop: (signal: StopSignal) => void; leave: ((signal: StopSignal) => void) | undefined } | undefined;

  const internal = (error: unknown): void => {
    process.stderr.write(`${name}: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    exit(3);
  };
  const onSignal = (signal: StopSignal): void => {
    if (handlers !== undefined && stoppedBy === undefined) {
      stoppedBy = signal;
      handlers.stop(signal);
      return;
    }
    try {
      handlers?.leave?.(signal);
    } catch (error) {
      internal(error);
      return;
    }
    exit(SIGNAL_EXIT[signal]);
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    // Nobody reads any more (| head): what is left to say has no reader.
    if (error.code === 'EPIPE') process.exit(0);
    internal(error);
  });
  process.on('uncaughtException', internal);
  process.on('unhandledRejection', internal);

  const cli: CliRun = {
    get stoppedBy() {
      return stoppedBy;
    },
    onStop: (stop, leave) => {
      handlers = { stop, leave };
    },
  };
  const badInput = [UsageError, RaftModuleError, ...(options.badInput ?? [])];
  let settled = false;
  // Node ends a process with nothing left to wait for with 0: a main that never settles must not pass.
  process.on('beforeExit', () => {
    if (!settled) internal(new Error('the command ended without a verdict: it was left waiting for something that can never happen'));
  });
  const ended = (code: CommandResult): void => {
    settled = true;
    // A command stopped by a signal did not run to its end: whatever it found, the signal says so.
    exit(stoppedBy !== undefined && code !== 2 ? SIGNAL_EXIT[stoppedBy] : code);
  };
  const failed = (error: unknown): void => {
    settled = true;
    if (!badInput.some((kind) => error instanceof kind)) return internal(error);
    const hint =
      options.helpHint === 'always' && error instanceof UsageError ? ` (${options.help ?? `${invocation(name)} --help`} for usage)` : usageHint(error, name);
    process.stderr.write(`${name}: ${(error as Error).message}${hint}\n`);
    exit(2);
  };
  new Promise<CommandResult>((resolve) => resolve(main(cli))).then(ended, failed);
}

/** Ends the process once standard output has written everything (a pipe may still hold some). */
function exit(code: number): void {
  process.exitCode = code;
  if (process.stdout.writableLength === 0) process.exit(code);
  process.stdout.write('', () => process.exit(code));
}
