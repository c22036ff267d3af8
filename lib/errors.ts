// Errors for bad input: a stable code, the offending field and value, and a message a user can act on.
// The CLI prints `error [CODE] message` (or, under --json, `{"error": {code, message, field}}` on stdout) and exits
// 1 for a usage error, 2 for other bad input; the server maps them to 4xx.

export const ERROR_CODES = [
  'BAD_SCENARIO', // scenario file fails the schema
  'BAD_ARGUMENT', // CLI flag or function option out of range
  'BAD_DATA', // imported file: missing column, wrong type, unsorted timestamps...
  'NOT_FOUND', // file, folder or built-in name that does not exist
  'OUTPUT_EXISTS', // refusing to overwrite an existing data set
  'IO', // the filesystem or DuckDB failed
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export class RolloutlabError extends Error {
  readonly code: ErrorCode;
  /** Dotted path of the offending field or column, when there is one (e.g. `traffic.dailyAmplitude`). */
  readonly field?: string;
  constructor(code: ErrorCode, message: string, field?: string) {
    super(message);
    this.name = 'RolloutlabError';
    this.code = code;
    this.field = field;
  }
}

/**
 * A bad command-line flag or argument value (exit 1, a usage error), as opposed to bad input data (exit 2).
 * Its code stays BAD_ARGUMENT.
 */
export class UsageError extends RolloutlabError {
  constructor(message: string, field?: string) {
    super('BAD_ARGUMENT', message, field);
    this.name = 'UsageError';
  }
}

export const isRolloutlabError = (e: unknown): e is RolloutlabError => e instanceof RolloutlabError;

/** Short rendering of a value for error messages: strings quoted, long values cut. */
export function show(v: unknown): string {
  const s = typeof v === 'string' ? JSON.stringify(v) : v === undefined ? 'undefined' : JSON.stringify(v) ?? String(v);
  return s.length > 60 ? s.slice(0, 57) + '...' : s;
}
