// What every command line of the harness checks the same way. Each mistake
// is a UsageError: one clear line, exit code 2, before any work starts.
import { accessSync, constants, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseSeed } from '../runtime/random.ts';

export class UsageError extends Error {
  override name = 'UsageError';
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
}
