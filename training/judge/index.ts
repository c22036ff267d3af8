// The ML canary judge (`judge` model family): the public door. See docs/judge.md.
export { JUDGE_FEATURES, JUDGE_FEATURE_NAMES, windowFeatures, type JudgeMetricGroup, type WindowSummary } from './features.ts';
export { readJudgeWindows, judgeWindowsFrom, concatWindows, splitByDeployment, judgeDataDirs, type LabelledWindows, type JudgeSplit } from './data.ts';
export { JudgeModel, registerMlWindowJudge, canaryRequestsAll, type JudgeModelJSON, type JudgeResult, type JudgeOptions, type JudgeDecision } from './model.ts';
export { fitJudge, MIN_CANARY_REQUESTS, GUESS_ACCURACY, type JudgeFit, type JudgeFitOptions, type JudgePart } from './fit.ts';
export { evaluateJudge, evaluateJudgeOn, formatJudgeEvaluation, scoreVerdicts, type JudgeEvaluation, type VerdictScore, type SliceScores } from './evaluate.ts';
export { trainJudge, loadJudge, fitJudgeOn, JUDGE_FAMILY, JUDGE_MODEL_FILE, type JudgeTrainOptions, type JudgeTrainResult } from './family.ts';
export { drawSharedIncident, withSharedIncident, type SharedIncident } from './augment.ts';
export { trainJudgeReplay, evaluateJudgeReplay, replayTimeSplit, replayScore, JUDGE_REPLAY_FAMILY, REPLAY_MIN_WINDOWS, REPLAY_MIN_DEPLOYMENTS, type ReplayJudgeInput, type JudgeReplayTrainResult, type JudgeReplayEvaluation, type ReplayScore, type ReplaySplit } from './replay.ts';
