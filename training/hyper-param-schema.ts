// The building blocks of the families' hyper-parameter schemas (training/<family>/hyper-params.ts): one closed TypeBox
// object per registry folder, each field with its default (today's value in the code), its range and its meaning. The
// table, the config file and the resolution over flags are in training/hyper-params.ts; this file is a leaf, so the
// families' own schema files can import it without a circle.
import { Type, type TObject, type TProperties, type TSchema } from '@sinclair/typebox';

/** Where a hyper-parameter's value came from when it is not the default: a `--config` file, a flag, or a library caller's option. */
export type HyperParamSource = 'config' | 'flag' | 'caller';
export const HYPER_PARAM_SOURCES: readonly HyperParamSource[] = ['config', 'flag', 'caller'];

/** What a model card records of the hyper-parameters used (card.ts `tuning`): every one of the folder's, resolved. */
export interface HyperParamRecord {
  /** The registry folder whose schema the values follow (risk, risk-history, judge, judge-replay, rollback, retry). */
  family: string;
  /** Every hyper-parameter of that schema with the value training used. */
  values: Record<string, unknown>;
  /** The ones not at their default, and where each came from. */
  set: Record<string, HyperParamSource>;
}

/** An integer in [min, max]. */
export const intParam = (def: number, min: number, max: number, description: string) => Type.Integer({ default: def, minimum: min, maximum: max, description });

/** A number in (min, max] when `openMin`, else [min, max]. */
export const numParam = (def: number, min: number, max: number, description: string, openMin = false) =>
  Type.Number(openMin ? { default: def, exclusiveMinimum: min, maximum: max, description } : { default: def, minimum: min, maximum: max, description });

export const boolParam = (def: boolean, description: string) => Type.Boolean({ default: def, description });

export const oneOfParam = <T extends string>(def: T, options: readonly T[], description: string) => Type.Union(options.map((o) => Type.Literal(o)), { default: def, description });

/** A list of 1 to `maxItems` integers in [min, max] (hidden layer widths). */
export const intListParam = (def: readonly number[], min: number, max: number, maxItems: number, description: string) =>
  Type.Array(Type.Integer({ minimum: min, maximum: max }), { default: [...def], minItems: 1, maxItems, description });

/** A closed object of hyper-parameters: an unknown key is an error, never ignored. */
export const hyperParamObject = <P extends TProperties>(properties: P): TObject<P> => Type.Object(properties, { additionalProperties: false });

/** The defaults of a hyper-parameter schema, in its key order. */
export function schemaDefaults(schema: TObject): Record<string, unknown> {
  return Object.fromEntries(Object.entries(schema.properties).map(([k, s]) => [k, structuredClone((s as TSchema).default)]));
}

/** A share as the percentage split descriptions print (0.2 → "20", 0.15 → "15"; one decimal at most). */
export const sharePct = (share: number): string => String(Math.round(share * 1000) / 10);

/** The hyper-parameters a caller hands a `train…` function: some values (e.g. `resolveHyperParams`'s) and where each came from. */
export interface TuningInput<T> {
  values?: Partial<T>;
  set?: Readonly<Record<string, HyperParamSource>>;
}

/**
 * What training uses and the card records: the schema's defaults, then `input`'s values, then a library caller's own
 * options (`caller`, e.g. a test's smaller network; recorded as set by 'caller'). Keys in the schema's order.
 */
export function tuningRecord<T extends Record<string, unknown>>(family: string, schema: TObject, input: TuningInput<T> | undefined, caller: Partial<T> = {}): HyperParamRecord & { values: T } {
  const values = schemaDefaults(schema);
  const setBy: Record<string, HyperParamSource> = {};
  for (const [k, v] of Object.entries(input?.values ?? {})) if (v !== undefined && k in values) values[k] = structuredClone(v);
  for (const [k, s] of Object.entries(input?.set ?? {})) if (k in values) setBy[k] = s;
  for (const [k, v] of Object.entries(caller)) {
    if (v === undefined || !(k in values)) continue;
    values[k] = structuredClone(v);
    setBy[k] = 'caller';
  }
  const set = Object.fromEntries(Object.keys(values).filter((k) => setBy[k]).map((k) => [k, setBy[k]]));
  return { family, values: values as T, set };
}

/** A value as the command line and `models show` print it: lists as 64,64; the rest as JSON. */
export const hyperParamText = (v: unknown): string => (Array.isArray(v) ? v.join(',') : typeof v === 'string' ? v : JSON.stringify(v));
