// Schemas of the pipeline routes (server/routes/pipeline.ts): a failed CI/CD step in, the retry decision out
// (policies/retry/); a recorded outcome in (the shape of datasets/retry-outcome.ts), the stored records out. The
// schemas check types and bounds; the handlers then run the same parsers as the command line (datasets/failed-step.ts,
// datasets/retry-outcome.ts), which normalise the log (its tail kept, binary bytes made readable).
import { Type, type Static } from '@sinclair/typebox';
import { EXIT_CODE_RANGE, MAX_ATTEMPT, MAX_HISTORY, MAX_LOG_CHARS } from '../../datasets/failed-step.ts';
import type { RetryOutcomeRecord } from '../../datasets/retry-outcome.ts';
import { MAX_RETRY_OUTCOME_LIST } from '../../datasets/retry-outcomes.ts';
import { REMEDIATIONS } from '../../policies/retry/decision.ts';
import { RETRY_POLICY_NAMES } from '../../policies/retry/index.ts';
import { Nullable, QueryInt } from '../common-schemas.ts';

export { MAX_RETRY_OUTCOME_LIST };

/** Entries of `history` accepted in a body (the last MAX_HISTORY are read). */
export const MAX_HISTORY_ITEMS = 10_000;

const Literals = <T extends readonly string[]>(xs: T, description: string) => Type.Union(xs.map((x) => Type.Literal(x)), { description });

/** The failed step's fields, shared by the decision request and the recorded outcome. */
const stepFields = {
  step: Type.String({ minLength: 1, maxLength: 256, description: "the step's name as the CI system gives it (`unit-tests`, `npm test`, `build:image`); its kind is read from it" }),
  exitCode: Type.Integer({ minimum: EXIT_CODE_RANGE[0], maximum: EXIT_CODE_RANGE[1], description: 'the exit status (-1: the agent was lost)' }),
  log: Type.String({ description: `the tail of the step's log ("" when there is none); only its last ${MAX_LOG_CHARS} characters are read, and control bytes are made readable` }),
  attempt: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_ATTEMPT, description: 'which run of the step failed: 1 for the first run, 2 for the first retry, ... (default 1)' })),
  history: Type.Optional(
    Type.Array(Type.Union([Type.Literal('pass'), Type.Literal('fail'), Type.Boolean()]), {
      maxItems: MAX_HISTORY_ITEMS,
      description: `the step's recent outcomes, oldest first: "pass" / "fail" (or true / false); the last ${MAX_HISTORY} are read`,
    }),
  ),
};

export const RetryBodySchema = Type.Object(
  {
    ...stepFields,
    testHistory: Type.Optional(
      Type.Union([
        Type.Array(Type.Union([Type.Literal('pass'), Type.Literal('fail'), Type.Boolean()]), {
          maxItems: MAX_HISTORY_ITEMS,
          description: `the failing test's recent outcomes over the suite's runs, oldest first (a test that flips between pass and fail is flaky); the last ${MAX_HISTORY} are read`,
        }),
        Type.Null(),
      ]),
    ),
    branch: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 256, description: 'the branch the pipeline ran on (main, master, trunk or develop read as the default branch)' }), Type.Null()])),
    branchHistory: Type.Optional(
      Type.Union([
        Type.Array(Type.Union([Type.Literal('pass'), Type.Literal('fail'), Type.Boolean()]), {
          maxItems: MAX_HISTORY_ITEMS,
          description: `the step's recent outcomes on this branch, oldest first (a fault a push brings fails run after run); the last ${MAX_HISTORY} are read`,
        }),
        Type.Null(),
      ]),
    ),
    policy: Type.Optional(Literals(RETRY_POLICY_NAMES, 'the retry policy to ask (default: the served one — ml when the registry has a retry champion, else the reasons rules); ml without a retry champion is a 503')),
  },
  { additionalProperties: false, description: 'a failed CI/CD step' },
);
export type RetryBody = Static<typeof RetryBodySchema>;

export const RetryResponseSchema = Type.Object(
  {
    action: Type.Union([Type.Literal('retry'), Type.Literal('fail')]),
    pRetrySucceeds: Type.Number({ minimum: 0, maximum: 1, description: "the policy's P(a retry of this step succeeds) (a rule answers 1 when it retries, else 0)" }),
    category: Type.String({ description: 'the failure category as the policy sees it (`unknown` when it cannot tell)' }),
    delaySeconds: Type.Number({ minimum: 0, description: 'seconds to wait before the retry (0 for a fail or an immediate retry)' }),
    remediation: Nullable(Literals(REMEDIATIONS, 'what to do before the retry: clear-cache, other-runner or wait-for-lock (null: a plain retry)')),
    hint: Nullable(Type.String({ description: 'for a failure no retry fixes: what to do about it (null: the policy has none)' })),
    reasons: Type.Array(Type.String(), { description: 'why, headline first' }),
    policy: Type.String({ description: 'the policy that answered' }),
    modelVersion: Nullable(Type.String({ description: 'the retry champion that answered (null: a rule answered)' })),
  },
  { additionalProperties: false },
);
export type RetryResponse = Static<typeof RetryResponseSchema>;

export const OutcomeBodySchema = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 256, description: 'the failed attempt this is about, unique per pipeline, step and attempt (e.g. `<pipeline id>/<step>/<attempt>`); posting the same id again replaces the earlier record' }),
    ...stepFields,
    retried: Type.Boolean({ description: 'the step was retried (by a policy or a person)' }),
    retrySucceeded: Nullable(Type.Boolean({ description: 'the retry passed (null: not retried, or not known yet; must be null when retried is false)' })),
    category: Type.Optional(Type.String({ pattern: '^[a-z0-9_-]{1,64}$', description: "the failure's category or kind as found later (snake_case or kebab-case)" })),
    flaky: Type.Optional(Type.Boolean({ description: 'a test that failed and then passed on retry' })),
    decision: Type.Optional(
      Type.Object(
        {
          action: Type.Union([Type.Literal('retry'), Type.Literal('fail')]),
          category: Type.String({ maxLength: 64 }),
          policy: Type.String({ maxLength: 64 }),
        },
        { additionalProperties: false, description: 'the decision that was served (POST /v1/pipeline/retry: action, category, policy), for review' },
      ),
    ),
  },
  { additionalProperties: false, description: 'what happened after a failed CI/CD step' },
);
export type OutcomeBody = Static<typeof OutcomeBodySchema>;
// Every recorded outcome (what GET /v1/pipeline/outcome answers, what the wrapper's record file holds) is a valid body.
const _everyRecordIsABody = (r: RetryOutcomeRecord): OutcomeBody => r;
void _everyRecordIsABody;

export const OutcomeRecordSchema = Type.Object(
  {
    id: Type.String(),
    step: Type.String(),
    exitCode: Type.Integer(),
    log: Type.String({ description: 'the log tail as stored (at most the last 64 Ki characters, control bytes made readable)' }),
    attempt: Type.Integer(),
    history: Type.Array(Type.Union([Type.Literal('pass'), Type.Literal('fail')]), { description: `at most the last ${MAX_HISTORY}, oldest first` }),
    retried: Type.Boolean(),
    retrySucceeded: Nullable(Type.Boolean()),
    category: Type.Optional(Type.String()),
    flaky: Type.Optional(Type.Boolean()),
    decision: Type.Optional(Type.Object({ action: Type.Union([Type.Literal('retry'), Type.Literal('fail')]), category: Type.String(), policy: Type.String() }, { additionalProperties: false })),
    receivedAt: Type.String({ description: 'when the server stored it (ISO 8601, UTC); updated on replacement' }),
  },
  { additionalProperties: false },
);

export const OutcomePostResponseSchema = Type.Object({
  id: Type.String(),
  created: Type.Boolean({ description: 'true: a new record (201); false: an earlier record for this id was replaced (200)' }),
  receivedAt: Type.String(),
});

export const OutcomeQuerySchema = Type.Object(
  {
    limit: Type.Optional(QueryInt(MAX_RETRY_OUTCOME_LIST, 'how many of the latest records (default 100)')),
    before: Type.Optional(Type.String({ pattern: '^[0-9]{1,15}$', description: 'the `next` of the previous page: the records received before that page' })),
  },
  { additionalProperties: false },
);

export const OutcomeListResponseSchema = Type.Object({
  count: Type.Integer({ description: 'records stored in total' }),
  records: Type.Array(OutcomeRecordSchema, { description: 'latest received first' }),
  next: Nullable(Type.Integer({ description: 'pass as `before` for the records received earlier (null: this page holds the oldest)' })),
});
