// Schemas of the human controls (server/routes/controls.ts, docs/server.md "Human controls"): manual overrides per
// deployment, approvals, and the note a decision answer carries when a control changed or qualified it. Every request
// object is closed: a misspelt field is a 400 naming it, never a control that silently does not apply.
import { Type, type Static } from '@sinclair/typebox';
import { Nullable } from '../common-schemas.ts';

/** The longest an override or an approval may last (hours): 30 days. */
export const MAX_CONTROL_HOURS = 720;
/** How long an override or an approval lasts when `until` is not given (hours). */
export const DEFAULT_CONTROL_HOURS = 24;

export const DeploymentIdSchema = Type.String({
  minLength: 1,
  maxLength: 512,
  pattern: '^[A-Za-z0-9][A-Za-z0-9._:@/-]*$',
  description: 'the deployment as the deploy system names it: <namespace>/<name> for Argo Rollouts and Flagger (a bare <name> applies in every namespace), any id for the decision routes (letters, digits and . _ : @ / -)',
});
export const StepIdSchema = Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9][A-Za-z0-9._:@/-]*$', description: 'the plan step (its id in the rollback plan)' });
const Who = Type.String({ minLength: 1, maxLength: 128, pattern: '\\S', description: 'who (a person or a team)' });
const Why = Type.String({ minLength: 1, maxLength: 2000, pattern: '\\S', description: 'why (shown in every answer the control changes: put no secret in it)' });
const Until = Type.String({
  maxLength: 40,
  pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,9})?)?(Z|z|[+-]\\d{2}:\\d{2})$',
  description: `until when (RFC 3339 with a time zone, in the future, at most ${MAX_CONTROL_HOURS / 24} days ahead; default ${DEFAULT_CONTROL_HOURS} h from now)`,
});

export const OverrideActionSchema = Type.Union([Type.Literal('hold'), Type.Literal('promote'), Type.Literal('rollback')], {
  description: 'hold: no advance and no rollback of ours; promote: go, whatever the models say (recorded and flagged when they said no); rollback: roll back now',
});

export const OverrideBodySchema = Type.Object({ deployment: DeploymentIdSchema, action: OverrideActionSchema, by: Who, reason: Why, until: Type.Optional(Until) }, { additionalProperties: false });
export type OverrideBody = Static<typeof OverrideBodySchema>;

export const OverrideSchema = Type.Object({
  deployment: Type.String(),
  action: OverrideActionSchema,
  by: Type.String(),
  reason: Type.String(),
  until: Type.String(),
  setAt: Type.String(),
  clearedAt: Nullable(Type.String()),
  clearedBy: Nullable(Type.String()),
  clearReason: Nullable(Type.String()),
});
export type Override = Static<typeof OverrideSchema>;

export const OverridePostResponseSchema = Type.Object({ override: OverrideSchema, created: Type.Boolean({ description: 'true: no override was active for the deployment (201); false: the active one was replaced (200)' }) });

export const EndedSchema = Type.Object({ deployment: Type.String(), how: Type.String({ description: 'promoted, rolled_back or ended' }), by: Type.String(), reason: Type.String(), at: Type.String() });

export const OverrideClearBodySchema = Type.Object(
  {
    by: Who,
    reason: Why,
    ended: Type.Optional(Type.Boolean({ description: 'the deployment has ended: refuse new overrides and approvals for it (default false)' })),
  },
  { additionalProperties: false },
);
export type OverrideClearBody = Static<typeof OverrideClearBodySchema>;
export const OverrideClearParamsSchema = Type.Object({ deployment: DeploymentIdSchema }, { additionalProperties: false });
export const OverrideClearResponseSchema = Type.Object({ cleared: Nullable(OverrideSchema), ended: Nullable(EndedSchema) });

export const ControlsQuerySchema = Type.Object({ deployment: Type.Optional(DeploymentIdSchema) }, { additionalProperties: false });
export const OverrideListResponseSchema = Type.Object({ overrides: Type.Array(OverrideSchema, { description: 'the active overrides (until in the future, not cleared), latest set first' }) });

export const ApprovalBodySchema = Type.Object(
  { deployment: DeploymentIdSchema, step: Type.Optional(StepIdSchema), by: Who, reason: Why, until: Type.Optional(Until) },
  { additionalProperties: false },
);
export type ApprovalBody = Static<typeof ApprovalBodySchema>;
export const ApprovalSchema = Type.Object({ deployment: Type.String(), step: Nullable(Type.String({ description: 'the plan step approved; null: the deployment (outside its allowed hours)' })), by: Type.String(), reason: Type.String(), until: Type.String(), grantedAt: Type.String() });
export type Approval = Static<typeof ApprovalSchema>;
export const PendingApprovalSchema = Type.Object({ deployment: Type.String(), step: Nullable(Type.String()), why: Type.String(), since: Type.String({ description: 'when a decision first waited for it' }) });
export type PendingApproval = Static<typeof PendingApprovalSchema>;
export const ApprovalPostResponseSchema = Type.Object({ approval: ApprovalSchema, created: Type.Boolean({ description: 'true: a new approval (201); false: an active one for the same deployment and step was replaced (200)' }) });
export const ApprovalListResponseSchema = Type.Object({
  pending: Type.Array(PendingApprovalSchema, { description: 'approvals a decision is waiting for (since this server started), oldest first' }),
  granted: Type.Array(ApprovalSchema, { description: 'active approvals (until in the future), latest first' }),
});

/** What a decision answer carries when a human control changed or qualified it. */
export const ControlNoteSchema = Type.Object(
  {
    source: Type.Union([Type.Literal('override'), Type.Literal('approval')]),
    action: Type.Union([Type.Literal('hold'), Type.Literal('promote'), Type.Literal('rollback'), Type.Literal('wait'), Type.Literal('approved')], {
      description: 'the override applied, wait (an approval is needed and not granted) or approved (a granted approval let the answer through)',
    }),
    deployment: Type.String({ description: 'the deployment the control was set for' }),
    step: Nullable(Type.String()),
    by: Nullable(Type.String({ description: 'who set the override or granted the approval (null while an approval is pending)' })),
    reason: Type.String(),
    until: Nullable(Type.String()),
    at: Nullable(Type.String({ description: 'when the override was set or the approval granted' })),
    modelAnswer: Type.String({ description: 'what the models and gates answered without the control (advance, hold, rollback, pass, fail, inconclusive, go, wait, no-rollback, Pass, Marginal, Fail)' }),
    changed: Type.Boolean({ description: 'the answer differs from modelAnswer' }),
    flagged: Type.Boolean({ description: 'a human promote over a no of the models or gates: allowed, recorded, counted and flagged' }),
    flag: Nullable(Type.String()),
  },
  { description: 'set when a human control (an override, an approval) applies to the deployment' },
);
export type ControlNote = Static<typeof ControlNoteSchema>;
