// The report of a rollback drill's data set (`drill --out`, and the main job's drill): how each planner's plans fared
// when executed in the release world — recovered or not, how fast, what users saw meanwhile, against the drill's
// targets — and, for a few releases chosen by rule, each planner's run as a timeline: every step attempt as a bar from
// its start to its end (done, failed, a fallback, a person paged) under the bad requests per minute users saw.
import * as aq from 'arquero';
import type { ColumnTable } from 'arquero';
import { readDataset, type Manifest } from '../datasets/index.ts';
import { RolloutlabError } from '../lib/errors.ts';
import { COLOURS, barsWithTarget, grid, nameScale, type Row, type Spec } from './charts.ts';
import { esc, statusHtml, type Block, type Section } from './html.ts';

/** The drill's summary as its manifest records it (the JSON of `drill --json`). */
interface DrillSummary {
  scenario: string;
  seed: number;
  deployments: number;
  materialFaults: number;
  multiServiceReleases: number;
  dataCorruptions: number;
  planners: Record<string, { recovered: number; dataCorruptionMitigated: number | null; orderViolations: number; medianTimeToRecoverMin: number | null; residualBadRequests: number; dataLossMinutes: number; stepsFailed: number; escalations: number; medianTimeToRecoverMultiMin: number | null; runs: number }>;
  pairedMultiService: { releases: number; medianMin: Record<string, number | null> };
}

export interface DrillInput {
  dir: string;
  manifest: Manifest;
  summary: DrillSummary;
  targets: { name: string; value: string; target: string; met: boolean }[];
  horizonMin: number;
  runs: ColumnTable;
  /** Absent when the data set was written without traces. */
  steps: ColumnTable | null;
  rate: ColumnTable | null;
}

const tableOf = async (ds: Awaited<ReturnType<typeof readDataset>>, name: string): Promise<ColumnTable | null> => {
  if (!ds.manifest.tables[name]) return null;
  const t = await ds.table(name);
  return aq.table(Object.fromEntries(t.columns.map((c) => [c.name, c.values]))) as ColumnTable;
};

/** Reads a drill's data set. BAD_DATA naming `field` when it is not one. */
export async function loadDrill(dir: string, field = 'dir'): Promise<DrillInput> {
  const ds = await readDataset(dir);
  try {
    const extra = ds.manifest.extra as { drill?: DrillSummary; targets?: DrillInput['targets']; horizonMin?: number };
    if (!ds.manifest.tables.drill_runs || !extra.drill) throw new RolloutlabError('BAD_DATA', `${field}: ${ds.dir} is no drill data set (drill --out writes one)`, field);
    return { dir: ds.dir, manifest: ds.manifest, summary: extra.drill, targets: extra.targets ?? [], horizonMin: extra.horizonMin ?? 720, runs: (await tableOf(ds, 'drill_runs'))!, steps: await tableOf(ds, 'drill_steps'), rate: await tableOf(ds, 'drill_rate') };
  } finally {
    ds.close();
  }
}

const pct = (x: number | null) => (x === null ? '—' : `${(100 * x).toFixed(1)} %`);
const mins = (x: number | null) => (x === null ? '—' : `${x.toFixed(1)} min`);

function verdictHtml(s: DrillSummary, targets: DrillInput['targets']): string {
  const names = Object.keys(s.planners);
  const lines = [
    `<p>${s.materialFaults.toLocaleString('en-US')} of ${s.deployments.toLocaleString('en-US')} deployments carry a material fault (${s.multiServiceReleases} multi-service releases, ${s.dataCorruptions} data corruptions). Each planner planned the rollback of every one, and the plan ran in a world where steps take time and sometimes fail.</p>`,
    `<p>${names.map((n) => `<strong>${esc(n)}</strong> recovers ${pct(s.planners[n].recovered)} (median ${mins(s.planners[n].medianTimeToRecoverMin)})`).join('; ')}.</p>`,
  ];
  if (s.pairedMultiService.releases > 0) lines.push(`<p>On the ${s.pairedMultiService.releases} multi-service releases every planner recovered: median recovery ${names.map((n) => `${esc(n)} ${mins(s.pairedMultiService.medianMin[n] ?? null)}`).join(', ')}.</p>`);
  if (targets.length) lines.push(`<p>Targets of <code>planned</code>: ${targets.map((t) => `${esc(t.name)} ${esc(t.value)} (target ${esc(t.target)}) ${statusHtml(t.met)}`).join('; ')}.</p>`);
  return `<div class="verdict">${lines.join('')}</div>`;
}

/** The drill's targets as a chart: one bar per target, green met, red missed, with the figure. */
function targetsSpec(targets: DrillInput['targets']): Spec | null {
  if (targets.length === 0) return null;
  const rows = targets.map((t, i) => ({ i, status: t.met ? 'met' : 'missed', text: `${t.name}: ${t.value} (target ${t.target}) — ${t.met ? 'met' : 'MISSED'}` }));
  return {
    title: { text: 'The drill’s targets (planned)', subtitle: 'green: met · red: missed', subtitleFontSize: 10, subtitleColor: '#57606a' },
    data: { values: rows },
    width: 720,
    height: { step: 26 },
    encoding: { y: { field: 'i', type: 'ordinal', axis: null } },
    layer: [
      { mark: { type: 'rect', stroke: 'white', strokeWidth: 2 }, encoding: { x: { datum: 0, type: 'quantitative', axis: null, scale: { domain: [0, 1] } }, x2: { datum: 1 }, color: { field: 'status', type: 'nominal', scale: { domain: ['met', 'missed'], range: [COLOURS.met, COLOURS.missed] }, legend: null } } },
      { mark: { type: 'text', color: 'white', fontWeight: 600, fontSize: 11, align: 'left', dx: 8 }, encoding: { x: { datum: 0, type: 'quantitative' }, text: { field: 'text' } } },
    ],
  } as Spec;
}

function comparisonSpec(s: DrillSummary): Spec {
  const names = Object.keys(s.planners);
  const bar = (title: string, axis: string, get: (p: DrillSummary['planners'][string]) => number | null, fmt: (x: number | null) => string, format: string, target?: { value: number; label: string }, better = 'higher is better', domainMax?: number) =>
    barsWithTarget({ title, subtitle: better, rows: names.map((n) => ({ name: n, value: get(s.planners[n]), label: fmt(get(s.planners[n])) })), names, axisTitle: axis, format, target: target ?? null, domainMax });
  const count = (x: number | null) => (x === null ? '—' : Math.round(x).toLocaleString('en-US'));
  return grid(
    '',
    [
      bar('Material faults recovered', 'share of the drill’s faults', (p) => p.recovered, pct, '.0%', { value: 1, label: 'target 100 %' }, 'higher is better', 1),
      bar('Data corruptions mitigated', 'corruptions with a backup', (p) => p.dataCorruptionMitigated, pct, '.0%', { value: 1, label: 'target 100 %' }, 'higher is better', 1),
      bar('Median time to recover', 'minutes from the plan’s start', (p) => p.medianTimeToRecoverMin, mins, '~r', undefined, 'lower is better'),
      bar('Residual bad requests', 'bad requests while the plan ran', (p) => p.residualBadRequests, count, '~s', undefined, 'lower is better'),
      bar('Order violations', 'old callers on a gone API, schema mismatches', (p) => p.orderViolations, count, 'd', { value: 0, label: 'target 0' }, 'lower is better'),
      bar('Data loss', 'minutes of writes lost to restores', (p) => p.dataLossMinutes, mins, '~s', undefined, 'lower is better (a restore loses the writes since its point)'),
      bar('Steps failed', 'step attempts that failed', (p) => p.stepsFailed, count, 'd', undefined, 'lower is better'),
      bar('Escalations', 'times a person was paged or had to act', (p) => p.escalations, count, 'd', undefined, 'lower is better'),
    ],
    2,
  );
}

/** Time to recover of every run, per planner (ticks on a symmetric-log axis), the runs that never recovered counted in the subtitle. */
function recoverySpec(runs: ColumnTable, names: readonly string[], horizon: number): Spec {
  const rows = runs.filter(aq.escape((d: Row) => d.recovered === true)).select('planner', 'deployment_id', 'time_to_recover_min').objects() as Row[];
  const missed = runs.filter(aq.escape((d: Row) => d.recovered !== true)).groupby('planner').count({ as: 'n' }).objects() as Row[];
  const note = missed.length ? `not recovered within ${horizon} min: ${missed.map((m) => `${m.planner} ${m.n}`).join(', ')}` : 'every run recovered';
  return {
    title: { text: 'Time to recover, every run', subtitle: `one tick per material fault; ${note}`, subtitleFontSize: 10, subtitleColor: '#57606a' },
    data: { values: rows },
    width: 620,
    height: { step: 26 },
    mark: { type: 'tick', thickness: 2, size: 18, opacity: 0.7 },
    encoding: {
      x: { field: 'time_to_recover_min', type: 'quantitative', scale: { type: 'symlog' }, title: 'minutes from the plan’s start until users see no more harm (symmetric log scale)', axis: { values: [0, 1, 2, 5, 10, 20, 50, 100, 200, 500] } },
      y: { field: 'planner', type: 'nominal', sort: [...names], title: null },
      color: { field: 'planner', type: 'nominal', scale: nameScale(names), legend: null },
    },
  } as Spec;
}

/** Multi-service releases both recovered: planned's time against revert-all's, one point per release (arquero pivots the runs). */
function pairedSpec(runs: ColumnTable): Spec | null {
  const wide = runs
    .filter(aq.escape((d: Row) => d.multi_service === true && d.recovered === true && (d.planner === 'planned' || d.planner === 'revert-all')))
    .groupby('deployment_id')
    .pivot('planner', 'time_to_recover_min') as ColumnTable;
  if (!wide.columnNames().includes('planned') || !wide.columnNames().includes('revert-all')) return null;
  const rows = (wide.filter(aq.escape((d: Row) => d.planned !== undefined && d.planned !== null && d['revert-all'] !== undefined && d['revert-all'] !== null)).objects() as Row[]).map((r) => ({ deployment: r.deployment_id, planned: r.planned, revertAll: r['revert-all'] }));
  if (rows.length === 0) return null;
  const max = Math.max(1, ...rows.map((r) => Math.max(r.planned as number, r.revertAll as number))) * 1.05;
  const faster = rows.filter((r) => (r.planned as number) < (r.revertAll as number)).length;
  return {
    title: { text: 'Multi-service releases: planned against revert-all', subtitle: `one point per release both recovered; below the diagonal planned was faster (${faster} of ${rows.length})`, subtitleFontSize: 10, subtitleColor: '#57606a' },
    width: 320,
    height: 320,
    layer: [
      { data: { values: [{ x: 0, y: 0 }, { x: max, y: max }] }, mark: { type: 'line', color: COLOURS.muted, strokeDash: [4, 3] }, encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } } },
      { data: { values: rows }, mark: { type: 'point', filled: true, size: 60, color: nameScale(['planned']).range[0] }, encoding: { x: { field: 'revertAll', type: 'quantitative', title: 'revert-all: minutes to recover', scale: { domain: [0, max] } }, y: { field: 'planned', type: 'quantitative', title: 'planned: minutes to recover', scale: { domain: [0, max] } } } },
    ],
  } as Spec;
}

const RESULTS = ['done', 'check held', 'fallback done', 'approval', 'failed', 'check failed', 'fallback failed', 'escalated'];
const RESULT_COLOURS = [COLOURS.met, '#4ac26b', '#54aeff', '#d4a72c', COLOURS.missed, '#fb8f44', '#a40e26', '#8250df'];

/** The releases whose runs are drawn: planned's biggest gain over revert-all on a multi-service release, the first data corruption, the first run of planned where a step failed or a person was paged. */
export function pickReleases(runs: ColumnTable): { deploymentId: string; why: string }[] {
  const rows = runs.objects() as Row[];
  const picks: { deploymentId: string; why: string }[] = [];
  const add = (id: string | undefined, why: string) => {
    if (id && !picks.some((p) => p.deploymentId === id)) picks.push({ deploymentId: id, why });
  };
  const gains = (runs.filter(aq.escape((d: Row) => d.multi_service === true && d.recovered === true)).groupby('deployment_id').pivot('planner', 'time_to_recover_min').objects() as Row[])
    .filter((r) => typeof r.planned === 'number' && typeof r['revert-all'] === 'number')
    .map((r) => ({ id: r.deployment_id as string, gain: (r['revert-all'] as number) - (r.planned as number) }))
    .sort((a, b) => b.gain - a.gain || (a.id < b.id ? -1 : 1));
  if (gains[0] && gains[0].gain > 0) add(gains[0].id, `a multi-service release: planned recovers ${gains[0].gain.toFixed(1)} min sooner than revert-all`);
  add(rows.find((r) => r.fault_kind === 'data_corruption' && r.planner === 'planned')?.deployment_id as string | undefined, 'a data corruption: a rollback alone does not undo it');
  add(rows.find((r) => r.planner === 'planned' && ((r.steps_failed as number) > 0 || (r.escalations as number) > 0))?.deployment_id as string | undefined, 'a step failed or a person was paged');
  if (picks.length === 0) add(rows[0]?.deployment_id as string | undefined, 'the first material fault of the drill');
  return picks;
}

/** One release under every planner: its step attempts as bars (one row per planner and step) over the bad requests per minute users saw. */
function releaseSpec(input: DrillInput, id: string, why: string, names: readonly string[]): Spec | null {
  if (!input.steps || !input.rate) return null;
  const steps: (Row & { row: string; end: number })[] = (input.steps.filter(aq.escape((d: Row) => d.deployment_id === id)).objects() as Row[]).map((s) => ({
    ...s,
    row: `${s.planner} · ${s.step} ${s.kind}${s.target ? ` ${s.target}` : ''}${s.unit ? ` (${s.unit})` : ''}`,
    // A step that takes no time still shows as a sliver.
    end: Math.max(s.end_min as number, (s.start_min as number) + 0.05),
  }));
  const runs = input.runs.filter(aq.escape((d: Row) => d.deployment_id === id)).objects() as Row[];
  if (runs.length === 0) return null;
  const recovered = runs.filter((r) => r.time_to_recover_min !== null).map((r) => ({ planner: r.planner, at: r.time_to_recover_min }));
  const domainMax = Math.min(input.horizonMin, Math.max(1, ...steps.map((s) => s.end), ...recovered.map((r) => r.at as number)) * 1.08);
  const rate = input.rate.filter(aq.escape((d: Row) => d.deployment_id === id)).objects() as Row[];
  // The rate is a step function from each point on: close every planner's line at the chart's right edge.
  const lines = names.flatMap((n) => {
    const pts = rate.filter((r) => r.planner === n).map((r) => ({ planner: n, t: Math.min(r.t_min as number, domainMax), bad: r.bad_per_min }));
    return pts.length ? [...pts, { planner: n, t: domainMax, bad: pts[pts.length - 1].bad }] : [];
  });
  const order = names.flatMap((n) => steps.filter((s) => s.planner === n).sort((a, b) => (a.start_min as number) - (b.start_min as number) || (String(a.step) < String(b.step) ? -1 : 1)).map((s) => s.row));
  const xScale = { domain: [0, domainMax], nice: false };
  const r0 = runs[0];
  const facts = `${r0.fault_kind}${r0.multi_service ? ', multi-service release' : ''}; ` + runs.map((r) => `${r.planner}: ${r.recovered ? `recovered in ${(r.time_to_recover_min as number).toFixed(1)} min` : 'not recovered'}, ${Math.round(r.residual_bad_requests as number).toLocaleString('en-US')} bad requests`).join(' · ');
  return {
    title: { text: `${id}: ${why}`, subtitle: facts, subtitleFontSize: 10, subtitleColor: '#57606a' },
    vconcat: [
      {
        width: 720,
        height: 110,
        layer: [
          { data: { values: lines }, mark: { type: 'line', interpolate: 'step-after', strokeWidth: 1.6 }, encoding: { x: { field: 't', type: 'quantitative', scale: xScale, title: null }, y: { field: 'bad', type: 'quantitative', title: 'bad requests / min' }, color: { field: 'planner', type: 'nominal', scale: nameScale(names), title: 'planner', legend: { orient: 'top' } } } },
          { data: { values: recovered }, mark: { type: 'rule', strokeDash: [4, 3] }, encoding: { x: { field: 'at', type: 'quantitative', scale: xScale }, color: { field: 'planner', type: 'nominal', scale: nameScale(names), legend: null } } },
        ],
      },
      {
        width: 720,
        height: { step: 14 },
        data: { values: steps },
        mark: { type: 'bar', height: 10 },
        encoding: {
          x: { field: 'start_min', type: 'quantitative', scale: xScale, title: 'minutes since the plan started' },
          x2: { field: 'end' },
          y: { field: 'row', type: 'nominal', sort: order, title: null, axis: { labelLimit: 320, labelFontSize: 10 } },
          color: { field: 'result', type: 'nominal', scale: { domain: RESULTS, range: RESULT_COLOURS }, title: 'step', legend: { orient: 'bottom', columns: 4 } },
        },
      },
    ],
    resolve: { scale: { color: 'independent' } },
  } as Spec;
}

/** The sections of a drill's report. */
export async function drillSections(input: DrillInput, idPrefix = ''): Promise<Section[]> {
  const s = input.summary;
  const names = Object.keys(s.planners);
  const id = (x: string) => `${idPrefix}${x}`;
  const verdict: Block[] = [{ kind: 'html', html: verdictHtml(s, input.targets) }];
  const ts = targetsSpec(input.targets);
  if (ts) verdict.push({ kind: 'chart', id: 'targets', spec: ts, caption: 'The targets the drill judges the planned rollbacks by: every material fault recovered, no order violation, every data corruption with a backup mitigated, and multi-service releases recovered in at most half of revert-all’s median time.' });
  const sections: Section[] = [
    { id: id('verdict'), title: 'How the rollback plans fared', intro: `Scenario <code>${esc(s.scenario)}</code>, seed ${s.seed}: the planners <code>planned</code> (dependency-ordered steps, one region or tenant where the fault is confined, migrations and restores), <code>revert-all</code> (undo every changed service at once) and <code>abort</code> (stop the rollout), compared on the same faults.`, blocks: verdict },
    { id: id('comparison'), title: 'The measures, planner by planner', intro: 'One bar per planner for each measure; the dashed red line is the target where the drill sets one.', blocks: [{ kind: 'chart', id: 'measures', spec: comparisonSpec(s), caption: 'Recovered: nothing the fault or the rollback broke still hurts users within the drill’s horizon. Residual bad requests: what users saw while the plan ran. Order violations: moments a rollback order broke something (a caller left on an API that is gone, old code on a new schema).' }] },
  ];
  const recovery: Block[] = [{ kind: 'chart', id: 'recovery', spec: recoverySpec(input.runs, names, input.horizonMin), caption: 'Each tick is one material fault under one planner, at the minute users stopped seeing harm. The axis is logarithmic above a minute, so seconds and hours both show.' }];
  const ps = pairedSpec(input.runs);
  if (ps) recovery.push({ kind: 'chart', id: 'paired', spec: ps, caption: 'The same multi-service release under both planners: a point below the dashed diagonal recovered sooner under planned.' });
  sections.push({ id: id('recovery'), title: 'Time to recover', intro: 'How long users were hurt after the plan started, run by run.', blocks: recovery });
  const timeline: Block[] = [];
  if (!input.steps || !input.rate) timeline.push({ kind: 'html', html: '<p class="note">Not drawn: this data set holds no step attempts (write it with drill --out).</p>' });
  else {
    pickReleases(input.runs).forEach((p, i) => {
      const spec = releaseSpec(input, p.deploymentId, p.why, names);
      if (spec) timeline.push({ kind: 'chart', id: `release-${i + 1}`, spec, caption: 'Top: bad requests per minute users saw under each planner, with a dashed line where it recovered. Bottom: every step attempt of each plan, from its start to its end, coloured by what became of it (done, a check that held or failed, a fallback, an approval wait, a person paged).' });
    });
  }
  sections.push({ id: id('timelines'), title: 'Releases, step by step', intro: 'A few releases chosen by rule, each under every planner.', blocks: timeline });
  return sections;
}
