// Strict CSV reader (RFC 4180: header row, quoted fields, CRLF or LF) and the cell parsers the importers share.
import { readFile, stat } from 'node:fs/promises';
import { RolloutlabError, show } from '../lib/errors.ts';

export interface CsvData {
  file: string;
  header: string[];
  rows: string[][];
  /** 1-based line number on which each row starts (a quoted field may span several lines). */
  lines: number[];
}

/** Throws BAD_DATA with the file, line, column and value in the message. */
export function badCell(file: string, line: number | string, column: string, value: unknown, problem: string): never {
  const where = typeof line === 'number' ? `line ${line}` : line;
  throw new RolloutlabError('BAD_DATA', `${file}: ${where}, column "${column}": ${show(value)} ${problem}`, column);
}

/** Parses CSV text. Every row must have as many fields as the header; blank lines are only allowed at the end. */
export function parseCsv(text: string, file: string): CsvData {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const records: string[][] = [];
  const lines: number[] = [];
  const n = text.length;
  let i = 0;
  let line = 1;
  while (i < n) {
    const startLine = line;
    const fields: string[] = [];
    for (;;) {
      let field: string;
      if (text[i] === '"') {
        let j = i + 1;
        let out = '';
        for (;;) {
          const q = text.indexOf('"', j);
          if (q < 0) throw new RolloutlabError('BAD_DATA', `${file}: line ${startLine}: quoted field is never closed`);
          out += text.slice(j, q);
          if (text[q + 1] === '"') {
            out += '"';
            j = q + 2;
          } else {
            i = q + 1;
            break;
          }
        }
        for (const ch of out) if (ch === '\n') line++;
        field = out;
        const c = text[i];
        if (i < n && c !== ',' && c !== '\n' && c !== '\r') {
          throw new RolloutlabError('BAD_DATA', `${file}: line ${line}: unexpected ${show(c)} after a closing quote`);
        }
      } else {
        let j = i;
        while (j < n) {
          const c = text.charCodeAt(j);
          if (c === 44 || c === 10 || c === 13) break; // , \n \r
          if (c === 34) throw new RolloutlabError('BAD_DATA', `${file}: line ${line}: stray quote inside an unquoted field`);
          j++;
        }
        field = text.slice(i, j);
        i = j;
      }
      fields.push(field);
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === '\r') {
        if (text[i + 1] !== '\n') throw new RolloutlabError('BAD_DATA', `${file}: line ${line}: bare carriage return`);
        i++;
      }
      if (text[i] === '\n') {
        i++;
        line++;
      }
      break;
    }
    records.push(fields);
    lines.push(startLine);
  }
  // Why: editors often leave blank lines at the end of a file; anywhere else they are an error (row too short).
  while (records.length > 1 && records[records.length - 1].length === 1 && records[records.length - 1][0] === '') {
    records.pop();
    lines.pop();
  }
  if (records.length === 0) throw new RolloutlabError('BAD_DATA', `${file}: empty file, expected a header row`);
  const header = records[0];
  const seen = new Set<string>();
  for (const h of header) {
    if (seen.has(h)) throw new RolloutlabError('BAD_DATA', `${file}: line 1: column ${show(h)} appears twice in the header`, h);
    seen.add(h);
  }
  for (let r = 1; r < records.length; r++) {
    if (records[r].length !== header.length) {
      throw new RolloutlabError(
        'BAD_DATA',
        `${file}: line ${lines[r]}: ${records[r].length} fields, expected ${header.length} (${header.join(',')})`,
      );
    }
  }
  return { file, header, rows: records.slice(1), lines: lines.slice(1) };
}

/** Reads and parses a CSV file; NOT_FOUND when it does not exist. */
export async function readCsv(path: string): Promise<CsvData> {
  await assertFile(path);
  return parseCsv(await readFile(path, 'utf8'), path);
}

/** NOT_FOUND unless `path` is an existing regular file. */
export async function assertFile(path: string): Promise<void> {
  const s = await stat(path).catch(() => null);
  if (!s || !s.isFile()) throw new RolloutlabError('NOT_FOUND', `${path}: file not found`);
}

/** Index of each named column; BAD_DATA naming the first one the header lacks. */
export function requireColumns(csv: CsvData, names: readonly string[]): Record<string, number> {
  const idx: Record<string, number> = {};
  for (const name of names) {
    const k = csv.header.indexOf(name);
    if (k < 0) {
      throw new RolloutlabError(
        'BAD_DATA',
        `${csv.file}: line 1: missing column "${name}" (header: ${csv.header.join(',')})`,
        name,
      );
    }
    idx[name] = k;
  }
  return idx;
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Decimal number or NaN. Stricter than Number(): '', ' ', '0x10', 'Infinity' are not numbers. */
export function parseNumber(s: string): number {
  return NUMBER.test(s) ? Number(s) : NaN;
}

/** Epoch ms of a UTC calendar time, or NaN when a field is out of range (month 13, 30 February, hour 24...). */
export function utcMs(y: number, mo: number, d: number, h: number, mi: number, s: number, ms = 0): number {
  const t = Date.UTC(y, mo - 1, d, h, mi, s);
  const dt = new Date(t);
  const ok =
    dt.getUTCFullYear() === y && dt.getUTCMonth() === mo - 1 && dt.getUTCDate() === d &&
    dt.getUTCHours() === h && dt.getUTCMinutes() === mi && dt.getUTCSeconds() === s;
  return ok ? t + ms : NaN;
}
