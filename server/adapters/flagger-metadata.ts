// The metadata of a Flagger webhook (the Canary spec's `metadata`, strings): the keys the hooks read, the check that
// refuses a misspelt or misplaced key (a gate the caller meant must never be silently ignored), the declared deploy
// window, the change's risk features and the service's traffic for its plan (server/adapters/flagger.ts).
import type { FeatureSpec } from '../../training/gam.ts';
import type { PlanConstraints } from '../../policies/rollout-plan/gate.ts';
import { BadInput } from '../decide.ts';
import { editDistance } from '../../lib/names.ts';

/** A metadata value as a risk feature value (metadata values are strings in Flagger). */
export function featureValue(v: string): number | boolean | string {
  const t = v.trim();
  if (t === 'true' || t === 'false') return t === 'true';
  if (t !== '' && Number.isFinite(Number(t))) return Number(t);
  return t;
}

/** Metadata `risk.impute`: comma-separated features the team accepts scored at their training median (400 for a name the model lacks). */
export function riskImpute(v: string | undefined, specs: readonly FeatureSpec[]): Set<string> {
  const names = (v ?? '').split(',').map((x) => x.trim()).filter(Boolean);
  for (const n of names) if (!specs.some((s) => s.name === n)) throw new BadInput('body.metadata.risk.impute', `names ${JSON.stringify(n)}, which is not a feature of the risk model (GET /v1/risk/features lists them)`);
  return new Set(names);
}

/**
 * Metadata `plan.rpm`: the service's requests per minute, which the rollout-plan optimiser needs to choose the plan
 * (null when absent). Read with the risk gate only: without risk features it would choose nothing, so it is refused.
 */
export function planRpm(meta: Record<string, string>, hasRiskFeatures: boolean): number | null {
  const v = meta['plan.rpm'];
  if (v === undefined) return null;
  if (!hasRiskFeatures) throw new BadInput('body.metadata.plan.rpm', "is read with the risk gate: give the change's features as risk.<feature> too (without them no plan is chosen)");
  const x = v.trim() === '' ? NaN : Number(v);
  if (!(Number.isFinite(x) && x >= 0 && x <= 1e9)) throw new BadInput('body.metadata.plan.rpm', `must be the service's requests per minute, a number in [0, 1e9] (got ${JSON.stringify(v)})`);
  return x;
}

/** Metadata keys of the plan's constraints (as POST /v1/rollout/plan's `constraints`), with their upper bounds. */
const CONSTRAINT_KEYS = {
  'plan.maxFirstStepPercent': { name: 'maxFirstStepPercent', max: 100, what: 'the largest first step, in percent of traffic' },
  'plan.maxExposurePercent': { name: 'maxExposurePercent', max: 100, what: 'the largest exposure, in percent of traffic' },
  'plan.deadlineMinutes': { name: 'deadlineMinutes', max: 10_080, what: 'minutes to full exposure, at most a week' },
} as const satisfies Record<string, { name: keyof PlanConstraints; max: number; what: string }>;

/**
 * Metadata `plan.maxFirstStepPercent`, `plan.maxExposurePercent`, `plan.deadlineMinutes`: the plan's constraints, read
 * as POST /v1/rollout/plan reads its `constraints` (the same bounds; one no plan meets is the gate's to say). They
 * shape the plan chosen at plan.rpm, so without plan.rpm they are refused rather than ignored. Undefined when none.
 */
export function planConstraints(meta: Record<string, string>, hasRpm: boolean): PlanConstraints | undefined {
  let out: PlanConstraints | undefined;
  for (const [key, c] of Object.entries(CONSTRAINT_KEYS)) {
    const v = meta[key];
    if (v === undefined) continue;
    const field = `body.metadata.${key}`;
    if (!hasRpm) throw new BadInput(field, 'is a constraint on the plan, which is chosen only at the traffic plan.rpm gives: give plan.rpm too');
    const x = v.trim() === '' ? NaN : Number(v);
    if (!(Number.isFinite(x) && x <= c.max)) throw new BadInput(field, `must be ${c.what}: a number up to ${c.max} (got ${JSON.stringify(v)})`);
    out = { ...out, [c.name]: x };
  }
  return out;
}

/** Metadata `plan.bakeMinutes`: minutes of bake after full exposure (default 30, as POST /v1/rollout/plan). */
export function planBakeMinutes(meta: Record<string, string>, hasRpm: boolean): number {
  const v = meta['plan.bakeMinutes'];
  if (v === undefined) return 30;
  if (!hasRpm) throw new BadInput('body.metadata.plan.bakeMinutes', 'shapes the plan, which is chosen only at the traffic plan.rpm gives: give plan.rpm too');
  const x = v.trim() === '' ? NaN : Number(v);
  if (!(Number.isInteger(x) && x >= 0 && x <= 10_080)) throw new BadInput('body.metadata.plan.bakeMinutes', `must be whole minutes of bake after full exposure, in [0, 10080] (got ${JSON.stringify(v)})`);
  return x;
}

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

const GATE_HOOKS = ['confirm-rollout', 'confirm-promotion'];
/** The metadata keys the hooks read, with the hooks that read them; `risk.<feature>` is any key under `risk.`. */
export const METADATA_KEYS: Readonly<Record<string, readonly string[]>> = {
  weight: ['rollback'],
  'slo.objective': ['rollback'],
  'risk.max': GATE_HOOKS,
  'risk.<feature>': GATE_HOOKS,
  'window.days': GATE_HOOKS,
  'window.hours': GATE_HOOKS,
  'window.timezone': GATE_HOOKS,
  'plan.rpm': GATE_HOOKS,
  'plan.maxFirstStepPercent': GATE_HOOKS,
  'plan.maxExposurePercent': GATE_HOOKS,
  'plan.deadlineMinutes': GATE_HOOKS,
  'plan.bakeMinutes': GATE_HOOKS,
};
const METADATA_PREFIXES = ['risk', 'slo', 'window', 'plan'];

/**
 * Refuses (400 naming the key) metadata a hook would otherwise ignore while the caller meant it as a gate: a key under a
 * known prefix (risk., slo., window., in any case or one letter off) that is not a known key, a key one or two letters
 * from a known one (weigth, Window.Hours), and a known key on a hook that does not read it. Other keys (another tool's
 * metadata) are left alone.
 */
export function checkMetadataKeys(hook: string, meta: Record<string, string>): void {
  const known = Object.keys(METADATA_KEYS).filter((k) => !k.includes('<'));
  for (const key of Object.keys(meta)) {
    const field = `body.metadata.${key}`;
    const family = key.startsWith('risk.') && key !== 'risk.max' ? 'risk.<feature>' : key;
    const readers = METADATA_KEYS[family];
    if (family === 'risk.<feature>' && editDistance(key.toLowerCase(), 'risk.max') <= 1) throw new BadInput(field, `is not a metadata key rolloutlab reads (did you mean "risk.max"?)`);
    if (readers) {
      if (!readers.includes(hook)) throw new BadInput(field, `is read by the ${readers.join(' and ')} hook${readers.length > 1 ? 's' : ''} only, not by ${hook}: move it to ${readers.length > 1 ? 'one of those' : 'that'} webhook's metadata`);
      continue;
    }
    const lower = key.toLowerCase();
    const dot = lower.indexOf('.');
    const prefix = dot < 0 ? lower : lower.slice(0, dot);
    const underPrefix = dot >= 0 && METADATA_PREFIXES.some((p) => editDistance(prefix, p) <= (p.length > 3 ? 1 : 0));
    let best = '';
    let bestD = Infinity;
    for (const k of known) {
      const d = editDistance(lower, k);
      if (d < bestD) [best, bestD] = [k, d];
    }
    if (!underPrefix && !(bestD <= 2 && key.length >= 4)) continue;
    // A feature with the risk prefix in the wrong case: suggest the same feature under "risk.".
    const suggestion = prefix === 'risk' && dot >= 0 && bestD > 2 ? `risk.${key.slice(dot + 1)}` : best;
    throw new BadInput(field, `is not a metadata key rolloutlab reads (did you mean "${suggestion}"?); known keys: ${Object.keys(METADATA_KEYS).join(', ')}`);
  }
}

/** Whether `now` is inside the declared deploy window (metadata `window.days`, `window.hours`, `window.timezone`); null when none is declared. */
export function inDeployWindow(meta: Record<string, string>, now: Date): { ok: boolean; reason: string } | null {
  const days = meta['window.days'];
  const hours = meta['window.hours'];
  if (days === undefined && hours === undefined) return null;
  const tz = meta['window.timezone'] ?? 'UTC';
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = new Intl.DateTimeFormat('en-US', { timeZone: tz, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(now);
  } catch {
    throw new BadInput('body.metadata.window.timezone', `must be an IANA time zone such as Europe/Paris (got ${JSON.stringify(tz)})`);
  }
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  const day = DAYS.indexOf(get('weekday').toLowerCase().slice(0, 3));
  const minute = Number(get('hour')) * 60 + Number(get('minute'));
  const local = `${get('weekday')} ${get('hour')}:${get('minute')} ${tz}`;
  if (days !== undefined) {
    const allowed = new Set<number>();
    for (const part of days.toLowerCase().split(',').map((s) => s.trim()).filter(Boolean)) {
      const [a, b] = part.split('-').map((s) => DAYS.indexOf(s.trim().slice(0, 3)));
      if (a < 0 || (b !== undefined && b < 0)) throw new BadInput('body.metadata.window.days', `must be days such as "Mon-Fri" or "Mon,Wed" (got ${JSON.stringify(days)})`);
      for (let d = a; ; d = (d + 1) % 7) {
        allowed.add(d);
        if (b === undefined || d === b) break;
      }
    }
    if (!allowed.has(day)) return { ok: false, reason: `outside the deploy window: ${local} is not one of ${days}` };
  }
  if (hours !== undefined) {
    const m = /^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$/.exec(hours);
    if (!m) throw new BadInput('body.metadata.window.hours', `must be "HH:MM-HH:MM" (got ${JSON.stringify(hours)})`);
    const from = Number(m[1]) * 60 + Number(m[2]);
    const to = Number(m[3]) * 60 + Number(m[4]);
    const inside = from <= to ? minute >= from && minute < to : minute >= from || minute < to;
    if (!inside) return { ok: false, reason: `outside the deploy window: ${local} is not within ${hours}` };
  }
  return { ok: true, reason: `inside the deploy window (${local})` };
}
