// What a recovery step does in the release world: how long it takes and whether it fails (docs/rollback-plans.md
// "Steps take time and can fail"). A helm rollback times out now and then; a down migration meets rows written into
// what it would drop and refuses (Atlas) or fails (Flyway, Liquibase); a restore takes tens of minutes and loses what was
// written since its restore point; people answer pages and approvals later at night. The fate of a step depends on the
// world and on what it acts on, never on who planned it: the draw is keyed by the deployment, the kind, the target and
// the attempt, so two planners that take the same step meet the same fate.
import { Rng } from '../../lib/rng.ts';
import type { DeployTool, MigrationTool } from './schema.ts';

export const STEP_KINDS = [
  'notify',
  'approval',
  'flag-off',
  'abort',
  'scale-down-canary',
  'revert',
  'migration-down',
  'roll-forward',
  'freeze-writes',
  'restore',
  'invalidate-cache',
  'verify',
  'escalate',
  'repair-data',
] as const;
export type StepKind = (typeof STEP_KINDS)[number];

export interface StepTarget {
  deployment: string;
  kind: StepKind;
  /** Service, database, migration or flag the step acts on ('' for none). */
  target: string;
  unit?: string;
  attempt: number;
  /** The world's seed. */
  seed: number;
}

export interface StepFate {
  minutes: number;
  fails: boolean;
  why: string;
}

export interface FateContext {
  tool?: DeployTool;
  migrationTool?: MigrationTool;
  /** Rows were written into what the migration added. */
  newDataWritten?: boolean;
  /** A revert that skips the controller's canary steps and analysis. */
  fastTrack?: boolean;
  /** Restore from point-in-time recovery (false: from a snapshot). */
  pitr?: boolean;
  offHours: boolean;
}

/** Minutes until a person acts on a page or an approval request. */
export function humanDelay(offHours: boolean, rng: Rng): number {
  return offHours ? rng.uniform(30, 90) : rng.uniform(10, 30);
}

const REVERT: Record<DeployTool, [number, number, number, string]> = {
  'argo-rollouts': [2, 5, 0.02, 'the Rollout did not become healthy on the previous revision in time'],
  flagger: [3, 8, 0.04, 'the Canary did not finish promoting the previous version in time'],
  helm: [2, 6, 0.1, 'helm rollback timed out waiting for the pods'],
  kubectl: [1, 4, 0.03, 'the rollout of the previous ReplicaSet stalled'],
};
const ABORT: Record<DeployTool, [number, number, number]> = {
  'argo-rollouts': [0.5, 1.5, 0.01],
  flagger: [1, 3, 0.02],
  helm: [1, 4, 0.03],
  kubectl: [1, 4, 0.03],
};

/** How long a step takes and whether it fails, in the world of `t`. */
export function stepFate(t: StepTarget, ctx: FateContext): StepFate {
  const rng = new Rng(t.seed, 'release-step', t.deployment, t.kind, t.target, t.unit ?? '', String(t.attempt));
  const ok = (minutes: number): StepFate => ({ minutes, fails: false, why: '' });
  const chance = (lo: number, hi: number, p: number, why: string): StepFate => {
    const minutes = rng.uniform(lo, hi);
    return rng.bernoulli(p) ? { minutes: hi, fails: true, why } : ok(minutes);
  };
  switch (t.kind) {
    case 'notify':
      return ok(0.1);
    case 'approval':
      return ok(t.attempt > 0 ? 0 : humanDelay(ctx.offHours, rng) / 2);
    case 'flag-off':
      return chance(0.3, 1, 0.01, 'the flag service did not acknowledge the change');
    case 'abort':
    case 'scale-down-canary': {
      const [lo, hi, p] = ABORT[ctx.tool ?? 'kubectl'];
      return chance(lo, hi, p, 'traffic did not shift back in time');
    }
    case 'revert': {
      const tool = ctx.tool ?? 'kubectl';
      // Argo Rollouts and Flagger walk the previous version through the canary steps and analysis again, unless told not to.
      if ((tool === 'argo-rollouts' || tool === 'flagger') && !ctx.fastTrack) return chance(10, 30, REVERT[tool][2], REVERT[tool][3]);
      const [lo, hi, p, why] = REVERT[tool];
      return chance(lo, hi, p, why);
    }
    case 'migration-down': {
      if (ctx.newDataWritten) {
        const refuses = ctx.migrationTool === 'atlas' ? 0.9 : 0.7;
        if (rng.bernoulli(refuses)) return { minutes: rng.uniform(0.5, 3), fails: true, why: ctx.migrationTool === 'atlas' ? 'atlas refused: the down would drop data written since the migration' : 'the down migration failed on rows written since the migration' };
      }
      return chance(1, 10, 0.03, 'the down migration failed (lock timeout)');
    }
    case 'roll-forward':
      return chance(25, 60, 0.1, 'the fix did not pass its checks');
    case 'freeze-writes':
      return chance(0.5, 2, 0.02, 'writers did not drain in time');
    case 'restore':
      return ctx.pitr ? chance(20, 60, 0.05, 'the point-in-time restore failed (missing WAL segment)') : chance(30, 90, 0.05, 'the snapshot restore failed');
    case 'invalidate-cache':
      return chance(0.5, 2, 0.02, 'the cache flush did not complete');
    case 'verify':
      return ok(rng.uniform(2, 4));
    case 'escalate':
      return ok(humanDelay(ctx.offHours, rng));
    case 'repair-data':
      return ok(rng.uniform(120, 360));
  }
}
