// Rollout strategies (docs/backtest.md) and their normalised plan: a list of stages, each a traffic exposure held for
// a dwell time, then a bake period at full exposure. The environment only ever sees a plan, so a new strategy
// is a new way of building stages.
import type { Scenario } from './scenario-schema.ts';
import type { Service } from './topology.ts';
import { RolloutlabError } from '../lib/errors.ts';

export type Strategy =
  /** Canary with explicit weight steps in percent (the last must be 100), `stepMinutes` at each, or `dwellMinutes[i]` at step i (one per step before the last). */
  | { kind: 'canary'; steps: number[]; stepMinutes: number; bakeMinutes: number; dwellMinutes?: number[] }
  /** Blue-green: the new version gets mirrored traffic (responses discarded) for a preview, then all traffic. */
  | { kind: 'blue-green'; previewMinutes: number; mirrorPercent: number; bakeMinutes: number }
  /** Rolling update: `batches` equal batches of pods replaced one after the other. */
  | { kind: 'rolling'; batches: number; batchMinutes: number; bakeMinutes: number }
  /**
   * Progressive: whole regions (or tenants) switch one at a time, smallest first (tenants: least critical first when the
   * scenario gives `topology.tenantCriticality`), `stepMinutes` each. Optional: an explicit `order` of the units; a ramp
   * inside the first unit before it switches whole (`firstUnitSteps`, percent of that unit's traffic, the last 100, with
   * `firstUnitDwellMinutes` per step before the last, default `stepMinutes`); and an `exposureCap`: the new version takes
   * at most `percent` of the service's traffic until the first unit has run `minutes` at the highest exposure the cap
   * allows it. A ramp inside every later unit too (`unitSteps`, percent of that unit's traffic, the last 100, with
   * `unitDwellMinutes` per step before the last, default `stepMinutes`): each unit after the first then goes out at
   * those steps before it is whole; without it a later unit switches from nothing to all of its traffic.
   */
  | {
      kind: 'progressive';
      by: 'region' | 'tenant';
      stepMinutes: number;
      bakeMinutes: number;
      order?: string[];
      firstUnitSteps?: number[];
      firstUnitDwellMinutes?: number[];
      unitSteps?: number[];
      unitDwellMinutes?: number[];
      exposureCap?: ExposureCap;
    };

/** Until the first unit has run `minutes` at its highest exposure under the cap, at most `percent` of the service's traffic is on the new version. */
export interface ExposureCap {
  percent: number;
  minutes: number;
}

export const STRATEGY_KINDS = ['canary', 'blue-green', 'rolling', 'progressive'] as const;

export interface Stage {
  /** Share (0..1) of each unit's traffic on the new version. Units: 'all', or the service's regions / tenants. */
  exposure: number[];
  /** Mirrored share of traffic (blue-green preview): observed on the new version, never served to users. */
  mirror: number;
  /** Minutes a schedule-following policy keeps this stage before advancing. */
  dwellMinutes: number;
}

export interface Plan {
  strategy: Strategy;
  /** 'all' (one unit, weight applies uniformly), 'region' or 'tenant'. */
  unitKind: 'all' | 'region' | 'tenant';
  units: string[];
  /** Traffic share of each unit (sums to 1). */
  unitShares: number[];
  stages: Stage[];
  bakeMinutes: number;
  /** Minutes from the first stage to the end of the bake when every stage is kept for its dwell time. */
  plannedMinutes: number;
}

/** The scenario's default strategy (the one the unguarded counterfactual of the world uses). */
export const scenarioStrategy = (s: Scenario): Strategy => ({ kind: 'canary', steps: [...s.rollout.steps], stepMinutes: s.rollout.stepMinutes, bakeMinutes: s.rollout.bakeMinutes });

/**
 * The order a progressive strategy exposes its units in (indices into `units`): the strategy's `order` when it gives
 * one (a permutation of the units, else BAD_ARGUMENT naming `strategy.order`); otherwise, by tenant with a criticality
 * per tenant, the least critical first, then the least traffic first; otherwise the least traffic first. Ties keep the
 * units' own order.
 */
export function unitOrder(units: readonly string[], shares: readonly number[], order?: readonly string[], criticality?: readonly number[]): number[] {
  if (order !== undefined) {
    const idx = order.map((name) => units.indexOf(name));
    const missing = units.filter((u) => !order.includes(u));
    if (idx.some((i) => i < 0) || new Set(idx).size !== idx.length || missing.length > 0) {
      const unknown = order.filter((name) => !units.includes(name));
      const why = unknown.length ? `names ${unknown.map((x) => JSON.stringify(x)).join(', ')}, not one of ${units.join(', ')}` : missing.length ? `leaves out ${missing.join(', ')}` : 'names a unit twice';
      throw new RolloutlabError('BAD_ARGUMENT', `strategy.order: must list every unit of the service once (${units.join(', ')}); it ${why}`, 'strategy.order');
    }
    return idx;
  }
  const crit = criticality && criticality.length === units.length ? criticality : null;
  return units.map((_, i) => i).sort((a, b) => (crit ? crit[a] - crit[b] : 0) || shares[a] - shares[b] || a - b);
}

/**
 * Expand a strategy into the stage plan for one service. `tenantCriticality` (one per tenant, higher is more critical)
 * orders a progressive plan by tenant, least critical first.
 */
export function planFor(strategy: Strategy, svc: Service, tenants: readonly string[], tenantCriticality?: readonly number[]): Plan {
  const all = (w: number, dwell: number, mirror = 0): Stage => ({ exposure: [w], mirror, dwellMinutes: dwell });
  let stages: Stage[];
  let unitKind: Plan['unitKind'] = 'all';
  let units = ['all'];
  let unitShares = [1];
  switch (strategy.kind) {
    case 'canary':
      stages = strategy.steps.map((p, i) => all(p / 100, strategy.dwellMinutes?.[i] ?? strategy.stepMinutes));
      break;
    case 'blue-green':
      stages = [all(0, strategy.previewMinutes, strategy.mirrorPercent / 100), all(1, 0)];
      break;
    case 'rolling':
      stages = Array.from({ length: strategy.batches }, (_, i) => all((i + 1) / strategy.batches, strategy.batchMinutes));
      break;
    case 'progressive': {
      unitKind = strategy.by;
      units = strategy.by === 'region' ? [...svc.regions] : [...tenants];
      unitShares = strategy.by === 'region' ? [...svc.regionShares] : [...svc.tenantShares];
      stages = progressiveStages(strategy, units, unitShares, strategy.by === 'tenant' ? tenantCriticality : undefined);
      break;
    }
  }
  const last = stages[stages.length - 1];
  last.dwellMinutes = 0;
  const plannedMinutes = stages.slice(0, -1).reduce((a, st) => a + st.dwellMinutes, 0) + strategy.bakeMinutes;
  return { strategy, unitKind, units, unitShares, stages, bakeMinutes: strategy.bakeMinutes, plannedMinutes };
}

/**
 * The stages of a progressive strategy over `units` with traffic `shares` (before the last stage's dwell is set to
 * 0): the ramp inside the first unit, then one more unit per stage — each after the first ramped inside itself at
 * `unitSteps` when the strategy gives them, the units before it whole — under the exposure cap when there is one.
 */
export function progressiveStages(strategy: Extract<Strategy, { kind: 'progressive' }>, units: readonly string[], shares: readonly number[], criticality?: readonly number[]): Stage[] {
  const order = unitOrder(units, shares, strategy.order, criticality);
  // Unit order[k] at `share` of its traffic, the units before it whole.
  const at = (k: number, share: number, dwellMinutes: number): Stage => {
    const exposure = units.map(() => 0);
    for (let j = 0; j < k; j++) exposure[order[j]] = 1;
    exposure[order[k]] = share;
    return { exposure, mirror: 0, dwellMinutes };
  };
  const ramp = (k: number, steps: readonly number[] | undefined, dwells: readonly number[] | undefined): Stage[] =>
    (steps ?? []).slice(0, -1).map((p, i) => at(k, p / 100, dwells?.[i] ?? strategy.stepMinutes));
  let stages: Stage[] = [];
  order.forEach((_, k) => {
    stages = stages.concat(k === 0 ? ramp(0, strategy.firstUnitSteps, strategy.firstUnitDwellMinutes) : ramp(k, strategy.unitSteps, strategy.unitDwellMinutes));
    stages.push(at(k, 1, strategy.stepMinutes));
  });
  if (strategy.exposureCap) stages = capStages(stages, shares, order[0], strategy.exposureCap);
  return stages;
}

/**
 * Apply an exposure cap to progressive stages (`first`: the first unit): every stage up to the first one above the cap
 * is under it; before that one, the first unit runs `cap.minutes` at the highest exposure the cap allows it — a stage
 * at that exposure is added when none is there, and the last stage under the cap is held longer when the first unit's
 * time at it falls short. A cap no stage exceeds changes nothing.
 */
function capStages(stages: Stage[], shares: readonly number[], first: number, cap: ExposureCap): Stage[] {
  const c = cap.percent / 100;
  const weight = (st: Stage) => st.exposure.reduce((a, e, u) => a + shares[u] * e, 0);
  const above = stages.findIndex((st) => weight(st) > c + 1e-12);
  if (above < 0) return stages;
  const top = shares[first] > 0 ? Math.min(1, c / shares[first]) : 1;
  const out = stages.slice(0, above);
  const prev = out[out.length - 1];
  if (!prev || prev.exposure[first] < top - 1e-12) {
    const exposure = stages[0].exposure.map(() => 0);
    exposure[first] = top;
    out.push({ exposure, mirror: 0, dwellMinutes: cap.minutes });
  } else {
    let held = 0;
    for (const st of out) if (st.exposure[first] >= top - 1e-12) held += st.dwellMinutes;
    if (held < cap.minutes) prev.dwellMinutes += cap.minutes - held;
  }
  return out.concat(stages.slice(above));
}

/** Share of user traffic on the new version for an exposure vector. */
export function userWeight(plan: Plan, exposure: readonly number[]): number {
  let w = 0;
  for (let u = 0; u < exposure.length; u++) w += plan.unitShares[u] * exposure[u];
  return w > 1 ? 1 : w;
}

/** Check a strategy's numbers; throws BAD_ARGUMENT naming the field. */
export function validateStrategy(st: Strategy): Strategy {
  const bad = (field: string, msg: string): never => {
    throw new RolloutlabError('BAD_ARGUMENT', `strategy.${field}: ${msg}`, `strategy.${field}`);
  };
  const posInt = (field: string, v: unknown, min = 1) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) bad(field, `must be an integer >= ${min}, got ${JSON.stringify(v)}`);
  };
  if (!STRATEGY_KINDS.includes(st.kind)) bad('kind', `must be one of ${STRATEGY_KINDS.join(', ')}, got ${JSON.stringify(st.kind)}`);
  posInt('bakeMinutes', st.bakeMinutes, 0);
  switch (st.kind) {
    case 'canary':
      if (!Array.isArray(st.steps) || st.steps.length === 0) bad('steps', 'must be a non-empty list of percentages');
      st.steps.forEach((p, i) => {
        if (typeof p !== 'number' || !(p > 0 && p <= 100)) bad(`steps[${i}]`, `must be in (0, 100], got ${JSON.stringify(p)}`);
        if (i > 0 && p <= st.steps[i - 1]) bad(`steps[${i}]`, `must be larger than the step before (${st.steps[i - 1]})`);
      });
      if (st.steps[st.steps.length - 1] !== 100) bad('steps', 'the last step must be 100');
      posInt('stepMinutes', st.stepMinutes);
      if (st.dwellMinutes !== undefined) {
        if (!Array.isArray(st.dwellMinutes) || st.dwellMinutes.length !== st.steps.length - 1) bad('dwellMinutes', `must give one dwell per step before the last (${st.steps.length - 1}), got ${JSON.stringify(st.dwellMinutes)}`);
        st.dwellMinutes.forEach((d, i) => posInt(`dwellMinutes[${i}]`, d));
      }
      break;
    case 'blue-green':
      posInt('previewMinutes', st.previewMinutes);
      if (typeof st.mirrorPercent !== 'number' || !(st.mirrorPercent >= 0 && st.mirrorPercent <= 100)) bad('mirrorPercent', `must be in [0, 100], got ${JSON.stringify(st.mirrorPercent)}`);
      break;
    case 'rolling':
      posInt('batches', st.batches);
      posInt('batchMinutes', st.batchMinutes);
      break;
    case 'progressive':
      if (st.by !== 'region' && st.by !== 'tenant') bad('by', `must be region or tenant, got ${JSON.stringify(st.by)}`);
      posInt('stepMinutes', st.stepMinutes);
      if (st.order !== undefined) {
        if (!Array.isArray(st.order) || st.order.length === 0) bad('order', `must be a non-empty list of the units' names, got ${JSON.stringify(st.order)}`);
        st.order.forEach((u, i) => {
          if (typeof u !== 'string' || u === '') bad(`order[${i}]`, `must be a unit's name, got ${JSON.stringify(u)}`);
          if (st.order!.indexOf(u) !== i) bad(`order[${i}]`, `${JSON.stringify(u)} is already at order[${st.order!.indexOf(u)}]`);
        });
      }
      // A ramp inside a unit: its steps (percent of the unit's traffic, increasing, the last 100) and a dwell per step before the last.
      const unitRamp = (stepsField: string, steps: unknown, dwellField: string, dwells: unknown, which: string) => {
        if (steps !== undefined) {
          if (!Array.isArray(steps) || steps.length === 0) bad(stepsField, `must be a non-empty list of percentages of ${which} unit's traffic, got ${JSON.stringify(steps)}`);
          const ps = steps as unknown[];
          ps.forEach((p, i) => {
            if (typeof p !== 'number' || !(p > 0 && p <= 100)) bad(`${stepsField}[${i}]`, `must be in (0, 100], got ${JSON.stringify(p)}`);
            if (i > 0 && (p as number) <= (ps[i - 1] as number)) bad(`${stepsField}[${i}]`, `must be larger than the step before (${ps[i - 1]})`);
          });
          if (ps[ps.length - 1] !== 100) bad(stepsField, `the last step must be 100 (${which} unit whole)`);
        }
        if (dwells !== undefined) {
          if (steps === undefined) bad(dwellField, `needs ${stepsField}`);
          const n = (steps as unknown[]).length - 1;
          if (!Array.isArray(dwells) || dwells.length !== n) bad(dwellField, `must give one dwell per ${which === 'the first' ? 'first-unit' : 'unit'} step before the last (${n}), got ${JSON.stringify(dwells)}`);
          (dwells as unknown[]).forEach((d, i) => posInt(`${dwellField}[${i}]`, d));
        }
      };
      unitRamp('firstUnitSteps', st.firstUnitSteps, 'firstUnitDwellMinutes', st.firstUnitDwellMinutes, 'the first');
      unitRamp('unitSteps', st.unitSteps, 'unitDwellMinutes', st.unitDwellMinutes, 'each later');
      if (st.exposureCap !== undefined) {
        const cap = st.exposureCap as unknown;
        if (!cap || typeof cap !== 'object' || Array.isArray(cap)) bad('exposureCap', `must be {percent, minutes}, got ${JSON.stringify(cap)}`);
        const extra = Object.keys(cap as object).filter((k) => k !== 'percent' && k !== 'minutes');
        if (extra.length) bad(`exposureCap.${extra[0]}`, 'is not a field of the cap (percent, minutes)');
        const { percent, minutes } = st.exposureCap;
        if (typeof percent !== 'number' || !(percent > 0 && percent <= 100)) bad('exposureCap.percent', `must be in (0, 100] (percent of the service's traffic), got ${JSON.stringify(percent)}`);
        posInt('exposureCap.minutes', minutes);
      }
      break;
  }
  return st;
}

/**
 * Parse a strategy given on the command line: `canary:0.1,1,5,25,50,100`, `blue-green`, `rolling:4`,
 * `progressive:region` or `progressive:tenant`. Dwell and bake minutes come from the scenario's rollout.
 */
export function parseStrategy(text: string, s: Scenario): Strategy {
  const colon = text.indexOf(':');
  const kind = colon < 0 ? text : text.slice(0, colon);
  // `kind:` with nothing after the colon is a mistake, not a request for the defaults (write the kind alone).
  const arg = colon < 0 ? undefined : text.slice(colon + 1);
  const { stepMinutes, bakeMinutes } = s.rollout;
  const badArg = (msg: string): never => {
    throw new RolloutlabError('BAD_ARGUMENT', `--strategy ${JSON.stringify(text)}: ${msg}`, 'strategy');
  };
  if (arg !== undefined && arg.trim() === '') badArg(`nothing after "${kind}:" (write "${kind}" alone for the scenario's defaults, or give a value after the colon)`);
  const number = (raw: string, what: string): number => {
    const t = raw.trim();
    if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(t)) badArg(`${what} ${JSON.stringify(raw)} is not a number`);
    return Number(t);
  };
  let st: Strategy;
  switch (kind) {
    case 'canary':
      st = { kind, steps: arg !== undefined ? arg.split(',').map((x, i) => number(x, `step ${i + 1}`)) : [...s.rollout.steps], stepMinutes, bakeMinutes };
      break;
    case 'blue-green':
      st = { kind, previewMinutes: arg !== undefined ? number(arg, 'preview minutes') : stepMinutes * 2, mirrorPercent: 5, bakeMinutes };
      break;
    case 'rolling':
      st = { kind, batches: arg !== undefined ? number(arg, 'batches') : 4, batchMinutes: stepMinutes, bakeMinutes };
      break;
    case 'progressive':
      st = { kind, by: (arg ?? 'region') as 'region', stepMinutes, bakeMinutes };
      break;
    default:
      throw new RolloutlabError('BAD_ARGUMENT', `--strategy: unknown strategy ${JSON.stringify(kind)} (expected ${STRATEGY_KINDS.join(', ')})`, 'strategy');
  }
  return validateStrategy(st);
}
