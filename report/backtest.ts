// The report of a backtest's data set (`backtest --out`, and the main job's backtests): which policy wins and why, in
// charts. The verdict in words, every policy against the targets, the measures side by side with their target lines,
// the trade-off between prevention and false rollbacks, what happened to the violating deployments, the lead times,
// and the timelines of a few instructive deployments (a fault caught, one missed, a false rollback): canary and
// baseline minute by minute with every decision and its reason, as Kayenta's canary report draws them. A backtest keeps
// no per-minute rows, so the timelines are those deployments simulated again from the scenario and seed the data set
// records (backtest/timeline.ts), each checked against the row the backtest recorded before it is drawn.
import * as aq from 'arquero';
import type { ColumnTable } from 'arquero';
import { readDataset, type Manifest } from '../datasets/index.ts';
import { RolloutlabError } from '../lib/errors.ts';
import { parseScenario } from '../sim/index.ts';
import type { Scenario } from '../sim/scenario-schema.ts';
import type { BacktestReport, PolicySummary } from '../backtest/run.ts';
import { describeStrategy } from '../backtest/report.ts';
import { replayTimelines, type DeploymentTimeline } from '../backtest/timeline.ts';
import { resolvePolicies, BASELINE_POLICIES } from '../policies/index.ts';
import { loadTargets, compareValue, type Target, type TargetsFile } from '../training/targets.ts';
import { COLOURS, barsWithTarget, grid, nameScale, type Row, type Spec } from './charts.ts';
import { esc, type Block, type Section } from './html.ts';

/** A backtest's data set, read for the report. */
export interface BacktestInput {
  dir: string;
  manifest: Manifest;
  report: BacktestReport;
  /** The results table (one row per deployment and policy), in the order written: policy by policy, deployments in order. */
  results: ColumnTable;
  /** The scenario the data set records (null: not recorded, so no deployment can be simulated again). */
  scenario: Scenario | null;
}

export interface BacktestReportOptions {
  /** The model registry learned policies (ml) are simulated again with; without it their timelines are left out. */
  modelsRoot?: string;
  /** Deployments whose timelines are drawn, at most 3 (default: chosen as `pickTimelines` says). */
  timelines?: number;
}

/** Reads a backtest data set: its manifest's report and its results table. BAD_DATA naming `field` when it is no such data set. */
export async function loadBacktest(dir: string, field = 'dir'): Promise<BacktestInput> {
  const ds = await readDataset(dir);
  try {
    const extra = ds.manifest.extra as { report?: BacktestReport; scenarioConfig?: unknown; replay?: unknown };
    if (!ds.manifest.tables.results || !extra.report) {
      const what = extra.replay ? 'a replay of recorded rollouts (backtest --replay), whose windows have no policy runs to compare' : `a data set of kind ${ds.manifest.kind} without a results table`;
      throw new RolloutlabError('BAD_DATA', `${field}: ${ds.dir} is ${what}; report draws backtests of simulated deployments (backtest --out)`, field);
    }
    const t = await ds.table('results');
    const results = aq.table(Object.fromEntries(t.columns.map((c) => [c.name, c.values]))) as ColumnTable;
    let scenario: Scenario | null = null;
    if (extra.scenarioConfig) {
      try {
        scenario = parseScenario(extra.scenarioConfig, `${ds.dir}/manifest.json extra.scenarioConfig`);
      } catch {
        scenario = null;
      }
    }
    return { dir: ds.dir, manifest: ds.manifest, report: extra.report, results, scenario };
  } finally {
    ds.close();
  }
}

/** The measures compared, in the order drawn; `target` names the entry of training/targets.json that judges it. */
interface Measure {
  key: string;
  title: string;
  axis: string;
  unit: 'share' | 'minutes' | 'count';
  better: 'higher' | 'lower';
  value: (p: PolicySummary) => number | null;
  target?: [family: string, metric: string];
}

const MEASURES: Measure[] = [
  { key: 'prevention', title: 'Prevention rate', axis: 'violating deployments prevented', unit: 'share', better: 'higher', value: (p) => p.preventionRate, target: ['rollback', 'preventionRate'] },
  { key: 'false-rollback', title: 'False-rollback rate', axis: 'healthy deployments rolled back', unit: 'share', better: 'lower', value: (p) => p.falseRollbackRate, target: ['rollback', 'falseRollbackRate'] },
  { key: 'lead-time', title: 'Median lead time', axis: 'minutes before the breach', unit: 'minutes', better: 'higher', value: (p) => p.medianLeadTimeMin, target: ['rollback', 'medianLeadTimeMin'] },
  { key: 'recover', title: 'Median time to recover', axis: 'minutes from onset', unit: 'minutes', better: 'lower', value: (p) => (p.medianTimeToRecoverS === null ? null : p.medianTimeToRecoverS / 60), target: ['detection', 'timeToRecoverMin'] },
  { key: 'severe', title: 'Severe faults in one tick', axis: 'severe material faults', unit: 'share', better: 'higher', value: (p) => p.severeDetectedWithinOneTick, target: ['detection', 'severeDetectedInOneTick'] },
  { key: 'blast', title: 'Blast radius', axis: 'bad requests the faults caused', unit: 'count', better: 'lower', value: (p) => p.blastRadius },
  { key: 'customer-minutes', title: 'Customer-minutes exposed', axis: 'tenant-minutes reached by a fault', unit: 'count', better: 'lower', value: (p) => p.customerMinutesExposed },
  { key: 'full-rollout', title: 'Mean time to full rollout', axis: 'minutes, promoted deployments', unit: 'minutes', better: 'lower', value: (p) => p.meanTimeToFullRolloutMin },
];

const SIGN: Record<string, string> = { '<': '<', '<=': '≤', '>': '>', '>=': '≥' };
const fmt = (x: number | null, unit: Measure['unit']): string => {
  if (x === null || !Number.isFinite(x)) return '—';
  if (unit === 'share') return `${(100 * x).toFixed(1)} %`;
  if (unit === 'minutes') return `${x.toFixed(1)} min`;
  return Math.round(x).toLocaleString('en-US');
};
const targetOf = (file: TargetsFile, m: Measure): Target | null => (m.target && Object.hasOwn(file.targets, m.target[0]) ? (file.targets[m.target[0]][m.target[1]] ?? null) : null);
const targetText = (t: Target, unit: Measure['unit']) => `target ${SIGN[t.comparator]} ${fmt(t.target, unit).replace('.0 %', ' %').replace('.0 min', ' min')}`;

/**
 * The winner and how it was chosen: among the policies a team could run (not the oracle, which knows the truth, nor
 * `none`), those whose false-rollback rate meets its target; of them the highest prevention rate, then the smallest
 * blast radius, then the name. When none meets the false-rollback target, all of them compete.
 */
export function chooseWinner(r: BacktestReport, targets: TargetsFile = loadTargets()): { winner: string; contenders: string[]; qualified: string[]; runnerUp: string | null } {
  const names = Object.keys(r.policies);
  let contenders = names.filter((n) => n !== 'oracle' && n !== 'none');
  if (contenders.length === 0) contenders = names.filter((n) => n !== 'oracle');
  if (contenders.length === 0) contenders = names;
  const fr = targets.targets.rollback?.falseRollbackRate;
  const ok = contenders.filter((n) => {
    const v = r.policies[n].falseRollbackRate;
    return !fr || (v !== null && compareValue(v, fr.comparator, fr.target));
  });
  const qualified = ok.length ? ok : contenders;
  const rank = [...qualified].sort((a, b) => (r.policies[b].preventionRate ?? -1) - (r.policies[a].preventionRate ?? -1) || r.policies[a].blastRadius - r.policies[b].blastRadius || (a < b ? -1 : a > b ? 1 : 0));
  return { winner: rank[0], contenders, qualified, runnerUp: rank[1] ?? null };
}

/** One row per policy with its summary's figures (arquero, for the charts' long format). */
const summaryTable = (r: BacktestReport, names: readonly string[]): ColumnTable =>
  aq.from(names.map((n) => ({ policy: n, ...Object.fromEntries(MEASURES.map((m) => [m.key, m.value(r.policies[n])])) }))) as ColumnTable;

/** Minutes of rollout before a rollback that make a caught fault worth drawing (a catch at minute 1 shows little). */
const MIN_WATCHED = 5;

/**
 * The deployments whose timelines are drawn, each the first in the backtest's order that fits: a fault the winner caught
 * (preferring one the runner-up missed, and one it watched for MIN_WATCHED minutes or more), one it missed, and a false
 * rollback (the winner's, else one of the policy with the most).
 */
export function pickTimelines(results: ColumnTable, winner: string, runnerUp: string | null, r: BacktestReport): { deploymentId: string; policy: string; why: string }[] {
  const rows = results.objects() as Row[];
  const of = (p: string) => rows.filter((x) => x.policy === p);
  const mine = of(winner);
  const other = new Map(runnerUp ? of(runnerUp).map((x) => [x.deployment_id as string, x]) : []);
  const picks: { deploymentId: string; policy: string; why: string }[] = [];
  // A catch worth watching: rolled back after some minutes of evidence, and, when there is one, missed by the runner-up.
  const caught = mine.filter((x) => x.violating && x.prevented && x.rolled_back);
  const watched = (x: Row) => (x.rollback_min as number) >= MIN_WATCHED;
  const missedByOther = (x: Row) => other.get(x.deployment_id as string)?.prevented === false;
  const c = caught.find((x) => missedByOther(x) && watched(x)) ?? caught.find(missedByOther) ?? caught.find(watched) ?? caught[0];
  if (c) picks.push({ deploymentId: c.deployment_id as string, policy: winner, why: missedByOther(c) ? `a fault ${winner} caught and ${runnerUp} missed` : `a fault ${winner} caught` });
  const missed = mine.find((x) => x.violating && !x.prevented);
  if (missed) picks.push({ deploymentId: missed.deployment_id as string, policy: winner, why: `a fault ${winner} missed` });
  let fr = mine.find((x) => x.false_rollback);
  let frPolicy = winner;
  if (!fr) {
    const worst = Object.keys(r.policies)
      .filter((n) => n !== 'oracle' && r.policies[n].falseRollbacks > 0)
      .sort((a, b) => r.policies[b].falseRollbacks - r.policies[a].falseRollbacks || (a < b ? -1 : 1))[0];
    if (worst) {
      fr = of(worst).find((x) => x.false_rollback);
      frPolicy = worst;
    }
  }
  if (fr) picks.push({ deploymentId: fr.deployment_id as string, policy: frPolicy, why: `a false rollback by ${frPolicy} (no material fault)` });
  return picks;
}

/** The verdict in words: who wins, on what, against whom, and what the others trade. */
function verdictHtml(r: BacktestReport, w: ReturnType<typeof chooseWinner>, targets: TargetsFile): string {
  const p = (n: string) => r.policies[n];
  const pct = (x: number | null) => fmt(x, 'share');
  const fr = targets.targets.rollback?.falseRollbackRate;
  const win = p(w.winner);
  const lines: string[] = [];
  const violating = win.violating;
  lines.push(
    `<p><strong>${esc(w.winner)} wins.</strong> It prevents ${pct(win.preventionRate)} of the ${violating.toLocaleString('en-US')} violating deployments ` +
      `(deployments whose unguarded rollout breaches the SLO because of the change) and rolls back ${pct(win.falseRollbackRate)} of the deployments without a material fault` +
      (fr ? ` (target ${SIGN[fr.comparator]} ${(100 * fr.target).toFixed(0)} %)` : '') +
      `${win.medianLeadTimeMin !== null ? `; when it rolls back a violating deployment, it does so a median ${win.medianLeadTimeMin.toFixed(1)} min before the breach` : ''}.</p>`,
  );
  const pr = targets.targets.rollback?.preventionRate;
  if (pr && win.preventionRate !== null && !compareValue(win.preventionRate, pr.comparator, pr.target)) {
    lines.push(`<p>Winning is not meeting the targets: ${esc(w.winner)} still misses the prevention target (${SIGN[pr.comparator]} ${(100 * pr.target).toFixed(0)} %). The targets grid below shows each one.</p>`);
  }
  if (w.runnerUp) {
    const ru = p(w.runnerUp);
    lines.push(`<p>The next best, <strong>${esc(w.runnerUp)}</strong>, prevents ${pct(ru.preventionRate)} with ${pct(ru.falseRollbackRate)} false rollbacks; its faults caused ${ru.blastRadius.toLocaleString('en-US', { maximumFractionDigits: 0 })} bad requests against ${win.blastRadius.toLocaleString('en-US', { maximumFractionDigits: 0 })} under ${esc(w.winner)}.</p>`);
  }
  const excluded = w.contenders.filter((n) => !w.qualified.includes(n) && (p(n).preventionRate ?? 0) > (win.preventionRate ?? 0));
  for (const n of excluded) lines.push(`<p>${esc(n)} prevents more (${pct(p(n).preventionRate)}) but rolls back ${pct(p(n).falseRollbackRate)} of healthy deployments, above the false-rollback target: it buys prevention with needless rollbacks.</p>`);
  if (w.qualified.length === w.contenders.length && fr && w.contenders.every((n) => !(p(n).falseRollbackRate !== null && compareValue(p(n).falseRollbackRate!, fr.comparator, fr.target)))) {
    lines.push('<p class="note">No policy meets the false-rollback target here, so all of them were ranked by prevention.</p>');
  }
  if (r.policies.oracle) lines.push(`<p class="note">oracle knows each deployment's truth and rolls back exactly the faulty ones at their onset: it is the ceiling (${pct(p('oracle').preventionRate)} prevented), not a contender. none never rolls back: the cost of doing nothing.</p>`);
  lines.push('<p class="note">How the winner is chosen: among the policies a team could run (not oracle, not none), those that meet the false-rollback target; of them the highest prevention rate, then the smallest blast radius.</p>');
  return `<div class="verdict">${lines.join('')}</div>`;
}

/** Every policy against every target: a grid of met (green) and missed (red) cells with the figure. */
function targetsGrid(r: BacktestReport, names: readonly string[], targets: TargetsFile): Spec {
  const cells: Row[] = [];
  const measures = MEASURES.filter((m) => targetOf(targets, m));
  for (const n of names) {
    for (const m of measures) {
      const t = targetOf(targets, m)!;
      const v = m.value(r.policies[n]);
      const status = v === null || !Number.isFinite(v) ? 'not measured' : compareValue(v, t.comparator, t.target) ? 'met' : 'missed';
      cells.push({ policy: n, measure: `${m.title}|${targetText(t, m.unit)}`, status, text: fmt(v, m.unit) });
    }
  }
  const order = measures.map((m) => `${m.title}|${targetText(targetOf(targets, m)!, m.unit)}`);
  return {
    title: { text: 'Targets met per policy', subtitle: 'green: met · red: missed · grey: not measured (no case, or more than half never happened)', subtitleFontSize: 10, subtitleColor: '#57606a', offset: 36 },
    data: { values: cells },
    width: { step: 165 },
    height: { step: 26 },
    encoding: {
      x: { field: 'measure', type: 'nominal', sort: order, title: null, axis: null },
    },
    layer: [
      { mark: { type: 'rect', stroke: 'white', strokeWidth: 2 }, encoding: { y: { field: 'policy', type: 'nominal', sort: [...names], title: null, axis: { grid: false, ticks: false, domain: false } }, color: { field: 'status', type: 'nominal', scale: { domain: ['met', 'missed', 'not measured'], range: [COLOURS.met, COLOURS.missed, COLOURS.notMeasured] }, title: null } } },
      { mark: { type: 'text', color: 'white', fontWeight: 600, fontSize: 11 }, encoding: { y: { field: 'policy', type: 'nominal', sort: [...names] }, text: { field: 'text', type: 'nominal' } } },
      // Column heads on two lines (the measure, its target), above the grid.
      { data: { values: order.map((m) => ({ measure: m, head: m.split('|')[0], target: m.split('|')[1] })) }, mark: { type: 'text', y: -24, fontSize: 11, fontWeight: 500 }, encoding: { text: { field: 'head' } } },
      { data: { values: order.map((m) => ({ measure: m, head: m.split('|')[0], target: m.split('|')[1] })) }, mark: { type: 'text', y: -10, fontSize: 10, color: '#57606a' }, encoding: { text: { field: 'target' } } },
    ],
  } as Spec;
}

/** The measures side by side: a bar per policy, the target as a dashed line. */
function comparisonGrid(r: BacktestReport, names: readonly string[], targets: TargetsFile, winner: string): Spec {
  const long = summaryTable(r, names).fold(MEASURES.map((m) => m.key), { as: ['measure', 'value'] }) as ColumnTable;
  const charts = MEASURES.map((m) => {
    const t = targetOf(targets, m);
    const rows = (long.filter(aq.escape((d: Row) => d.measure === m.key)).objects() as Row[]).map((x) => ({ name: x.policy as string, value: (x.value as number | null) ?? null, label: fmt((x.value as number | null) ?? null, m.unit) + (x.policy === winner ? '  ◀ winner' : '') }));
    const learned = names.filter((n) => !(BASELINE_POLICIES as readonly string[]).includes(n));
    let target = t ? { value: t.target, label: targetText(t, m.unit) } : null;
    if (m.key === 'blast' && learned.length) {
      const best = Math.min(...names.filter((n) => n !== 'oracle' && (BASELINE_POLICIES as readonly string[]).includes(n)).map((n) => r.policies[n].blastRadius));
      if (Number.isFinite(best)) target = { value: best, label: 'best baseline: the learned policy must stay below' };
    }
    return barsWithTarget({
      title: m.title,
      subtitle: `${m.better} is better`,
      rows,
      names,
      axisTitle: m.axis,
      format: m.unit === 'share' ? '.0%' : m.unit === 'minutes' ? '~r' : '~s',
      target,
      domainMax: m.unit === 'share' ? 1 : undefined,
    });
  });
  return grid('', charts, 2);
}

/** Prevention against false rollbacks: one point per policy; the target zone (top left) shaded. */
function tradeOff(r: BacktestReport, names: readonly string[], targets: TargetsFile, winner: string): Spec {
  const pts = names.map((n) => ({ policy: n, prevention: r.policies[n].preventionRate, falseRollbacks: r.policies[n].falseRollbackRate, label: n === winner ? `${n} (winner)` : n })).filter((p) => p.prevention !== null && p.falseRollbacks !== null);
  const pr = targets.targets.rollback?.preventionRate;
  const fr = targets.targets.rollback?.falseRollbackRate;
  const maxX = Math.max(0.05, ...pts.map((p) => p.falseRollbacks!)) * 1.15;
  const layer: object[] = [];
  if (pr && fr) {
    layer.push({ data: { values: [{ x: 0, x2: fr.target, y: pr.target, y2: 1 }] }, mark: { type: 'rect', color: COLOURS.met, opacity: 0.12 }, encoding: { x: { field: 'x', type: 'quantitative' }, x2: { field: 'x2' }, y: { field: 'y', type: 'quantitative' }, y2: { field: 'y2' } } });
    layer.push({ data: { values: [{ x: 0, y: 1, label: `target zone: ≥ ${(100 * pr.target).toFixed(0)} % prevented, ≤ ${(100 * fr.target).toFixed(0)} % false rollbacks` }] }, mark: { type: 'text', align: 'left', baseline: 'top', dx: 4, dy: 4, fontSize: 10, color: COLOURS.met }, encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' }, text: { field: 'label' } } });
  }
  const x = { field: 'falseRollbacks', type: 'quantitative', title: 'false-rollback rate (healthy deployments rolled back)', axis: { format: '.1%' }, scale: { domain: [0, maxX] } };
  const y = { field: 'prevention', type: 'quantitative', title: 'prevention rate (violations prevented)', axis: { format: '.0%' }, scale: { domain: [0, 1] } };
  layer.push({ data: { values: pts }, mark: { type: 'point', filled: true, size: 90 }, encoding: { x, y, color: { field: 'policy', type: 'nominal', scale: nameScale(names), legend: null } } });
  layer.push({ data: { values: pts }, mark: { type: 'text', align: 'left', dx: 7, dy: -6, fontSize: 11 }, encoding: { x, y, text: { field: 'label' } } });
  return { title: { text: 'The trade-off: violations prevented against healthy deployments rolled back', subtitle: 'up and to the left is better; each point is one policy at its one operating point', subtitleFontSize: 10, subtitleColor: '#57606a' }, width: 560, height: 300, layer } as Spec;
}

/** What happened to each violating deployment, per policy (stacked bars); arquero counts the categories. */
function outcomes(results: ColumnTable, names: readonly string[], lead: number): Spec {
  const OUTCOMES = [`prevented, rolled back ≥ ${lead} min early`, 'prevented, rolled back later', 'prevented without a rollback', 'rolled back, breached anyway', 'missed: breached, never rolled back'];
  const counted = results
    .filter(aq.escape((d: Row) => d.violating === true))
    .derive({
      outcome: aq.escape((d: Row) =>
        d.prevented ? (d.rolled_back ? ((d.lead_time_min as number) >= lead ? OUTCOMES[0] : OUTCOMES[1]) : OUTCOMES[2]) : d.rolled_back ? OUTCOMES[3] : OUTCOMES[4],
      ),
    })
    .groupby('policy', 'outcome')
    .count({ as: 'deployments' }) as ColumnTable;
  const rows = counted.objects() as Row[];
  const colours = [COLOURS.met, '#4ac26b', '#8c959f', '#fb8f44', COLOURS.missed];
  return {
    title: { text: 'What happened to the violating deployments', subtitle: 'each bar is every deployment whose unguarded rollout breaches because of its change; green is prevented', subtitleFontSize: 10, subtitleColor: '#57606a' },
    data: { values: rows },
    width: 560,
    height: { step: 22 },
    mark: { type: 'bar' },
    encoding: {
      y: { field: 'policy', type: 'nominal', sort: [...names], title: null },
      x: { field: 'deployments', type: 'quantitative', stack: 'zero', title: 'violating deployments' },
      color: { field: 'outcome', type: 'nominal', scale: { domain: OUTCOMES, range: colours }, title: null, legend: { columns: 2, labelLimit: 300 } },
      order: { field: 'order', type: 'quantitative' },
    },
    transform: [{ calculate: `indexof(${JSON.stringify(OUTCOMES)}, datum.outcome)`, as: 'order' }],
  } as Spec;
}

/** Lead times of the violating deployments each policy rolled back, one histogram per policy, with the target. */
function leadTimes(results: ColumnTable, names: readonly string[], target: number | null): Spec | null {
  // Lead times beyond the window are drawn at its edges (a few deployments an hour out would squeeze the rest).
  const [lo, hi] = [-30, 60];
  const rows = results
    .filter(aq.escape((d: Row) => d.violating === true && d.lead_time_min !== null))
    .derive({ lead_time_min: aq.escape((d: Row) => Math.min(hi - 1, Math.max(lo, d.lead_time_min as number))) })
    .select('policy', 'lead_time_min')
    .objects() as Row[];
  if (rows.length === 0) return null;
  const shown = names.filter((n) => rows.some((r) => r.policy === n));
  const layer: object[] = [
    { mark: { type: 'bar', tooltip: false }, encoding: { x: { field: 'lead_time_min', type: 'quantitative', bin: { step: 2, extent: [lo, hi] }, scale: { domain: [lo, hi] }, title: `lead time: minutes from the rollback decision to the breach it was heading for (negative: after it; beyond ${lo} or ${hi} drawn at the edge)` }, y: { aggregate: 'count', type: 'quantitative', title: 'deployments' }, color: { field: 'policy', type: 'nominal', scale: nameScale(names), legend: null } } },
  ];
  if (target !== null) layer.push({ data: { values: [{ t: target }] }, mark: { type: 'rule', color: COLOURS.target, strokeDash: [4, 3] }, encoding: { x: { field: 't', type: 'quantitative' } } });
  return {
    title: { text: 'Lead times, per policy', subtitle: `violating deployments the policy rolled back; the dashed line is the ${target ?? '—'}-minute target (right of it: early enough)`, subtitleFontSize: 10, subtitleColor: '#57606a' },
    data: { values: rows },
    facet: { row: { field: 'policy', type: 'nominal', sort: shown, title: null, header: { labelAngle: 0, labelAlign: 'left' } } },
    spec: { width: 560, height: 50, layer },
    resolve: { scale: { y: 'independent' } },
  } as Spec;
}

/** Metric panels of a timeline: name, unit, and how a tick gives it. */
const PANELS: { name: string; get: (m: NonNullable<DeploymentTimeline['ticks'][number]['canary']>) => number | null; scale: number; onlyIfNonZero?: boolean }[] = [
  { name: 'bad requests (%)', get: (m) => m.badRate, scale: 100 },
  { name: 'error rate (%)', get: (m) => m.errorRate, scale: 100 },
  { name: 'p99 latency (ms)', get: (m) => m.latencyP99, scale: 1 },
  { name: 'conversion (%)', get: (m) => m.conversionRate, scale: 100 },
  // Where a contract break shows: the service looks healthy, its callers fail. Drawn when a caller ever failed.
  { name: "callers' errors (%)", get: (m) => m.callerErrorRate, scale: 100, onlyIfNonZero: true },
];

/** A Kayenta-style timeline: traffic on the new version, canary and baseline per metric, the decisions, and when every policy rolled back. */
function timelineSpec(t: DeploymentTimeline, title: string, subtitle: string, others: Row[], names: readonly string[]): Spec {
  const last = t.ticks[t.ticks.length - 1]?.age ?? 0;
  const events: Row[] = [];
  if (t.onsetMin !== null) events.push({ at: t.onsetMin, what: 'fault onset' });
  if (t.result.unguardedBreachMin !== null) events.push({ at: t.result.unguardedBreachMin, what: 'breach without a guard' });
  if (t.result.rollbackMin !== null) events.push({ at: t.result.rollbackMin, what: `${t.policy} rolls back` });
  if (t.result.breachMin !== null) events.push({ at: t.result.breachMin, what: `breach under ${t.policy}` });
  const domainMax = Math.max(last, ...events.map((e) => e.at as number)) + 1;
  const xScale = { domain: [0, domainMax] };
  const allEvents = [['fault onset', COLOURS.onset], ['breach without a guard', COLOURS.breach], [`${t.policy} rolls back`, COLOURS.rollback], [`breach under ${t.policy}`, '#a40e26']].filter(([w]) => events.some((e) => e.what === w));
  const eventColours = { domain: allEvents.map((e) => e[0]), range: allEvents.map((e) => e[1]) };
  const rules = (withLegend: boolean) => ({
    data: { values: events },
    mark: { type: 'rule', strokeDash: [5, 3], strokeWidth: 1.5 },
    encoding: { x: { field: 'at', type: 'quantitative', scale: xScale }, color: { field: 'what', type: 'nominal', scale: eventColours, title: null, legend: withLegend ? { orient: 'top', labelLimit: 300 } : null } },
  });
  // Long format: one row per tick, cohort and metric (arquero folds the per-cohort columns).
  const wide = aq.from(
    t.ticks.map((k) => {
      const row: Row = { age: k.age };
      for (const p of PANELS) {
        const c = k.canary ? p.get(k.canary) : null;
        const b = k.baseline ? p.get(k.baseline) : null;
        row[`canary|${p.name}`] = c === null ? null : c * p.scale;
        row[`baseline|${p.name}`] = b === null ? null : b * p.scale;
      }
      return row;
    }),
  ) as ColumnTable;
  const long = (wide.fold(aq.not('age'), { as: ['key', 'value'] }) as ColumnTable)
    .filter(aq.escape((d: Row) => d.value !== null))
    .derive({ cohort: aq.escape((d: Row) => (d.key as string).split('|')[0]), metric: aq.escape((d: Row) => (d.key as string).split('|')[1]) })
    .select('age', 'cohort', 'metric', 'value')
    .objects() as Row[];
  const cohortColours = { domain: ['canary', 'baseline'], range: [COLOURS.canary, COLOURS.baseline] };
  const panels = PANELS.filter((p) => long.some((r) => r.metric === p.name && (!p.onlyIfNonZero || (r.value as number) > 0))).map((p, i) => ({
    height: 70,
    width: 720,
    layer: [
      { data: { values: long.filter((r) => r.metric === p.name) }, mark: { type: 'line', strokeWidth: 1.4, interpolate: 'step-before', point: false }, encoding: { x: { field: 'age', type: 'quantitative', scale: xScale, title: null, axis: { labels: false } }, y: { field: 'value', type: 'quantitative', title: p.name, axis: { tickCount: 3, titleFontSize: 10 } }, color: { field: 'cohort', type: 'nominal', scale: cohortColours, title: null, legend: i === 0 ? { orient: 'top' } : null } } },
      rules(false),
    ],
    resolve: { scale: { color: 'independent' } },
  }));
  const exposure = t.ticks.map((k) => ({ age: k.age, weight: 100 * k.weight }));
  // Small canaries (1 %, 5 %) would not show on 0-100: the axis ends a little above the largest exposure.
  const topWeight = Math.min(100, Math.max(5, ...exposure.map((e) => e.weight)) * 1.1);
  const decisions = t.ticks.map((k, i) => ({ age: k.age, next: t.ticks[i + 1]?.age ?? k.age + 1, action: k.action }));
  const actionColours = { domain: ['advance', 'hold', 'promote', 'rollback'], range: [COLOURS.advance, COLOURS.hold, COLOURS.promote, COLOURS.rollback] };
  const rolled = others.map((o) => ({ policy: o.policy as string, at: (o.rollback_min as number | null) ?? domainMax - 0.5, what: o.rollback_min === null ? 'never rolled back' : 'rolled back', label: o.rollback_min === null ? 'no rollback' : `${o.rollback_min} min${o.prevented ? '' : o.violating ? ' (breached)' : ''}` }));
  return {
    title: { text: title, subtitle, subtitleFontSize: 10, subtitleColor: '#57606a' },
    vconcat: [
      {
        height: 50,
        width: 720,
        layer: [
          { data: { values: exposure }, mark: { type: 'area', interpolate: 'step-before', color: '#54aeff', opacity: 0.5 }, encoding: { x: { field: 'age', type: 'quantitative', scale: xScale, title: null, axis: { labels: false } }, y: { field: 'weight', type: 'quantitative', title: 'on new (%)', scale: { domain: [0, topWeight], nice: false }, axis: { tickCount: 3, titleFontSize: 10 } } } },
          rules(true),
        ],
        resolve: { scale: { color: 'independent' } },
      },
      ...panels,
      {
        height: 18,
        width: 720,
        data: { values: decisions },
        mark: { type: 'rect' },
        encoding: { x: { field: 'age', type: 'quantitative', scale: xScale, title: null, axis: { labels: false, ticks: false, grid: false } }, x2: { field: 'next' }, color: { field: 'action', type: 'nominal', scale: actionColours, title: `${t.policy} decides`, legend: { orient: 'bottom', direction: 'horizontal' } } },
      },
      {
        width: 720,
        height: { step: 14 },
        data: { values: rolled },
        layer: [
          { mark: { type: 'point', filled: true, size: 50, shape: 'diamond' }, encoding: { x: { field: 'at', type: 'quantitative', scale: xScale, title: 'minutes since the rollout started' }, y: { field: 'policy', type: 'nominal', sort: [...names], title: null }, color: { field: 'what', type: 'nominal', scale: { domain: ['rolled back', 'never rolled back'], range: [COLOURS.rollback, COLOURS.muted] }, title: null, legend: null } } },
          { mark: { type: 'text', align: 'left', dx: 6, fontSize: 10 }, encoding: { x: { field: 'at', type: 'quantitative', scale: xScale }, y: { field: 'policy', type: 'nominal', sort: [...names] }, text: { field: 'label' } } },
        ],
      },
    ],
    resolve: { scale: { color: 'independent', y: 'independent' }, legend: { color: 'independent' } },
  } as Spec;
}

/** The decisions of a timeline as text: runs of the same action and reason collapsed, the changes shown, the rest folded. */
function decisionsHtml(t: DeploymentTimeline): string {
  type Run = { from: number; to: number; action: string; reason: string; stage: number; weight: number };
  const runs: Run[] = [];
  for (const k of t.ticks) {
    const reason = k.reason ?? '(on schedule)';
    const last = runs[runs.length - 1];
    if (last && last.action === k.action && last.reason === reason) last.to = k.age;
    else runs.push({ from: k.age, to: k.age, action: k.action, reason, stage: k.stage, weight: k.weight });
  }
  const item = (r: Run) => `<li><strong>${r.from === r.to ? `min ${+r.from.toFixed(2)}` : `min ${+r.from.toFixed(2)}–${+r.to.toFixed(2)}`}: ${esc(r.action)}</strong> (stage ${r.stage + 1}, ${(100 * r.weight).toFixed(1)} % on the new version) — ${esc(r.reason)}</li>`;
  const key = runs.filter((r) => r.action !== 'hold' || runs.indexOf(r) === runs.length - 1);
  const shown = key.length > 14 ? [...key.slice(0, 7), ...key.slice(-7)] : key;
  return `<p><strong>${esc(t.policy)}'s decisions</strong> (advances, promotions and rollbacks, with the reason the policy gave):</p><ul class="decisions">${shown.map(item).join('')}</ul>` + `<details><summary>every decision (${runs.length} runs of the same decision and reason, ${t.ticks.length} ticks)</summary><ul class="decisions">${runs.map(item).join('')}</ul></details>`;
}

/** Why a simulated-again run is not the one the backtest recorded (null: it is). */
function mismatch(t: DeploymentTimeline, row: Row): string | null {
  const r = t.result;
  const checks: [string, unknown, unknown][] = [
    ['rollback minute', r.rollbackMin, row.rollback_min],
    ['rollback reason', r.rollbackReason, row.rollback_reason],
    ['end', r.endedBy, row.ended_by],
    ['breach minute', r.breachMin, row.breach_min],
    ['unguarded breach minute', r.unguardedBreachMin, row.unguarded_breach_min],
  ];
  const bad = checks.filter(([, a, b]) => (a ?? null) !== (b ?? null));
  return bad.length ? bad.map(([k, a, b]) => `${k} ${JSON.stringify(a ?? null)} here, ${JSON.stringify(b ?? null)} recorded`).join('; ') : null;
}

/** The sections of a backtest's report. */
export async function backtestSections(input: BacktestInput, o: BacktestReportOptions = {}, idPrefix = ''): Promise<Section[]> {
  const r = input.report;
  const names = Object.keys(r.policies);
  if (names.length === 0) throw new RolloutlabError('BAD_DATA', `${input.dir}: the backtest compares no policy`, 'dir');
  const targets = loadTargets();
  const w = chooseWinner(r, targets);
  const leadTarget = targets.targets.rollback?.medianLeadTimeMin?.target ?? null;
  const id = (s: string) => `${idPrefix}${s}`;
  const any = r.policies[names[0]];
  const strategy = r.optimisedShare !== undefined ? `the optimised plan per deployment (${(100 * r.optimisedShare).toFixed(0)} % optimised)` : describeStrategy(r.strategy);
  const sections: Section[] = [];

  sections.push({
    id: id('verdict'),
    title: 'Which policy wins, and why',
    intro: `Scenario <code>${esc(r.scenario)}</code>, seed ${r.seed}: ${r.deployments.toLocaleString('en-US')} deployments rolled out under each of ${names.map((n) => `<code>${esc(n)}</code>`).join(', ')} with the same traffic, faults and noise (${esc(strategy)}). ${any.violating.toLocaleString('en-US')} of them breach the SLO because of their change when nothing guards them; ${any.materialFaults.toLocaleString('en-US')} carry a material fault; ${any.withoutMaterialFault.toLocaleString('en-US')} do not.`,
    blocks: [
      { kind: 'html', html: verdictHtml(r, w, targets) },
      { kind: 'chart', id: 'targets', spec: targetsGrid(r, names, targets), caption: 'Each row is a policy, each column a target of the project (its threshold under its name). A green cell meets the target, a red one misses it; the figure is the policy’s value. oracle shows what knowing the truth would reach.' },
    ],
  });
  sections.push({
    id: id('comparison'),
    title: 'The measures, policy by policy',
    intro: 'One bar per policy for each measure; the dashed red line is the target where the project sets one. The subtitle says which way is better.',
    blocks: [{ kind: 'chart', id: 'measures', spec: comparisonGrid(r, names, targets, w.winner), caption: 'Prevention: violating deployments with no fault-caused breach in the policy’s own run. False rollback: deployments without a material fault that were rolled back. Lead time: unguarded breach minute minus the rollback decision. Time to recover: fault onset to all its traffic back on a healthy version (misses count as never). Blast radius: bad requests the faults caused. Customer-minutes: tenant-minutes a fault’s effect reached.' }],
  });
  sections.push({
    id: id('trade-off'),
    title: 'The trade-off: prevention against false rollbacks',
    intro: 'A policy can prevent more by rolling back more readily, and then it also rolls back healthy deployments. This chart puts both on one picture.',
    blocks: [{ kind: 'chart', id: 'scatter', spec: tradeOff(r, names, targets, w.winner), caption: 'Each point is one policy. The shaded corner is where both targets hold. A backtest runs each policy at its one setting, so each policy is one point here, not a curve.' }],
  });
  sections.push({
    id: id('outcomes'),
    title: 'What happened to the violating deployments',
    intro: 'The same violating deployments under every policy, split by what the policy did and whether the breach still happened.',
    blocks: [{ kind: 'chart', id: 'stacked', spec: outcomes(input.results, names, leadTarget ?? 5), caption: 'Dark green: prevented with a rollback at least 5 minutes before the breach it was heading for. Light green: prevented, with less lead. Grey: prevented without a rollback (the breach did not come in the policy’s own run). Orange: rolled back, but the breach came anyway. Red: never rolled back, and breached.' }],
  });
  const lt = leadTimes(input.results, names, leadTarget);
  sections.push({
    id: id('lead-time'),
    title: 'Lead times',
    intro: 'How long before the breach each policy rolled back, over the violating deployments it rolled back. More lead means fewer users hurt.',
    blocks: lt ? [{ kind: 'chart', id: 'histograms', spec: lt, caption: 'One histogram per policy, in 2-minute bins. Bars right of the dashed line rolled back early enough for the lead-time target; bars left of zero came after the breach.' }] : [{ kind: 'html', html: '<p class="note">No policy rolled back a violating deployment: there are no lead times to draw.</p>' }],
  });
  sections.push({ id: id('timelines'), title: 'Deployments, minute by minute', intro: 'A few deployments chosen by rule, each simulated again from the scenario and seed the backtest recorded, and checked against the row it recorded. Canary (red) and baseline (grey) per metric over the rollout, the traffic on the new version, each decision coloured by its action, and the minute every policy rolled back.', blocks: await timelineBlocks(input, o, w, names) });
  return sections;
}

async function timelineBlocks(input: BacktestInput, o: BacktestReportOptions, w: ReturnType<typeof chooseWinner>, names: readonly string[]): Promise<Block[]> {
  const r = input.report;
  if (r.optimisedShare !== undefined) return [{ kind: 'html', html: '<p class="note">Not drawn: under the optimised strategy each deployment had its own plan, which the data set does not record.</p>' }];
  if (!input.scenario) return [{ kind: 'html', html: '<p class="note">Not drawn: the data set records no scenario this code can read, so its deployments cannot be simulated again.</p>' }];
  const picks = pickTimelines(input.results, w.winner, w.runnerUp, r).slice(0, o.timelines ?? 3);
  if (picks.length === 0) return [{ kind: 'html', html: '<p class="note">No deployment fits: nothing was caught, missed or falsely rolled back.</p>' }];
  const blocks: Block[] = [];
  const wanted = [...new Set(picks.map((p) => p.policy))];
  const policies = [];
  const skipped = new Map<string, string>();
  for (const n of wanted) {
    try {
      const { loadRolloutChampionsSync } = await import('../training/load.ts');
      policies.push(...resolvePolicies([n], { models: () => loadRolloutChampionsSync(o.modelsRoot) }));
    } catch (e) {
      skipped.set(n, (e as Error).message);
    }
  }
  const doable = picks.filter((p) => !skipped.has(p.policy));
  const timelines = doable.length ? replayTimelines({ scenario: input.scenario, seed: r.seed, strategy: r.strategy, policies, requests: doable }) : [];
  const rows = input.results.objects() as Row[];
  picks.forEach((p, i) => {
    const title = `${p.deploymentId} under ${p.policy}: ${p.why}`;
    const head = `<h3>${esc(title)}</h3>`;
    if (skipped.has(p.policy)) {
      blocks.push({ kind: 'html', html: `${head}<p class="note">Not drawn: ${esc(p.policy)} could not be set up to simulate it again (${esc(skipped.get(p.policy)!)}).</p>` });
      return;
    }
    const t = timelines[doable.indexOf(p)];
    const row = rows.find((x) => x.policy === p.policy && x.deployment_id === p.deploymentId)!;
    const differs = mismatch(t, row);
    if (differs) {
      blocks.push({ kind: 'html', html: `${head}<p class="note">Not drawn: simulated again, this deployment does not give the run the backtest recorded (${esc(differs)}); the models or the code changed since.</p>` });
      return;
    }
    const res = t.result;
    const facts = [
      res.faultKind ? `fault ${res.faultKind}${res.severe ? ' (severe)' : ''}${res.material ? ', material' : ', not material'}` : 'no fault',
      `service ${res.service} (${res.tier})`,
      res.unguardedBreachMin !== null ? `unguarded breach at minute ${res.unguardedBreachMin}` : 'no breach without a guard',
      res.rollbackMin !== null ? `${p.policy} rolled back at minute ${res.rollbackMin}${res.leadTimeMin !== null ? ` (${res.leadTimeMin} min ahead)` : ''}` : `${p.policy} never rolled back`,
      res.blastRadius > 0 ? `${Math.round(res.blastRadius).toLocaleString('en-US')} bad requests caused` : 'no bad request caused',
    ];
    const others = rows.filter((x) => x.deployment_id === p.deploymentId);
    blocks.push({ kind: 'html', html: head });
    blocks.push({ kind: 'chart', id: `deployment-${i + 1}`, spec: timelineSpec(t, title, facts.join(' · '), others, names), caption: 'Top: the share of user traffic on the new version. Then canary (red) and baseline (grey) per metric, one step per observed minute. Dashed lines: the fault’s onset, the breach the unguarded rollout would hit, the policy’s rollback and any breach in its own run. The coloured strip is the policy’s decision at each tick. Bottom: the minute each policy rolled back this same deployment.' });
    blocks.push({ kind: 'html', html: decisionsHtml(t) });
  });
  return blocks;
}
