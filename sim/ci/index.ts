// sim/ci/ — the simulated CI/CD failure world: a catalogue of failure kinds with many realistic messages, log
// tails around them, and a world over time whose failed step attempts carry the truth of what a retry would do.
//
//   scenario + seed ─▶ simulateCiFailures ─▶ CiWorld { failures: CiFailure[] (log tail, history, truth), … }
//
// docs/ci-failures.md describes the kinds and how to read the truth.
export { simulateCiFailures, type CiWorld } from './world.ts';
export type { CiFailure, CiFailureTruth } from './record.ts';
export type { RetryOutcome } from './attempt.ts';
export type { CiHistoryView, CiOutcome } from './history.ts';
export type { CiRepo, CiTest, RunnerPool } from './repos.ts';
export type { CiWindow } from './windows.ts';
export { CI_FAILURE_KINDS, ciKind, findCiKind, kindsOfCategory, fittingTemplates } from './catalogue.ts';
export { CI_STEPS, ECOSYSTEMS, CI_SYSTEMS, CI_CATEGORIES, REMEDIATIONS, RETRY_WAITS_MIN } from './types.ts';
export type { CiStep, Ecosystem, CiSystem, CiCategory, Remediation, FailureKind, Template } from './types.ts';
export { DEFAULT_CI_OPTIONS, type CiWorldOptions } from './options.ts';
export { ciWorldToTables, ciFailuresFromRows, CI_FAILURES_TABLE } from './tables.ts';
export { walkRetries, replayEpisodes, type WalkDecision, type WalkCaps, type WalkResult, type EpisodeResult, type ReplayCounts } from './replay.ts';
