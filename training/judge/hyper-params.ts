// The judge family's hyper-parameters: `judge` (trained on backtest data sets) and `judge-replay` (trained on a team's
// recorded rollouts) share the nets' and the decision's, and differ in what `validationShare` is a share of. The held-out
// part is not one of them: it is what a candidate and the champion are compared on.
import type { Static } from '@sinclair/typebox';
import { hyperParamObject, intListParam, intParam, numParam } from '../hyper-param-schema.ts';
import { REPLAY_VALIDATION_SHARE, SPLIT_SHARES } from './data.ts';
import { GUESS_ACCURACY, JUDGE_FIT_DEFAULTS } from './fit.ts';
import { NET_DEFAULTS } from './net.ts';

const common = {
  seed: intParam(JUDGE_FIT_DEFAULTS.seed, 0, 2 ** 31 - 1, 'root seed of the split by deployment, the initialisers, the shuffles and the augmentation'),
  members: intParam(JUDGE_FIT_DEFAULTS.members, 1, 20, 'nets in the ensemble (their logits are averaged)'),
  hidden: intListParam(NET_DEFAULTS.hidden, 1, 1024, 4, 'hidden layer widths of each net'),
  learningRate: numParam(NET_DEFAULTS.learningRate, 0, 1, 'Adam step size', true),
  batchSize: intParam(NET_DEFAULTS.batchSize, 1, 65_536, 'windows per gradient step'),
  maxEpochs: intParam(NET_DEFAULTS.maxEpochs, 1, 10_000, 'most epochs per net'),
  patience: intParam(NET_DEFAULTS.patience, 1, 10_000, 'stop after this many epochs without a lower validation loss'),
  monotoneShare: numParam(NET_DEFAULTS.monotoneShare, 0, 1, "share of each hidden layer in the branch that is monotone in the canary's bad-request features"),
  clip: numParam(JUDGE_FIT_DEFAULTS.clip, 0, 1000, 'standardised features are clipped to ± this', true),
  augmentShared: numParam(JUDGE_FIT_DEFAULTS.augmentShared, 0, 1, 'share of fitting windows copied with a synthetic shared incident in both cohorts'),
  guessAccuracy: numParam(GUESS_ACCURACY, 0.5, 1, 'the low-traffic band around the threshold grows while validation verdicts in it were right at most this often'),
};

export const JudgeHyperParamsSchema = hyperParamObject({
  ...common,
  validationShare: numParam(SPLIT_SHARES.validation, 0, 0.5, 'share of deployments that validate (early stopping, calibration, thresholds); 15 % are always held out', true),
});

export const JudgeReplayHyperParamsSchema = hyperParamObject({
  ...common,
  seed: intParam(JUDGE_FIT_DEFAULTS.seed, 0, 2 ** 31 - 1, 'root seed of the initialisers, the shuffles and the augmentation (the split is by time)'),
  validationShare: numParam(REPLAY_VALIDATION_SHARE, 0, 0.5, 'newest share of the deployments before the held-out 20 % that validates (calibration, thresholds, the choice of candidate)', true),
});

export type JudgeHyperParams = Static<typeof JudgeHyperParamsSchema>;
export type JudgeReplayHyperParams = Static<typeof JudgeReplayHyperParamsSchema>;
