// Argo Rollouts' Web metric provider (GET|POST /v1/argo/verdict): an AnalysisTemplate's `web` metric calls it during a
// canary step and reads the verdict at `$.result.verdict` (and `$.result.pass`: 1 / 0 / -1). Always a 2xx JSON answer
// for a decision; inconclusive or no metrics meet neither success nor failure condition, so Argo pauses. The window is
// read from the metrics source and judged (server/adapters/judge-target.ts). POST /v1/argo/gate is the pre-deploy risk
// gate as an analysis, the same decision as POST /v1/rollout/plan.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Controls } from '../controls.ts';
import type { ServerMetrics } from '../metrics.ts';
import { ErrorResponseSchema } from '../common-schemas.ts';
import { BadInput } from '../decide.ts';
import { gateChange, planOf } from '../rollout-gate.ts';
import { NoFeasiblePlanResponseSchema } from '../routes/rollout-plan-schemas.ts';
import { ArgoBodySchema, ArgoGateBodySchema, ArgoGateResponseSchema, ArgoQuerySchema, ArgoResponseSchema, type ArgoGateBody, type ArgoGateResponse, type ArgoResponse, type ArgoTarget } from './argo-contract.ts';
import { featureValue } from './flagger-metadata.ts';
import { DEFAULT_WINDOW_MIN, judgeTarget, queryInt, type JudgeTargetOptions } from './judge-target.ts';

export interface ArgoOptions extends JudgeTargetOptions {
  metrics: ServerMetrics;
  /** The human controls (overrides, approvals) applied to each answer. */
  controls: Controls;
  /** The clock of the gate's time features (hour of the day, weekend). */
  now: () => Date;
}

/** A number the gate's body may give as text (an analysis argument), checked against its range: a 400 naming the field. */
function numberAt(v: number | string, field: string, min: number, max: number, whole = false): number {
  const x = typeof v === 'number' ? v : Number(v.trim());
  if (!(Number.isFinite(x) && x >= min && x <= max && (!whole || Number.isInteger(x)))) {
    const range = Number.isFinite(min) ? ` in [${min}, ${max}]` : Number.isFinite(max) ? ` at most ${max}` : '';
    throw new BadInput(field, `must be ${whole ? 'a whole number' : 'a number'}${range} (got ${JSON.stringify(v)})`);
  }
  return x;
}

/** The features as the gate scores them: text read as Flagger's metadata is ("120" → 120, "true" → true). */
const featuresOf = (f: ArgoGateBody['features']) => Object.fromEntries(Object.entries(f).map(([k, v]) => [k, typeof v === 'string' ? featureValue(v) : v]));

export const argoRoutes: FastifyPluginAsyncTypebox<ArgoOptions> = async (app, o) => {
  const { metrics } = o;
  const argo = async (t: ArgoTarget): Promise<ArgoResponse> => {
    const minutes = t.minutes ?? DEFAULT_WINDOW_MIN;
    const v = await judgeTarget(o, { name: t.name, namespace: t.namespace }, minutes, t.judge ?? 'ml');
    const res = o.controls.argo(t, {
      result: {
        verdict: v.verdict,
        pass: v.verdict === 'pass' ? 1 : v.verdict === 'fail' ? 0 : -1,
        pFail: v.pFail,
        reasons: v.reasons,
        judge: v.judge,
        modelVersion: v.modelVersion,
        metricsAvailable: v.metricsAvailable,
        name: t.name,
        namespace: t.namespace ?? null,
        minutes,
      },
    });
    metrics.countExtension('argo/verdict', res.result.verdict);
    return res;
  };
  const argoSummary = 'Argo Rollouts Web metric provider: the canary verdict at $.result.verdict (always 200 for a decision; inconclusive when unsure or without metrics)';
  app.get('/v1/argo/verdict', { schema: { summary: argoSummary, querystring: ArgoQuerySchema, response: { 200: ArgoResponseSchema, 400: ErrorResponseSchema } } }, async (req) =>
    argo({ ...req.query, minutes: queryInt(req.query.minutes, 'query.minutes', 60, DEFAULT_WINDOW_MIN) }),
  );
  app.post('/v1/argo/verdict', { schema: { summary: argoSummary, body: ArgoBodySchema, response: { 200: ArgoResponseSchema, 400: ErrorResponseSchema } } }, async (req) => argo(req.body));

  // The pre-deploy gate as an analysis (a blue-green prePromotionAnalysis, or an analysis before the first canary
  // step): the decision POST /v1/rollout/plan and Flagger's confirm hooks give (server/rollout-gate.ts), always a 200
  // for a decision, at $.result.pass 1 / 0 / -1 so a wait meets neither condition and Argo pauses.
  app.post(
    '/v1/argo/gate',
    {
      schema: {
        summary: "Argo Rollouts Web metric provider for a pre-deploy gate: the risk gate's decision on the change (pass, blocked, wait) at $.result.decision and $.result.pass (1 / 0 / -1), with the recommendations and the plan; always 200 for a decision",
        body: ArgoGateBodySchema,
        response: { 200: ArgoGateResponseSchema, 400: ErrorResponseSchema, 422: NoFeasiblePlanResponseSchema },
      },
    },
    async (req) => {
      const b = req.body;
      const s = o.store.snapshot;
      const g = gateChange(
        {
          features: featuresOf(b.features),
          rpm: numberAt(b.rpm, 'body.rpm', 0, 1e9),
          bakeMinutes: b.bakeMinutes === undefined ? undefined : numberAt(b.bakeMinutes, 'body.bakeMinutes', 0, 10_080, true),
          blockAbove: b.gate === undefined ? undefined : numberAt(b.gate.blockAbove, 'body.gate.blockAbove', 0, 1),
          constraints: b.constraints && Object.fromEntries(Object.entries(b.constraints).map(([k, v]) => [k, numberAt(v, `body.constraints.${k}`, -Infinity, k === 'deadlineMinutes' ? 10_080 : 100)])),
          impute: typeof b.impute === 'string' ? b.impute.split(',').map((x) => x.trim()).filter(Boolean) : b.impute,
        },
        s.risk,
        { championError: s.errors.risk, now: o.now(), waitOnNoScore: true },
      );
      const { gate, plan } = planOf(g.answer);
      const res: ArgoGateResponse = {
        result: {
          decision: gate.decision,
          pass: gate.decision === 'pass' ? 1 : gate.decision === 'blocked' ? 0 : -1,
          risk: g.risk?.probability ?? null,
          modelVersion: g.risk?.modelVersion ?? null,
          blockAbove: gate.blockAbove,
          reasons: gate.reasons,
          recommendations: gate.recommendations,
          plan,
          name: b.name ?? null,
          namespace: b.namespace ?? null,
        },
      };
      const out = b.name === undefined ? res : o.controls.argoGate({ name: b.name, namespace: b.namespace }, res);
      metrics.countExtension('argo/gate', out.result.decision);
      return out;
    },
  );
};
