// Importer for the ISSTA21-JIT-DP change-metrics layout (one commit per row), plus its split and a ROC AUC.
import { basename, extname } from 'node:path';
import { RolloutlabError, show } from '../lib/errors.ts';
import type { Table } from './table.ts';
import { badCell, parseNumber, readCsv, requireColumns } from './csv.ts';

/** Kamei's 14 change metrics, in the column order of the benchmark files (`entrophy` is spelled as there). */
export const JIT_FEATURES = [
  'ns', 'nd', 'nf', 'entrophy', 'la', 'ld', 'lt', 'fix', 'ndev', 'age', 'nuc', 'exp', 'rexp', 'sexp',
] as const;
export type JitFeature = (typeof JIT_FEATURES)[number];

export const JIT_FEATURE_DESCRIPTIONS: Record<JitFeature, string> = {
  ns: 'number of subsystems touched',
  nd: 'number of directories touched',
  nf: 'number of files touched',
  entrophy: 'entropy of the change spread over the touched files',
  la: 'lines added',
  ld: 'lines deleted',
  lt: 'lines in the touched files before the change',
  fix: '1 when the change is a bug fix',
  ndev: 'developers who changed the touched files before',
  age: 'mean days since the touched files were last changed',
  nuc: 'unique earlier changes to the touched files',
  exp: 'author experience: earlier changes by the author',
  rexp: 'author recent experience (earlier changes weighted by recency)',
  sexp: 'author experience in the touched subsystems',
};

export interface JitHistory {
  project: string;
  rows: number;
  /** Commit hashes (`_id`), in file order. */
  ids: string[];
  /** `date` in unix seconds, `bug` 0/1, and the 14 metrics; all in file (= date) order. */
  columns: { date: Float64Array; bug: Uint8Array } & Record<JitFeature, Float64Array>;
}

const TRUE_FALSE: Record<string, number> = { true: 1, false: 0, True: 1, False: 0, TRUE: 1, FALSE: 0 };

/**
 * Reads one project's CSV. The leading unnamed index column is ignored, and so is `__`: it equals `bug` in
 * every row of the published files (a leaked label that would let any model score perfectly).
 */
export async function importJit(csvPath: string, opts: { project?: string } = {}): Promise<JitHistory> {
  const csv = await readCsv(csvPath);
  const col = requireColumns(csv, ['_id', 'date', 'bug', ...JIT_FEATURES]);
  const n = csv.rows.length;
  const ids: string[] = new Array(n);
  const date = new Float64Array(n);
  const bug = new Uint8Array(n);
  const feats = Object.fromEntries(JIT_FEATURES.map((f) => [f, new Float64Array(n)])) as Record<JitFeature, Float64Array>;
  for (let r = 0; r < n; r++) {
    const row = csv.rows[r];
    const line = csv.lines[r];
    ids[r] = row[col._id];
    if (ids[r] === '') badCell(csvPath, line, '_id', ids[r], 'is empty, expected a commit id');
    const d = parseNumber(row[col.date]);
    if (Number.isNaN(d)) badCell(csvPath, line, 'date', row[col.date], 'is not a number (unix seconds)');
    if (r > 0 && d < date[r - 1]) {
      badCell(csvPath, line, 'date', row[col.date], `is earlier than the previous row's ${show(csv.rows[r - 1][col.date])}: rows must be sorted by date`);
    }
    date[r] = d;
    const b = row[col.bug];
    if (b !== '0' && b !== '1') badCell(csvPath, line, 'bug', b, 'is not 0 or 1');
    bug[r] = b === '1' ? 1 : 0;
    for (const f of JIT_FEATURES) {
      const s = row[col[f]];
      // Why: some exports of this benchmark write the boolean `fix` as True/False.
      const v = f === 'fix' && Object.hasOwn(TRUE_FALSE, s) ? TRUE_FALSE[s] : parseNumber(s);
      if (Number.isNaN(v)) badCell(csvPath, line, f, s, 'is not a number');
      if (f === 'fix' && v !== 0 && v !== 1) badCell(csvPath, line, f, s, 'is not 0/1/True/False');
      feats[f][r] = v;
    }
  }
  const project = opts.project ?? basename(csvPath, extname(csvPath));
  return { project, rows: n, ids, columns: { date, bug, ...feats } };
}

/** The history as the `jit_changes` table (date as TIMESTAMP epoch ms, bug as BOOLEAN). */
export function jitToTable(h: JitHistory): Table {
  const rowIndex = new Int32Array(h.rows).map((_, i) => i);
  return {
    name: 'jit_changes',
    columns: [
      // Why: many commits share a date, and the chronological split cuts by file position, so keep it.
      { name: 'row_index', type: 'INTEGER', values: rowIndex, description: '0-based position in the file (date order)' },
      { name: 'id', type: 'VARCHAR', values: h.ids, description: 'commit hash' },
      { name: 'date', type: 'TIMESTAMP', values: h.columns.date.map((s) => s * 1000), description: 'commit time (UTC)' },
      { name: 'bug', type: 'BOOLEAN', values: Array.from(h.columns.bug, (b) => b === 1), description: 'the change induced a defect (label)' },
      ...JIT_FEATURES.map((f) => ({ name: f, type: 'DOUBLE' as const, values: h.columns[f], description: JIT_FEATURE_DESCRIPTIONS[f] })),
    ],
  };
}

/** Within-project protocol of the ISSTA 2021 paper: rows [0, trainEnd) train, [trainEnd, n) test. */
export function chronologicalSplit(n: number): { trainEnd: number } {
  if (!Number.isInteger(n) || n < 0) throw new RolloutlabError('BAD_ARGUMENT', `chronologicalSplit: n must be a non-negative integer, got ${show(n)}`, 'n');
  // Integer arithmetic: floor(0.8 n) without relying on how 0.8 rounds in binary.
  return { trainEnd: Math.floor((4 * n) / 5) };
}

/** ROC AUC by the rank-sum (Mann-Whitney) formula; tied scores get their average rank. */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<number | boolean>): number {
  const n = scores.length;
  if (labels.length !== n) throw new RolloutlabError('BAD_ARGUMENT', `rocAuc: ${n} scores but ${labels.length} labels`, 'labels');
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(scores[i])) throw new RolloutlabError('BAD_ARGUMENT', `rocAuc: score ${i} is NaN`, 'scores');
  }
  order.sort((a, b) => (scores[a] < scores[b] ? -1 : scores[a] > scores[b] ? 1 : 0));
  let pos = 0;
  let rankSumPos = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]] === scores[order[i]]) j++;
    const avgRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      if (labels[order[k]]) {
        pos++;
        rankSumPos += avgRank;
      }
    }
    i = j + 1;
  }
  const neg = n - pos;
  if (pos === 0 || neg === 0) throw new RolloutlabError('BAD_ARGUMENT', `rocAuc: needs both classes, got ${pos} positive and ${neg} negative`, 'labels');
  return (rankSumPos - (pos * (pos + 1)) / 2) / (pos * neg);
}
