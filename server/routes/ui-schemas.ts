// Schemas of the web pages (server/routes/ui.ts): their query strings and path parameters. Every object is closed: a
// misspelt parameter is a 400 naming it.
import { Type, type Static } from '@sinclair/typebox';
import { DecisionKindSchema } from './decisions-schemas.ts';

/** The most decisions one page lists, and the default. */
export const MAX_PAGE_DECISIONS = 500;
export const DEFAULT_PAGE_DECISIONS = 100;

const Name = (description: string) => Type.String({ minLength: 1, maxLength: 256, description });

export const UiEmptyQuerySchema = Type.Object({}, { additionalProperties: false });

// The page's form sends every field, empty when left blank: an empty value is no filter.
export const UiDecisionsQuerySchema = Type.Object(
  {
    deployment: Type.Optional(Type.String({ maxLength: 256, description: 'only decisions about this deployment (empty: any)' })),
    route: Type.Optional(Type.String({ maxLength: 128, description: 'only decisions answered by this route, e.g. /v1/rollout/decision (a decision route of the server; empty: any)' })),
    kind: Type.Optional(Type.Union([DecisionKindSchema, Type.Literal('')])),
    limit: Type.Optional(Type.String({ pattern: `^[0-9]{0,${String(MAX_PAGE_DECISIONS).length}}$`, description: `how many decisions at most, newest first (a whole number up to ${MAX_PAGE_DECISIONS}; empty: the default, ${DEFAULT_PAGE_DECISIONS})` })),
  },
  { additionalProperties: false },
);
export type UiDecisionsQuery = Static<typeof UiDecisionsQuerySchema>;

export const UiFamilyParamsSchema = Type.Object({ family: Type.String({ minLength: 1, maxLength: 64, description: 'a model family the server serves (judge, rollback, risk, retry)' }) }, { additionalProperties: false });
export const UiDeploymentParamsSchema = Type.Object({ deployment: Name('the deployment, as the decision log names it (a / in it is sent as %2F)') }, { additionalProperties: false });
export const UiReportParamsSchema = Type.Object({ name: Type.String({ minLength: 1, maxLength: 256, description: 'a report file of the reports folder, e.g. report.html' }) }, { additionalProperties: false });

/** The sign-in form (application/x-www-form-urlencoded): the server's token, nothing else. */
export const UiSignInBodySchema = Type.Object({ token: Type.String({ minLength: 1, maxLength: 1000, description: "the server's token" }) }, { additionalProperties: false });
/** The sign-out form: no fields. */
export const UiSignOutBodySchema = Type.Object({}, { additionalProperties: false });
