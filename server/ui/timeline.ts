// The charts of a rollout's page (/ui/rollouts/:deployment), Kayenta-report style, as vega-lite specs that
// report/charts.ts renders to SVG: one step per decision served about the deployment (the canary's and the baseline's
// error rate and p99 latency the decision read, where its request carried them, and the decision itself, coloured by
// what it said), and, when a rollout decision's request holds the observations so far, the rollout minute by minute
// with the traffic share on the new version and each decision at the minute it was made on.
import { COLOURS, type Row, type Spec, type SubSpec } from '../../report/charts.ts';
import type { DecisionView, MinuteView } from './decision-view.ts';

const TONES = { domain: ['go', 'wait', 'stop', 'other'], range: [COLOURS.advance, COLOURS.hold, COLOURS.missed, COLOURS.muted] };
const TONE_LEGEND = { title: null, orient: 'bottom', labelLimit: 220, labelExpr: "{'go': 'advance / pass / go', 'wait': 'hold / inconclusive / wait', 'stop': 'rollback / fail', 'other': 'other'}[datum.label]" };
const COHORTS = { domain: ['canary', 'baseline'], range: [COLOURS.canary, COLOURS.baseline] };
const WIDTH = 680;

/** The long rows (one per step and cohort) of one metric; empty when no step has it. */
function cohortRows(views: readonly DecisionView[], pick: (c: NonNullable<DecisionView['canary']>) => number | null): Row[] {
  const rows: Row[] = [];
  views.forEach((v, i) => {
    for (const [cohort, c] of [['canary', v.canary], ['baseline', v.baseline]] as const) {
      const value = c ? pick(c) : null;
      if (value !== null && Number.isFinite(value)) rows.push({ step: i + 1, cohort, value, action: v.action });
    }
  });
  return rows;
}

/** Canary against baseline for one metric (the legend once, on the line); `extra` layers are drawn on top (e.g. decision lines). */
function metricPanel(title: string, rows: Row[], x: object, axisTitle: string, format: string, interpolate?: string, extra: SubSpec[] = []): SubSpec {
  const y = { field: 'value', type: 'quantitative', title: axisTitle, axis: { format, tickCount: 4 } };
  const color = { field: 'cohort', type: 'nominal', scale: COHORTS, title: null, legend: { orient: 'bottom' } };
  return {
    title,
    width: WIDTH,
    height: 110,
    layer: [
      { data: { values: rows }, mark: { type: 'line', strokeWidth: 2, ...(interpolate ? { interpolate } : {}) }, encoding: { x, y, color } },
      { data: { values: rows }, mark: { type: 'point', filled: true, size: 36 }, encoding: { x, y, color: { ...color, legend: null } } },
      ...extra,
    ],
  };
}

/** The decisions as dashed vertical lines at their minute, one layer per kind of answer with its fixed colour (no legend: the step chart has it). */
function decisionRules(at: readonly { age: number; tone: string }[], x: object): SubSpec[] {
  return TONES.domain.flatMap((tone, i) => {
    const values = at.filter((d) => d.tone === tone);
    return values.length ? [{ data: { values }, mark: { type: 'rule', strokeDash: [4, 3], strokeWidth: 1.5, color: TONES.range[i] }, encoding: { x } }] : [];
  });
}

/**
 * One step per decision, oldest first: the metrics the decisions read (canary red, baseline grey), then the decision
 * strip (each step's action, coloured: green advance / pass, amber hold / wait, red rollback / fail).
 */
export function stepsSpec(deployment: string, views: readonly DecisionView[]): Spec {
  const n = views.length;
  const x = { field: 'step', type: 'quantitative', title: 'decision (oldest first)', scale: { domain: [0.5, n + 0.5], nice: false }, axis: { tickMinStep: 1, format: 'd' } };
  const panels: SubSpec[] = [];
  const err = cohortRows(views, (c) => c.errorRate);
  if (err.length) panels.push(metricPanel('error rate the decision read (errors / requests)', err, x, 'error rate', '.2%'));
  const p99 = cohortRows(views, (c) => c.p99);
  if (p99.length) panels.push(metricPanel('p99 latency the decision read', p99, x, 'p99 (ms)', '~s'));
  const strip = views.map((v, i) => ({ step: i + 1, action: v.action, tone: v.tone, kind: v.kind, at: v.at }));
  panels.push({
    title: 'what each decision said',
    width: WIDTH,
    height: 56,
    data: { values: strip },
    layer: [
      { mark: { type: 'point', shape: 'square', filled: true, size: 170 }, encoding: { x, y: { value: 36 }, color: { field: 'tone', type: 'nominal', scale: TONES, legend: TONE_LEGEND } } },
      { mark: { type: 'text', fontSize: 10, angle: 0, dy: -16, baseline: 'bottom' }, encoding: { x, y: { value: 36 }, text: { field: 'action', type: 'nominal' } } },
    ],
  });
  return {
    title: { text: `${deployment}: ${n} decision${n === 1 ? '' : 's'}, step by step`, subtitle: 'canary red, baseline grey: what the decision was made on, where its request carried the metrics', subtitleFontSize: 10, subtitleColor: '#57606a' },
    vconcat: panels,
    spacing: 14,
    resolve: { scale: { color: 'independent' } },
  } as unknown as Spec;
}

/**
 * The rollout minute by minute, from the observations a rollout decision's request holds: the share of traffic on the
 * new version, the canary's and the baseline's error rate and p99, each rollout decision as a line at its minute.
 */
export function minutesSpec(deployment: string, minutes: readonly MinuteView[], decisions: readonly DecisionView[]): Spec | null {
  const at = decisions.filter((d) => d.kind === 'rollout-decision' && d.age !== null).map((d) => ({ age: d.age as number, action: d.action, tone: d.tone }));
  const lo = Math.min(...minutes.map((m) => m.age), ...at.map((d) => d.age));
  const hi = Math.max(...minutes.map((m) => m.age), ...at.map((d) => d.age));
  if (!Number.isFinite(lo)) return null;
  const x = { field: 'age', type: 'quantitative', title: 'minutes since the rollout started', scale: { domain: [lo, Math.max(hi, lo + 1)], nice: false }, axis: { format: '~g' } };
  const rules = decisionRules(at, x);
  const rows = (pick: (c: NonNullable<MinuteView['canary']>) => number | null): Row[] =>
    minutes.flatMap((m) => (['canary', 'baseline'] as const).flatMap((cohort) => {
      const c = m[cohort];
      const value = c ? pick(c) : null;
      return value !== null && Number.isFinite(value) ? [{ age: m.age, cohort, value }] : [];
    }));
  const panels: SubSpec[] = [];
  const weights = minutes.filter((m) => m.weight !== null).map((m) => ({ age: m.age, weight: m.weight }));
  if (weights.length) {
    panels.push({
      title: 'share of traffic on the new version',
      width: WIDTH,
      height: 70,
      layer: [
        { data: { values: weights }, mark: { type: 'area', interpolate: 'step-after', color: '#d0d7de', line: { color: '#57606a' } }, encoding: { x, y: { field: 'weight', type: 'quantitative', title: 'share', scale: { domain: [0, 1] }, axis: { format: '.0%', tickCount: 3 } } } },
        ...rules,
      ],
    });
  }
  for (const [title, r, axis, format] of [
    ['error rate, minute by minute', rows((c) => c.errorRate), 'error rate', '.2%'],
    ['p99 latency, minute by minute', rows((c) => c.p99), 'p99 (ms)', '~s'],
  ] as const) {
    if (r.length === 0) continue;
    panels.push(metricPanel(title, r, x, axis, format, 'step-after', rules));
  }
  if (panels.length === 0) return null;
  return {
    title: { text: `${deployment}: the rollout minute by minute`, subtitle: 'from the observations the latest rollout decision was sent · dashed lines: each rollout decision at the minute it decided on', subtitleFontSize: 10, subtitleColor: '#57606a' },
    vconcat: panels,
    spacing: 14,
    resolve: { scale: { color: 'independent' } },
  } as unknown as Spec;
}
