// The command line's flag parsers and output: integers and numbers in a range, hour ranges, a usage error naming the
// flag (exit 1), and printing a result as JSON or text.
import { InvalidArgumentError } from 'commander';
import { isRolloutlabError, UsageError } from '../lib/errors.ts';
import { parseHourRanges, type HourRange } from '../training/deploy-window/recommend.ts';

export const int = (flag: string, min: number, max: number) => (v: string) => {
  if (!/^-?\d+$/.test(v.trim())) throw new InvalidArgumentError(`${flag} must be an integer, got "${v}"`);
  const n = Number(v);
  if (n < min || n > max) throw new InvalidArgumentError(`${flag} must be between ${min} and ${max}, got ${n}`);
  return n;
};

export const num = (flag: string, min: number, max: number) => (v: string) => {
  const n = Number(v.trim());
  if (v.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`${flag} must be a number, got "${v}"`);
  if (n < min || n > max) throw new InvalidArgumentError(`${flag} must be between ${min} and ${max}, got ${n}`);
  return n;
};

export function out(json: boolean, obj: unknown, text: string): void {
  process.stdout.write(json ? JSON.stringify(obj, null, 2) + '\n' : text + '\n');
}

/** Parse a flag's value with a library parser: its BAD_ARGUMENT becomes a usage error (exit 1). */
export function flagValue<T>(parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    if (isRolloutlabError(e) && e.code === 'BAD_ARGUMENT' && !(e instanceof UsageError)) throw new UsageError(e.message, e.field);
    throw e;
  }
}

/** Hour ranges of the UTC day, e.g. `9-17` or `9-12,13-17`. */
export const hourRanges = (flag: string) => (v: string): HourRange[] => {
  const r = parseHourRanges(v);
  if (typeof r === 'string') throw new InvalidArgumentError(`${flag}: ${r}`);
  return r;
};

/** A usage error naming the flag (exit 1). */
export const usage = (message: string, field: string) => new UsageError(message, field);


/**
 * Thrown by a command that ends with an exit status of its own (`retry -- <command>` exits with the command's):
 * `run` returns `code` as the process's exit code.
 */
export class CommandExit {
  constructor(readonly code: number) {}
}
