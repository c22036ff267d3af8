// Schemas of the web pages (server/routes/ui.ts): their query strings and path parameters. Every object is closed: a
// misspelt parameter is a 400 naming it.
import { Type, type Static } from '@sinclair/typebox';
import { QueryInt } from '../common-schemas.ts';
import { DecisionKindSchema } from './decisions-schemas.ts';

/** The most decisions one page lists, and the default. */
export const MAX_PAGE_DECISIONS = 500;
export const DEFAULT_PAGE_DECISIONS = 100;

const Name = (description: string) => Type.String({ minLength: 1, maxLength: 256, description });

export const UiEmptyQuerySchema = Type.Object({}, { additionalProperties: false });

export const UiDecisionsQuerySchema = Type.Object(
  {
    deployment: Type.Optional(Name('only decisions about this deployment')),
    route: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'only decisions answered by this route, e.g. /v1/rollout/decision (a decision route of the server)' })),
    kind: Type.Optional(DecisionKindSchema),
    limit: Type.Optional(QueryInt(MAX_PAGE_DECISIONS, `how many decisions at most, newest first (default ${DEFAULT_PAGE_DECISIONS})`)),
  },
  { additionalProperties: false },
);
export type UiDecisionsQuery = Static<typeof UiDecisionsQuerySchema>;

export const UiFamilyParamsSchema = Type.Object({ family: Type.String({ minLength: 1, maxLength: 64, description: 'a model family the server serves (judge, rollback, risk, retry)' }) }, { additionalProperties: false });
export const UiDeploymentParamsSchema = Type.Object({ deployment: Name('the deployment, as the decision log names it (a / in it is sent as %2F)') }, { additionalProperties: false });
export const UiReportParamsSchema = Type.Object({ name: Type.String({ minLength: 1, maxLength: 256, description: 'a report file of the reports folder, e.g. report.html' }) }, { additionalProperties: false });
