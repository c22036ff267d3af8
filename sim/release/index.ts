// sim/release/ — the release world that rollback plans are made for and drilled in: for a deployment of a simulated
// world with a material fault, the release around it when the fault is detected (several services with contract
// dependencies, migrations, flags, backups, region / tenant units, data corruption), the closed schema of a rollback
// request, and what each recovery step does in this world (how long it takes, whether it fails).
//
//   World + Deployment ─▶ releaseFor ─▶ Release { request (what a planner sees), truth (what a drill executes against) }
//
// docs/rollback-plans.md describes the world and its assumptions.
export { releaseFor, releasesOf, beforeDeploy, type Release, type ReleaseTruth } from './world.ts';
export { stepFate, humanDelay, STEP_KINDS, type StepKind, type StepFate, type StepTarget, type FateContext } from './steps.ts';
export * from './schema.ts';
