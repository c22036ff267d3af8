// lib → datasets → sim → judges → detectors → training → policies → backtest → server → cli
//                  ▲ the seeded world: scenarios, worlds, the rollout environment, the world as tables
//
// sim/ — the seeded world model. One door: scenario loading, world simulation, and the world as tables.
//
//   scenario (JSON/YAML) ─▶ loadScenario ─▶ simulateWorld(scenario, seed) ─▶ World ─▶ worldToTables ─▶ datasets/
export { ScenarioSchema, TIERS, FAULT_KINDS, type Scenario, type Tier, type FaultKind } from './scenario-schema.ts';
export { loadScenario, parseScenario, builtinScenarios, scenarioDigest, parseUtc, SCENARIO_DIR } from './load-scenario.ts';
export { simulateWorld, type World, type Deployment, type Progress } from './world.ts';
export { worldToTables } from './tables.ts';
export { RISK_FEATURES, RISK_MODEL_FEATURES, riskFeatureCells, encodeRiskCell, type RiskFeature } from './risk-features.ts';
export { summarizeWorld, type WorldSummary } from './summary.ts';
export { Rng } from '../lib/rng.ts';
export { canaryWeight, rolloutWindow, runUnguarded } from './unguarded.ts';
export { sampleCohort } from './observe.ts';
export { faultEffect, isMaterial, badRatio, slowShare, baseBadRatio, type Fault, type Effect } from './faults.ts';
export { intrinsicFailureProbability, trueFailureProbability, poolTriggerProbability } from './changes.ts';
export { onCallCover, freezeAt, nextUnfrozen, minuteToMs } from './calendar.ts';
