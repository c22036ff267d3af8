// Every `rolloutlab train` command's hyper-parameters: one closed schema per registry folder (each family's own,
// training/<family>/hyper-params.ts), their defaults (today's values in the code, so training with none set gives the
// same model as before), a `--config` file with a section per folder, and `--set key=value` flags over it.
// `resolveHyperParams` is the one resolution: defaults < config < flags, every value checked against its schema, an
// error naming the key otherwise. Training records the values it used on the model card (`tuning`).
import { readFile } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import type { Static, TObject, TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { parse as parseYaml } from 'yaml';
import { RolloutlabError, show } from '../lib/errors.ts';
import { hyperParamText, schemaDefaults, type HyperParamRecord, type HyperParamSource } from './hyper-param-schema.ts';
import { RiskHyperParamsSchema } from './risk/hyper-params.ts';
import { JudgeHyperParamsSchema, JudgeReplayHyperParamsSchema } from './judge/hyper-params.ts';
import { RollbackHyperParamsSchema } from './predictive-rollback/hyper-params.ts';
import { RetryHyperParamsSchema } from './retry/hyper-params.ts';
import { closestName } from '../lib/names.ts';

export type { HyperParamRecord, HyperParamSource };
export { hyperParamText };

/**
 * The schemas by registry folder: the folder a `train` command's versions go to names its section of a config file.
 * `risk` and `risk-history` have the same hyper-parameters but separate sections (a simulated world and a team's history
 * rarely want the same settings); so do `judge` and `judge-replay`, whose `validationShare` is a share of other things.
 */
export const HYPER_PARAM_SCHEMAS = {
  risk: RiskHyperParamsSchema,
  'risk-history': RiskHyperParamsSchema,
  judge: JudgeHyperParamsSchema,
  'judge-replay': JudgeReplayHyperParamsSchema,
  rollback: RollbackHyperParamsSchema,
  retry: RetryHyperParamsSchema,
} as const;

export type HyperParamFamily = keyof typeof HYPER_PARAM_SCHEMAS;
export const HYPER_PARAM_FAMILIES = Object.keys(HYPER_PARAM_SCHEMAS) as HyperParamFamily[];
export type HyperParamsOf<F extends HyperParamFamily> = Static<(typeof HYPER_PARAM_SCHEMAS)[F]>;

/** A folder's hyper-parameters, all of them, and which ones a config file or a flag set. */
export interface ResolvedHyperParams<F extends HyperParamFamily = HyperParamFamily> {
  family: F;
  values: HyperParamsOf<F>;
  /** Keys not left at their default, in the schema's order: 'config' or 'flag' (the last one to set it). */
  set: Record<string, HyperParamSource>;
}

/** A config document checked against the schemas: a section per folder, each with some of its hyper-parameters. */
export type HyperParamConfig = { [F in HyperParamFamily]?: Partial<HyperParamsOf<F>> };

/**
 * The per-parameter flags of `train` (each the same as a `--set`): flag → the key it sets in each folder. A folder
 * missing from a row has no such hyper-parameter (the risk model's fit draws nothing at random: it has no seed).
 */
export const HYPER_PARAM_FLAGS: Readonly<Record<'epochs' | 'learningRate' | 'seed', Partial<Record<HyperParamFamily, string>>>> = {
  epochs: { risk: 'maxEpochs', 'risk-history': 'maxEpochs', judge: 'maxEpochs', 'judge-replay': 'maxEpochs', rollback: 'maxEpochs', retry: 'epochs' },
  learningRate: { risk: 'learningRate', 'risk-history': 'learningRate', judge: 'learningRate', 'judge-replay': 'learningRate', rollback: 'learningRate', retry: 'learningRate' },
  seed: { judge: 'seed', 'judge-replay': 'seed', rollback: 'seed', retry: 'seed' },
};

const fail = (field: string, message: string) => new RolloutlabError('BAD_ARGUMENT', message, field);

export function isHyperParamFamily(name: string): name is HyperParamFamily {
  return Object.hasOwn(HYPER_PARAM_SCHEMAS, name);
}

function schemaOf(family: string): TObject {
  if (!isHyperParamFamily(family)) throw fail('family', `no hyper-parameters for ${show(family)}: the folders that have them are ${HYPER_PARAM_FAMILIES.join(', ')}`);
  return HYPER_PARAM_SCHEMAS[family] as TObject;
}

/** The defaults of a folder's hyper-parameters (what training uses when nothing is set). */
export function hyperParamDefaults<F extends HyperParamFamily>(family: F): HyperParamsOf<F> {
  return schemaDefaults(schemaOf(family)) as HyperParamsOf<F>;
}

/** What a value must be, in words: "an integer from 1 to 600", "a number > 0 and ≤ 1", "true or false"... */
export function describeConstraint(s: TSchema): string {
  const range = (x: TSchema) => {
    const lo = x.exclusiveMinimum !== undefined ? `> ${x.exclusiveMinimum}` : x.minimum !== undefined ? `≥ ${x.minimum}` : null;
    const hi = x.maximum !== undefined ? `≤ ${x.maximum}` : null;
    if (x.minimum !== undefined && hi) return `from ${x.minimum} to ${x.maximum}`;
    return [lo, hi].filter(Boolean).join(' and ');
  };
  if (s.anyOf) return `one of ${(s.anyOf as TSchema[]).map((o) => JSON.stringify(o.const)).join(', ')}`;
  if (s.type === 'boolean') return 'true or false';
  if (s.type === 'integer') return `an integer ${range(s)}`.trim();
  if (s.type === 'number') return `a number ${range(s)}`.trim();
  if (s.type === 'array') return `a list of ${s.minItems} to ${s.maxItems} integers ${range(s.items as TSchema)}`;
  return `a ${String(s.type)}`;
}

/** One value checked against its folder's schema: the error names `field` and says what it must be. */
function checkValue(schema: TObject, family: string, key: string, value: unknown, field: string, where: string, at = ''): void {
  const prop = schema.properties[key] as TSchema | undefined;
  if (!prop) {
    const known = Object.keys(schema.properties);
    const guess = closestName(key, known);
    throw fail(field, `${where}: unknown hyper-parameter of ${family}${guess ? ` (did you mean ${guess}?)` : ''}; ${family} has ${known.join(', ')}${at}`);
  }
  if (!Value.Check(prop, value)) throw fail(field, `${where}: must be ${describeConstraint(prop)}, got ${show(value)}${at}`);
}

const isMapping = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/**
 * A config document (the parsed YAML or JSON of `--config`) checked whole: every section must be a folder with
 * hyper-parameters, every key one of that folder's, every value in range. An empty document is no settings. `source`
 * (the file) is named in the messages; the field is `config.<folder>.<key>`.
 */
export function checkHyperParamConfig(doc: unknown, source?: string): HyperParamConfig {
  const at = source ? ` (${source})` : '';
  if (doc === null || doc === undefined) return {};
  if (!isMapping(doc)) throw fail('config', `config: must be a mapping with a section per model family (${HYPER_PARAM_FAMILIES.join(', ')}), got ${show(doc)}${at}`);
  for (const [section, body] of Object.entries(doc)) {
    const field = `config.${section}`;
    if (!isHyperParamFamily(section)) {
      const guess = closestName(section, HYPER_PARAM_FAMILIES);
      throw fail(field, `${field}: not a model family section${guess ? ` (did you mean ${guess}?)` : ''}; sections: ${HYPER_PARAM_FAMILIES.join(', ')} (a config file has a section per family, e.g. "risk: {maxEpochs: 300}")${at}`);
    }
    if (body === null || body === undefined) continue;
    if (!isMapping(body)) throw fail(field, `${field}: must be a mapping of ${section} hyper-parameters, got ${show(body)}${at}`);
    const schema = schemaOf(section);
    for (const [key, value] of Object.entries(body)) checkValue(schema, section, key, value, `${field}.${key}`, `${field}.${key}`, at);
  }
  return doc as HyperParamConfig;
}

/** Read and check a `--config` file: JSON when it ends in .json, YAML otherwise. NOT_FOUND when it is missing. */
export async function readHyperParamConfig(path: string): Promise<HyperParamConfig> {
  const file = resolve(path);
  const text = await readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') throw new RolloutlabError('NOT_FOUND', `--config: ${file} does not exist`, 'config');
    throw new RolloutlabError('IO', `--config: reading ${file} failed: ${e.message}`, 'config');
  });
  let doc: unknown;
  try {
    doc = extname(file).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw fail('config', `--config: ${path} is not valid ${extname(file).toLowerCase() === '.json' ? 'JSON' : 'YAML'}: ${(e as Error).message}`);
  }
  return withSource(checkHyperParamConfig(doc, path), path);
}

/** The file a config came from, kept beside it (not enumerable: the document stays as written) for later messages. */
const SOURCE = Symbol('config source');
function withSource(c: HyperParamConfig, source: string): HyperParamConfig {
  Object.defineProperty(c, SOURCE, { value: source, enumerable: false });
  return c;
}

/** A flag's text as its schema wants it: numbers, true / false, lists like 64,64 or [64, 64]; other text stays text (and fails the check, named). */
function coerce(prop: TSchema | undefined, raw: unknown): unknown {
  if (typeof raw !== 'string' || !prop) return raw;
  const t = raw.trim();
  const number = (x: string) => (/^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/.test(x) ? Number(x) : undefined);
  if (prop.type === 'integer' || prop.type === 'number') return number(t) ?? raw;
  if (prop.type === 'boolean') return t === 'true' ? true : t === 'false' ? false : raw;
  if (prop.type === 'array') {
    const items = t.replace(/^\[/, '').replace(/\]$/, '').split(',').map((x) => number(x.trim()));
    return items.every((x) => x !== undefined) ? items : raw;
  }
  return raw;
}

export interface ResolveOptions {
  /** The file the config came from (for messages; readHyperParamConfig's result carries it already). */
  configSource?: string;
  /** How each key was given on the command line when not as `--set` (e.g. { maxEpochs: '--epochs' }), for messages. */
  flagNames?: Readonly<Record<string, string>>;
}

/**
 * A folder's hyper-parameters: its defaults, then its section of `config` (a document as `--config` holds it, checked
 * whole here as well), then `sets` — `key=value` strings as `--set` gives them, or a record of values (a sweep's
 * point; strings in it are read as a flag's text). Throws BAD_ARGUMENT naming the key (`config.<folder>.<key>`,
 * `set.<key>`) for an unknown key, a wrong type or a value out of range; the CLI exits 2 on it, before any data or the
 * registry is touched.
 */
export function resolveHyperParams<F extends HyperParamFamily>(family: F, config?: unknown, sets?: readonly string[] | Readonly<Record<string, unknown>>, o: ResolveOptions = {}): ResolvedHyperParams<F> {
  const schema = schemaOf(family);
  const source = o.configSource ?? (isMapping(config) ? ((config as Record<symbol, unknown>)[SOURCE] as string | undefined) : undefined);
  const checked = config === undefined ? {} : checkHyperParamConfig(config, source);
  const values: Record<string, unknown> = schemaDefaults(schema);
  const setBy: Record<string, HyperParamSource> = {};
  for (const [k, v] of Object.entries((checked[family] ?? {}) as Record<string, unknown>)) {
    values[k] = structuredClone(v);
    setBy[k] = 'config';
  }
  const pairs: [string, unknown, string][] = [];
  if (Array.isArray(sets)) {
    for (const s of sets as readonly string[]) {
      const eq = s.indexOf('=');
      if (eq <= 0) throw fail('set', `--set ${show(s)}: expected key=value, e.g. --set maxEpochs=300`);
      pairs.push([s.slice(0, eq).trim(), s.slice(eq + 1), `--set ${s.slice(0, eq).trim()}`]);
    }
  } else if (sets) {
    for (const [k, v] of Object.entries(sets)) pairs.push([k, v, `set.${k}`]);
  }
  const seen = new Map<string, unknown>();
  for (const [key, raw, label] of pairs) {
    const where = o.flagNames?.[key] ?? label;
    if (seen.has(key)) throw fail(`set.${key}`, `${where}: ${key} is given twice (${show(seen.get(key))} and ${show(raw)}); give it once`);
    seen.set(key, raw);
    const value = coerce(schema.properties[key] as TSchema | undefined, raw);
    checkValue(schema, family, key, value, `set.${key}`, where);
    values[key] = value;
    setBy[key] = 'flag';
  }
  const set = Object.fromEntries(Object.keys(schema.properties).filter((k) => setBy[k]).map((k) => [k, setBy[k]]));
  return { family, values: values as HyperParamsOf<F>, set };
}


/** One line for `train`'s output: which hyper-parameters were set, and from where; the rest at the folder's defaults. */
export function hyperParamLine(r: Pick<HyperParamRecord, 'family' | 'values' | 'set'>): string {
  const set = Object.entries(r.set).map(([k, s]) => `${k} ${hyperParamText(r.values[k])} (${s})`);
  return set.length ? `  hyper-parameters (${r.family}): ${set.join(', ')}; the rest at their defaults` : `  hyper-parameters (${r.family}): the defaults`;
}

/** The per-parameter flags as the command line spells them. */
export const HYPER_PARAM_FLAG_NAMES: Readonly<Record<keyof typeof HYPER_PARAM_FLAGS, string>> = { epochs: '--epochs', learningRate: '--learning-rate', seed: '--seed' };

/** What a `train` command was asked for: the `--config` document, the `--set` pairs, the per-parameter flags' text. */
export interface HyperParamRequest {
  config?: unknown;
  sets?: readonly string[];
  flags?: Partial<Record<keyof typeof HYPER_PARAM_FLAGS, string>>;
}

/** `resolveHyperParams` for a command line's request: each per-parameter flag becomes the `--set` of the folder's key. */
export function resolveHyperParamRequest<F extends HyperParamFamily>(family: F, req: HyperParamRequest = {}): ResolvedHyperParams<F> {
  const sets = [...(req.sets ?? [])];
  const flagNames: Record<string, string> = {};
  for (const [flag, text] of Object.entries(req.flags ?? {}) as [keyof typeof HYPER_PARAM_FLAGS, string | undefined][]) {
    if (text === undefined) continue;
    const name = HYPER_PARAM_FLAG_NAMES[flag];
    const key = HYPER_PARAM_FLAGS[flag][family];
    if (key === undefined) throw fail(flag === 'learningRate' ? 'learning-rate' : flag, `${name}: ${family} has no such hyper-parameter${flag === 'seed' ? ' (its fit draws nothing at random)' : ''}; ${family} has ${Object.keys(schemaOf(family).properties).join(', ')}`);
    if (flagNames[key]) throw fail(`set.${key}`, `${name} and ${flagNames[key]} both set ${key}; give one`);
    flagNames[key] = name;
    sets.push(`${key}=${text}`);
  }
  return resolveHyperParams(family, req.config, sets, { flagNames });
}
