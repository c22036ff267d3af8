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

export const TargetSchema = Type.Object(
  { comparator: ComparatorSchema, target: Type.Number(), about: Type.String({ minLength: 1 }) },
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
