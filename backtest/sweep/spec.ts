// The sweep spec (`rolloutlab sweep --spec <file>`, docs/sweep.md): which scenarios, seeds, policies and backtest
// options to cross. A closed schema: an unknown or misspelt key is refused with the key named, never ignored (a grid
// the user meant must not silently not run). `parseSweepSpec` checks a parsed JSON / YAML object; `loadSweepSpec`
// reads the file. Names are checked here too (scenarios load, strategies parse against each scenario, policies exist),
// so a bad spec fails before any shard runs.
import { readFileSync } from 'node:fs';
import { dirname, extname, isAbsolute, resolve } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { parse as parseYaml } from 'yaml';
import { RolloutlabError, show } from '../../lib/errors.ts';
import { loadScenario } from '../../sim/index.ts';
import { parseStrategy } from '../../sim/strategy.ts';
import type { Scenario } from '../../sim/scenario-schema.ts';
import { policyNames } from '../../policies/index.ts';

const Name = Type.String({ minLength: 1, maxLength: 1024 });

export const SweepGridSchema = Type.Object(
  {
    strategy: Type.Optional(
      Type.Array(Name, {
        minItems: 1,
        maxItems: 100,
        uniqueItems: true,
        description: 'rollout strategies, as backtest --strategy takes them: canary[:steps] | blue-green[:previewMin] | rolling[:batches] | progressive[:region|tenant] | optimised; "scenario" for the scenario\'s own rollout',
      }),
    ),
  },
  { additionalProperties: false },
);

export const SweepSpecSchema = Type.Object(
  {
    scenarios: Type.Array(Name, { minItems: 1, maxItems: 1000, uniqueItems: true, description: 'built-in scenario names or .json / .yaml scenario files (relative to the spec file)' }),
    seeds: Type.Array(Type.Integer({ minimum: 0, maximum: 2 ** 32 - 1 }), { minItems: 1, maxItems: 100_000, uniqueItems: true, description: 'seeds, as backtest --seed' }),
    policies: Type.Array(Name, { minItems: 1, maxItems: 100, uniqueItems: true, description: 'rollout policies, as backtest --policies' }),
    deployments: Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'deployments per backtest, as backtest --deployments' }),
    models: Type.Optional(Type.String({ minLength: 1, maxLength: 4096, description: 'model registry for learned policies such as ml (relative to the spec file); --models overrides it' })),
    grid: Type.Optional(SweepGridSchema),
  },
  { additionalProperties: false },
);
export type SweepSpecInput = Static<typeof SweepSpecSchema>;

/** The strategy value that means "the scenario's own rollout" (backtest without --strategy). */
export const SCENARIO_STRATEGY = 'scenario';

/** A checked spec with its scenarios loaded. */
export interface SweepSpec {
  /** Scenarios as written (the rows' `scenario`), each with its loaded configuration. */
  scenarios: { name: string; scenario: Scenario }[];
  seeds: number[];
  policies: string[];
  deployments: number;
  /** Strategy specs as written, `null` for the scenario's own rollout (always at least one entry). */
  strategies: (string | null)[];
  /** The registry path the spec gives (absolute), or null. */
  models: string | null;
}

const KNOWN = 'scenarios, seeds, policies, deployments, models, grid {strategy}';
const problem = (source: string, field: string, message: string) => new RolloutlabError('BAD_ARGUMENT', `${source}: ${field} ${message}`, field);

/**
 * Checks a parsed spec (JSON or YAML) against the closed schema and the names it holds; throws a BAD_ARGUMENT error
 * naming the first bad key (`policies[1] "argoo" is not a policy (known: …)`). Files named in it are resolved against
 * `baseDir` (the spec file's folder).
 */
export function parseSweepSpec(raw: unknown, source = 'sweep spec', baseDir = process.cwd()): SweepSpec {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw problem(source, '(root)', `must hold an object with ${KNOWN} (got ${show(raw)})`);
  const err = Value.Errors(SweepSpecSchema, raw).First();
  if (err) {
    const field = err.path.split('/').slice(1).map((s, i) => (/^\d+$/.test(s) && i > 0 ? `[${s}]` : (i ? '.' : '') + s)).join('') || '(root)';
    if (/unexpected property|additional propert/i.test(err.message)) throw problem(source, field, `is not a key of the sweep spec (known: ${KNOWN})`);
    if (/required property/i.test(err.message)) throw problem(source, field, `is missing (a sweep spec needs scenarios, seeds, policies and deployments)`);
    throw problem(source, field, `= ${show(err.value)}: ${err.message.toLowerCase()}`);
  }
  const s = raw as SweepSpecInput;
  const known = policyNames();
  s.policies.forEach((p, i) => {
    if (!known.includes(p)) throw problem(source, `policies[${i}]`, `${JSON.stringify(p)} is not a policy (known: ${known.join(', ')})`);
  });
  const scenarios = s.scenarios.map((name, i) => {
    // A file is read relative to the spec; a built-in by its name.
    const path = /\.(json|ya?ml)$/i.test(name) && !isAbsolute(name) ? resolve(baseDir, name) : name;
    try {
      return { name, scenario: loadScenario(path) };
    } catch (e) {
      if (e instanceof RolloutlabError) throw new RolloutlabError(e.code, `${source}: scenarios[${i}]: ${e.message}`, `scenarios[${i}]`);
      throw e;
    }
  });
  const strategies = (s.grid?.strategy ?? [SCENARIO_STRATEGY]).map((x) => (x === SCENARIO_STRATEGY ? null : x));
  strategies.forEach((st, i) => {
    if (st === null || st === 'optimised') return;
    for (const { name, scenario } of scenarios) {
      try {
        parseStrategy(st, scenario);
      } catch (e) {
        if (e instanceof RolloutlabError) throw problem(source, `grid.strategy[${i}]`, `${JSON.stringify(st)} (scenario ${name}): ${e.message.replace(/^--strategy[^:]*: /, '')}`);
        throw e;
      }
    }
  });
  return { scenarios, seeds: [...s.seeds], policies: [...s.policies], deployments: s.deployments, strategies, models: s.models === undefined ? null : resolve(baseDir, s.models) };
}

/** Reads a spec file (.yaml, .yml or .json) and checks it; NOT_FOUND when the file is not there. */
export function loadSweepSpec(path: string): SweepSpec {
  const abs = resolve(path);
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new RolloutlabError(code === 'ENOENT' ? 'NOT_FOUND' : 'IO', `sweep spec ${abs}: ${code === 'ENOENT' ? 'no such file' : (e as Error).message}`, 'spec');
  }
  let raw: unknown;
  try {
    raw = extname(abs).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new RolloutlabError('BAD_ARGUMENT', `${abs}: not valid ${extname(abs).toLowerCase() === '.json' ? 'JSON' : 'YAML'}: ${(e as Error).message}`, 'spec');
  }
  return parseSweepSpec(raw, abs, dirname(abs));
}
