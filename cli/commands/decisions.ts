// `rolloutlab decisions export`: the decisions a server recorded in its decision log (`serve --decisions`), read from
// the DuckDB file without writing to it, as JSON Lines (one record a line, what GET /v1/decisions answers) or CSV.
import { Command } from 'commander';
import { createWriteStream, existsSync, renameSync, rmSync, statSync, type WriteStream } from 'node:fs';
import { resolve } from 'node:path';
import { RolloutlabError } from '../../lib/errors.ts';
import { usage } from '../flags.ts';
import { decisionsFile, feedbackFile } from '../store-paths.ts';

/** The CSV columns, in order: a record's fields, the nested ones as JSON text. */
const CSV_COLUMNS = ['id', 'at', 'kind', 'method', 'route', 'deployment', 'service', 'deployments', 'services', 'status', 'request', 'requestBytes', 'requestTruncated', 'query', 'answer', 'answerBytes', 'answerTruncated', 'models', 'clientIp', 'requestId'] as const;

/** One CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break. */
function csvField(v: unknown): string {
  const s = v === null || v === undefined ? '' : typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Writes to a stream, waiting when its buffer is full. */
function writeTo(out: NodeJS.WritableStream, text: string): Promise<void> | void {
  if (out.write(text)) return;
  return new Promise((done) => out.once('drain', () => done()));
}

/** Why a decision log file cannot be read, in words that say what to do. */
function readError(file: string, e: unknown): RolloutlabError {
  const msg = ((e as Error).message ?? String(e)).split('\n')[0];
  const held = /Could not set lock|Conflicting lock/i.test(msg);
  const what = held
    ? `--store ${file} is held by a running server: read its decisions with GET /v1/decisions, or stop it (or export from a copy of the file)`
    : `--store ${file} cannot be read as a decision log (${msg})`;
  const err = new RolloutlabError('IO', what, 'store');
  err.cause = e;
  return err;
}

/** Registers `decisions export` on the program. */
export function registerDecisions(program: Command): void {
  const decisions = program.command('decisions').description('The decision log a server keeps (serve --decisions): every decision it served, with the request, the answer and the model versions.');
  decisions
    .command('export')
    .description('Print the recorded decisions in time order, as JSON Lines (default; each line what GET /v1/decisions answers for one decision) or CSV. Reads the file without writing to it (a file a running server holds cannot be read: use GET /v1/decisions).')
    .option('--store <file>', 'the decision log (default: $ROLLOUTLAB_DECISIONS, else decisions.duckdb beside the feedback file, as serve)')
    .option('--deployment <id>', 'only decisions about this deployment')
    .option('--service <name>', 'only decisions about this service')
    .option('--kind <kind>', 'only decisions of this kind (verdict, rollout-decision, risk, deploy-window, schedule, retry, argo, flagger, kayenta, …)')
    .option('--since <time>', 'only decisions made at or after this time (RFC 3339, e.g. 2026-03-03T13:00:00Z, or a date: midnight UTC)')
    .option('--until <time>', 'only decisions made at or before this time (same form)')
    .option('--format <format>', 'jsonl or csv', 'jsonl')
    .option('--out <file>', 'write to this file instead of stdout (written aside, then renamed into place)')
    .option('--force', 'replace an existing --out file')
    .action(async (o: { store?: string; deployment?: string; service?: string; kind?: string; since?: string; until?: string; format: string; out?: string; force?: boolean }) => {
      const { DECISION_KINDS } = await import('../../server/decision-recorder.ts');
      const { decisionTime } = await import('../../server/routes/decisions.ts');
      const { exportDecisionLogFile } = await import('../../datasets/decision-log.ts');
      if (o.format !== 'jsonl' && o.format !== 'csv') throw usage(`--format must be jsonl or csv (got ${JSON.stringify(o.format)})`, 'format');
      if (o.kind !== undefined && !(DECISION_KINDS as readonly string[]).includes(o.kind)) throw usage(`--kind must be one of ${DECISION_KINDS.join(', ')} (got ${JSON.stringify(o.kind)})`, 'kind');
      for (const [flag, v] of [['deployment', o.deployment], ['service', o.service]] as const) {
        if (v !== undefined && (v.trim() === '' || v.length > 256)) throw usage(`--${flag} must be 1 to 256 characters (got ${JSON.stringify(v.slice(0, 40))}${v.length > 40 ? '…' : ''})`, flag);
      }
      const time = (flag: string, v: string | undefined): number | undefined => {
        if (v === undefined) return undefined;
        const t = decisionTime(v);
        if (typeof t === 'string') throw usage(`--${flag} ${t}`, flag);
        return t;
      };
      const since = time('since', o.since);
      const until = time('until', o.until);
      if (since !== undefined && until !== undefined && until < since) throw usage(`--until (${o.until}) is before --since (${o.since})`, 'until');

      const file = decisionsFile(o.store, feedbackFile());
      if (!existsSync(file)) throw new RolloutlabError('NOT_FOUND', `--store: no decision log at ${file} (a server records one with serve --decisions <file>; give its file with --store <file> or $ROLLOUTLAB_DECISIONS)`, 'store');
      if (!statSync(file).isFile()) throw new RolloutlabError('BAD_DATA', `--store: ${file} is not a file`, 'store');
      const target = o.out === undefined ? null : resolve(o.out);
      if (target !== null && existsSync(target) && !o.force) throw new RolloutlabError('OUTPUT_EXISTS', `--out: ${target} exists (give --force to replace it)`, 'out');
      if (target === file) throw usage('--out must be another file than --store', 'out');

      const tmp = target === null ? null : `${target}.tmp-${process.pid}`;
      let stream: WriteStream | null = null;
      if (tmp !== null) {
        stream = createWriteStream(tmp);
        await new Promise<void>((done, fail) => {
          stream!.once('open', () => done());
          stream!.once('error', (e) => fail(new RolloutlabError('IO', `--out: cannot write ${target} (${(e as NodeJS.ErrnoException).code ?? e.message})`, 'out')));
        });
      }
      const out: NodeJS.WritableStream = stream ?? process.stdout;
      let n: number | null;
      try {
        if (o.format === 'csv') await writeTo(out, CSV_COLUMNS.join(',') + '\n');
        n = await exportDecisionLogFile(file, { deployment: o.deployment, service: o.service, kind: o.kind, since, until }, (r) => {
          const line = o.format === 'csv' ? CSV_COLUMNS.map((c) => csvField(r[c])).join(',') : JSON.stringify(r);
          return writeTo(out, line + '\n');
        }).catch((e: unknown) => {
          throw e instanceof RolloutlabError || (e as NodeJS.ErrnoException).code !== undefined ? e : readError(file, e);
        });
        if (n === null) throw new RolloutlabError('BAD_DATA', `--store ${file} holds no decision log (no decisions table): is it another store's file?`, 'store');
        if (stream) await new Promise<void>((done, fail) => stream!.end((e?: Error | null) => (e ? fail(e) : done())));
      } catch (e) {
        if (stream) {
          stream.destroy();
          rmSync(tmp!, { force: true });
        }
        throw e;
      }
      if (tmp !== null && target !== null) {
        renameSync(tmp, target);
        process.stderr.write(`${n} decision(s) written to ${target}\n`);
      }
    });
}
