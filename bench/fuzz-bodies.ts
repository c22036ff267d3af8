// Seeded mutations of valid request bodies, and the oracle that says what a correct server may answer to each, for
// `rolloutlab bench failclosed` (bench/fail-closed.ts). Every draw comes from a seeded Rng (lib/rng.ts).
//
// A mutation is one of: drop a field, add an unknown field, rename a key (a typo), a negative / huge / "NaN"-string /
// null / wrong-typed value, a truncated array, an outlier sample, most minutes blanked, or broken JSON. The oracle
// classifies the mutated body:
// - `reject`: invalid — it breaks the route's schema (read from server/schemas.ts, with every object closed unless the
//   schema opens it explicitly, as Kayenta's foreign objects are), holds an impossible value (a count above 1e15, a
//   negative count, errors above requests, ...) or breaks a rule the route documents (same-length cohorts, known risk
//   feature names, known metadata keys under the risk. / window. prefixes);
// - `missing`: well-formed, but the evidence a "go" needs is missing or corrupted (most minutes without a sample, a
//   critical Kayenta metric without data, one outlier baseline sample beside a failing canary);
// - `any`: still a valid body: only the absence of 5xx is checked.
// A "go" answer (pass / advance / 2xx on a gate) to a `reject` or `missing` body is a fail-open answer.
import type { Rng } from '../lib/rng.ts';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type Path = (string | number)[];
type Schema = Record<string, unknown>;

/** Counts and measures above this are impossible in a minute of traffic, a rollout or a change. */
export const IMPOSSIBLE = 1e15;

export const pathText = (p: Path) => p.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? k : `.${k}`)).join('') || '(body)';

/** Every path in `v`; arrays longer than 3 contribute their first two elements and their last only. */
export function paths(v: Json, at: Path = []): Path[] {
  const out: Path[] = [at];
  if (Array.isArray(v)) {
    const idx = v.length > 3 ? [0, 1, v.length - 1] : v.map((_, i) => i);
    for (const i of idx) out.push(...paths(v[i], [...at, i]));
  } else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) out.push(...paths(x, [...at, k]));
  return out;
}

export function getAt(v: Json, p: Path): Json | undefined {
  let cur: Json | undefined = v;
  for (const k of p) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, Json>)[k];
  }
  return cur;
}

/** A deep copy with the value at `p` replaced by `x`, or removed when `x` is undefined. */
export function setAt(v: Json, p: Path, x: Json | undefined): Json {
  if (p.length === 0) return x === undefined ? null : x;
  const c = (Array.isArray(v) ? [...v] : { ...(v as Record<string, Json>) }) as Record<string | number, Json>;
  const [h, ...rest] = p;
  if (rest.length === 0 && x === undefined) {
    if (Array.isArray(c)) (c as Json[]).splice(h as number, 1);
    else delete c[h];
  } else c[h] = setAt(c[h], rest, x);
  return c as Json;
}

const isObj = (v: unknown): v is Record<string, Json> => v !== null && typeof v === 'object' && !Array.isArray(v);

// ---- a small JSON-Schema checker: the subset TypeBox emits, with objects closed unless opened explicitly ----------

/** Why `v` breaks `s` (the first problem), or null. `hugeOk(path)`: numbers there may be above IMPOSSIBLE. */
export function schemaProblem(s: Schema | undefined, v: Json | undefined, at: Path = [], hugeOk: (p: Path) => boolean = () => false): string | null {
  if (s === undefined) return null;
  if (v === undefined) return `${pathText(at)} is missing`;
  if (Array.isArray(s.anyOf)) {
    const probs = (s.anyOf as Schema[]).map((b) => schemaProblem(b, v, at, hugeOk));
    return probs.some((x) => x === null) ? null : (probs.find((x) => !/has the wrong type/.test(x!)) ?? probs[0]);
  }
  if ('const' in s) return v === s.const ? null : `${pathText(at)} is not ${JSON.stringify(s.const)}`;
  const t = s.type as string | undefined;
  const wrong = `${pathText(at)} has the wrong type`;
  switch (t) {
    case 'null':
      return v === null ? null : wrong;
    case 'boolean':
      return typeof v === 'boolean' ? null : wrong;
    case 'integer':
    case 'number': {
      if (typeof v !== 'number' || !Number.isFinite(v)) return wrong;
      if (t === 'integer' && !Number.isInteger(v)) return `${pathText(at)} is not a whole number`;
      if (typeof s.minimum === 'number' && v < s.minimum) return `${pathText(at)} is below ${s.minimum}`;
      if (typeof s.maximum === 'number' && v > s.maximum) return `${pathText(at)} is above ${s.maximum}`;
      if (typeof s.exclusiveMinimum === 'number' && v <= s.exclusiveMinimum) return `${pathText(at)} is not above ${s.exclusiveMinimum}`;
      if (typeof s.exclusiveMaximum === 'number' && v >= s.exclusiveMaximum) return `${pathText(at)} is not below ${s.exclusiveMaximum}`;
      if (Math.abs(v) >= IMPOSSIBLE && !hugeOk(at)) return `${pathText(at)} is impossibly large (${v})`;
      return null;
    }
    case 'string': {
      if (typeof v !== 'string') return wrong;
      if (typeof s.minLength === 'number' && v.length < s.minLength) return `${pathText(at)} is too short`;
      if (typeof s.maxLength === 'number' && v.length > s.maxLength) return `${pathText(at)} is too long`;
      if (typeof s.pattern === 'string' && !new RegExp(s.pattern).test(v)) return `${pathText(at)} does not match ${s.pattern}`;
      if (s.format === 'date-time' && !(/^\d{4}-\d\d-\d\dT\d\d:\d\d/.test(v) && Number.isFinite(Date.parse(v)))) return `${pathText(at)} is not a date-time`;
      if (s.format === 'date' && !(/^\d{4}-\d\d-\d\d$/.test(v) && Number.isFinite(Date.parse(v)))) return `${pathText(at)} is not a date`;
      return null;
    }
    case 'array': {
      if (!Array.isArray(v)) return wrong;
      if (typeof s.minItems === 'number' && v.length < s.minItems) return `${pathText(at)} has fewer than ${s.minItems} items`;
      if (typeof s.maxItems === 'number' && v.length > s.maxItems) return `${pathText(at)} has more than ${s.maxItems} items`;
      for (let i = 0; i < v.length; i++) {
        const p = schemaProblem(s.items as Schema, v[i], [...at, i], hugeOk);
        if (p) return p;
      }
      return null;
    }
    case 'object': {
      if (!isObj(v)) return wrong;
      const props = (s.properties ?? {}) as Record<string, Schema>;
      for (const r of (s.required ?? []) as string[]) if (!(r in v)) return `${pathText([...at, r])} is required`;
      const n = Object.keys(v).length;
      if (typeof s.maxProperties === 'number' && n > s.maxProperties) return `${pathText(at)} has too many keys`;
      if (typeof s.minProperties === 'number' && n < s.minProperties) return `${pathText(at)} has too few keys`;
      const pattern = s.patternProperties ? (Object.values(s.patternProperties as Record<string, Schema>)[0] as Schema) : undefined;
      for (const [k, x] of Object.entries(v)) {
        const sub = props[k] ?? pattern ?? (isObj(s.additionalProperties) ? (s.additionalProperties as Schema) : undefined);
        if (sub === undefined) {
          if (s.additionalProperties === true) continue;
          return `${pathText([...at, k])} is an unknown field`;
        }
        const p = schemaProblem(sub, x, [...at, k], hugeOk);
        if (p) return p;
      }
      return null;
    }
    default:
      return null;
  }
}

// ---- mutations ------------------------------------------------------------------------------------------------------

export const MUTATIONS = ['drop', 'unknown', 'typo', 'negative', 'huge', 'nan-string', 'null', 'wrong-type', 'truncate', 'outlier', 'blank', 'broken-json'] as const;
export type MutationKind = (typeof MUTATIONS)[number];

export interface Mutant {
  op: MutationKind;
  /** Where it was applied ('(body)' for the whole body). */
  at: string;
  /** The mutated body (undefined for broken JSON, whose text is in `raw`). */
  body?: Json;
  raw?: string;
}

/** Route-specific mutations (outlier samples, blanked minutes, metadata typos); null when the route has none. */
export interface RouteMutations {
  outlier?: (body: Json, rng: Rng) => { at: string; body: Json } | null;
  blank?: (body: Json, rng: Rng) => { at: string; body: Json } | null;
  /** Keys a typo can produce in a record at this path (e.g. metadata keys under a known prefix). */
  typoKeys?: (path: Path) => string[] | null;
}

const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[rng.int(0, xs.length - 1)];

function typo(rng: Rng, k: string): string {
  if (k.length < 2) return k + 'x';
  const i = rng.int(0, k.length - 2);
  const kind = rng.int(0, 2);
  if (kind === 0 && k[i] !== k[i + 1]) return k.slice(0, i) + k[i + 1] + k[i] + k.slice(i + 2); // swap
  if (kind === 1) return k.slice(0, i) + k[i] + k.slice(i); // double a letter
  const j = rng.int(0, k.length - 1);
  const flipped = k[j] === k[j].toUpperCase() ? k[j].toLowerCase() : k[j].toUpperCase();
  return flipped !== k[j] ? k.slice(0, j) + flipped + k.slice(j + 1) : k + 's';
}

/** One seeded mutation of `base` (falls back to another kind when the chosen one has nowhere to apply). */
export function mutate(base: Json, rng: Rng, route: RouteMutations = {}): Mutant {
  const all = paths(base);
  const nonRoot = all.slice(1);
  for (let attempt = 0; attempt < 8; attempt++) {
    const op = MUTATIONS[rng.int(0, MUTATIONS.length - 1)];
    const val = (p: Path) => getAt(base, p);
    const where = (pred: (v: Json | undefined, p: Path) => boolean) => all.filter((p) => pred(val(p), p));
    const stringNum = (v: Json | undefined) => typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v));
    switch (op) {
      case 'drop': {
        if (!nonRoot.length) continue;
        const p = pick(rng, nonRoot);
        return { op, at: pathText(p), body: setAt(base, p, undefined) };
      }
      case 'unknown': {
        const objs = where((v) => isObj(v));
        if (!objs.length) continue;
        const p = pick(rng, objs);
        const special = route.typoKeys?.(p);
        const key = special?.length && rng.bernoulli(0.5) ? pick(rng, special) : `x${rng.int(0, 9999).toString(36)}`;
        const junk: Json[] = [1, 'x', true, null, 600, -1, { a: 1 }];
        return { op, at: pathText([...p, key]), body: setAt(base, [...p, key], typeof (val(p) as Record<string, Json>)[Object.keys(val(p) as object)[0]] === 'string' ? String(pick(rng, junk)) : pick(rng, junk)) };
      }
      case 'typo': {
        const keyed = nonRoot.filter((p) => typeof p[p.length - 1] === 'string');
        if (!keyed.length) continue;
        const p = pick(rng, keyed);
        const parent = p.slice(0, -1);
        const old = p[p.length - 1] as string;
        const special = route.typoKeys?.(parent);
        const key = special?.length && rng.bernoulli(0.5) ? pick(rng, special) : typo(rng, old);
        if (key === old) continue;
        const obj = val(parent) as Record<string, Json>;
        const renamed: Record<string, Json> = {};
        for (const [k, x] of Object.entries(obj)) renamed[k === old ? key : k] = x;
        return { op, at: `${pathText(p)} → ${key}`, body: setAt(base, parent, renamed) };
      }
      case 'negative':
      case 'huge':
      case 'nan-string': {
        const nums = where((v) => typeof v === 'number' || stringNum(v));
        if (!nums.length) continue;
        const p = pick(rng, nums);
        const asString = typeof val(p) === 'string';
        const x = op === 'negative' ? -pick(rng, [5, 50, 1, 0.5, 1e3]) : op === 'huge' ? pick(rng, [1e308, -1e308, 1.7976931348623157e308]) : pick(rng, ['NaN', 'Infinity', '-Infinity']);
        return { op, at: pathText(p), body: setAt(base, p, asString || op === 'nan-string' ? String(x) : x) };
      }
      case 'null': {
        if (!nonRoot.length) continue;
        const p = pick(rng, nonRoot);
        return { op, at: pathText(p), body: setAt(base, p, null) };
      }
      case 'wrong-type': {
        const p = pick(rng, all);
        const v = val(p);
        const x: Json = typeof v === 'number' ? String(v) : typeof v === 'string' ? (stringNum(v) ? Number(v) : 5) : typeof v === 'boolean' ? String(v) : Array.isArray(v) ? { 0: v[0] ?? null } : isObj(v) ? [v] : 'null';
        return { op, at: pathText(p), body: setAt(base, p, x) };
      }
      case 'truncate': {
        const arrs = where((v) => Array.isArray(v) && v.length > 0);
        if (!arrs.length) continue;
        const p = pick(rng, arrs);
        const a = val(p) as Json[];
        const k = rng.int(0, a.length - 1);
        return { op, at: `${pathText(p)} (${a.length} → ${k})`, body: setAt(base, p, a.slice(0, k)) };
      }
      case 'outlier': {
        const r = route.outlier?.(base, rng);
        if (!r) continue;
        return { op, ...r };
      }
      case 'blank': {
        const r = route.blank?.(base, rng);
        if (!r) continue;
        return { op, ...r };
      }
      case 'broken-json': {
        const text = JSON.stringify(base);
        const cut = rng.int(0, Math.max(0, text.length - 1));
        return { op, at: `(text cut at ${cut})`, raw: text.slice(0, cut) + pick(rng, ['', '}', ',', '"', 'NaN', ']]']) };
      }
    }
  }
  // Nothing applied (a tiny body): drop the whole body's first key.
  const first = nonRoot[0];
  return first ? { op: 'drop', at: pathText(first), body: setAt(base, first, undefined) } : { op: 'broken-json', at: '(empty)', raw: '{' };
}
