// The retry family's hyper-parameters: the AdaGrad fit's (training/retry/train.ts RETRY_TRAIN_OPTIONS), the waste
// budget the threshold is chosen under, and the share of each world's pipelines that validates when one or two data
// sets are split in time. With three or more data sets the worlds are the parts (the last held out, a third of the
// others validating), and `validationShare` does not apply. The held-out part is not a hyper-parameter.
import type { Static } from '@sinclair/typebox';
import { hyperParamObject, intParam, numParam } from '../hyper-param-schema.ts';
import { MAX_WASTED_RETRIES, RETRY_TRAIN_OPTIONS } from './train.ts';

/** The parts of each data set, by the start of its pipelines: train, validation (the default of `validationShare`), held out. */
export const RETRY_SPLIT = { train: 0.6, validation: 0.2 } as const;

export const RetryHyperParamsSchema = hyperParamObject({
  seed: intParam(RETRY_TRAIN_OPTIONS.seed, 0, 2 ** 31 - 1, 'seed of the order the fitting rows are visited in, each pass'),
  epochs: intParam(RETRY_TRAIN_OPTIONS.epochs, 1, 100, 'passes over the fitting rows'),
  learningRate: numParam(RETRY_TRAIN_OPTIONS.learningRate, 0, 10, 'AdaGrad step size', true),
  l2: numParam(RETRY_TRAIN_OPTIONS.l2, 0, 1, 'L2 penalty per update'),
  maxWastedRetries: numParam(MAX_WASTED_RETRIES, 0, 1, 'retries per persistent failure the next world may waste, predicted from the validation replay: the threshold is the lowest within it'),
  validationShare: numParam(RETRY_SPLIT.validation, 0, 0.5, "with one or two data sets: share of each world's pipelines, after the fitting ones, that validates (calibration, threshold); the newest 20 % are held out", true),
});

export type RetryHyperParams = Static<typeof RetryHyperParamsSchema>;
