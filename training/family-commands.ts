// What every model family offers the command line: `train <family>` and `evaluate <family>`, each printing the same
// result as JSON (--json) or as text. The families' rows (training/families.ts) point at their implementations.
import type { DecisionBy, ModelRegistry, PromotionResult } from './registry.ts';
import type { RiskFeedbackOptions } from './risk/family.ts';
import type { ReplayJudgeInput } from './judge/replay.ts';
import type { HyperParamRequest } from './hyper-params.ts';

/** A result, as JSON and as the text a terminal prints. */
export interface Printed {
  json: unknown;
  text: string;
}

export interface TrainContext {
  registry: ModelRegistry;
  /** Progress of a long stage (epochs, windows): `done` of `total`. */
  onProgress: (stage: string, done: number, total: number) => void;
  /** Outcome feedback added to the training part (families whose row says `feedback: true`). */
  feedback?: RiskFeedbackOptions;
  /**
   * The hyper-parameters asked for (`--config`, `--set`, `--epochs`...): the family resolves them for the registry folder
   * it trains into (training/hyper-params.ts `resolveHyperParamRequest`). Absent: the defaults.
   */
  hyperParams?: HyperParamRequest;
}

export interface FamilyCommands {
  /** Train on data sets (comma-separated dirs), register the version with its card, promote it if it is at least as good. */
  train(data: string, c: TrainContext): Promise<Printed>;
  /** The champion's (or a version's) card, or with `data` its scores on those data sets' held-out parts. */
  evaluate(registry: ModelRegistry, o: { data?: string; version?: string }): Promise<Printed>;
  /**
   * Families that learn from recorded rollouts (`--replay <file>`): train on the file's labelled windows, cut by
   * backtest/replay.ts (the command line reads the file: that layer sits above this one), and evaluate on its held-out part.
   */
  trainReplay?(input: ReplayJudgeInput, c: TrainContext): Promise<Printed>;
  evaluateReplay?(input: ReplayJudgeInput, registry: ModelRegistry, o: { version?: string }): Promise<Printed>;
  /**
   * `models promote <family> <version>` without --force: the champion rule training applies, run again on the
   * version's own held-out data (the data sets on its card). Absent: the family's rule cannot be re-run from the
   * command line yet, and promotion by hand needs --force --reason.
   */
  promote?(registry: ModelRegistry, family: string, version: string, who: DecisionBy): Promise<PromotionResult>;
}
