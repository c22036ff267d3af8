// The targets every model family is judged against (docs/definitions.md#targets), read from the versioned training/targets.json,
// and the check that turns a family's metrics into met / missed / not measured, stamped with the file's version.

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { RolloutlabError, show } from '../lib/errors.ts';

export const TARGETS_FILE = join(dirname(fileURLToPath(import.meta.url)), 'targets.json');

/** value <comparator> target must hold for a target to be met. */
export const COMPARATORS = ['<', '<=', '>', '>='] as const;
export type Comparator = (typeof COMPARATORS)[number];
export const isComparator = (x: unknown): x is Comparator => typeof x === 'string' && (COMPARATORS as readonly string[]).includes(x);

const ComparatorSchema = Type.Union(COMPARATORS.map((c) => Type.Literal(c)));

/** How a target's value and target print: a share as %, points as percentage points, minutes, a count, a plain number. */
export const TARGET_UNITS = ['share', 'points', 'minutes', 'count', 'number', 'score'] as const;
export type TargetUnit = (typeof TARGET_UNITS)[number];

const ByScenario = Type.Record(Type.String({ minLength: 1 }), Type.Number());

export const TargetSchema = Type.Object(
  {
    comparator: ComparatorSchema,
    target: Type.Number(),
    about: Type.String({ minLength: 1 }),
    /** Display only (never part of the judgement): a short name, the unit, the anchor in docs/definitions.md. */
    label: Type.Optional(Type.String({ minLength: 1 })),
    unit: Type.Optional(Type.Union(TARGET_UNITS.map((u) => Type.Literal(u)))),
    definition: Type.Optional(Type.String({ pattern: '^[a-z0-9-]+$' })),
    /** The original requirement on the same measure, where there was one (the project's target is higher). */
    requirement: Type.Optional(Type.Object({ comparator: ComparatorSchema, target: Type.Number() }, { additionalProperties: false })),
    /**
     * A documented ceiling per scenario (seed 1), from the simulator's truth, at two visibility levels (z >= 3 and
     * z >= 2 expected standard deviations), with the command that measures it again ({scenario} is filled in).
     */
    ceiling: Type.Optional(
      Type.Object(
        { label: Type.String({ minLength: 1 }), z3: ByScenario, z2: ByScenario, command: Type.String({ minLength: 1 }), doc: Type.String({ minLength: 1 }) },
        { additionalProperties: false },
      ),
    ),
    /** Why the target is out of reach where no single ceiling figure says it, and where that is shown. */
    why: Type.Optional(Type.Object({ text: Type.String({ minLength: 1 }), doc: Type.String({ minLength: 1 }) }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);

export const TargetsFileSchema = Type.Object(
  {
    /** Bumped on every change; each card records the version that judged it. */
    version: Type.Integer({ minimum: 1 }),
    source: Type.String(),
    /** family → metric → target, in report order. */
    targets: Type.Record(Type.String({ minLength: 1 }), Type.Record(Type.String({ minLength: 1 }), TargetSchema)),
  },
  { additionalProperties: false },
);

export type Target = Static<typeof TargetSchema>;
export type TargetsFile = Static<typeof TargetsFileSchema>;

/** One target judged: `value` and `met` are null when the metric was not measured. */
export const TargetResultSchema = Type.Object(
  {
    metric: Type.String({ minLength: 1 }),
    value: Type.Union([Type.Number(), Type.Null()]),
    target: Type.Number(),
    comparator: ComparatorSchema,
    met: Type.Union([Type.Boolean(), Type.Null()]),
    targetsVersion: Type.Integer({ minimum: 1 }),
  },
  { additionalProperties: false },
);
export type TargetResult = Static<typeof TargetResultSchema>;
export type TargetStatus = 'met' | 'missed' | 'not measured';

/** Reads and validates a targets file (default: training/targets.json). Throws BAD_DATA naming the field. */
export function loadTargets(path: string = TARGETS_FILE): TargetsFile {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'NOT_FOUND' : 'BAD_DATA';
    throw new RolloutlabError(code, `cannot read targets file ${path}: ${(e as Error).message}`, path);
  }
  const err = Value.Errors(TargetsFileSchema, raw).First();
  if (err) {
    const field = err.path.replace(/^\//, '').replaceAll('/', '.') || '(root)';
    throw new RolloutlabError('BAD_DATA', `targets file ${path}, field "${field}": ${err.message}, got ${show(err.value)}`, field);
  }
  const file = raw as TargetsFile;
  for (const [family, metrics] of Object.entries(file.targets)) {
    for (const [metric, t] of Object.entries(metrics)) {
      if (!Number.isFinite(t.target)) throw new RolloutlabError('BAD_DATA', `targets file ${path}: ${family}.${metric}.target must be finite`, `targets.${family}.${metric}.target`);
    }
  }
  return file;
}

/**
 * Judges `metrics` against the family's targets, one result per target in the file's order. A metric that is
 * absent, null or not finite (e.g. an AUC on a one-class test set) is "not measured": value and met null.
 * Metrics without a target are ignored. Throws NOT_FOUND for a family the file does not know.
 */
export function checkTargets(family: string, metrics: Readonly<Record<string, number | null | undefined>>, targets: TargetsFile = loadTargets()): TargetResult[] {
  const own = Object.hasOwn(targets.targets, family) ? targets.targets[family] : undefined;
  if (!own) {
    throw new RolloutlabError('NOT_FOUND', `no targets for model family ${show(family)}; the targets file (version ${targets.version}) has: ${Object.keys(targets.targets).join(', ')}`, 'family');
  }
  return Object.entries(own).map(([metric, t]) => {
    const v = Object.hasOwn(metrics, metric) ? metrics[metric] : undefined;
    const value = typeof v === 'number' && Number.isFinite(v) ? v : null;
    return { metric, value, target: t.target, comparator: t.comparator, met: value === null ? null : compareValue(value, t.comparator, t.target), targetsVersion: targets.version };
  });
}

/** `value <comparator> target`. */
export function compareValue(value: number, comparator: Comparator, target: number): boolean {
  switch (comparator) {
    case '<':
      return value < target;
    case '<=':
      return value <= target;
    case '>':
      return value > target;
    case '>=':
      return value >= target;
  }
}

export function targetStatus(r: Pick<TargetResult, 'met'>): TargetStatus {
  return r.met === null ? 'not measured' : r.met ? 'met' : 'missed';
}

/** A judged target as a report lists it: with its family and, for per-scenario targets, the scenario. */
export type TargetRow = TargetResult & { family: string; scenario?: string };

/** A figure measured in the same run that bounds or explains a target (e.g. the oracle's cost cut). */
export interface TargetReference {
  label: string;
  value: number | null;
}

const COMPARATOR_SIGNS: Record<Comparator, string> = { '<': '<', '<=': '≤', '>': '>', '>=': '≥' };

/** `x` in the target's unit; values and targets of one row always go through this, so they read alike. */
export function formatInUnit(x: number | null, unit: TargetUnit = 'number', role: 'value' | 'target' = 'value'): string {
  if (x === null || !Number.isFinite(x)) return '—';
  const trim = (s: string) => (s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s);
  switch (unit) {
    case 'share':
      return `${role === 'target' ? trim((100 * x).toFixed(2)) : (100 * x).toFixed(2)} %`;
    case 'points': {
      const s = role === 'target' ? trim((100 * x).toFixed(2)) : (100 * x).toFixed(2);
      return `${x > 0 ? '+' : ''}${s} pts`;
    }
    case 'minutes':
      return `${role === 'target' ? trim(x.toFixed(1)) : x.toFixed(1)} min`;
    case 'count':
      return Math.round(x).toLocaleString('en-US');
    case 'score':
      return role === 'target' ? trim(x.toFixed(2)) : x.toFixed(1);
    case 'number':
      return role === 'target' ? String(x) : x.toFixed(4);
  }
}

/**
 * The targets of a report as a table: one row per target with its value and target in the same unit, met /
 * MISSED / not measured and, where known, the original requirement on the same measure; under a missed row, the
 * ceiling (documented, with the command that reproduces it) or the figure of the same run that bounds it; then a
 * legend saying what each measure is, with its anchor in docs/definitions.md.
 */
export function formatTargetTable(rows: readonly TargetRow[], o: { references?: Readonly<Record<string, TargetReference>>; targets?: TargetsFile; indent?: string } = {}): string {
  const file = o.targets ?? loadTargets();
  const ind = o.indent ?? '  ';
  const meta = (r: TargetRow): Target | undefined => (Object.hasOwn(file.targets, r.family) && Object.hasOwn(file.targets[r.family], r.metric) ? file.targets[r.family][r.metric] : undefined);
  const hasScenario = rows.some((r) => r.scenario);
  const cells = rows.map((r) => {
    const m = meta(r);
    const unit = m?.unit ?? 'number';
    const status = targetStatus(r);
    const req = m?.requirement;
    return [
      r.family,
      ...(hasScenario ? [r.scenario ?? ''] : []),
      m?.label ?? r.metric,
      formatInUnit(r.value, unit),
      `${COMPARATOR_SIGNS[r.comparator]} ${formatInUnit(r.target, unit, 'target')}`,
      status === 'missed' ? 'MISSED' : status,
      req ? `${COMPARATOR_SIGNS[req.comparator]} ${formatInUnit(req.target, unit, 'target')}${r.value === null ? '' : compareValue(r.value, req.comparator, req.target) ? ' met' : ' missed'}` : '',
    ];
  });
  const header = ['family', ...(hasScenario ? ['scenario'] : []), 'measure', 'value', 'target', 'status', 'requirement'];
  const right = new Set([header.indexOf('value'), header.indexOf('target')]);
  const width = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) => (ind + c.map((x, i) => (right.has(i) ? x.padStart(width[i]) : x.padEnd(width[i]))).join('  ')).trimEnd();
  const count = (s: TargetStatus) => rows.filter((r) => targetStatus(r) === s).length;
  const out = [
    `${ind}targets: ${count('met')} met, ${count('missed')} missed${count('not measured') ? `, ${count('not measured')} not measured` : ''}. Several are the project's own, above the original requirement (last column); a miss is printed as measured,`,
    `${ind}with the ceiling where one is known (docs/definitions.md#ceilings-why-some-targets-are-missed).`,
    '',
    line(header),
    line(width.map((w) => '─'.repeat(w))),
  ];
  const pad = ind + ' '.repeat(width[0] + 2);
  rows.forEach((r, i) => {
    out.push(line(cells[i]));
    if (r.met !== false) return;
    const m = meta(r);
    const ref = o.references?.[`${r.family}.${r.metric}`];
    if (ref) out.push(`${pad}↳ ${ref.label}: ${formatInUnit(ref.value, m?.unit)} (measured in this run)`);
    const c = m?.ceiling;
    const sc = r.scenario ?? 'default';
    if (c && Object.hasOwn(c.z3, sc)) {
      const z3 = c.z3[sc];
      const z2 = Object.hasOwn(c.z2, sc) ? c.z2[sc] : null;
      const reach = (x: number) => compareValue(x, r.comparator, r.target);
      const verdict = reach(z3)
        ? 'the target is within the z ≥ 3 ceiling: this miss is the model’s'
        : z2 !== null && reach(z2)
          ? 'the target lies between the two: it needs faults caught at 2-3 σ without more false alarms'
          : 'the target is above both: out of reach for any policy on this seed';
      out.push(`${pad}↳ ceiling (documented for ${sc} seed 1, ${c.doc}): ${formatInUnit(z3, m?.unit, 'target')} at z ≥ 3${z2 === null ? '' : `, ${formatInUnit(z2, m?.unit, 'target')} at z ≥ 2`} — ${verdict}`);
      out.push(`${pad}  (${c.label}); reproduce: ${c.command.replaceAll('{scenario}', sc)}`);
    }
    if (m?.why) out.push(`${pad}↳ why: ${m.why.text} (${m.why.doc})`);
  });
  const seen = new Set<string>();
  const legend: [string, string][] = [];
  for (const r of rows) {
    const key = `${r.family}.${r.metric}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const m = meta(r);
    legend.push([m?.label ?? r.metric, `${m?.about ?? ''}${m?.definition ? ` (#${m.definition})` : ''}`]);
  }
  const lw = Math.max(...legend.map(([k]) => k.length));
  out.push('', `${ind}what each measure is (docs/definitions.md, anchor in brackets):`, ...legend.map(([k, v]) => `${ind}  ${k.padEnd(lw)}  ${v}`));
  return out.join('\n');
}

/** A target as printed: metric, value, target, met or missed. */
export type PrintedTarget = { metric: string; value: number | null; target: number; comparator: string; met: boolean | null };

/** Metric, value, target, met or missed; the other metrics after them on one line. */
export function formatTargets(title: string, metrics: Record<string, number>, targets: readonly PrintedTarget[]): string {
  const lines = [title, '', '  metric            value     target   status'];
  for (const t of targets) lines.push(`  ${t.metric.padEnd(16)} ${t.value === null ? '—'.padStart(8) : t.value.toFixed(4).padStart(8)}   ${t.comparator} ${String(t.target).padEnd(6)} ${t.met === null ? 'not measured' : t.met ? 'met' : 'MISSED'}`);
  const rest = Object.entries(metrics).filter(([k]) => !targets.some((t) => t.metric === k));
  if (rest.length) lines.push('', '  ' + rest.map(([k, v]) => `${k} ${v.toFixed(4)}`).join(' · '));
  return lines.join('\n');
}
