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
  /** Progressive: whole regions (or tenants) switch one at a time, smallest first. */
  | { kind: 'progressive'; by: 'region' | 'tenant'; stepMinutes: number; bakeMinutes: number };

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

/** Expand a strategy into the stage plan for one service. */
export function planFor(strategy: Strategy, svc: Service, tenants: readonly string[]): Plan {
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
      const order = units.map((_, i) => i).sort((a, b) => unitShares[a] - unitShares[b] || a - b);
      stages = order.map((_, k) => {
        const exposure = units.map(() => 0);
        for (let j = 0; j <= k; j++) exposure[order[j]] = 1;
        return { exposure, mirror: 0, dwellMinutes: strategy.stepMinutes };
      });
      break;
    }
  }
  const last = stages[stages.length - 1];
  last.dwellMinutes = 0;
  const plannedMinutes = stages.slice(0, -1).reduce((a, st) => a + st.dwellMinutes, 0) + strategy.bakeMinutes;
  return { strategy, unitKind, units, unitShares, stages, bakeMinutes: strategy.bakeMinutes, plannedMinutes };
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
