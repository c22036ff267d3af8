// The rollback plan (docs/rollback-plans.md "The plan"): ordered steps with dependencies between them, each with the
// command for the tool that runs it (or none, when a person must act: a plan never invents a command), its
// precondition, the check that says it worked (success condition and timeout), the minutes it should take, what to do
// if it fails, and why it is there. One closed schema for `plan rollback --json`, POST /v1/rollback/plan and the drill.
import { Type, type Static, type TLiteral, type TUnion } from '@sinclair/typebox';
import { ISO_TIME, STEP_KINDS } from '../../sim/release/index.ts';

const closed = { additionalProperties: false } as const;
const Text = (description: string, max = 2000) => Type.String({ minLength: 1, maxLength: max, description });
const kind = Type.Union(STEP_KINDS.map((k) => Type.Literal(k)), { description: 'what the step does' }) as unknown as TUnion<TLiteral<(typeof STEP_KINDS)[number]>[]>;

export const ON_FAILURE_ACTIONS = ['retry', 'fallback', 'escalate', 'continue'] as const;

export const CheckSchema = Type.Object(
  {
    description: Text('what is checked'),
    command: Type.Union([Text('the command or query that checks it'), Type.Null()]),
    success: Text('the condition that means the step worked'),
    timeoutMinutes: Type.Number({ minimum: 0, maximum: 1440, description: 'how long to wait for the condition' }),
  },
  { ...closed, description: 'how to tell the step worked' },
);

const stepCore = {
  id: Type.String({ pattern: '^s[0-9]+[a-z]?$', description: 'step id (s1, s2, …; a fallback: s4f)' }),
  kind,
  service: Type.Optional(Text('the service it acts on', 200)),
  unit: Type.Optional(Text('the region or tenant it is confined to', 200)),
  database: Type.Optional(Text('the database it acts on', 200)),
  migration: Type.Optional(Text('the migration it acts on', 200)),
  flag: Type.Optional(Text('the feature flag it acts on', 200)),
  approvalKey: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._:@/-]*$', maxLength: 128, description: 'needsApproval: the name an approval gives the step (POST /v1/approvals `step`); it stays the same as the plan changes' })),
  fastTrack: Type.Optional(Type.Boolean({ description: 'revert: skip the controller’s canary steps and analysis (Argo Rollouts `promote --full`, Flagger `skipAnalysis`), so the previous version takes all traffic at once' })),
  restoreTo: Type.Optional(Type.String({ pattern: ISO_TIME, description: 'restore: the point in time to restore to (absent: the latest snapshot)' })),
  command: Type.Union([Text('the command to run'), Type.Null()], { description: 'null: a person acts (see `manual`)' }),
  manual: Type.Boolean({ description: 'a person does this step by hand (no command exists for it)' }),
  needsApproval: Type.Boolean({ description: 'the step waits for an approval before it runs' }),
  critical: Type.Boolean({ description: 'recovery depends on it (false: clean-up that may fail without harm)' }),
  precondition: Text('what must hold before it runs'),
  check: CheckSchema,
  expectedMinutes: Type.Number({ minimum: 0, maximum: 1440, description: 'expected duration' }),
  why: Text('why the step is there'),
};

export const FallbackStepSchema = Type.Object(stepCore, { ...closed, description: 'the step that replaces a failed one' });

export const PlanStepSchema = Type.Object(
  {
    ...stepCore,
    after: Type.Array(Type.String({ pattern: '^s[0-9]+$' }), { description: 'steps that must have finished first' }),
    onFailure: Type.Object(
      {
        action: Type.Union(ON_FAILURE_ACTIONS.map((a) => Type.Literal(a)), { description: 'retry once, run the fallback, page a person, or carry on' }) as unknown as TUnion<TLiteral<(typeof ON_FAILURE_ACTIONS)[number]>[]>,
        fallback: Type.Optional(FallbackStepSchema),
        note: Text('what the failure means'),
      },
      closed,
    ),
  },
  { ...closed, description: 'a step of the plan' },
);

export const RollbackPlanSchema = Type.Object(
  {
    deployment: Text('the deployment', 200),
    planner: Text('who made the plan: planned, revert-all or abort', 40),
    at: Type.String({ pattern: ISO_TIME, description: 'the state the plan was made for' }),
    summary: Text('the plan in a sentence'),
    suspects: Type.Array(Type.Object({ service: Text('service', 200), unit: Type.Optional(Text('unit', 200)), why: Text('why it is suspected') }, closed), { description: 'the changed services the plan treats as the cause' }),
    steps: Type.Array(PlanStepSchema),
    expectedMinutes: Type.Number({ minimum: 0, description: 'expected minutes of the longest chain of critical steps' }),
    prepared: Type.Boolean({ description: 'made before the deploy (nothing deployed yet): the plan for the worst case, every changed service promoted and failing' }),
    requirements: Type.Array(Text('what must be true before the deploy'), { description: 'what the release needs so that it can be rolled back: backups, migration order, fallbacks' }),
    escalations: Type.Array(Text('what a person must decide or do'), { description: 'what the plan cannot do by itself' }),
    approvals: Type.Optional(
      Type.Array(
        Type.Object(
          {
            step: Type.String({ description: 'the step id' }),
            key: Type.String({ description: 'its approvalKey' }),
            status: Type.Union([Type.Literal('pending'), Type.Literal('granted')], { description: 'pending: the step waits; granted: approved' }),
            by: Type.Optional(Type.String({ description: 'who approved it' })),
            until: Type.Optional(Type.String({ description: 'until when the approval holds' })),
          },
          closed,
        ),
        { description: 'set by the server: each step needing approval and whether it has one (POST /v1/approvals)' },
      ),
    ),
    warnings: Type.Array(Text('a warning')),
  },
  { ...closed, description: 'a rollback plan' },
);

export type Check = Static<typeof CheckSchema>;
export type FallbackStep = Static<typeof FallbackStepSchema>;
export type PlanStep = Static<typeof PlanStepSchema>;
export type RollbackPlan = Static<typeof RollbackPlanSchema>;
