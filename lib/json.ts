// Helpers for validating plain-JSON documents (manifests, model cards) with TypeBox.
import type { TSchema } from '@sinclair/typebox';

/** TypeBox says only "Expected union value" for unions; spell out the alternatives instead. */
export function expectedUnion(schema: TSchema): string | null {
  const options = (schema as { anyOf?: TSchema[] }).anyOf;
  if (!options) return null;
  return 'expected ' + options.map((s) => (s.const !== undefined ? JSON.stringify(s.const) : String(s.type))).join(' or ');
}

/** Path of the first value JSON would not round-trip (NaN, Infinity, bigint, Date, function...), or null. */
export function nonJsonPath(v: unknown, path: string): string | null {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return null;
  if (typeof v === 'number') return Number.isFinite(v) ? null : path;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const bad = nonJsonPath(v[i], `${path}.${i}`);
      if (bad) return bad;
    }
    return null;
  }
  const proto = typeof v === 'object' ? Object.getPrototypeOf(v) : undefined;
  if (proto === Object.prototype || proto === null) {
    for (const [k, x] of Object.entries(v as object)) {
      // An undefined property is simply absent in JSON, as in an optional field.
      const bad = x === undefined ? null : nonJsonPath(x, `${path}.${k}`);
      if (bad) return bad;
    }
    return null;
  }
  return path;
}
