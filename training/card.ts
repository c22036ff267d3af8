// The model card: what a trained version is, what made it, how good it is, and whether it became the champion.
// One TypeBox schema; the TypeScript type derives from it. Every `models/<family>/<version>/card.json` passes
// `validateCard`.

import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { RolloutlabError, show } from '../lib/errors.ts';
import { BACKEND_NAMES } from './backend-names.ts';
import { compareValue, TargetResultSchema, type TargetResult } from './targets.ts';
import { expectedUnion, nonJsonPath } from '../lib/json.ts';
import { HYPER_PARAM_SOURCES } from './hyper-param-schema.ts';

/** Bump when card fields change incompatibly. */
export const CARD_SCHEMA_VERSION = 1;
export const CARD_FILE = 'card.json';

/** Family names are folder names: lower-case words joined by '-'. */
export const FAMILY_PATTERN = '^[a-z][a-z0-9]*(-[a-z0-9]+)*$';
/** 'v' and at least four digits (v0001, v0002, ...); they order by their number, which only grows. */
export const VERSION_PATTERN = '^v[0-9]{4,}$';
/** Model file names: flat, no hidden files, no path separators. */
export const FILE_NAME_PATTERN = '^[A-Za-z0-9_][A-Za-z0-9_.-]*$';
const SHA256 = '^[0-9a-f]{64}$';
const ISO_TIME = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?Z$';

const Literals = <T extends readonly string[]>(xs: T) => Type.Union(xs.map((x) => Type.Literal(x)));

/** The training data set, copied from its manifest.json (`datasetRef(manifest)` builds it). */
export const DatasetRefSchema = Type.Object(
  {
    kind: Type.String({ minLength: 1 }),
    scenario: Type.Union([Type.String({ minLength: 1 }), Type.Null()]),
    seed: Type.Union([Type.Number(), Type.Null()]),
    codeVersion: Type.String({ minLength: 1 }),
    /** sha256 of each table's Parquet file. */
    tables: Type.Record(Type.String({ minLength: 1 }), Type.Object({ rows: Type.Integer({ minimum: 0 }), sha256: Type.String({ pattern: SHA256 }) }, { additionalProperties: false })),
    /** Where it was read from, for people; not an identity (the sha256s are). */
    path: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

export const SplitSchema = Type.Object(
  {
    /** How rows were assigned: by time (a cut-off), by entity (e.g. service), or given by the data (e.g. JIT's protocol). */
    by: Literals(['time', 'entity', 'given'] as const),
    /** One line a person can check, e.g. "train < 2024-03-08T00:00Z <= test; validation = last 10 % of train by time". */
    description: Type.String({ minLength: 1 }),
    /** Rows per part; `test` is the held-out part that metrics and champion comparisons use. */
    rows: Type.Object({ train: Type.Integer({ minimum: 0 }), validation: Type.Optional(Type.Integer({ minimum: 0 })), test: Type.Integer({ minimum: 0 }) }, { additionalProperties: false }),
    /** Seed of the split's stream, when it draws (null when it is fully decided by the data). */
    seed: Type.Union([Type.Integer(), Type.Null()]),
  },
  { additionalProperties: false },
);

export const CHAMPION_DECISIONS = ['pending', 'promoted', 'kept'] as const;
export type ChampionDecisionKind = (typeof CHAMPION_DECISIONS)[number];

export const ChampionDecisionSchema = Type.Object(
  {
    /** pending: saved, not yet compared; promoted: became the champion; kept: the champion stayed. */
    decision: Literals(CHAMPION_DECISIONS),
    reason: Type.String(),
    /** The champion it was compared with (null: there was none, or not decided yet). */
    comparedWith: Type.Union([Type.String({ pattern: VERSION_PATTERN }), Type.Null()]),
    decidedAt: Type.Union([Type.String({ pattern: ISO_TIME }), Type.Null()]),
  },
  { additionalProperties: false },
);

export const CardFileSchema = Type.Object(
  { name: Type.String({ pattern: FILE_NAME_PATTERN }), bytes: Type.Integer({ minimum: 0 }), sha256: Type.String({ pattern: SHA256 }) },
  { additionalProperties: false },
);

const Metrics = Type.Record(Type.String({ minLength: 1 }), Type.Number());

const Share = Type.Number({ minimum: 0, maximum: 1 });
const Point = Type.Tuple([Share, Share]);

/**
 * The held-out part's curve points (training/metrics.ts `classifierCurves`), for the ROC, precision-recall and
 * reliability diagrams of `rolloutlab report`; absent on cards of families that do not store them, and on older cards.
 */
export const CurvesSchema = Type.Object(
  {
    n: Type.Integer({ minimum: 0 }),
    positives: Type.Integer({ minimum: 0 }),
    /** [false-positive rate, true-positive rate] from the highest threshold down. */
    roc: Type.Array(Point),
    /** [recall, precision] from the highest threshold down. */
    pr: Type.Array(Point),
    reliability: Type.Array(Type.Object({ lower: Share, upper: Share, predicted: Share, observed: Share, n: Type.Integer({ minimum: 1 }) }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);

/** Outcome feedback appended to the training part (`train risk --with-feedback`); absent on cards trained without. */
export const FeedbackRefSchema = Type.Object(
  {
    /** The DuckDB file, URL or JSON / JSONL file it was read from. */
    source: Type.String({ minLength: 1 }),
    kind: Literals(['duckdb', 'url', 'json', 'jsonl'] as const),
    /** Records read from the source (before deduplication by deploymentId). */
    records: Type.Integer({ minimum: 0 }),
    used: Type.Integer({ minimum: 0 }),
    skipped: Type.Integer({ minimum: 0 }),
    skippedReasons: Type.Record(Type.String({ minLength: 1 }), Type.Integer({ minimum: 0 })),
    /** Feature name → records skipped for lacking it. */
    missingFeatures: Type.Record(Type.String({ minLength: 1 }), Type.Integer({ minimum: 0 })),
    /** Rows used labelled failed (outcome !== 'success' || breached). */
    positives: Type.Integer({ minimum: 0 }),
    /** Each used row enters the training part this many times. */
    weight: Type.Integer({ minimum: 1 }),
    /** sha256 of the rows used, in training order. */
    sha256: Type.String({ pattern: SHA256 }),
  },
  { additionalProperties: false },
);

/**
 * The hyper-parameters training used, resolved (training/hyper-params.ts): the registry folder whose schema they follow,
 * every one of its values, and those not at their default with where they came from. Absent on cards written before
 * it was recorded (their `hyperParameters` hold what those trainings recorded).
 */
export const TuningSchema = Type.Object(
  {
    family: Type.String({ pattern: FAMILY_PATTERN }),
    values: Type.Record(Type.String({ minLength: 1 }), Type.Unknown()),
    set: Type.Record(Type.String({ minLength: 1 }), Literals(HYPER_PARAM_SOURCES)),
  },
  { additionalProperties: false },
);

export const ModelCardSchema = Type.Object(
  {
    schemaVersion: Type.Literal(CARD_SCHEMA_VERSION),
    family: Type.String({ pattern: FAMILY_PATTERN }),
    version: Type.String({ pattern: VERSION_PATTERN }),
    createdAt: Type.String({ pattern: ISO_TIME }),
    dataset: DatasetRefSchema,
    /** Root seed of training (initialisers, shuffles, splits derive their streams from it). */
    seed: Type.Integer(),
    /** `codeVersion()` of the code that trained it. */
    codeVersion: Type.String({ minLength: 1 }),
    backend: Type.Object({ name: Literals(BACKEND_NAMES), version: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
    /** Plain JSON: layer sizes, learning rate, epochs... */
    hyperParameters: Type.Record(Type.String({ minLength: 1 }), Type.Unknown()),
    split: SplitSchema,
    /** Metrics on the held-out (test) part. */
    metrics: Metrics,
    /** Named baselines on the same held-out part, e.g. { logistic: { auc: 0.71 } }. */
    baselines: Type.Record(Type.String({ minLength: 1 }), Metrics),
    targets: Type.Array(TargetResultSchema),
    /** Every file of the version except card.json, with its size and sha256 (checked on load). */
    files: Type.Array(CardFileSchema),
    champion: ChampionDecisionSchema,
    notes: Type.Optional(Type.String()),
    /** Outcome feedback added to the training rows (optional: absent when none was used). */
    feedback: Type.Optional(FeedbackRefSchema),
    /** The tunable hyper-parameters as training resolved them (defaults, `--config`, flags). */
    tuning: Type.Optional(TuningSchema),
    /** The held-out part's ROC, precision-recall and reliability points (optional: families that store them). */
    curves: Type.Optional(CurvesSchema),
  },
  { additionalProperties: false },
);

export type ModelCard = Static<typeof ModelCardSchema>;
export type DatasetRef = Static<typeof DatasetRefSchema>;
export type Split = Static<typeof SplitSchema>;
export type ChampionDecision = Static<typeof ChampionDecisionSchema>;
export type CardFile = Static<typeof CardFileSchema>;
export type FeedbackRef = Static<typeof FeedbackRefSchema>;
export type Tuning = Static<typeof TuningSchema>;
export type CardCurves = Static<typeof CurvesSchema>;
export type { TargetResult };

/** The manifest fields a card copies; `Manifest` from datasets/ fits. */
export interface ManifestLike {
  kind: string;
  scenario: string | null;
  seed: number | null;
  codeVersion: string;
  tables: Record<string, { rows: number; sha256: string }>;
}

/** The card's `dataset` entry for a data set's manifest (table names sorted, so equal manifests give equal bytes). */
export function datasetRef(manifest: ManifestLike, path?: string): DatasetRef {
  const tables: DatasetRef['tables'] = {};
  for (const name of Object.keys(manifest.tables).sort()) tables[name] = { rows: manifest.tables[name].rows, sha256: manifest.tables[name].sha256 };
  const ref: DatasetRef = { kind: manifest.kind, scenario: manifest.scenario, seed: manifest.seed, codeVersion: manifest.codeVersion, tables };
  if (path !== undefined) ref.path = path;
  return ref;
}

/**
 * Checks `x` against the card schema and the rules the schema cannot say (finite numbers, plain-JSON
 * hyper-parameters, target results consistent with their arithmetic, unique file names). Returns it typed;
 * throws RolloutlabError('BAD_DATA') whose `field` is the dotted path of the first bad field.
 */
export function validateCard(x: unknown): ModelCard {
  const err = Value.Errors(ModelCardSchema, x).First();
  if (err) {
    const field = err.path.replace(/^\//, '').replaceAll('/', '.') || '(root)';
    const got = typeof err.value === 'number' ? String(err.value) : show(err.value);
    fail(field, `${expectedUnion(err.schema) ?? err.message}, got ${got}`);
  }
  const card = x as ModelCard;
  for (const [k, v] of Object.entries(card.metrics)) if (!Number.isFinite(v)) fail(`metrics.${k}`, `must be a finite number, got ${v}`);
  for (const [b, ms] of Object.entries(card.baselines)) {
    for (const [k, v] of Object.entries(ms)) if (!Number.isFinite(v)) fail(`baselines.${b}.${k}`, `must be a finite number, got ${v}`);
  }
  const bad = nonJsonPath(card.hyperParameters, 'hyperParameters');
  if (bad) fail(bad, 'must be plain JSON (null, boolean, finite number, string, array, object)');
  const badTuning = card.tuning ? nonJsonPath(card.tuning.values, 'tuning.values') : null;
  if (badTuning) fail(badTuning, 'must be plain JSON (null, boolean, finite number, string, array, object)');
  for (const k of Object.keys(card.tuning?.set ?? {})) if (!Object.hasOwn(card.tuning!.values, k)) fail(`tuning.set.${k}`, `names a hyper-parameter that tuning.values does not hold`);
  card.targets.forEach((t, i) => {
    if (!Number.isFinite(t.target)) fail(`targets.${i}.target`, `must be a finite number, got ${t.target}`);
    if (t.value === null) {
      if (t.met !== null) fail(`targets.${i}.met`, `must be null when value is null (not measured), got ${t.met}`);
    } else {
      if (!Number.isFinite(t.value)) fail(`targets.${i}.value`, `must be a finite number or null, got ${t.value}`);
      const met = compareValue(t.value, t.comparator, t.target);
      if (t.met !== met) fail(`targets.${i}.met`, `${t.value} ${t.comparator} ${t.target} is ${met}, got ${t.met}`);
    }
  });
  const names = new Set<string>();
  card.files.forEach((f, i) => {
    if (f.name === CARD_FILE) fail(`files.${i}.name`, `${CARD_FILE} is the card itself, not a model file`);
    if (names.has(f.name)) fail(`files.${i}.name`, `"${f.name}" is listed twice`);
    names.add(f.name);
  });
  if (card.champion.decision !== 'pending' && card.champion.decidedAt === null) fail('champion.decidedAt', `a ${card.champion.decision} decision needs a time, got null`);
  return card;
}

/** The exact bytes of card.json. */
export function cardJson(card: ModelCard): string {
  return JSON.stringify(card, null, 2) + '\n';
}

function fail(field: string, what: string): never {
  throw new RolloutlabError('BAD_DATA', `model card field "${field}": ${what}`, field);
}

