// A sweep's shards: scenarios × seeds × strategies × policies, in the order the spec lists them. Each shard is one
// backtest of one policy, a pure job: its key (the canonical JSON of everything its result depends on) names its
// Parquet file by content hash, so any worker anywhere that runs it writes the same file, and a file that is already
// there is a shard already done.
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import { RolloutlabError } from '../../lib/errors.ts';
import { scenarioDigest } from '../../sim/index.ts';
import type { Scenario } from '../../sim/scenario-schema.ts';
import { resolvePolicies } from '../../policies/index.ts';
import { defaultModelsRoot, readChampionPointerSync } from '../../training/registry.ts';
import type { SweepSpec } from './spec.ts';

/** Bumped when the meaning of a shard's result changes (so old files are not taken for new ones). */
export const SHARD_KEY_VERSION = 1;

/** The registry versions a shard's result depends on (the champions its policy or strategy loads). */
export interface ShardModels {
  rollback: string | null;
  risk: string | null;
  judge: string | null;
}

/** Everything a shard's result depends on: its canonical JSON is hashed into the shard's id. */
export interface ShardKey {
  v: number;
  /** The scenario as the spec writes it (the row's `scenario`). */
  scenario: string;
  /** Digest of the scenario's loaded configuration: an edited scenario file is a different shard. */
  scenarioDigest: string;
  seed: number;
  policy: string;
  deployments: number;
  /** The strategy spec, null for the scenario's own rollout. */
  strategy: string | null;
  /** Champion versions of the learned models used, null when the shard uses none. */
  models: ShardModels | null;
}

/** What a worker needs to run a shard, wherever it runs: the key, the scenario itself, where to read and write. */
export interface ShardJob {
  id: string;
  /** Position in the spec's order (what `worker --index` selects and the rows are sorted by). */
  index: number;
  key: ShardKey;
  scenario: Scenario;
  /** The registry the learned policies' champions are read from (null when the shard needs none). */
  modelsRoot: string | null;
  /** The sweep's output folder (absolute); the shard's file is `<outDir>/shards/<id>.parquet`. */
  outDir: string;
}

/** JSON with object keys sorted at every level: the same key always gives the same text. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return '[' + v.map(canonicalJson).join(',') + ']';
  if (v && typeof v === 'object') {
    return '{' + Object.keys(v).sort().map((k) => JSON.stringify(k) + ':' + canonicalJson((v as Record<string, unknown>)[k])).join(',') + '}';
  }
  return JSON.stringify(v);
}

/** A shard's id: the first 24 hex digits of the sha256 of its key's canonical JSON. */
export const shardId = (key: ShardKey): string => createHash('sha256').update(canonicalJson(key)).digest('hex').slice(0, 24);

export const SHARDS_DIR = 'shards';
export const shardFile = (outDir: string, id: string): string => join(outDir, SHARDS_DIR, `${id}.parquet`);

/** Whether a policy reads learned models (resolving it without a registry refuses, naming `models`). */
export function policyNeedsModels(name: string): boolean {
  try {
    resolvePolicies([name]);
    return false;
  } catch (e) {
    if (e instanceof RolloutlabError && e.field === 'models') return true;
    throw e;
  }
}

/** The champion versions under `root` (rollback required when `needRollback`); NOT_FOUND naming the registry otherwise. */
export function championVersions(root: string, needRollback: boolean): ShardModels {
  const v = (family: string) => readChampionPointerSync(root, family)?.version ?? null;
  const models = { rollback: v('rollback'), risk: v('risk'), judge: v('judge') };
  if (needRollback && models.rollback === null) {
    throw new RolloutlabError('NOT_FOUND', `learned policies need trained models: ${root} has no rollback champion (give the registry with models: in the spec or --models, or train one: npm start)`, 'models');
  }
  return models;
}

export interface ExpandOptions {
  /** The registry (`--models`; default: the spec's `models`, else ./models or $ROLLOUTLAB_MODELS). */
  models?: string;
  outDir: string;
}

/** The shards of a spec in its order: scenarios, then seeds, then strategies, then policies, as listed. */
export function expandShards(spec: SweepSpec, o: ExpandOptions): ShardJob[] {
  const needs = new Map(spec.policies.map((p) => [p, policyNeedsModels(p)]));
  const anyOptimised = spec.strategies.includes('optimised');
  const anyLearned = [...needs.values()].some(Boolean);
  const modelsRoot = anyLearned || anyOptimised ? resolve(o.models ?? spec.models ?? defaultModelsRoot()) : null;
  // Read once: every shard of the sweep is keyed with the same champions.
  const versions = modelsRoot ? championVersions(modelsRoot, anyLearned) : null;
  const outDir = resolve(o.outDir);
  const jobs: ShardJob[] = [];
  for (const { name, scenario } of spec.scenarios) {
    const digest = scenarioDigest(scenario);
    for (const seed of spec.seeds) {
      for (const strategy of spec.strategies) {
        for (const policy of spec.policies) {
          const learned = needs.get(policy)!;
          const optimised = strategy === 'optimised';
          // Only the models this shard reads are in its key: a new judge champion does not redo the kayenta shards.
          const models: ShardModels | null = learned ? versions! : optimised ? { rollback: null, risk: versions!.risk, judge: null } : null;
          const key: ShardKey = { v: SHARD_KEY_VERSION, scenario: name, scenarioDigest: digest, seed, policy, deployments: spec.deployments, strategy, models };
          jobs.push({ id: shardId(key), index: jobs.length, key, scenario, modelsRoot: learned || optimised ? modelsRoot : null, outDir });
        }
      }
    }
  }
  return jobs;
}
