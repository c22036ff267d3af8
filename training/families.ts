// lib → datasets → sim → judges → detectors → training → policies → backtest → server → cli
//                                             ▲ model families: data → model → train → evaluate, one row each
//
// The model families, one row each: what `rolloutlab train <family>` / `evaluate <family>` run and what the server and
// the learned policies load. A new family is its folder under training/ (data, model, train, evaluate, cli) plus one
// row here.
import { loadJudgeSync, loadRetrySync, loadRiskSync, loadRollbackSync } from './load.ts';
import type { FamilyCommands } from './family-commands.ts';
import type { GamModel } from './gam.ts';
import type { JudgeModel } from './judge/model.ts';
import type { RollbackPredictor } from './predictive-rollback/model.ts';
import type { RetryModel } from './retry/model.ts';

export interface FamilyRow<M> {
  /** What `--data` of `train` holds. */
  data: string;
  /** Whether `train --with-feedback` applies (risk: deployment outcomes; retry: recorded retry outcomes). */
  feedback: boolean;
  /** Its train / evaluate commands, imported when used (they load the tensor engine). */
  commands(): Promise<FamilyCommands>;
  /**
   * Its champion, synchronously and without a tensor engine (null: the registry has none), from the registry folder
   * named like the family or, where FOLDER_FAMILIES lists one for it, from `folder` (the same model trained on a
   * team's own data).
   */
  loadSync(root: string, folder?: string): { model: M; version: string } | null;
}

/** A family whose loader throws NOT_FOUND when there is no champion, made to answer null like the others. */
const orNull =
  <M>(load: (root: string) => { model: M; version: string }) =>
  (root: string): { model: M; version: string } | null => {
    try {
      return load(root);
    } catch (e) {
      if ((e as { code?: string }).code === 'NOT_FOUND') return null;
      throw e;
    }
  };

/** In the order the server lists them (/v1/status). */
export const FAMILIES = {
  judge: {
    data: 'backtest data sets (rolloutlab backtest --out)',
    feedback: false,
    commands: async () => (await import('./judge/cli.ts')).judgeCommands,
    loadSync: loadJudgeSync,
  } satisfies FamilyRow<JudgeModel>,
  rollback: {
    data: 'backtest data sets written with --trajectories',
    feedback: false,
    commands: async () => (await import('./predictive-rollback/cli.ts')).rollbackCommands,
    loadSync: (root: string) => orNull(loadRollbackSync)(root),
  } satisfies FamilyRow<RollbackPredictor>,
  risk: {
    data: 'simulated data sets (rolloutlab simulate), or one imported deployment history (rolloutlab import history)',
    feedback: true,
    commands: async () => (await import('./risk/cli.ts')).riskCommands,
    loadSync: loadRiskSync,
  } satisfies FamilyRow<GamModel>,
  retry: {
    data: 'simulated pipeline data sets (rolloutlab simulate-pipelines)',
    feedback: true,
    commands: async () => (await import('./retry/cli.ts')).retryCommands,
    loadSync: (root: string) => loadRetrySync(root),
  } satisfies FamilyRow<RetryModel>,
};

export type Family = keyof typeof FAMILIES;
export const FAMILY_NAMES = Object.keys(FAMILIES) as Family[];
/** The model a family's champion loads as. */
export type ModelOf<F extends Family> = NonNullable<ReturnType<(typeof FAMILIES)[F]['loadSync']>>['model'];

/** Registry folders that are not rows of their own but a row's model on other data: `risk-history` is the risk family
 *  trained on an imported deployment history (its commands, its champion rule), `judge-replay` the judge trained on a
 *  team's recorded rollouts. */
export const FOLDER_FAMILIES: Readonly<Record<string, Family>> = { 'risk-history': 'risk', 'judge-replay': 'judge' };
