// The risk family's hyper-parameters (registry folders `risk` and `risk-history`, one schema): the additive model's
// options (training/gam.ts GAM_DEFAULTS) and the share of the training part that stops early and calibrates. The
// held-out part (the newest 20 % of each data set) is not one of them: `evaluate` and `models promote` find it again
// from the data alone, and a champion is compared with a candidate on it.
import type { Static } from '@sinclair/typebox';
import { GAM_DEFAULTS, type GamOptions } from '../gam.ts';
import { boolParam, hyperParamObject, intParam, numParam, oneOfParam } from '../hyper-param-schema.ts';
import { RISK_VALIDATION_SHARE } from './pipeline.ts';

/** Model options of the registered risk model (over GAM_DEFAULTS). */
export const RISK_GAM_OPTIONS: Partial<GamOptions> = {};
const gam: GamOptions = { ...GAM_DEFAULTS, ...RISK_GAM_OPTIONS };

export const RiskHyperParamsSchema = hyperParamObject({
  learningRate: numParam(gam.learningRate, 0, 1, 'Adam step size of the full-batch fit', true),
  maxEpochs: intParam(gam.maxEpochs, 1, 100_000, 'most epochs of the early-stopping fit'),
  patience: intParam(gam.patience, 1, 100_000, 'stop after this many epochs without a lower validation loss'),
  l2: numParam(gam.l2, 0, 1, 'L2 penalty on the linear and interaction weights (four times it on the hinge weights)'),
  knots: intParam(gam.knots, 0, 20, 'hinges per numeric feature, at training quantiles (0: a straight line)'),
  select: oneOfParam(gam.select, ['best', 'last'] as const, 'keep the epoch with the lowest validation loss (best) or the last one'),
  refit: boolParam(gam.refit, 'fit again on the fitting and validation rows for the chosen number of epochs'),
  refitMinRowsPerWeight: numParam(gam.refitMinRowsPerWeight, 0, 1_000_000, 'refit only with at least this many fitting rows per weight'),
  validationShare: numParam(RISK_VALIDATION_SHARE, 0, 0.5, 'newest share of each data set\'s training part used for early stopping and calibration', true),
});

export type RiskHyperParams = Static<typeof RiskHyperParamsSchema>;
