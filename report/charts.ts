// Charts as SVG text, drawn in Node: a vega-lite spec is compiled to vega, run headless (`renderer: 'none'`) and
// written out with `toSVG()`. No script and no external asset is needed to show one, so the result can be inlined in
// a page that works with scripts disabled (the report), or served as it is. The spec builders here know nothing of
// backtests or models: a chart's title, data and encodings come from the caller.
import * as vega from 'vega';
import * as vl from 'vega-lite';
import { RolloutlabError } from '../lib/errors.ts';

export type Spec = vl.TopLevelSpec;
/** A part of a composed chart (a layer, a panel of a concat): plain vega-lite JSON. */
export type SubSpec = Record<string, unknown>;
export type Row = Record<string, string | number | boolean | null>;

/** Colours with a meaning, the same in every chart. */
export const COLOURS = {
  met: '#1a7f37',
  missed: '#cf222e',
  notMeasured: '#8c959f',
  target: '#cf222e',
  canary: '#d1242f',
  baseline: '#57606a',
  onset: '#bc4c00',
  breach: '#cf222e',
  advance: '#2da44e',
  hold: '#d4a72c',
  rollback: '#1f2328',
  promote: '#0969da',
  muted: '#afb8c1',
} as const;

/**
 * A qualitative palette for names (policies, planners) in a fixed order, so a name keeps its colour across charts. It
 * leaves out red and green, which say missed and met.
 */
export const PALETTE = ['#0969da', '#bc4c00', '#8250df', '#1b7c83', '#bf3989', '#953800', '#0550ae', '#6639ba', '#9a6700', '#3e4b59'];

/** Names drawn grey whatever their place: the references, not contenders (`oracle` knows the truth, `none` does nothing). */
const REFERENCES: Readonly<Record<string, string>> = { oracle: '#8c959f', none: '#c4cbd2' };

/** A colour scale for `names` in their order (references grey, the others from PALETTE in turn). */
export function nameScale(names: readonly string[]) {
  let k = 0;
  return { domain: [...names], range: names.map((n) => REFERENCES[n] ?? PALETTE[k++ % PALETTE.length]) };
}

/** The look every chart shares: the system font, small titles, no outer frame. */
export const CONFIG = {
  font: 'system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif',
  view: { stroke: null },
  title: { fontSize: 13, fontWeight: 600, anchor: 'start', offset: 8 },
  axis: { labelFontSize: 11, titleFontSize: 11, titleFontWeight: 500, grid: true, gridColor: '#eaeef2' },
  legend: { labelFontSize: 11, titleFontSize: 11, orient: 'bottom' },
  header: { labelFontSize: 11, titleFontSize: 11 },
  concat: { spacing: 18 },
  // No ARIA description per mark (a quarter of the bytes): the SVG as a whole is one labelled image instead.
  aria: false,
} as const;

let sequence = 0;

/**
 * The SVG of a vega-lite spec. Ids inside it (clip paths, gradients) get `prefix`, so many charts can share one page;
 * give each chart of a page its own prefix (default: a counter, which makes the bytes depend on the call order).
 * Throws when the chart draws no mark at all: an empty chart is a bug, not a figure.
 */
export async function renderSvg(spec: Spec, prefix = `c${++sequence}`): Promise<string> {
  const full = { ...spec, config: { ...CONFIG, ...(spec.config ?? {}) } } as Spec;
  // Warnings (a scale merged across layers) are vega-lite's business, not the reader's: only errors are raised.
  const view = new vega.View(vega.parse(vl.compile(full, { logger: vega.logger(vega.Error) }).spec), { renderer: 'none', logLevel: vega.Error });
  let svg: string;
  try {
    svg = await view.toSVG();
  } finally {
    view.finalize();
  }
  const title = typeof spec.title === 'string' ? spec.title : ((spec.title as { text?: unknown } | undefined)?.text ?? '');
  if (!svg.startsWith('<svg') || markCount(svg) === 0) throw new RolloutlabError('BAD_DATA', `chart ${JSON.stringify(title)} drew nothing`, 'chart');
  const label = String(title).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');
  return prefixIds(svg, prefix).replace(/^<svg /, `<svg role="img" aria-label="${label}" `);
}

/**
 * Data marks drawn in an SVG: the bars, points, lines, areas and rules of the chart's own marks (vega's `role-mark`
 * groups), not its axes, grid, legends or titles, nor text. What a test counts to see a chart is real.
 */
export function markCount(svg: string): number {
  let n = 0;
  for (const m of svg.matchAll(/<g class="mark-(?!text|group)[a-z]+ role-mark[^"]*"[^>]*>([\s\S]*?)<\/g>/g)) n += (m[1].match(/<(path|line|rect|circle)\b/g) ?? []).length;
  return n;
}

function prefixIds(svg: string, prefix: string): string {
  const ids = [...svg.matchAll(/\bid="([^"]+)"/g)].map((m) => m[1]);
  let out = svg;
  for (const id of new Set(ids)) {
    const re = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    out = out.replace(new RegExp(`id="${re(id)}"`, 'g'), `id="${prefix}-${id}"`).replace(new RegExp(`url\\(#${re(id)}\\)`, 'g'), `url(#${prefix}-${id})`).replace(new RegExp(`href="#${re(id)}"`, 'g'), `href="#${prefix}-${id}"`);
  }
  return out;
}

export interface TargetLine {
  /** The target's value, in the chart's unit. */
  value: number;
  /** e.g. "target ≥ 95 %". */
  label: string;
}

/**
 * Horizontal bars, one per name, with an optional target line: `value` per row on x (null rows are left out and
 * named in the subtitle), names on y in the order given, each in its colour. `highlight` draws that name's bar darker.
 */
export function barsWithTarget(o: {
  title: string;
  subtitle?: string;
  rows: { name: string; value: number | null; label: string }[];
  names: readonly string[];
  axisTitle: string;
  format?: string;
  target?: TargetLine | null;
  width?: number;
  domainMax?: number;
}): SubSpec {
  const present = o.rows.filter((r) => r.value !== null && Number.isFinite(r.value));
  const missing = o.rows.filter((r) => !present.includes(r)).map((r) => r.name);
  const subtitle = [o.subtitle, missing.length ? `no value: ${missing.join(', ')}` : ''].filter(Boolean).join(' · ');
  // Room on the right for the value labels.
  const top = Math.max(0, ...present.map((r) => r.value as number), o.target?.value ?? 0);
  const domainMax = o.domainMax ?? (top > 0 ? top * 1.3 : undefined);
  const x = { field: 'value', type: 'quantitative' as const, title: o.axisTitle, axis: { format: o.format ?? '~s', tickCount: 5 }, ...(domainMax !== undefined ? { scale: { domainMax, nice: false } } : {}) };
  const y = { field: 'name', type: 'nominal' as const, title: null, sort: [...o.names] };
  const layer: SubSpec[] = [
    { mark: { type: 'bar', height: { band: 0.7 } }, encoding: { x, y, color: { field: 'name', type: 'nominal', scale: nameScale(o.names), legend: null } } },
    { mark: { type: 'text', align: 'left', dx: 4, fontSize: 11 }, encoding: { x, y, text: { field: 'label', type: 'nominal' } } },
  ];
  if (o.target) {
    layer.push({ data: { values: [{ t: o.target.value, label: o.target.label }] }, mark: { type: 'rule', color: COLOURS.target, strokeDash: [4, 3], strokeWidth: 1.5 }, encoding: { x: { field: 't', type: 'quantitative' } } });
    layer.push({ data: { values: [{ t: o.target.value, label: o.target.label }] }, mark: { type: 'text', color: COLOURS.target, align: 'left', baseline: 'bottom', dx: 3, y: -2, fontSize: 10 }, encoding: { x: { field: 't', type: 'quantitative' }, text: { field: 'label', type: 'nominal' } } });
  }
  return { title: { text: o.title, ...(subtitle ? { subtitle, subtitleFontSize: 10, subtitleColor: '#57606a' } : {}) }, width: o.width ?? 260, height: { step: 18 }, data: { values: present }, layer };
}

/** Several charts in a grid of `columns`, as one SVG. */
export function grid(title: string, charts: readonly SubSpec[], columns = 2): Spec {
  return { title, columns, concat: charts, resolve: { scale: { color: 'independent', x: 'independent', y: 'independent' } } } as unknown as Spec;
}
