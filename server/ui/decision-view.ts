// What the web pages show of a recorded decision (datasets/decision-log.ts DecisionRecord): its action in one word,
// its reasons, the human control that changed or qualified it, and — where the request carried them — the canary's and
// the baseline's metrics it was decided on. Read from the request and answer the decision log keeps, per kind of
// decision; a kind whose answer holds no action word shows its status instead. Pure functions, no I/O.
import type { DecisionRecord } from '../../datasets/decision-log.ts';

type Obj = Record<string, unknown>;
const obj = (x: unknown): Obj => (x !== null && typeof x === 'object' && !Array.isArray(x) ? (x as Obj) : {});
const str = (x: unknown): string | null => (typeof x === 'string' && x !== '' ? x : null);
const num = (x: unknown): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : null);

/** One cohort's metrics over the minutes a decision read: the error share and the mean p99 latency (null: not observed). */
export interface CohortView {
  /** errors / requests over the minutes (null: no request). */
  errorRate: number | null;
  /** (errors + slow) / requests: the bad requests' share (null: no request). */
  badRate: number | null;
  /** Mean p99 latency in ms over the minutes that have one. */
  p99: number | null;
  requests: number;
}

export interface DecisionView {
  id: number;
  at: string;
  kind: string;
  route: string;
  method: string;
  status: number;
  deployment: string | null;
  deployments: string[];
  service: string | null;
  /** The decision in one word: advance, hold, rollback, pass, fail, inconclusive, go, wait, retry, … (status NNN when the answer names none). */
  action: string;
  /** The class of the action, for its colour: go (advance, pass, promote…), wait (hold, inconclusive…), stop (rollback, fail…), other. */
  tone: 'go' | 'wait' | 'stop' | 'other';
  reasons: string[];
  /** The human control applied, in one line (null: none). */
  control: string | null;
  /** The canary's and the baseline's metrics the decision read (null: the request carried none). */
  canary: CohortView | null;
  baseline: CohortView | null;
  /** A rollout decision: the age (minutes) of the observation decided on, and the traffic share on the new version. */
  age: number | null;
  weight: number | null;
  /** The champion versions it was made with. */
  models: Record<string, string>;
}

const GO = new Set(['advance', 'pass', 'promote', 'go', 'retry', 'approved', 'approval granted', 'Pass', 'ok']);
const WAIT = new Set(['hold', 'inconclusive', 'wait', 'Marginal', 'override hold', 'override cleared']);
const STOP = new Set(['rollback', 'fail', 'no', 'block', 'blocked', 'Fail', 'override rollback', 'no-rollback']);

export function toneOf(action: string): DecisionView['tone'] {
  if (GO.has(action) || action === 'override promote') return 'go';
  if (WAIT.has(action)) return 'wait';
  if (STOP.has(action)) return 'stop';
  return 'other';
}

/** The minutes of one cohort (CohortMetrics or null per minute) summed into a view; null when no minute has requests. */
export function cohortOf(minutes: readonly unknown[]): CohortView | null {
  let requests = 0;
  let errors = 0;
  let slow = 0;
  let p99Sum = 0;
  let p99N = 0;
  for (const m of minutes) {
    const o = obj(m);
    const r = num(o.requests);
    if (r === null) continue;
    requests += r;
    errors += num(o.errors) ?? 0;
    slow += num(o.slow) ?? 0;
    const p = num(o.latencyP99);
    if (p !== null) {
      p99Sum += p;
      p99N++;
    }
  }
  if (requests <= 0 && p99N === 0) return null;
  return { errorRate: requests > 0 ? errors / requests : null, badRate: requests > 0 ? (errors + slow) / requests : null, p99: p99N ? p99Sum / p99N : null, requests };
}

const strings = (x: unknown): string[] => (Array.isArray(x) ? x.flatMap((r) => (typeof r === 'string' ? [r] : str(obj(r).feature) ? [`${obj(r).feature}${obj(r).value !== undefined ? ` = ${String(obj(r).value)}` : ''}`] : [])) : []);

/** The control note of an answer (server/routes/controls-schemas.ts ControlNoteSchema) in one line. */
function controlLine(c: unknown): string | null {
  const n = obj(c);
  if (!str(n.source)) return null;
  const by = str(n.by);
  return `${n.source} ${String(n.action)}${by ? ` by ${by}` : ''}${str(n.reason) ? `: ${String(n.reason)}` : ''}${n.changed === true ? ` (the models said ${String(n.modelAnswer)})` : ''}${n.flagged === true ? ' — flagged' : ''}`;
}

/** The view of one record. */
export function decisionView(r: DecisionRecord): DecisionView {
  const req = obj(r.request);
  const a = obj(r.answer);
  const result = obj(a.result);
  let action: string | null = null;
  let reasons: string[] = [];
  let canary: CohortView | null = null;
  let baseline: CohortView | null = null;
  let age: number | null = null;
  let weight: number | null = null;
  switch (r.kind) {
    case 'verdict':
      action = str(a.verdict);
      canary = Array.isArray(req.canary) ? cohortOf(req.canary) : null;
      baseline = Array.isArray(req.baseline) ? cohortOf(req.baseline) : null;
      break;
    case 'rollout-decision': {
      action = str(a.action);
      if (action === 'rollback' && str(a.unit)) action = `rollback ${String(a.unit)}`;
      const obs = Array.isArray(req.observations) ? req.observations.map(obj) : [];
      const last = obs[obs.length - 1];
      if (last) {
        age = num(last.age);
        weight = num(last.weight);
        canary = last.canary ? cohortOf([last.canary]) : null;
        baseline = last.baseline ? cohortOf([last.baseline]) : null;
      }
      break;
    }
    case 'override':
      action = r.method === 'DELETE' ? 'override cleared' : `override ${String(req.action)}`;
      reasons = [`${str(req.by) ?? 'someone'}: ${str(req.reason) ?? ''}`];
      break;
    case 'approval':
      action = 'approval granted';
      reasons = [`${str(req.by) ?? 'someone'}${str(req.step) ? ` (step ${String(req.step)})` : ''}: ${str(req.reason) ?? ''}`];
      break;
    case 'kayenta':
      action = str(obj(a.score).classification);
      reasons = str(obj(a.score).classificationReason) ? [String(obj(a.score).classificationReason)] : [];
      break;
    case 'risk':
      action = num(a.probability) !== null ? `risk ${(100 * (a.probability as number)).toFixed(1)} %` : null;
      break;
    default:
      action = str(a.action) ?? str(a.verdict) ?? str(a.decision) ?? str(result.verdict) ?? str(result.decision);
  }
  if (reasons.length === 0) reasons = strings(a.reasons).length ? strings(a.reasons) : strings(result.reasons);
  if (reasons.length === 0 && str(obj(a.error).message)) reasons = [String(obj(a.error).message)];
  const word = action ?? `status ${r.status}`;
  return {
    id: r.id,
    at: r.at,
    kind: r.kind,
    route: r.route,
    method: r.method,
    status: r.status,
    deployment: r.deployment,
    deployments: r.deployments,
    service: r.service,
    action: word,
    tone: toneOf(word.replace(/^rollback .*/, 'rollback')),
    reasons,
    control: controlLine(a.control) ?? controlLine(result.control),
    canary,
    baseline,
    age,
    weight,
    models: r.models,
  };
}

/** One observed minute of a rollout, as the latest rollout decision's request holds it. */
export interface MinuteView {
  age: number;
  weight: number | null;
  canary: CohortView | null;
  baseline: CohortView | null;
}

/** The minutes of the rollout decision whose request holds the most observations (null: no rollout decision among `rs`). */
export function rolloutMinutes(rs: readonly DecisionRecord[]): MinuteView[] | null {
  let best: Obj[] | null = null;
  for (const r of rs) {
    if (r.kind !== 'rollout-decision') continue;
    const obs = obj(r.request).observations;
    if (Array.isArray(obs) && (best === null || obs.length >= best.length)) best = obs.map(obj);
  }
  if (!best) return null;
  return best.flatMap((o) => {
    const age = num(o.age);
    if (age === null) return [];
    return [{ age, weight: num(o.weight), canary: o.canary ? cohortOf([o.canary]) : null, baseline: o.baseline ? cohortOf([o.baseline]) : null }];
  });
}
