// Flagger's webhooks (POST /v1/flagger/<hook>): a Flagger Canary's webhooks call them at each step of its analysis.
// Success is a status <= 202 (we answer 200), anything else (we answer 409) is a failed check / wait / "do not roll
// back" depending on the hook: rollout and confirm-traffic-increase judge the canary's window (read from the metrics
// source, server/adapters/judge-target.ts), rollback asks the rollback model, confirm-rollout and confirm-promotion
// gate on the deploy window and the change's risk declared in the metadata (server/adapters/flagger-metadata.ts),
// the risk through the one pre-deploy gate, with the plan the optimiser chooses.
// GET /v1/flagger/events lists the calls received, for whoever debugs a Canary.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Controls } from '../controls.ts';
import { NoFeasiblePlan, riskGate, rolloutPlanDecision, type GateAnswer, type GateNote, type RiskView } from '../../policies/rollout-plan/gate.ts';
import { BadInput, NoAnswer, riskScore, rolloutDecision, timeFeaturesAt } from '../decide.ts';
import { isUnavailable } from '../metrics-source.ts';
import type { ServerMetrics } from '../metrics.ts';
import { ErrorResponseSchema } from '../common-schemas.ts';
import type { JudgeNameT } from '../routes/canary-schemas.ts';
import { FlaggerEventsQuerySchema, FlaggerEventsResponseSchema, FlaggerPayloadSchema, FlaggerQuerySchema, FlaggerResponseSchema, type FlaggerEvent, type FlaggerPayload, type FlaggerResponse } from './flagger-contract.ts';
import { noChampion, planOf, riskViewOf, type GateTerms, type HookPlan } from '../rollout-gate.ts';
import { checkMetadataKeys, featureValue, inDeployWindow, planBakeMinutes, planConstraints, planRpm, riskImpute } from './flagger-metadata.ts';
import { DEFAULT_WINDOW_MIN, judgeTarget, queryInt, type JudgeTargetOptions } from './judge-target.ts';

/** Flagger hook calls kept for GET /v1/flagger/events: at most this many... */
export const EVENT_RING = 1000;
/** ...and at most this many bytes of them (as JSON); the oldest go first. */
export const EVENT_STORE_BYTES = 8 * 1024 * 1024;
/** Largest body a Flagger hook accepts (bytes; a real payload is well under 10 KB): larger is a 413, which Flagger reads as a no. */
export const FLAGGER_BODY_LIMIT = 64 * 1024;
/** Default largest failure probability confirm-rollout / confirm-promotion let through (metadata `risk.max`). */
export const DEFAULT_MAX_RISK = 0.3;
/** Status for "no" to Flagger: anything above 202 is a failure to it. */
export const FLAGGER_NO = 409 as const;
/** How a missing risk feature is given in a gate hook's metadata. */
const METADATA_TERMS: GateTerms = { where: 'the metadata', give: 'give each as risk.<feature>, or name the ones to score at their training median in risk.impute (GET /v1/risk/features lists them)' };

export interface FlaggerOptions extends JudgeTargetOptions {
  metrics: ServerMetrics;
  /** The clock of the deploy-window gates and the event records. */
  now: () => Date;
  /** The human controls (overrides, approvals) applied to each answer, and told each payload's phase. */
  controls: Controls;
}

export const flaggerRoutes: FastifyPluginAsyncTypebox<FlaggerOptions> = async (app, o) => {
  const { metrics } = o;
  // The last calls, bounded by count and by bytes (each call's JSON size, measured once), oldest first.
  const events: { event: FlaggerEvent; bytes: number }[] = [];
  let storedBytes = 0;
  const record = (hook: string, status: number, decision: string, payload: FlaggerPayload) => {
    const event: FlaggerEvent = { at: o.now().toISOString(), hook, status, decision, payload };
    const bytes = Buffer.byteLength(JSON.stringify(event));
    events.push({ event, bytes });
    storedBytes += bytes;
    let drop = 0;
    while (events.length - drop > EVENT_RING || (storedBytes > EVENT_STORE_BYTES && events.length - drop > 1)) storedBytes -= events[drop++].bytes;
    if (drop) events.splice(0, drop);
    metrics.countExtension(`flagger/${hook}`, decision);
  };

  const answer = (hook: string, p: FlaggerPayload, modelOk: boolean, modelDecision: string, modelReasons: string[], modelExtra: Partial<FlaggerResponse> = {}): { status: 200 | typeof FLAGGER_NO; body: FlaggerResponse } => {
    const { ok, decision, reasons, extra } = o.controls.flagger(hook, p, { ok: modelOk, decision: modelDecision, reasons: modelReasons, extra: modelExtra });
    const status = ok ? 200 : FLAGGER_NO;
    record(hook, status, decision, p);
    return { status, body: { hook, name: p.name, namespace: p.namespace, ok, decision, reasons, ...extra } };
  };
  const flaggerSchema = (summary: string) => ({
    summary,
    querystring: FlaggerQuerySchema,
    body: FlaggerPayloadSchema,
    response: { 200: FlaggerResponseSchema, [FLAGGER_NO]: FlaggerResponseSchema, 400: ErrorResponseSchema },
  });
  type Req = { body: FlaggerPayload; query: { minutes?: string; judge?: JudgeNameT } };
  const hook = (name: string, summary: string, decide: (req: Req) => Promise<{ status: 200 | typeof FLAGGER_NO; body: FlaggerResponse }>) => {
    app.post(`/v1/flagger/${name}`, { schema: flaggerSchema(summary), bodyLimit: FLAGGER_BODY_LIMIT }, async (req, reply) => {
      const r = await decide(req as Req);
      return reply.code(r.status).send(r.body);
    });
  };

  // rollout / confirm-traffic-increase: the canary verdict on the window. Only "pass" is a 200.
  const verdictHook = (name: string, summary: string, failIs: string) =>
    hook(name, summary, async ({ body: p, query: q }) => {
      checkMetadataKeys(name, p.metadata ?? {});
      const v = await judgeTarget(o, { name: p.name, namespace: p.namespace }, queryInt(q.minutes, 'query.minutes', 60, DEFAULT_WINDOW_MIN), q.judge ?? 'ml');
      const why = v.verdict === 'pass' ? v.reasons : [v.verdict === 'fail' ? `canary fails: ${failIs}` : `inconclusive, not a pass: ${failIs}`, ...v.reasons];
      return answer(name, p, v.verdict === 'pass', v.verdict, why, { verdict: v.verdict, modelVersion: v.modelVersion });
    });
  verdictHook('rollout', 'Flagger rollout hook: 200 when the canary passes; 409 (a failed check) when it fails or the verdict is inconclusive (no metrics, no model)', 'a failed check for Flagger');
  verdictHook('confirm-traffic-increase', 'Flagger confirm-traffic-increase hook: 200 when the canary passes; 409 (hold the weight, no failed check) otherwise', 'Flagger holds the weight');

  hook('rollback', 'Flagger rollback hook: 200 = roll back now (the rollback model decides on the window); 409 = do not roll back', async ({ body: p, query: q }) => {
    checkMetadataKeys('rollback', p.metadata ?? {});
    const minutes = queryInt(q.minutes, 'query.minutes', 60, DEFAULT_WINDOW_MIN);
    const s = o.store.snapshot;
    if (!s.rollback) return answer('rollback', p, false, 'no-rollback', [`no rollback champion is loaded (${s.errors.rollback ?? 'not loaded'}): not rolling back on our side`]);
    const r = await o.source.window({ name: p.name, namespace: p.namespace }, minutes);
    if (isUnavailable(r)) return answer('rollback', p, false, 'no-rollback', [`metrics unavailable: ${r.unavailable}; hold (no rollback decided without data)`]);
    const meta = p.metadata ?? {};
    const w = meta.weight === undefined ? 0.1 : Number(meta.weight) / 100;
    if (!(w > 0 && w <= 1)) throw new BadInput('body.metadata.weight', `must be the canary's traffic weight in percent, in (0, 100] (got ${JSON.stringify(meta.weight)})`);
    const objective = meta['slo.objective'] === undefined ? 0.999 : Number(meta['slo.objective']);
    if (!(objective > 0 && objective < 1)) throw new BadInput('body.metadata.slo.objective', `must be in (0, 1) (got ${JSON.stringify(meta['slo.objective'])})`);
    // The window as a one-stage rollout at the canary's weight: the model scores the trajectory so far.
    const d = rolloutDecision(
      {
        plan: { stages: [{ exposure: [w], dwellMinutes: minutes + 60 }, { exposure: [1], dwellMinutes: minutes }], unitShares: [1], bakeMinutes: 0 },
        slo: { objective, burnRate: 14.4 },
        observations: [
          { age: 0, phase: 'progressing', stage: 0, weight: w, timeAtStage: 0, canary: null, baseline: null },
          ...r.canary.map((c, i) => ({ age: i + 1, phase: 'progressing' as const, stage: 0, weight: w, timeAtStage: i + 1, canary: c, baseline: r.baseline[i] })),
        ],
      },
      { rollback: s.rollback, judge: s.judge, rollbackError: s.errors.rollback },
    );
    metrics.countDecision(d.action);
    const rollback = d.action === 'rollback';
    return answer('rollback', p, rollback, rollback ? 'rollback' : 'no-rollback', d.reasons, { action: d.action, pFault: d.pFault, modelVersion: d.modelVersion });
  });

  // confirm-rollout / confirm-promotion: gate on the deploy window and the change's risk declared in the metadata. The
  // risk verdict is the one gate every pre-deploy hook serves (server/rollout-gate.ts, policies/rollout-plan/gate.ts),
  // with risk.max as its threshold; blocked and wait are both a 409 (decision "wait": Flagger waits either way).
  const gate = (name: string, summary: string) =>
    hook(name, summary, async ({ body: p }) => {
      const meta = p.metadata ?? {};
      checkMetadataKeys(name, meta);
      const reasons: string[] = [];
      const features: Record<string, number | boolean | string> = {};
      for (const [k, v] of Object.entries(meta)) if (k.startsWith('risk.') && k !== 'risk.max' && k !== 'risk.impute') features[k.slice(5)] = featureValue(v);
      const rpm = planRpm(meta, Object.keys(features).length > 0);
      const constraints = planConstraints(meta, rpm !== null);
      const bakeMinutes = planBakeMinutes(meta, rpm !== null);
      const win = inDeployWindow(meta, o.now());
      if (win) {
        if (!win.ok) return answer(name, p, false, 'wait', [win.reason]);
        reasons.push(win.reason);
      }
      let extra: Partial<FlaggerResponse> = {};
      if (Object.keys(features).length) {
        const max = meta['risk.max'] === undefined ? DEFAULT_MAX_RISK : Number(meta['risk.max']);
        if (!(max >= 0 && max <= 1)) throw new BadInput('body.metadata.risk.max', `must be a probability in [0, 1] (got ${JSON.stringify(meta['risk.max'])})`);
        const risk = o.store.snapshot.risk;
        let view: RiskView | null = null;
        let missing: GateNote | undefined;
        if (!risk) missing = { ...noChampion(o.store.snapshot.errors.risk), reason: `the metadata carries change features but no risk champion is loaded (${o.store.snapshot.errors.risk ?? 'not loaded'}): wait` };
        else {
          // Fail closed on partial evidence: every feature must be in the metadata (the time of day and the weekend are
          // taken from now), unless risk.impute names it as one to score at its training median.
          const impute = riskImpute(meta['risk.impute'], risk.model.specs);
          try {
            const r = riskScore({ features: { ...timeFeaturesAt(o.now(), risk.model.specs), ...features }, maxReasons: 10 }, risk);
            extra = { riskProbability: r.probability, modelVersion: r.modelVersion };
            view = riskViewOf(r, risk.model, METADATA_TERMS, impute);
          } catch (e) {
            if (e instanceof BadInput) throw new BadInput(e.field.replace(/^body\.features\./, 'body.metadata.risk.'), e.message.slice(e.field.length + 1));
            if (!(e instanceof NoAnswer)) throw e;
            missing = { reason: `no risk score: the metadata's features ${e.message.slice(e.field.length + 1)}: wait`, recommendation: 'check the risk.<feature> values against GET /v1/risk/features (a value far outside what the model learned gives no score)' };
          }
        }
        // Without plan.rpm the optimiser cannot choose (its table is by traffic): plan null, the reasons unchanged.
        // Constraints no plan meets: POST /v1/rollout/plan's 422, said as a wait (Flagger keeps asking; the reason names the
        // metadata key and the closest plan that would do).
        let g: { gate: GateAnswer; plan: HookPlan | null };
        try {
          g = rpm === null ? { gate: riskGate(view, max, missing), plan: null } : planOf(rolloutPlanDecision({ risk: view, rpm, bakeMinutes, blockAbove: max, missing, constraints }));
        } catch (e) {
          if (!(e instanceof NoFeasiblePlan)) throw e;
          const closest = e.closestFeasible ? `; the closest plan: ${e.closestFeasible.plan.name} (${e.closestFeasible.reasons.at(-1) ?? ''})` : '';
          return answer(name, p, false, 'wait', [`no plan meets the metadata: ${e.message.replace(/^constraints\./, 'plan.')}${closest}`, ...reasons], { ...extra, plan: null });
        }
        extra = { ...extra, gate: g.gate, recommendations: g.gate.recommendations, plan: g.plan };
        if (g.gate.decision !== 'pass') return answer(name, p, false, 'wait', [...g.gate.reasons, ...reasons], extra);
        reasons.push(...g.gate.reasons);
      }
      if (!reasons.length) reasons.push('no gate declared in the metadata (risk.<feature>, window.days / window.hours): go');
      return answer(name, p, true, 'go', reasons, extra);
    });
  gate('confirm-rollout', 'Flagger confirm-rollout hook: 200 = go; 409 = wait (risk above metadata risk.max, or outside the declared deploy window)');
  gate('confirm-promotion', 'Flagger confirm-promotion hook: 200 = go; 409 = wait (risk above metadata risk.max, or outside the declared deploy window)');

  for (const name of ['pre-rollout', 'post-rollout', 'event']) {
    hook(name, `Flagger ${name} hook: accepted (200) and recorded on GET /v1/flagger/events`, async ({ body: p }) => answer(name, p, true, 'recorded', ['recorded']));
  }

  app.get(
    '/v1/flagger/events',
    { schema: { summary: `the last Flagger hook calls received (in memory, oldest first: at most ${EVENT_RING} calls and ${EVENT_STORE_BYTES / 2 ** 20} MB)`, querystring: FlaggerEventsQuerySchema, response: { 200: FlaggerEventsResponseSchema, 400: ErrorResponseSchema } } },
    async (req) => ({ events: events.slice(-queryInt(req.query.limit, 'query.limit', EVENT_RING, EVENT_RING)).map((e) => e.event) }),
  );
};
