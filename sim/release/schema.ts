// What a rollback plan is asked for: a deployment's release as a deploy system sees it at the moment things go wrong
// (docs/rollback-plans.md "The request"). The changed services with their deploy tool, where each rollout stands and
// which units (regions / tenants) are exposed, whose new API each one calls, the schema migrations and whether they
// ran, feature flags, database backups, what is failing, and the dependency graph of the whole system. One closed
// schema: the release world writes it, `plan rollback --from <file>` and POST /v1/rollback/plan read it, the drill
// hands it to every planner. Times are ISO 8601 (UTC).
import { Type, type Static, type TLiteral, type TUnion } from '@sinclair/typebox';

export const DEPLOY_TOOLS = ['argo-rollouts', 'flagger', 'helm', 'kubectl'] as const;
export type DeployTool = (typeof DEPLOY_TOOLS)[number];
export const MIGRATION_TOOLS = ['atlas', 'flyway', 'liquibase'] as const;
export type MigrationTool = (typeof MIGRATION_TOOLS)[number];
/** Expand adds (columns, tables) and keeps the old code working; contract removes what the old code used. */
export const MIGRATION_PHASES = ['expand', 'contract'] as const;
/** reversible: a down migration exists; irreversible: it destroys data, no down; leave-in-place: additive, safe to keep. */
export const REVERSIBILITY = ['reversible', 'irreversible', 'leave-in-place'] as const;
export const ROLLOUT_STATES = ['pending', 'rolling', 'promoted'] as const;
export const UNIT_KINDS = ['all', 'region', 'tenant'] as const;
export const SIGNALS = ['errors', 'latency', 'kpi', 'saturation', 'data-integrity'] as const;
export type Signal = (typeof SIGNALS)[number];

const lit = <T extends readonly string[]>(xs: T, description: string) => Type.Union(xs.map((x) => Type.Literal(x)), { description }) as unknown as TUnion<TLiteral<T[number]>[]>;
const Name = (description: string) => Type.String({ minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9][A-Za-z0-9._:/-]*$', description });
/** An ISO 8601 time with its offset (2026-03-04T10:15:00Z). */
export const ISO_TIME = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,9})?)?(Z|[+-]\\d{2}:\\d{2})$';
const Time = (description: string) => Type.String({ pattern: ISO_TIME, maxLength: 40, description });
const closed = { additionalProperties: false } as const;

export const ReleaseServiceSchema = Type.Object(
  {
    name: Name('the service, as named in graph.services'),
    tool: lit(DEPLOY_TOOLS, 'what deploys it: argo-rollouts (a Rollout), flagger (a Canary), helm (a release), kubectl (a Deployment)'),
    namespace: Name('Kubernetes namespace'),
    fromVersion: Name('the version it replaces (image tag or chart revision)'),
    toVersion: Name('the version being rolled out'),
    helmRevision: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'helm: the revision to roll back to' })),
    state: lit(ROLLOUT_STATES, 'pending: not started; rolling: canary / progressive rollout under way; promoted: all traffic on the new version'),
    unitKind: lit(UNIT_KINDS, 'all: one rollout; region: one cluster (kube context) per region; tenant: traffic routed per tenant'),
    exposure: Type.Record(Name('unit'), Type.Number({ minimum: 0, maximum: 1 }), { description: "share of each unit's traffic on the new version ('all' when unitKind is all)" }),
    usesNewApiOf: Type.Array(Name('a callee changed in this release'), { maxItems: 100, description: 'changed callees whose new API this version calls: they must stay on their new version while this one runs' }),
    flag: Type.Optional(Name('the feature flag that guards the new code path')),
  },
  { ...closed, description: 'a service the release changes' },
);

export const MigrationSchema = Type.Object(
  {
    id: Name('migration id'),
    service: Name('the service whose release carries it'),
    database: Name('the database it changes'),
    phase: lit(MIGRATION_PHASES, 'expand (additive) or contract (removes what old code used)'),
    reversibility: lit(REVERSIBILITY, 'reversible (has a down), irreversible (destroys data, no down) or leave-in-place (additive, safe to keep)'),
    tool: lit(MIGRATION_TOOLS, 'the migration tool'),
    backwardCompatible: Type.Boolean({ description: 'whether the version it replaces still works on the migrated schema (what a migration linter reports)' }),
    ran: Type.Boolean({ description: 'whether it has been applied' }),
    fromVersion: Name('schema version before it'),
    toVersion: Name('schema version after it'),
  },
  { ...closed, description: 'a schema migration of the release' },
);

export const FlagSchema = Type.Object(
  {
    key: Name('flag key'),
    service: Name('the service it guards'),
    on: Type.Boolean({ description: 'whether the new code path is on' }),
  },
  { ...closed, description: 'a feature flag' },
);

export const BackupSchema = Type.Object(
  {
    database: Name('the database'),
    pitr: Type.Boolean({ description: 'point-in-time restore available (base backup + archived WAL)' }),
    lastSnapshotAt: Type.Optional(Time('the last full snapshot')),
  },
  { ...closed, description: 'what a database can be restored from' },
);

export const FailingSchema = Type.Object(
  {
    service: Name('the failing service (any service of graph.services)'),
    unit: Type.Optional(Name('the region or tenant the failure is confined to')),
    signal: lit(SIGNALS, 'what fails: errors, latency, kpi, saturation, data-integrity (a data check fails)'),
    since: Type.Optional(Time('first seen')),
  },
  { ...closed, description: 'a failing signal' },
);

export const GraphSchema = Type.Object(
  {
    services: Type.Array(Name('service'), { minItems: 1, maxItems: 20000, description: 'every service of the system' }),
    dependencies: Type.Array(
      Type.Object({ caller: Name('caller'), callee: Name('callee'), kind: lit(['sync', 'async'] as const, 'sync (request/response) or async (queue)') }, closed),
      { maxItems: 200000, description: 'who calls whom' },
    ),
  },
  { ...closed, description: 'the dependency graph' },
);

export const RollbackRequestSchema = Type.Object(
  {
    deployment: Name('the deployment (rollout) that went wrong'),
    release: Type.Optional(Name('the release it belongs to')),
    at: Time('now: when the plan is asked for'),
    offHours: Type.Optional(Type.Boolean({ description: 'outside the team’s working hours: risky steps wait for an approval' })),
    services: Type.Array(ReleaseServiceSchema, { minItems: 1, maxItems: 200, description: 'the services this release changes' }),
    migrations: Type.Array(MigrationSchema, { maxItems: 200 }),
    flags: Type.Array(FlagSchema, { maxItems: 200 }),
    backups: Type.Array(BackupSchema, { maxItems: 200 }),
    failing: Type.Array(FailingSchema, { maxItems: 1000, description: 'what monitoring sees failing now' }),
    graph: GraphSchema,
  },
  { ...closed, description: 'a deployment and its current state: what a rollback plan is made for' },
);

export type ReleaseService = Static<typeof ReleaseServiceSchema>;
export type Migration = Static<typeof MigrationSchema>;
export type Flag = Static<typeof FlagSchema>;
export type Backup = Static<typeof BackupSchema>;
export type Failing = Static<typeof FailingSchema>;
export type Graph = Static<typeof GraphSchema>;
export type RollbackRequest = Static<typeof RollbackRequestSchema>;
