// The rollback family's hyper-parameters: the two-output network's (training/mlp.ts), the ticks it fits on, how the
// thresholds are chosen, and the share of deployments that validate. The held-out part (the newest 20 % of each data
// set's deployments) is not one of them: `evaluate rollback` finds it again from the data alone.
import type { Static } from '@sinclair/typebox';
import { MLP_DEFAULTS, type MlpOptions } from '../mlp.ts';
import { hyperParamObject, intListParam, intParam, numParam } from '../hyper-param-schema.ts';

/** The registered network's settings (over MLP_DEFAULTS). */
export const ROLLBACK_MLP_OPTIONS: Partial<MlpOptions> = { hidden: [48, 24], batchSize: 1024, learningRate: 3e-3, maxEpochs: 25, patience: 3, seed: 1 };
/** Fit on every TRAIN_STRIDE-th tick of each training deployment (neighbouring ticks are nearly the same evidence); validation and thresholds use every tick. */
export const TRAIN_STRIDE = 2;
/** Hold the exposure (do not advance) while P(material fault) is at least this: more evidence before more exposure. */
export const HOLD_THRESHOLD = 0.5;
/** Largest false-rollback rate the thresholds may reach on the validation deployments (the target is 1 %). */
export const FALSE_ROLLBACK_BUDGET = 0.005;
/** Of each data set's deployments in start order, the share after the fitting ones that validates; the newest 20 % are held out. */
export const ROLLBACK_VALIDATION_SHARE = 0.2;

const mlp: MlpOptions = { ...MLP_DEFAULTS, ...ROLLBACK_MLP_OPTIONS };

export const RollbackHyperParamsSchema = hyperParamObject({
  seed: intParam(mlp.seed, 0, 2 ** 31 - 1, 'seed of the initialisers and of the shuffle of the fitting rows'),
  hidden: intListParam(mlp.hidden, 1, 1024, 4, 'hidden layer widths'),
  learningRate: numParam(mlp.learningRate, 0, 1, 'Adam step size', true),
  l2: numParam(mlp.l2, 0, 1, 'L2 penalty on the weights'),
  batchSize: intParam(mlp.batchSize, 1, 65_536, 'ticks per gradient step'),
  maxEpochs: intParam(mlp.maxEpochs, 1, 10_000, 'most epochs'),
  patience: intParam(mlp.patience, 1, 10_000, 'stop after this many epochs without a lower validation loss'),
  trainStride: intParam(TRAIN_STRIDE, 1, 60, "fit on every n-th tick of each fitting deployment"),
  falseRollbackBudget: numParam(FALSE_ROLLBACK_BUDGET, 0, 0.2, 'largest false-rollback rate the thresholds may reach on the validation deployments'),
  holdThreshold: numParam(HOLD_THRESHOLD, 0, 1, 'hold the exposure while P(material fault) is at least this', true),
  validationShare: numParam(ROLLBACK_VALIDATION_SHARE, 0, 0.5, 'share of each data set\'s deployments, after the fitting ones, that validates (early stopping, calibration, thresholds)', true),
});

export type RollbackHyperParams = Static<typeof RollbackHyperParamsSchema>;
