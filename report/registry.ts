// The report of a model registry: per family, the champion's card drawn — each target with the value against its
// threshold, met or missed, beside the card's baselines; the ROC, precision-recall and reliability diagrams from the
// curve points the card stores (families that store them); and the version history, each version's headline metrics
// with the champion marked, and the champion decisions of history.jsonl.
import * as aq from 'arquero';
import type { ColumnTable } from 'arquero';
import type { ModelCard } from '../training/card.ts';
import type { ModelRegistry, HistoryEntry } from '../training/registry.ts';
import { headlineMetrics, historyText, requireCard } from '../training/registry-view.ts';
import { loadTargets, type TargetsFile, type TargetUnit } from '../training/targets.ts';
import { COLOURS, nameScale, type Row, type Spec } from './charts.ts';
import { esc, statusHtml, type Block, type Section } from './html.ts';

const SIGN: Record<string, string> = { '<': '<', '<=': '≤', '>': '>', '>=': '≥' };

/** A figure in a target's unit (training/targets.json), short. */
function inUnit(x: number, unit: TargetUnit | undefined): string {
  switch (unit) {
    case 'share':
      return `${(100 * x).toFixed(1)} %`;
    case 'points':
      return `${x > 0 ? '+' : ''}${(100 * x).toFixed(1)} pts`;
    case 'minutes':
      return `${x.toFixed(1)} min`;
    case 'count':
      return Math.round(x).toLocaleString('en-US');
    default:
      return Math.abs(x) >= 100 ? x.toFixed(1) : x.toFixed(4);
  }
}

/** The card's targets (null: it judges none), one small chart each: the value (coloured met / missed), the threshold (red line), the baselines (grey). */
export function targetsSpec(card: ModelCard, file: TargetsFile): Spec | null {
  const meta = (m: string) => (Object.hasOwn(file.targets, card.family) ? file.targets[card.family][m] : undefined) ?? (card.family.startsWith('risk') ? file.targets.risk?.[m] : card.family.startsWith('judge') ? file.targets.judge?.[m] : undefined);
  const rows = card.targets.map((t) => {
    const m = meta(t.metric);
    const status = t.met === null ? 'not measured' : t.met ? 'met' : 'missed';
    const label = m?.label ?? t.metric;
    const baselines = Object.entries(card.baselines)
      .filter(([, ms]) => typeof ms[t.metric] === 'number')
      .map(([b, ms], i) => ({ name: b, value: ms[t.metric], dy: i % 2 ? 14 : -12 }));
    return { t, unit: m?.unit, status, label, baselines };
  });
  if (rows.length === 0) return null;
  const charts = rows.map(({ t, unit, status, label, baselines }) => {
    const values = [t.target, ...(t.value === null ? [] : [t.value]), ...baselines.map((b) => b.value)];
    const lo = Math.min(0, ...values);
    const hi = Math.max(...values);
    const span = hi - lo || Math.abs(hi) || 1;
    const domain = unit === 'share' && lo >= 0 && hi <= 1 ? [0, 1] : [lo - 0.05 * span, hi + 0.15 * span];
    const x = { field: 'x', type: 'quantitative', scale: { domain, nice: false }, title: null, axis: { tickCount: 4, format: unit === 'share' || unit === 'points' ? '.0%' : '~g' } };
    const title = `${label}: ${t.value === null ? '—' : inUnit(t.value, unit)} (target ${SIGN[t.comparator]} ${inUnit(t.target, unit)}) — ${status === 'missed' ? 'MISSED' : status}`;
    const layer: object[] = [
      { data: { values: [{ x: t.target, label: `target ${SIGN[t.comparator]} ${inUnit(t.target, unit)}` }] }, mark: { type: 'rule', color: COLOURS.target, strokeDash: [4, 3], strokeWidth: 2 }, encoding: { x } },
      { data: { values: baselines.map((b) => ({ x: b.value, label: b.name })) }, mark: { type: 'tick', color: COLOURS.baseline, thickness: 2, size: 16 }, encoding: { x } },
      // Names above and below in turn, so close baselines stay readable.
      ...baselines.map((b) => ({ data: { values: [{ x: b.value, label: b.name }] }, mark: { type: 'text', color: COLOURS.baseline, dy: b.dy, fontSize: 9 }, encoding: { x, text: { field: 'label' } } })),
    ];
    if (t.value !== null) {
      layer.push({ data: { values: [{ x: t.value, status }] }, mark: { type: 'point', filled: true, size: 140 }, encoding: { x, color: { field: 'status', type: 'nominal', scale: { domain: ['met', 'missed'], range: [COLOURS.met, COLOURS.missed] }, legend: null } } });
    }
    return { title: { text: title, fontSize: 11, color: status === 'missed' ? COLOURS.missed : status === 'met' ? COLOURS.met : '#57606a' }, width: 420, height: 34, layer };
  });
  return { title: { text: `${card.family} ${card.version}: held-out metrics against their targets`, subtitle: 'dot: the model (green met, red missed) · dashed red line: the target · grey ticks: baselines on the same rows', subtitleFontSize: 10, subtitleColor: '#57606a' }, vconcat: charts, spacing: 10 } as Spec;
}

/** ROC, precision-recall and reliability diagrams from the card's curve points (null: the card stores none). */
export function curvesSpec(card: ModelCard): Spec | null {
  const c = card.curves;
  if (!c || c.roc.length < 2) return null;
  const rate = c.n ? c.positives / c.n : 0;
  const roc = c.roc.map(([x, y]) => ({ x, y }));
  const pr = c.pr.map(([x, y]) => ({ x, y }));
  const rel = c.reliability.map((b) => ({ ...b }));
  const unit = { scale: { domain: [0, 1] }, axis: { format: '.0%', tickCount: 5 } };
  const diag = { data: { values: [{ x: 0, y: 0 }, { x: 1, y: 1 }] }, mark: { type: 'line', color: COLOURS.muted, strokeDash: [4, 3] }, encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } } };
  const auc = card.metrics.rocAuc;
  const ap = card.metrics.prAuc;
  return {
    title: { text: `${card.family} ${card.version}: how well it separates and how honest its probabilities are (${c.n.toLocaleString('en-US')} held-out rows, ${c.positives.toLocaleString('en-US')} positive)`, subtitleFontSize: 10 },
    hconcat: [
      { title: `ROC${auc !== undefined ? ` (AUC ${auc.toFixed(3)})` : ''}`, width: 220, height: 220, layer: [diag, { data: { values: roc }, mark: { type: 'line', color: PALETTE0, strokeWidth: 2 }, encoding: { x: { field: 'x', type: 'quantitative', title: 'false-positive rate', ...unit }, y: { field: 'y', type: 'quantitative', title: 'true-positive rate', ...unit }, order: { field: 'x' } } }] },
      {
        title: `precision-recall${ap !== undefined ? ` (AP ${ap.toFixed(3)})` : ''}`,
        width: 220,
        height: 220,
        layer: [
          { data: { values: [{ x: 0, y: rate }, { x: 1, y: rate }] }, mark: { type: 'line', color: COLOURS.muted, strokeDash: [4, 3] }, encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } } },
          { data: { values: pr }, mark: { type: 'line', color: PALETTE0, strokeWidth: 2 }, encoding: { x: { field: 'x', type: 'quantitative', title: 'recall', ...unit }, y: { field: 'y', type: 'quantitative', title: 'precision', ...unit } } },
        ],
      },
      {
        title: `reliability${card.metrics.ece !== undefined ? ` (ECE ${card.metrics.ece.toFixed(3)})` : ''}`,
        width: 220,
        height: 220,
        layer: [
          diag,
          { data: { values: rel }, mark: { type: 'line', color: PALETTE0 }, encoding: { x: { field: 'predicted', type: 'quantitative', title: 'mean predicted probability', ...unit }, y: { field: 'observed', type: 'quantitative', title: 'observed rate', ...unit } } },
          { data: { values: rel }, mark: { type: 'point', filled: true, color: PALETTE0 }, encoding: { x: { field: 'predicted', type: 'quantitative' }, y: { field: 'observed', type: 'quantitative' }, size: { field: 'n', type: 'quantitative', title: 'rows in the bin', legend: { orient: 'bottom' } } } },
        ],
      },
    ],
  } as Spec;
}

const PALETTE0 = nameScale(['model']).range[0];

/** Each version's headline metrics (arquero folds them to one row per version and metric), the champion marked, with the target where one exists. */
function historySpec(family: string, cards: ModelCard[], champion: string | null): Spec | null {
  if (cards.length === 0) return null;
  const champ = cards.find((c) => c.version === champion) ?? cards[cards.length - 1];
  const names = Object.keys(headlineMetrics(champ));
  if (names.length === 0) return null;
  const wide = aq.from(cards.map((c) => ({ version: c.version, champion: c.version === champion ? 'champion' : 'other version', ...Object.fromEntries(names.map((n) => [n, c.metrics[n] ?? null])) }))) as ColumnTable;
  const long = (wide.fold(names, { as: ['metric', 'value'] }) as ColumnTable).filter(aq.escape((d: Row) => d.value !== null)).objects() as Row[];
  const targets = names.flatMap((n) => {
    const t = champ.targets.find((x) => x.metric === n);
    return t ? [{ metric: n, target: t.target, label: `target ${SIGN[t.comparator]} ${+t.target.toFixed(4)}` }] : [];
  });
  const versions = cards.map((c) => c.version);
  /** Each metric's axis: its values and target with some room, so a single version or equal values still read. */
  const domainOf = (n: string) => {
    const xs = [...long.filter((r) => r.metric === n).map((r) => r.value as number), ...targets.filter((t) => t.metric === n).map((t) => t.target)];
    const [lo, hi] = [Math.min(...xs), Math.max(...xs)];
    const pad = (hi - lo) * 0.15 || Math.abs(hi) * 0.1 || 0.1;
    return [lo - pad, hi + pad];
  };
  return {
    title: { text: `${family}: headline metrics of every version`, subtitle: 'filled dark point: the champion · dashed red line: the target', subtitleFontSize: 10, subtitleColor: '#57606a' },
    hconcat: names.map((n) => ({
      title: n,
      width: Math.max(120, 40 * versions.length),
      height: 120,
      layer: [
        { data: { values: long.filter((r) => r.metric === n) }, mark: { type: 'line', color: COLOURS.muted }, encoding: { x: { field: 'version', type: 'ordinal', sort: versions, title: null }, y: { field: 'value', type: 'quantitative', title: null, scale: { domain: domainOf(n), nice: false }, axis: { format: '~r', tickCount: 4 } } } },
        { data: { values: long.filter((r) => r.metric === n) }, mark: { type: 'point', filled: true, size: 70 }, encoding: { x: { field: 'version', type: 'ordinal', sort: versions }, y: { field: 'value', type: 'quantitative' }, color: { field: 'champion', type: 'nominal', scale: { domain: ['champion', 'other version'], range: ['#1f2328', COLOURS.muted] }, title: null, legend: { orient: 'bottom' } } } },
        ...targets.filter((t) => t.metric === n).map((t) => ({ data: { values: [t] }, mark: { type: 'rule', color: COLOURS.target, strokeDash: [4, 3] }, encoding: { y: { field: 'target', type: 'quantitative' } } })),
      ],
    })),
    resolve: { scale: { y: 'independent' } },
  } as Spec;
}


/** The sections of a registry's report: one per family, in the registry's order. */
export async function registrySections(registry: ModelRegistry, idPrefix = ''): Promise<Section[]> {
  const file = loadTargets();
  const sections: Section[] = [];
  for (const family of await registry.listFamilies()) {
    const pointer = await registry.champion(family);
    const cards: ModelCard[] = [];
    const incomplete: string[] = [];
    for (const v of await registry.versionFolders(family)) {
      try {
        cards.push(await requireCard(registry, family, v));
      } catch {
        incomplete.push(v);
      }
    }
    const id = `${idPrefix}${family}`;
    const card = cards.find((c) => c.version === pointer?.version) ?? null;
    const shown = card ?? cards[cards.length - 1] ?? null;
    const history: HistoryEntry[] = await registry.history(family).catch(() => []);
    if (!shown) {
      sections.push({ id, title: `${family}: no complete version`, intro: `The family has no version with a valid card${incomplete.length ? ` (incomplete: ${incomplete.map(esc).join(', ')})` : ''}.`, blocks: [] });
      continue;
    }
    const met = shown.targets.filter((t) => t.met === true).length;
    const missed = shown.targets.filter((t) => t.met === false);
    const d = shown.dataset;
    const intro =
      (card ? `Champion <strong>${esc(card.version)}</strong>${pointer ? ` since ${esc(pointer.since)}: ${esc(pointer.reason)}` : ''}.` : `<strong>No champion</strong>: the newest complete version, ${esc(shown.version)}, is shown.`) +
      ` Trained ${esc(shown.createdAt)} on ${esc(d.kind)}${d.scenario ? ` ${esc(d.scenario)}` : ''}${d.seed !== null ? ` seed ${d.seed}` : ''}${d.path ? ` (<code>${esc(d.path)}</code>)` : ''}; split by ${esc(shown.split.by)}: ${shown.split.rows.train.toLocaleString('en-US')} train, ${shown.split.rows.test.toLocaleString('en-US')} held out.` +
      (shown.targets.length ? ` Targets: <span class="met">${met} met</span>, <span class="${missed.length ? 'missed' : 'met'}">${missed.length} missed</span>${missed.length ? ` (${missed.map((t) => esc(t.metric)).join(', ')})` : ''}.` : ' The family has no targets.');
    const blocks: Block[] = [];
    const ts = targetsSpec(shown, file);
    if (ts) blocks.push({ kind: 'chart', id: 'targets', spec: ts, caption: 'Each row is one target of the family, measured on the held-out part of the card’s data. The big dot is the model: green when the target is met, red when it is missed. The dashed red line is the target; grey ticks are the baselines the card records on the same rows.' });
    else blocks.push({ kind: 'html', html: '<p class="note">The card judges no target.</p>' });
    blocks.push({ kind: 'html', html: `<ul class="decisions">${shown.targets.map((t) => `<li>${esc(t.metric)}: ${t.value === null ? '—' : esc(String(+t.value.toFixed(4)))} (target ${esc(SIGN[t.comparator])} ${t.target}) — ${statusHtml(t.met)}</li>`).join('')}</ul>` });
    const cs = curvesSpec(shown);
    if (cs) blocks.push({ kind: 'chart', id: 'curves', spec: cs, caption: 'ROC: the share of positives caught against the share of negatives flagged, threshold by threshold; the diagonal is a coin. Precision-recall: of what is flagged, how much is right, as more is caught; the dashed line is the positive rate (what flagging everything gives). Reliability: held-out rows grouped by predicted probability; on the diagonal, a predicted 30 % happens 30 % of the time. Point size is the rows in the bin.' });
    else blocks.push({ kind: 'html', html: '<p class="note">No ROC, precision-recall or reliability diagram: this card stores no curve points. Cards of the risk, risk-history and judge families store them when trained by this version.</p>' });
    const hs = historySpec(family, cards, pointer?.version ?? null);
    if (hs && cards.length > 0) blocks.push({ kind: 'chart', id: 'versions', spec: hs, caption: 'Every complete version of the family, oldest first, with its headline metrics on its own held-out part (versions trained on other data are not strictly comparable). The dark point is the champion.' });
    if (history.length) {
      const last = history.slice(-12);
      blocks.push({ kind: 'html', html: `<p><strong>Champion decisions</strong> (history.jsonl${history.length > last.length ? `, the last ${last.length} of ${history.length}` : ''}):</p><ul class="decisions">${last.map((h) => `<li>${esc(h.at)}: ${esc(historyText(h))}</li>`).join('')}</ul>` });
    }
    if (incomplete.length) blocks.push({ kind: 'html', html: `<p class="note">Incomplete versions (no valid card): ${incomplete.map(esc).join(', ')}.</p>` });
    sections.push({ id, title: `${family}: ${card ? `champion ${card.version}` : 'no champion'}`, intro, blocks });
  }
  return sections;
}
