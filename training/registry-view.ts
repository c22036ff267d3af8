// What `rolloutlab models list | show | diff` print: the registry read as it is on disk (cards, champion pointers,
// history), as JSON and as text. Nothing here writes; promotions are ModelRegistry's (setChampion, rollback,
// promoteIfBetter).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RolloutlabError, show } from '../lib/errors.ts';
import { CARD_FILE, validateCard, VERSION_PATTERN, type ModelCard, type TargetResult } from './card.ts';
import { resolveCardPath, type ChampionPointer, type HistoryEntry, type ModelRegistry } from './registry.ts';
import type { Printed } from './family-commands.ts';
import { hyperParamText } from './hyper-param-schema.ts';

/** The metrics a family's line in `models list` shows; other families show their targeted metrics (or the first three). */
const HEADLINE: Readonly<Record<string, readonly string[]>> = {
  risk: ['rocAuc', 'brier', 'ece'],
  'risk-history': ['rocAuc', 'brier', 'ece'],
  judge: ['accuracy', 'inconclusiveRate'],
  rollback: ['preventionRate', 'falseRollbackRate'],
  retry: ['transientRecoveryRate', 'wastedRetryRate'],
};

export function headlineMetrics(card: ModelCard): Record<string, number> {
  const names = HEADLINE[card.family] ?? (card.targets.length ? card.targets.map((t) => t.metric) : Object.keys(card.metrics).slice(0, 3));
  const out: Record<string, number> = {};
  for (const n of names) if (typeof card.metrics[n] === 'number') out[n] = card.metrics[n];
  return out;
}

export interface TargetCount {
  met: number;
  missed: number;
  notMeasured: number;
  /** The missed metrics' names. */
  missedMetrics: string[];
}

export function countTargets(targets: readonly TargetResult[]): TargetCount {
  return {
    met: targets.filter((t) => t.met === true).length,
    missed: targets.filter((t) => t.met === false).length,
    notMeasured: targets.filter((t) => t.met === null).length,
    missedMetrics: targets.filter((t) => t.met === false).map((t) => t.metric),
  };
}

/** The data set a card names, with its path as the card records it and, for a relative one, where it resolves. */
export function datasetSummary(root: string, card: ModelCard) {
  const d = card.dataset;
  const rows = Object.fromEntries(Object.entries(d.tables).map(([k, t]) => [k, t.rows]));
  return {
    kind: d.kind,
    scenario: d.scenario,
    seed: d.seed,
    path: d.path ?? null,
    /** Absolute (from the registry root) when the card's path is relative; the card's own path otherwise. */
    resolvedPath: d.path === undefined ? null : resolveCardPath(root, d.path),
    codeVersion: d.codeVersion,
    rows,
    /** sha256 of each table's Parquet file: the data set's identity. */
    digest: Object.fromEntries(Object.entries(d.tables).map(([k, t]) => [k, t.sha256])),
  };
}

/** The family must be in the registry (a folder with a champion or a version): NOT_FOUND naming `family` otherwise. */
export async function requireFamily(registry: ModelRegistry, family: string): Promise<void> {
  registry.familyDir(family); // BAD_ARGUMENT for a name that cannot be a family
  const families = await registry.listFamilies();
  if (!families.includes(family)) {
    throw new RolloutlabError('NOT_FOUND', `unknown model family ${show(family)} in ${registry.root} (families: ${families.length ? families.join(', ') : 'none'})`, 'family');
  }
}

/**
 * A version's card, with errors naming `field` (the argument it came from): BAD_ARGUMENT for a name not like v0001,
 * NOT_FOUND for a version the family does not have, BAD_DATA for a version folder without a valid card.
 */
export async function requireCard(registry: ModelRegistry, family: string, version: string, field = 'version'): Promise<ModelCard> {
  if (!new RegExp(VERSION_PATTERN).test(version)) throw new RolloutlabError('BAD_ARGUMENT', `<${field}> must be a version like v0001, got ${show(version)}`, field);
  const folders = await registry.versionFolders(family);
  if (!folders.includes(version)) throw new RolloutlabError('NOT_FOUND', `${family} has no version ${version} (versions: ${folders.length ? folders.join(', ') : 'none'})`, field);
  const path = join(registry.familyDir(family), version, CARD_FILE);
  const raw = await readFile(path, 'utf8').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') throw new RolloutlabError('BAD_DATA', `${family} ${version} has no ${CARD_FILE}: an incomplete version (its training did not finish), it cannot be shown or promoted`, field);
    throw new RolloutlabError('IO', `reading ${path} failed: ${e.message}`, field);
  });
  let card: ModelCard;
  try {
    card = validateCard(JSON.parse(raw));
  } catch (e) {
    throw new RolloutlabError('BAD_DATA', `${family} ${version}: its ${CARD_FILE} is invalid (${(e as Error).message})`, field);
  }
  if (card.family !== family || card.version !== version) throw new RolloutlabError('BAD_DATA', `${family} ${version}: its ${CARD_FILE} names ${card.family} ${card.version}`, field);
  return card;
}

const num = (x: number) => (Number.isInteger(x) ? String(x) : Math.abs(x) >= 1000 ? x.toFixed(1) : x.toFixed(4));
const targetsText = (c: TargetCount) => `${c.met} met, ${c.missed} missed${c.missed ? ` (${c.missedMetrics.join(', ')})` : ''}${c.notMeasured ? `, ${c.notMeasured} not measured` : ''}`;
const datasetText = (d: ReturnType<typeof datasetSummary>) => `${d.kind}${d.scenario ? ` ${d.scenario}` : ''}${d.seed !== null ? ` seed ${d.seed}` : ''}${d.path !== null ? ` (${d.path})` : ''}`;

/** `models list`: every family, its champion and versions. */
export async function listRegistry(registry: ModelRegistry): Promise<Printed> {
  const families = [];
  for (const family of await registry.listFamilies()) {
    const champion = await registry.champion(family);
    const versions = [];
    const incomplete: string[] = [];
    for (const v of await registry.versionFolders(family)) {
      let card: ModelCard;
      try {
        card = await requireCard(registry, family, v);
      } catch {
        incomplete.push(v);
        continue;
      }
      versions.push({
        version: v,
        createdAt: card.createdAt,
        dataset: datasetSummary(registry.root, card),
        metrics: headlineMetrics(card),
        targets: countTargets(card.targets),
        champion: champion?.version === v,
        decision: card.champion.decision,
      });
    }
    families.push({ family, champion: champion?.version ?? null, versions, incomplete });
  }
  const lines: string[] = [`model registry ${registry.root}`];
  if (families.length === 0) lines.push('', '  no model families yet (train one with rolloutlab train <family> --data <dir>)');
  for (const f of families) {
    lines.push('', `${f.family}: champion ${f.champion ?? 'none'}`);
    for (const v of f.versions) {
      const m = Object.entries(v.metrics).map(([k, x]) => `${k} ${num(x)}`).join(', ');
      lines.push(`  ${v.champion ? '*' : ' '} ${v.version}  ${v.createdAt.slice(0, 19)}Z  ${datasetText(v.dataset)}`);
      lines.push(`      ${m || 'no metrics'}; targets ${targetsText(v.targets)}`);
    }
    if (f.incomplete.length) lines.push(`    incomplete (no valid card): ${f.incomplete.join(', ')}`);
  }
  if (families.length) lines.push('', '  * the champion');
  return { json: { root: registry.root, families }, text: lines.join('\n') };
}

/** `models show`: one version's card (default: the champion) and whether it is the champion now. */
export async function showVersion(registry: ModelRegistry, family: string, version?: string): Promise<Printed> {
  await requireFamily(registry, family);
  const champion: ChampionPointer | null = await registry.champion(family);
  if (version === undefined) {
    if (champion === null) throw new RolloutlabError('NOT_FOUND', `${family} has no champion: name a version (versions: ${(await registry.versionFolders(family)).join(', ') || 'none'})`, 'version');
    version = champion.version;
  }
  const card = await requireCard(registry, family, version);
  const history = (await registry.history(family)).filter((h) => h.candidate === version);
  const isChampion = champion?.version === version;
  const dataset = datasetSummary(registry.root, card);
  const json = {
    family,
    version,
    champion: isChampion,
    championPointer: champion,
    card,
    dataset,
    targets: countTargets(card.targets),
    history,
  };
  const hp = Object.entries(card.hyperParameters).map(([k, v]) => `    ${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`);
  const tuned = card.tuning ? Object.entries(card.tuning.values).map(([k, v]) => `    ${k}: ${hyperParamText(v)}${card.tuning!.set[k] ? ` (${card.tuning!.set[k]})` : ''}`) : [];
  const s = card.split;
  const lines = [
    `${family} ${version}${isChampion ? ' (the champion)' : champion ? ` (champion is ${champion.version})` : ' (no champion)'}`,
    `  created ${card.createdAt}, code ${card.codeVersion}, backend ${card.backend.name} ${card.backend.version}, seed ${card.seed}`,
    '',
    `  data: ${datasetText(dataset)}, code ${dataset.codeVersion}`,
    ...(dataset.path !== null && dataset.resolvedPath !== dataset.path ? [`    path relative to the registry root; here ${dataset.resolvedPath}`] : []),
    ...Object.entries(card.dataset.tables).map(([k, t]) => `    ${k}: ${t.rows} rows, sha256 ${t.sha256.slice(0, 12)}…`),
    `  split by ${s.by}: train ${s.rows.train}${s.rows.validation !== undefined ? `, validation ${s.rows.validation}` : ''}, test ${s.rows.test}${s.seed !== null ? ` (seed ${s.seed})` : ''}`,
    `    ${s.description}`,
    '',
    ...(card.tuning
      ? [`  tuned hyper-parameters (${card.tuning.family}; the defaults unless marked config, flag or caller):`, ...tuned]
      : ['  tuned hyper-parameters: not recorded (a card written before training recorded them)']),
    '',
    '  hyper-parameters:',
    ...hp,
    '',
    '  held-out metrics against their targets:',
    '    metric                       value     target   status',
    ...card.targets.map((t) => `    ${t.metric.padEnd(26)} ${t.value === null ? '—'.padStart(8) : num(t.value).padStart(8)}   ${t.comparator} ${String(t.target).padEnd(6)} ${t.met === null ? 'not measured' : t.met ? 'met' : 'MISSED'}`),
    ...Object.entries(card.metrics)
      .filter(([k]) => !card.targets.some((t) => t.metric === k))
      .map(([k, v]) => `    ${k.padEnd(26)} ${num(v).padStart(8)}`),
    ...Object.entries(card.baselines).map(([b, ms]) => `  baseline ${b}: ${Object.entries(ms).map(([k, v]) => `${k} ${num(v)}`).join(', ')}`),
    '',
    `  champion decision at training: ${card.champion.decision}${card.champion.comparedWith ? ` against ${card.champion.comparedWith}` : ''}${card.champion.decidedAt ? ` at ${card.champion.decidedAt}` : ''}`,
    `    ${card.champion.reason}`,
    ...(isChampion && champion ? [`  champion since ${champion.since}: ${champion.reason}`] : []),
    ...history.map((h) => `  history ${h.at}: ${historyText(h)}`),
    ...(card.notes ? ['', `  notes: ${card.notes}`] : []),
  ];
  return { json, text: lines.join('\n') };
}

export function historyText(h: HistoryEntry): string {
  const how = h.how === 'rollback' ? 'rolled back to' : h.how === 'manual' ? 'promoted by hand' : h.how === 'rule' ? 'champion rule run again:' : 'training:';
  return `${how} ${h.candidate} ${h.decision}${h.previous ? ` (champion was ${h.previous})` : ''}${h.by ? ` by ${h.by}` : ''}: ${h.reason}${h.note ? ` — ${h.note}` : ''}`;
}

const same = (x: unknown, y: unknown) => JSON.stringify(x) === JSON.stringify(y);

/** `models diff`: what changed from version `a` to version `b` of a family. */
export async function diffVersions(registry: ModelRegistry, family: string, a: string, b: string): Promise<Printed> {
  await requireFamily(registry, family);
  const [ca, cb] = [await requireCard(registry, family, a, 'a'), await requireCard(registry, family, b, 'b')];
  const metrics = [...new Set([...Object.keys(ca.metrics), ...Object.keys(cb.metrics)])].map((metric) => {
    const [x, y] = [ca.metrics[metric] ?? null, cb.metrics[metric] ?? null];
    return { metric, a: x, b: y, delta: x !== null && y !== null ? y - x : null };
  });
  // The tuned hyper-parameters (card.tuning) that differ; null on a side whose card does not record them.
  const [ta, tb] = [ca.tuning?.values ?? {}, cb.tuning?.values ?? {}];
  const tuning = [...new Set([...Object.keys(ta), ...Object.keys(tb)])]
    .filter((k) => !same(ta[k], tb[k]))
    .map((k) => ({ name: k, a: ta[k] ?? null, b: tb[k] ?? null, setA: ca.tuning?.set[k] ?? null, setB: cb.tuning?.set[k] ?? null }));
  const hpKeys = [...new Set([...Object.keys(ca.hyperParameters), ...Object.keys(cb.hyperParameters)])].sort();
  const hyperParameters = hpKeys.filter((k) => !same(ca.hyperParameters[k], cb.hyperParameters[k])).map((k) => ({ name: k, a: ca.hyperParameters[k] ?? null, b: cb.hyperParameters[k] ?? null }));
  const [da, db] = [datasetSummary(registry.root, ca), datasetSummary(registry.root, cb)];
  const tables = [...new Set([...Object.keys(da.rows), ...Object.keys(db.rows)])].sort();
  const dataset = {
    same: same(ca.dataset.tables, cb.dataset.tables),
    changed: (['kind', 'scenario', 'seed', 'path', 'codeVersion'] as const).filter((k) => da[k] !== db[k]).map((k) => ({ field: k, a: da[k], b: db[k] })),
    tables: tables.filter((t) => !same(ca.dataset.tables[t], cb.dataset.tables[t])).map((t) => ({ table: t, a: ca.dataset.tables[t] ?? null, b: cb.dataset.tables[t] ?? null })),
  };
  const targetNames = [...new Set([...ca.targets.map((t) => t.metric), ...cb.targets.map((t) => t.metric)])];
  const targets = targetNames.map((metric) => ({ metric, a: ca.targets.find((t) => t.metric === metric)?.met ?? null, b: cb.targets.find((t) => t.metric === metric)?.met ?? null }));
  const other = (['codeVersion', 'seed', 'createdAt'] as const).filter((k) => ca[k] !== cb[k]).map((k) => ({ field: k, a: ca[k], b: cb[k] }));
  if (!same(ca.backend, cb.backend)) other.push({ field: 'backend' as never, a: `${ca.backend.name} ${ca.backend.version}`, b: `${cb.backend.name} ${cb.backend.version}` });
  if (!same(ca.split.rows, cb.split.rows)) other.push({ field: 'split' as never, a: JSON.stringify(ca.split.rows), b: JSON.stringify(cb.split.rows) });
  const json = { family, a, b, metrics, hyperParameters, tuning, tuningRecorded: { a: ca.tuning !== undefined, b: cb.tuning !== undefined }, dataset, targets, other };

  const untold = hyperParameters.filter((h) => !tuning.some((t) => t.name === h.name && same(t.a, h.a) && same(t.b, h.b)));
  const st = (m: boolean | null) => (m === null ? 'not measured' : m ? 'met' : 'MISSED');
  const sign = (x: number) => (x > 0 ? '+' : '') + num(x);
  const lines = [
    `${family} ${a} → ${b}`,
    '',
    `  metric                     ${a.padStart(10)} ${b.padStart(10)}      delta`,
    ...metrics.map((m) => `  ${m.metric.padEnd(26)} ${(m.a === null ? '—' : num(m.a)).padStart(10)} ${(m.b === null ? '—' : num(m.b)).padStart(10)} ${(m.delta === null ? '' : sign(m.delta)).padStart(10)}`),
    '',
    `  targets: ${targets.filter((t) => t.a !== t.b).map((t) => `${t.metric} ${st(t.a)} → ${st(t.b)}`).join(', ') || 'the same met / missed'}`,
    `  data set: ${dataset.same ? 'the same tables (sha256)' : 'different tables'}${dataset.changed.map((c) => `; ${c.field} ${show(c.a)} → ${show(c.b)}`).join('')}`,
    ...dataset.tables.map((t) => `    ${t.table}: ${t.a ? `${t.a.rows} rows ${t.a.sha256.slice(0, 12)}…` : 'absent'} → ${t.b ? `${t.b.rows} rows ${t.b.sha256.slice(0, 12)}…` : 'absent'}`),
    `  tuned hyper-parameters: ${!ca.tuning && !cb.tuning ? 'not recorded on either card' : tuning.length ? '' : 'the same'}${(ca.tuning ? 0 : 1) + (cb.tuning ? 0 : 1) === 1 ? ` (not recorded on ${ca.tuning ? b : a})` : ''}`,
    ...tuning.map((h) => `    ${h.name}: ${h.a === null ? '—' : hyperParamText(h.a)} → ${h.b === null ? '—' : hyperParamText(h.b)}${h.setB ? ` (${h.setB})` : ''}`),
    // The model's own record, less the changes the tuned hyper-parameters above already show.
    `  hyper-parameters: ${hyperParameters.length ? (untold.length ? '' : 'the same apart from the tuned ones') : 'the same'}`,
    ...untold.map((h) => `    ${h.name}: ${show(h.a)} → ${show(h.b)}`),
    ...other.map((o) => `  ${o.field}: ${o.a} → ${o.b}`),
  ];
  return { json, text: lines.join('\n') };
}
