// Recorded retry outcomes (what happened after failed CI/CD steps) for the retry family's training:
// `rolloutlab train retry --with-feedback <source>`.
//
// Sources:
//   - a JSON Lines file, one outcome per line (what the retry wrapper records; datasets/retry-outcome.ts);
//   - the server's DuckDB outcomes file (`serve --pipeline-outcomes`), opened read-only, never written (DuckDB lets one
//     process open a file: stop the server, copy the file, or use its URL);
//   - the URL of a running server (http:// or https://; a bare base URL gets /v1/pipeline/outcome appended): every
//     record, page by page (GET /v1/pipeline/outcome?limit=1000&before=…), with the bearer token given, else
//     $ROLLOUTLAB_TOKEN.
// Every record is checked again with parseRetryOutcome, whatever its source, so a hand-edited file or another server
// cannot hand training a record the route would refuse. The records come back once per id (the latest wins) and in
// arrival order, oldest first, from every source.
import { open, readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseRetryOutcome, parseRetryOutcomesJsonl, type RetryOutcomeRecord } from '../../datasets/retry-outcome.ts';
import { MAX_RETRY_OUTCOME_LIST, readRetryOutcomesFile } from '../../datasets/retry-outcomes.ts';
import { RolloutlabError } from '../../lib/errors.ts';

export type RetryOutcomeSourceKind = 'jsonl' | 'duckdb' | 'url';

export interface RetryOutcomeSource {
  kind: RetryOutcomeSourceKind;
  /** The file (absolute) or the URL as given. */
  location: string;
  /** The records, once per id, oldest first. */
  records: RetryOutcomeRecord[];
}

export interface ReadRetryOutcomesOptions {
  /** Bearer token for a URL source (default: $ROLLOUTLAB_TOKEN). */
  token?: string;
  /** The fetch to use (tests). */
  fetch?: typeof fetch;
}

const FIELD = 'with-feedback';
const isUrl = (s: string) => /^https?:\/\//i.test(s);

/** The recorded outcomes in `source` (a JSONL file, a DuckDB outcomes file or a server URL), once per id, oldest first. */
export async function readRetryOutcomes(source: string, o: ReadRetryOutcomesOptions = {}): Promise<RetryOutcomeRecord[]> {
  return (await readRetryOutcomeSource(source, o)).records;
}

/** `readRetryOutcomes` with the kind and location of the source (for a model card). */
export async function readRetryOutcomeSource(source: string, o: ReadRetryOutcomesOptions = {}): Promise<RetryOutcomeSource> {
  if (isUrl(source)) return { kind: 'url', location: source, records: await readUrl(source, o) };
  const file = resolve(source);
  const fh = await open(file, 'r').catch((e: NodeJS.ErrnoException) => {
    throw new RolloutlabError(e.code === 'ENOENT' ? 'NOT_FOUND' : 'IO', `--with-feedback: cannot read ${file}: ${e.message}`, FIELD);
  });
  const head = Buffer.alloc(16);
  try {
    await fh.read(head, 0, 16, 0);
  } finally {
    await fh.close();
  }
  // A DuckDB database file carries the magic "DUCK" at byte 8.
  if (head.subarray(8, 12).toString('latin1') === 'DUCK') return { kind: 'duckdb', location: file, records: await readDuckDb(file) };
  return { kind: 'jsonl', location: file, records: parseRetryOutcomesJsonl(await readFile(file, 'utf8'), file) };
}

/** Checks records read from a store or a server, the way the route checks a body; the latest of an id wins. */
function checked(raw: unknown[], where: string): RetryOutcomeRecord[] {
  const byId = new Map<string, RetryOutcomeRecord>();
  raw.forEach((x, i) => {
    const { receivedAt: _r, ...rest } = (x ?? {}) as Record<string, unknown>;
    let record: RetryOutcomeRecord;
    try {
      ({ record } = parseRetryOutcome(rest, `record ${i + 1}`));
    } catch (e) {
      if (e instanceof RolloutlabError) throw new RolloutlabError('BAD_DATA', `--with-feedback: ${where}: ${e.message}`, FIELD);
      throw e;
    }
    byId.delete(record.id);
    byId.set(record.id, record);
  });
  return [...byId.values()];
}

async function readDuckDb(file: string): Promise<RetryOutcomeRecord[]> {
  let rows: unknown[] | null;
  try {
    rows = await readRetryOutcomesFile(file);
  } catch (e) {
    const msg = (e as Error).message.split('\n')[0];
    if (/lock/i.test(msg)) {
      throw new RolloutlabError(
        'IO',
        `--with-feedback: ${file} is held by another process (a running rolloutlab serve?): DuckDB lets only one process open a file. Use the server's URL instead (--with-feedback http://<host>:<port>), or copy the file and read the copy. (${msg})`,
        FIELD,
      );
    }
    throw new RolloutlabError('IO', `--with-feedback: cannot open ${file} as a DuckDB database: ${msg}`, FIELD);
  }
  if (rows === null) throw new RolloutlabError('BAD_DATA', `--with-feedback: ${file} has no pipeline outcomes table (is it a rolloutlab serve --pipeline-outcomes file?)`, FIELD);
  return checked(rows, file);
}

/** Every record of a running server, latest page first, returned oldest first. */
async function readUrl(url: string, o: ReadRetryOutcomesOptions): Promise<RetryOutcomeRecord[]> {
  let base: URL;
  try {
    base = new URL(url);
  } catch {
    throw new RolloutlabError('BAD_ARGUMENT', `--with-feedback: ${JSON.stringify(url)} is not a URL`, FIELD);
  }
  if (base.pathname === '/' || base.pathname === '') base.pathname = '/v1/pipeline/outcome';
  const token = o.token ?? (process.env.ROLLOUTLAB_TOKEN || undefined);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const pages: unknown[][] = [];
  let before: number | null | undefined;
  for (;;) {
    const u = new URL(base);
    u.searchParams.set('limit', String(MAX_RETRY_OUTCOME_LIST));
    if (before != null) u.searchParams.set('before', String(before));
    let res: Response;
    try {
      res = await (o.fetch ?? fetch)(u, { headers });
    } catch (e) {
      throw new RolloutlabError('IO', `--with-feedback: GET ${u} failed: ${(e as Error).message}`, FIELD);
    }
    const text = await res.text();
    if (!res.ok) {
      const hint = res.status === 401 || res.status === 403 ? ' (the outcome list needs the server\'s bearer token: --token <t> or $ROLLOUTLAB_TOKEN)' : '';
      throw new RolloutlabError('IO', `--with-feedback: GET ${u} answered ${res.status}${hint}: ${text.slice(0, 300)}`, FIELD);
    }
    let body: { records?: unknown; next?: unknown };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      throw new RolloutlabError('BAD_DATA', `--with-feedback: GET ${u} did not answer JSON`, FIELD);
    }
    if (!body || typeof body !== 'object' || !Array.isArray(body.records)) throw new RolloutlabError('BAD_DATA', `--with-feedback: GET ${u} did not answer {count, records, next}`, FIELD);
    pages.push(body.records);
    const next = body.next;
    if (next === null || next === undefined) break;
    // The cursor only goes back in time; anything else would loop.
    if (typeof next !== 'number' || !Number.isInteger(next) || (before != null && next >= before)) throw new RolloutlabError('BAD_DATA', `--with-feedback: GET ${u} answered next ${JSON.stringify(next)}, not an earlier page`, FIELD);
    before = next;
  }
  // Pages are latest first, and so are the records in each: reversed, they are in arrival order.
  return checked(pages.flat().reverse(), url);
}
