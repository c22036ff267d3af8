// The serving API's request and response schemas in one index (docs/server.md), for the code that reads the whole
// contract at once (the fail-closed bench fuzzes every route's body) and the tests. Each route group keeps its TypeBox
// schemas next to its plugin; the handlers' TypeScript types are `Static<>` of the same schemas.
export * from './common-schemas.ts';
export * from './routes/ops-schemas.ts';
export * from './routes/canary-schemas.ts';
export * from './routes/rollout-schemas.ts';
export * from './routes/risk-schemas.ts';
export { RollbackPlanQuerySchema } from './routes/rollback-plan.ts';
export * from './routes/rollout-plan-schemas.ts';
export { RollbackRequestSchema } from '../sim/release/schema.ts';
export { RollbackPlanSchema } from '../policies/rollback-plan/schema.ts';
export * from './routes/feedback-schemas.ts';
export * from './routes/pipeline-schemas.ts';
export * from './routes/anomaly-schemas.ts';
export * from './routes/deploy-windows-schemas.ts';
export * from './routes/decisions-schemas.ts';
export * from './routes/controls-schemas.ts';
export * from './adapters/argo-contract.ts';
export * from './adapters/flagger-contract.ts';
export * from './adapters/kayenta-contract.ts';
