// Loading champions without a tensor engine or async I/O: policies are built synchronously, in worker threads too
// (the backtester hands them to the `ml` policy, policies/ml.ts). Files are checked against their card's sha256 like
// ModelRegistry.loadModel does.
import { join } from 'node:path';
import { RolloutlabError } from '../lib/errors.ts';
import { defaultModelsRoot, readChampionPointerSync, readVersionSync } from './registry.ts';
import { GamModel, type GamJSON } from './gam.ts';
import { RollbackPredictor, type RollbackPredictorJSON } from './predictive-rollback/model.ts';
import { JudgeModel, type JudgeModelJSON } from './judge/model.ts';
import { RetryModel, type RetryModelJSON } from './retry/model.ts';

export const RETRY_FAMILY = 'retry';
export const RETRY_MODEL_FILE = 'retry.json';

export const ROLLBACK_FAMILY = 'rollback';
export const ROLLBACK_MODEL_FILE = 'rollback.json';

/**
 * One file of a family's champion (or a version), or null when the family has no champion and `optional`. The
 * pointer and the version are checked (training/registry.ts readChampionPointerSync / readVersionSync): only a
 * registry version loads, and every file its card lists must match the card's sha256, not only the one returned.
 */
export function readChampionFileSync(root: string, family: string, file: string, version = 'champion', optional = false): { bytes: Buffer; version: string } | null {
  const famDir = join(root, family);
  let v = version;
  if (v === 'champion') {
    const ptr = readChampionPointerSync(root, family);
    if (ptr === null) {
      if (optional) return null;
      throw new RolloutlabError('NOT_FOUND', `no ${family} champion in ${famDir} (train one with rolloutlab train ${family} --data <dir>, or run npm start)`, 'models');
    }
    v = ptr.version;
  }
  const { files } = readVersionSync(root, family, v);
  const bytes = files[file];
  if (bytes === undefined) throw new RolloutlabError('BAD_DATA', `${family} ${v}/${file} is not listed on its card`, `files.${file}`);
  return { bytes, version: v };
}

/** The rollback champion (or a version). */
export function loadRollbackSync(root = defaultModelsRoot(), version = 'champion'): { model: RollbackPredictor; version: string } {
  const r = readChampionFileSync(root, ROLLBACK_FAMILY, ROLLBACK_MODEL_FILE, version)!;
  return { model: new RollbackPredictor(JSON.parse(r.bytes.toString('utf8')) as RollbackPredictorJSON), version: r.version };
}

/** The risk champion's scorer (of the registry folder `folder`: `risk-history` for a team's own history), or null when there is none (the prior is then unknown). */
export function loadRiskSync(root = defaultModelsRoot(), folder = 'risk'): { model: GamModel; version: string } | null {
  const r = readChampionFileSync(root, folder, 'gam.json', 'champion', true);
  return r && { model: GamModel.fromJSON(JSON.parse(r.bytes.toString('utf8')) as GamJSON), version: r.version };
}

/** The canary-judge champion (of the registry folder `folder`: `judge-replay` for a team's recorded rollouts), or null when there is none. */
export function loadJudgeSync(root = defaultModelsRoot(), folder = 'judge'): { model: JudgeModel; version: string } | null {
  const r = readChampionFileSync(root, folder, 'judge.json', 'champion', true);
  return r && { model: JudgeModel.fromJSON(JSON.parse(r.bytes.toString('utf8')) as JudgeModelJSON), version: r.version };
}

/** The retry champion (or a version), or null when the family has no champion. */
export function loadRetrySync(root = defaultModelsRoot(), version = 'champion'): { model: RetryModel; version: string } | null {
  const r = readChampionFileSync(root, RETRY_FAMILY, RETRY_MODEL_FILE, version, true);
  return r && { model: new RetryModel(JSON.parse(r.bytes.toString('utf8')) as RetryModelJSON), version: r.version };
}

/** The champions the learned rollout policy reads: the rollback predictor (required), the risk model and the canary judge (when the registry has them). */
export function loadRolloutChampionsSync(root = defaultModelsRoot()): { rollback: { model: RollbackPredictor; version: string }; risk: { model: GamModel; version: string } | null; judge: { model: JudgeModel; version: string } | null } {
  return { rollback: loadRollbackSync(root), risk: loadRiskSync(root), judge: loadJudgeSync(root) };
}
