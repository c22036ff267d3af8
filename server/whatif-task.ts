// POST /v1/whatif's work, as a what-if worker thread runs it (server/offload.ts): the world the body names (or the
// server's), the change in it, then backtest/whatif-world.ts `whatIfInWorld` — the code `rolloutlab whatif` runs — with
// the fields named as the body names them. Each worker keeps the last WORLDS_KEPT periods it simulated (within
// WORLD_CELLS_KEPT), so what-ifs in the same world simulate it once (about a second for the default scenario); a new
// worker loads the simulator and the default world as it starts (prepareWhatIf). The route checks the body with the
// same functions before it takes a worker.
import { RolloutlabError, isRolloutlabError } from '../lib/errors.ts';
import { closestName } from '../lib/names.ts';
import type { Scenario } from '../sim/scenario-schema.ts';
import type { GamModel } from '../training/gam.ts';
import type { Period } from '../backtest/worlds.ts';
import type { ChangeFeatureValue, WhatIfChange } from '../backtest/whatif-world.ts';
import { BadInput } from './decide.ts';
import { DEFAULT_WHATIF_RUNS, type WhatIfBody, type WhatIfTaskAnswer } from './routes/whatif-schemas.ts';

/** The worlds a what-if may run in: the scenarios a request may name, and the world of a request that names none. */
export interface WhatIfWorlds {
  /** The scenarios by name (`serve` gives the built-ins and its --whatif-scenario). */
  scenarios: Record<string, Scenario>;
  /** The scenario of a request that names none (one of `scenarios`). */
  scenario: string;
  /** The seed of a request that gives none. */
  seed: number;
}

/** Periods of worlds a worker keeps at most. */
export const WORLDS_KEPT = 4;
/**
 * And at most this many service-minutes of traffic among them (a world holds about 9 bytes a service-minute: the
 * default scenario's 24 services × 14 days take 5.5 MB, `large`'s 600 services × 7 days 53 MB): two worlds of
 * `large`, about 110 MB, so the server stays inside its container's memory whatever scenarios and seeds are asked for.
 */
export const WORLD_CELLS_KEPT = 13_000_000;

/** The scenario a body names (or the server's), or a 400 naming `body.scenario` with the names it may take. */
export function whatIfScenario(body: WhatIfBody, worlds: WhatIfWorlds): string {
  const name = body.scenario ?? worlds.scenario;
  if (Object.hasOwn(worlds.scenarios, name)) return name;
  const names = Object.keys(worlds.scenarios).sort();
  const near = closestName(name, names);
  throw new BadInput('body.scenario', `${JSON.stringify(name)} is not a scenario of this server${near ? ` (did you mean ${JSON.stringify(near)}?)` : ''}: it has ${names.join(', ')} (a request names a scenario; it never reads a file)`);
}

/** The change a body asks about: a deployment of the world, or a proposed change (400 naming the field when the body mixes them or lacks one). */
export function whatIfChange(body: WhatIfBody): WhatIfChange {
  if (body.deployment !== undefined) {
    for (const k of ['service', 'start', 'features', 'id'] as const) {
      if (body[k] !== undefined) throw new BadInput(`body.${k}`, 'belongs to a proposed change: give deployment (a deployment of the world, which has its own) or service and start, not both');
    }
    return { deployment: body.deployment };
  }
  if (body.service === undefined) throw new BadInput('body.deployment', 'is required, or service and start for a proposed change');
  if (body.start === undefined) throw new BadInput('body.start', 'is required with service: the minute of the world the rollout would start');
  // (The schema has checked each feature's kind and range; the library checks them again, for its other callers.)
  return { service: body.service, start: body.start, features: body.features as Record<string, ChangeFeatureValue | undefined> | undefined, id: body.id };
}

const kept = new Map<string, Period>();

/** Period `k` of a world, from the worker's last WORLDS_KEPT. */
function periodOf(simulate: (s: Scenario, seed: number, k: number) => Period, name: string, scenario: Scenario, seed: number, k: number): Period {
  const key = JSON.stringify([name, seed, k]);
  let p = kept.get(key);
  if (p) kept.delete(key);
  else p = simulate(scenario, seed, k);
  kept.set(key, p);
  const cells = (x: Period) => x.world.topology.services.length * x.world.calendar.minutes;
  let total = [...kept.values()].reduce((a, x) => a + cells(x), 0);
  // The oldest go first; the one just asked for always stays.
  while (kept.size > 1 && (kept.size > WORLDS_KEPT || total > WORLD_CELLS_KEPT)) {
    const oldest = kept.keys().next().value!;
    total -= cells(kept.get(oldest)!);
    kept.delete(oldest);
  }
  return p;
}

/**
 * A new what-if worker's first work, before any request: load the simulator and simulate the default world, so the
 * first what-if does not wait for them (seconds). A job that arrives meanwhile waits for it.
 */
export async function prepareWhatIf(worlds: WhatIfWorlds): Promise<void> {
  const { simulatePeriod } = await import('../backtest/worlds.ts');
  await import('../backtest/whatif-world.ts');
  periodOf(simulatePeriod, worlds.scenario, worlds.scenarios[worlds.scenario], worlds.seed, 0);
}

/** The what-if a body asks for, with `risk` the risk champion (or none); bad input is a 400 naming the body's field. */
export async function runWhatIf(raw: unknown, risk: { model: GamModel; version: string } | null, worlds: WhatIfWorlds): Promise<WhatIfTaskAnswer> {
  const body = raw as WhatIfBody;
  const name = whatIfScenario(body, worlds);
  const change = whatIfChange(body);
  const seed = body.seed ?? worlds.seed;
  const { whatIfInWorld } = await import('../backtest/whatif-world.ts');
  const { simulatePeriod } = await import('../backtest/worlds.ts');
  try {
    const a = whatIfInWorld(
      { scenario: worlds.scenarios[name], scenarioName: name, seed, change, risk, strategy: body.strategy ?? 'optimised', runs: body.runs ?? DEFAULT_WHATIF_RUNS, stress: body.stress ?? true },
      { field: (n) => `body.${n}`, period: (s, sd, k) => periodOf(simulatePeriod, name, s, sd, k) },
    );
    return { scenario: name, riskModel: a.risk?.modelVersion ?? null, imputed: a.risk?.imputed ?? [], notes: a.notes, ...a.result };
  } catch (e) {
    // The library names the body's fields (body.deployment, body.runs, …): a 400 naming the field, whatever its code.
    if (isRolloutlabError(e) && (e.code === 'BAD_ARGUMENT' || e.code === 'NOT_FOUND') && e.field?.startsWith('body.')) throw new RolloutlabError('BAD_ARGUMENT', e.message, e.field.slice('body.'.length));
    throw e;
  }
}
