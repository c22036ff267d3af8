// Malformed request bodies for the servers' property tests: a valid body with one value replaced or removed, an
// unknown field added, anything at all, or broken JSON; and `throwMalformed`, the property every route must hold.
import fc from 'fast-check';
import { expect } from 'vitest';
import type { FastifyInstance } from 'fastify';

/** Paths to every value inside a JSON value. */
export const paths = (v: unknown, at: (string | number)[] = []): (string | number)[][] => {
  const out: (string | number)[][] = [at];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...paths(x, [...at, i])));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) out.push(...paths(x, [...at, k]));
  return out;
};

/** A copy of `v` with the value at `path` replaced by `x` (or removed). */
export const setAt = (v: unknown, path: (string | number)[], x: unknown, remove: boolean): unknown => {
  if (path.length === 0) return x;
  const c = (Array.isArray(v) ? [...v] : { ...(v as object) }) as Record<string | number, unknown>;
  const [h, ...rest] = path;
  if (rest.length === 0 && remove) {
    if (Array.isArray(c)) (c as unknown[]).splice(h as number, 1);
    else delete c[h];
  } else c[h] = setAt(c[h], rest, x, remove);
  return c;
};

const junk = fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant(-1), fc.constant(1e308), fc.array(fc.anything(), { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 4 }), fc.anything(), { maxKeys: 3 }));

/** A valid body with one value replaced, removed, or an unknown field added; or anything at all; or broken JSON. */
export const malformed = (base: unknown) =>
  fc.oneof(
    fc.tuple(fc.constantFrom(...paths(base).slice(1)), junk, fc.boolean()).map(([p, x, remove]) => ({ json: setAt(base, p, x, remove) })),
    fc.tuple(fc.string({ minLength: 1, maxLength: 6 }), junk).map(([k, x]) => ({ json: { ...(base as object), [`x${k}`]: x } })),
    fc.anything().map((json) => ({ json })),
    fc.string({ maxLength: 40 }).map((raw) => ({ raw: JSON.stringify(base).slice(0, raw.length) + raw })),
  );

/**
 * Throws `numRuns` malformed variants of `valid` at `url` (fast-check, fixed seed): no answer may be a 5xx, and every
 * 4xx (except `allow`, e.g. a Flagger hook's 409 verdict) must be `{error: {code, field, message}}` naming a field and
 * saying more than its name. Returns how many ran and how many were rejected, for the caller's own floor.
 */
export async function throwMalformed(app: FastifyInstance, url: string, valid: unknown, numRuns: number, seed: number, allow: number[] = []): Promise<{ runs: number; rejected: number }> {
  let runs = 0;
  let rejected = 0;
  await fc.assert(
    fc.asyncProperty(malformed(valid), async (body) => {
      runs++;
      const payload = 'raw' in body ? body.raw : (JSON.stringify(body.json) ?? 'null');
      const r = await app.inject({ method: 'POST', url, payload, headers: { 'content-type': 'application/json' } });
      expect(r.statusCode, r.body).toBeLessThan(500);
      if (r.statusCode >= 400 && !allow.includes(r.statusCode)) {
        rejected++;
        const e = r.json().error;
        expect(typeof e.code).toBe('string');
        expect(typeof e.field === 'string' && e.field.length > 0, r.body).toBe(true);
        expect(e.message.length).toBeGreaterThan(e.field.length);
      }
    }),
    { numRuns, seed },
  );
  return { runs, rejected };
}
