// Human controls on the served decisions (docs/server.md "Human controls"): manual overrides per deployment (hold,
// promote, roll back), approvals (a deployment advancing outside its team's allowed hours, a plan step marked as
// needing one), the deployments known to have ended, and the notifications they send. The live state is in memory,
// so applying it to an answer is a few map lookups and never waits on the disk or the network; every change is written
// to the controls store (datasets/controls-store.ts) first, so it survives a restart.
//
// Each decision surface has one function that takes the answer the models and gates gave and returns the answer
// served: `decision` (POST /v1/rollout/decision), `verdict` (POST /v1/canary/verdict), `argo`, `argoGate` (POST
// /v1/argo/gate), `flagger` (every hook), `kayenta` (POST /judge). The rules, the same everywhere:
// - an override decides: hold → no advance and no rollback of ours; rollback → roll back; promote → go. A human
//   promote over a no of the models or gates is allowed, and the answer is flagged, counted and logged;
// - otherwise a pending approval turns a go into a wait ("approval needed: …"); it never turns a no into a go, and
//   never holds back a rollback. A model's answer never lifts a control: only a human's override or approval does;
// - the answer says so in its first reason and in `control` (who, why, until, and what the models answered).
import type { FastifyBaseLogger } from 'fastify';
import { controlKey, DuckControlsStore, MemoryControlsStore, type ControlRecord, type ControlsStore } from '../datasets/controls-store.ts';
import { allowedHoursText, insideAllowedHours, type ControlsConfig } from './controls-config.ts';
import { BadInput } from './decide.ts';
import type { ServerMetrics } from './metrics.ts';
import { Notifier, type Notice } from './notify.ts';
import type { ArgoGateResponse, ArgoResponse } from './adapters/argo-contract.ts';
import type { FlaggerPayload, FlaggerResponse } from './adapters/flagger-contract.ts';
import type { VerdictResponse } from './routes/canary-schemas.ts';
import { DEFAULT_CONTROL_HOURS, MAX_CONTROL_HOURS, type Approval, type ApprovalBody, type ControlNote, type Override, type OverrideBody, type PendingApproval } from './routes/controls-schemas.ts';
import type { DecisionResponse } from './routes/rollout-schemas.ts';

/** The same event (a rollback, an approval needed) for the same deployment is notified at most once in this time (ms). */
export const NOTIFY_REPEAT_MS = 3_600_000;
const HOUR_MS = 3_600_000;

/** A write refused because the deployment has ended (409 naming the field). */
export class DeploymentEnded extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'DeploymentEnded';
  }
}
/** Nothing to clear (404 naming the field). */
export class NoSuchControl extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'NoSuchControl';
  }
}

/** Whether a deployment or a plan step must wait for a human (what `approvalState` answers). */
export interface ApprovalState {
  /** not-needed: no approval applies; pending: needed and not granted (wait); granted: needed and granted. */
  status: 'not-needed' | 'pending' | 'granted';
  deployment: string;
  step: string | null;
  /** Why an approval is needed (null when not needed). */
  why: string | null;
  approval: Approval | null;
}

export interface ControlsOptions {
  config?: ControlsConfig;
  /** The DuckDB file of the controls (none: kept in memory, lost on restart). */
  storePath?: string;
  now: () => Date;
  metrics: ServerMetrics;
  log: FastifyBaseLogger;
  /** The fetch of the notifications (tests). */
  fetch?: typeof fetch;
}

/** The keys a deployment's controls may be set under, most specific first: `ns/name` and the bare `name`. */
export function deploymentKeys(deployment: string): string[] {
  const slash = deployment.lastIndexOf('/');
  return slash > 0 && slash < deployment.length - 1 ? [deployment, deployment.slice(slash + 1)] : [deployment];
}

/** Epoch ms of an RFC 3339 date-time whose every part exists (no 30 February, no 25:00), else null. */
export function strictDateTime(s: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/.exec(s);
  if (!m) return null;
  const [y, mo, d, h, mi, se] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0));
  if (mo < 1 || mo > 12 || d < 1 || d > new Date(Date.UTC(y, mo, 0)).getUTCDate() || h > 23 || mi > 59 || se > 59) return null;
  if (m[7] && (Number(m[8]) > 23 || Number(m[9]) > 59)) return null;
  const t = Date.parse(s);
  return Number.isFinite(t) ? t : null;
}

const GATES = new Set(['confirm-rollout', 'confirm-traffic-increase', 'confirm-promotion']);
const FLAGGER_ENDED: Record<string, string> = { Succeeded: 'promoted', Failed: 'rolled_back', Terminating: 'ended', Terminated: 'ended' };
const FLAGGER_RUNNING = new Set(['Progressing', 'Waiting', 'WaitingPromotion', 'Promoting', 'Finalising']);

/** The answer of a Flagger hook before it is sent: yes / no, the decision word, the reasons, the other fields. */
export interface FlaggerAnswer {
  ok: boolean;
  decision: string;
  reasons: string[];
  extra: Partial<FlaggerResponse>;
}

/** Kayenta's judge result, as far as the controls read and change it. */
interface KayentaResult {
  score: { score: number; classification: 'Pass' | 'Marginal' | 'Fail'; classificationReason: string };
}

const toOverride = (r: ControlRecord): Override => ({
  deployment: r.deployment,
  action: r.action as Override['action'],
  by: r.by,
  reason: r.reason,
  until: r.until as string,
  setAt: r.at,
  clearedAt: r.clearedAt,
  clearedBy: r.clearedBy,
  clearReason: r.clearReason,
});
const toApproval = (r: ControlRecord): Approval => ({ deployment: r.deployment, step: r.step, by: r.by, reason: r.reason, until: r.until as string, grantedAt: r.at });

export class Controls {
  /** The latest override of each deployment key (active or not). */
  private readonly overrides = new Map<string, ControlRecord>();
  /** The latest approval of each (deployment key, step). */
  private readonly approvals = new Map<string, ControlRecord>();
  /** Deployments known to have ended. */
  private readonly ended = new Map<string, ControlRecord>();
  /** Approvals decisions are waiting for, by (deployment, step), with the service the wait was computed for. */
  private readonly pending = new Map<string, PendingApproval & { service: string | null }>();
  /** When each (event, deployment) was last notified. */
  private readonly notified = new Map<string, number>();
  readonly notifier: Notifier;
  private readonly config: ControlsConfig;
  /** Set by `load`: the server loads it before it answers anything. */
  private store: ControlsStore = new MemoryControlsStore();

  /** The controls, empty until `load` reads the store. */
  constructor(private readonly o: ControlsOptions) {
    this.config = o.config ?? {};
    this.notifier = new Notifier(this.config.notify ?? [], { metrics: o.metrics, log: o.log, fetch: o.fetch });
  }

  /** Opens the store (an IO error naming --controls-store when its file cannot be opened) and loads what it holds. */
  async load(): Promise<void> {
    if (this.o.storePath !== undefined) this.store = await DuckControlsStore.open(this.o.storePath);
    for (const r of await this.store.all()) this.mapOf(r.kind).set(controlKey(r), r);
  }

  /** A loaded `Controls`. */
  static async open(o: ControlsOptions): Promise<Controls> {
    const c = new Controls(o);
    await c.load();
    return c;
  }

  /** Stops the notifications (waiting retries are dropped) and releases the store. */
  async close(): Promise<void> {
    this.notifier.close();
    await this.store.close();
  }

  private mapOf(kind: ControlRecord['kind']): Map<string, ControlRecord> {
    return kind === 'override' ? this.overrides : kind === 'approval' ? this.approvals : this.ended;
  }

  private nowMs(): number {
    return this.o.now().getTime();
  }

  private isActive(r: ControlRecord | undefined, now = this.nowMs()): r is ControlRecord {
    return r !== undefined && r.clearedAt === null && r.until !== null && Date.parse(r.until) > now;
  }

  /** Writes in the background (the answer does not wait); a failure is logged, the memory state stands. */
  private persist(writes: ControlRecord[], removes: string[] = []): void {
    for (const w of writes) this.store.put(w).catch((e: unknown) => this.o.log.error({ err: e, control: controlKey(w) }, 'controls store write failed'));
    for (const k of removes) this.store.remove(k).catch((e: unknown) => this.o.log.error({ err: e, control: k }, 'controls store write failed'));
  }

  // ---- who owns what ------------------------------------------------------------------------------------------

  /** The team of a deployment: the controls file's services[service], the service being the given one or the deployment's name. */
  teamOf(deployment: string, service?: string | null): { service: string; team: string } | null {
    const services = this.config.services ?? {};
    for (const s of [service ?? null, ...deploymentKeys(deployment).reverse()]) if (s !== null && services[s] !== undefined) return { service: s, team: services[s] };
    return null;
  }

  // ---- reads -------------------------------------------------------------------------------------------------

  /** The active override that applies to the deployment (the most specific key first), if any. */
  activeOverride(deployment: string): ControlRecord | null {
    const now = this.nowMs();
    for (const k of deploymentKeys(deployment)) {
      const r = this.overrides.get(controlKey({ kind: 'override', deployment: k, step: null }));
      if (this.isActive(r, now)) return r;
    }
    return null;
  }

  private activeApproval(deployment: string, step: string | null): ControlRecord | null {
    const now = this.nowMs();
    for (const k of deploymentKeys(deployment)) {
      const r = this.approvals.get(controlKey({ kind: 'approval', deployment: k, step }));
      if (this.isActive(r, now)) return r;
    }
    return null;
  }

  /** The record of the deployment's end, when the server knows it ended. */
  endedOf(deployment: string): ControlRecord | null {
    return this.ended.get(controlKey({ kind: 'ended', deployment, step: null })) ?? null;
  }

  /** Active overrides (those applying to `deployment` when given), latest set first. */
  listOverrides(deployment?: string): Override[] {
    const keys = deployment === undefined ? null : new Set(deploymentKeys(deployment));
    const now = this.nowMs();
    return [...this.overrides.values()]
      .filter((r) => this.isActive(r, now) && (keys === null || keys.has(r.deployment)))
      .sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0))
      .map(toOverride);
  }

  /** Pending approvals (still needed) and active granted ones (applying to `deployment` when given). */
  listApprovals(deployment?: string): { pending: PendingApproval[]; granted: Approval[] } {
    const keys = deployment === undefined ? null : new Set(deploymentKeys(deployment));
    const applies = (d: string) => keys === null || keys.has(d);
    // A wait for the allowed hours ends by itself when they come back: ask again before listing.
    for (const p of [...this.pending.values()]) if (p.step === null) this.approvalState(p.deployment, null, { service: p.service, record: false });
    const now = this.nowMs();
    return {
      pending: [...this.pending.values()]
        .filter((p) => applies(p.deployment))
        .sort((a, b) => (a.since < b.since ? -1 : a.since > b.since ? 1 : 0))
        .map((p) => ({ deployment: p.deployment, step: p.step, why: p.why, since: p.since })),
      granted: [...this.approvals.values()]
        .filter((r) => this.isActive(r, now) && (keys === null || keys.has(r.deployment)))
        .sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0))
        .map(toApproval),
    };
  }

  /**
   * Whether the deployment (or one of its plan steps) must wait for a human. With `stepId`: the step is one the caller
   * marked as needing approval, so it waits until an approval names that step. Without: it waits when now is outside
   * the allowed hours of the team that owns it (the controls file), until an approval of the deployment is granted.
   * A wait is recorded as pending (GET /v1/approvals) and notified once (event approval-needed), unless `record` is
   * false (a look that decides nothing, e.g. listing a plan).
   */
  approvalState(deployment: string, stepId?: string | null, opts: { service?: string | null; record?: boolean } = {}): ApprovalState {
    const step = stepId ?? null;
    const pendingKey = `${deployment}#${step ?? ''}`;
    let why: string;
    let owner: { service: string; team: string } | null = null;
    if (step !== null) why = `plan step ${step} needs a human's approval`;
    else {
      owner = this.teamOf(deployment, opts.service);
      const hours = owner ? this.config.teams?.[owner.team]?.allowedHours : undefined;
      const inside = owner && hours ? insideAllowedHours(hours, this.o.now()) : null;
      if (!owner || !hours || !inside || inside.inside) {
        this.pending.delete(pendingKey);
        return { status: 'not-needed', deployment, step, why: null, approval: null };
      }
      const local = inside.local;
      why = `${local} is outside the allowed hours of team ${owner.team} (${allowedHoursText(hours)})`;
    }
    const granted = this.activeApproval(deployment, step);
    if (granted) {
      this.pending.delete(pendingKey);
      return { status: 'granted', deployment, step, why, approval: toApproval(granted) };
    }
    if (opts.record !== false && !this.pending.has(pendingKey)) {
      this.pending.set(pendingKey, { deployment, step, why, since: this.o.now().toISOString(), service: opts.service ?? null });
      this.notifyOnce(`approval-needed|${pendingKey}`, {
        event: 'approval-needed',
        deployment,
        summary: `approval needed for ${deployment}${step ? ` (step ${step})` : ''}: ${why}`,
        details: { service: owner?.service ?? null, team: owner?.team ?? null, step, how: `POST /v1/approvals {"deployment": ${JSON.stringify(deployment)}${step ? `, "step": ${JSON.stringify(step)}` : ''}, "by": …, "reason": …}` },
        at: this.o.now(),
      });
    }
    return { status: 'pending', deployment, step, why, approval: null };
  }

  // ---- writes ------------------------------------------------------------------------------------------------

  /** `until` checked (400 naming body.until), or the default. */
  private until(v: string | undefined): string {
    const now = this.nowMs();
    if (v === undefined) return new Date(now + DEFAULT_CONTROL_HOURS * HOUR_MS).toISOString();
    const t = strictDateTime(v);
    if (t === null) throw new BadInput('body.until', `is not a valid date-time (got ${JSON.stringify(v)})`);
    if (t <= now) throw new BadInput('body.until', `must be in the future (got ${v}; now is ${new Date(now).toISOString()}): a control that has already expired would never apply`);
    if (t > now + MAX_CONTROL_HOURS * HOUR_MS) throw new BadInput('body.until', `must be at most ${MAX_CONTROL_HOURS / 24} days ahead (got ${v}): set a shorter one and renew it`);
    return new Date(t).toISOString();
  }

  private refuseEnded(deployment: string): void {
    const e = this.endedOf(deployment);
    if (e) throw new DeploymentEnded('body.deployment', `body.deployment ${deployment} has ended (${e.action}, ${e.at}, recorded by ${e.by}: ${e.reason}): a control for it would never apply`);
  }

  /** Sets (or replaces) the deployment's override; durable before it resolves. */
  async setOverride(b: OverrideBody): Promise<{ override: Override; created: boolean }> {
    this.refuseEnded(b.deployment);
    const until = this.until(b.until);
    const key = controlKey({ kind: 'override', deployment: b.deployment, step: null });
    const created = !this.isActive(this.overrides.get(key));
    const r: ControlRecord = { kind: 'override', deployment: b.deployment, step: null, action: b.action, by: b.by, reason: b.reason, until, at: this.o.now().toISOString(), clearedAt: null, clearedBy: null, clearReason: null, checksum: null };
    await this.store.put(r);
    this.overrides.set(key, r);
    this.o.metrics.countControlWrite('override', b.action);
    this.o.log.info({ deployment: b.deployment, action: b.action, by: b.by, until }, 'override set');
    const owner = this.teamOf(b.deployment);
    this.notifier.send({
      event: 'override',
      deployment: b.deployment,
      summary: `override ${b.action} on ${b.deployment} by ${b.by} until ${until}`,
      details: { action: b.action, by: b.by, reason: b.reason, until, service: owner?.service ?? null, team: owner?.team ?? null },
      at: this.o.now(),
      endsAt: new Date(until),
    });
    return { override: toOverride(r), created };
  }

  /** Clears the deployment's override and, with `ended`, records that the deployment has ended. */
  async clearOverride(deployment: string, b: { by: string; reason: string; ended?: boolean }): Promise<{ cleared: Override | null; ended: ReturnType<Controls['endedView']> }> {
    const key = controlKey({ kind: 'override', deployment, step: null });
    const current = this.overrides.get(key);
    const active = this.isActive(current) ? current : null;
    if (!active && !b.ended) throw new NoSuchControl('params.deployment', `params.deployment ${deployment} has no active override (GET /v1/overrides lists them)`);
    let cleared: ControlRecord | null = null;
    if (active) {
      cleared = { ...active, clearedAt: this.o.now().toISOString(), clearedBy: b.by, clearReason: b.reason };
      await this.store.put(cleared);
      this.overrides.set(key, cleared);
      this.o.metrics.countControlWrite('override', 'clear');
      this.o.log.info({ deployment, by: b.by }, 'override cleared');
    }
    if (b.ended) await this.markEnded(deployment, 'ended', b.by, b.reason, null, true);
    return { cleared: cleared && toOverride(cleared), ended: b.ended ? this.endedView(deployment) : null };
  }

  endedView(deployment: string): { deployment: string; how: string; by: string; reason: string; at: string } | null {
    const e = this.endedOf(deployment);
    return e && { deployment: e.deployment, how: e.action ?? 'ended', by: e.by, reason: e.reason, at: e.at };
  }

  /** Grants (or renews) an approval of the deployment or of one plan step; durable before it resolves. */
  async grantApproval(b: ApprovalBody): Promise<{ approval: Approval; created: boolean }> {
    this.refuseEnded(b.deployment);
    const until = this.until(b.until);
    const step = b.step ?? null;
    const key = controlKey({ kind: 'approval', deployment: b.deployment, step });
    const created = !this.isActive(this.approvals.get(key));
    const r: ControlRecord = { kind: 'approval', deployment: b.deployment, step, action: null, by: b.by, reason: b.reason, until, at: this.o.now().toISOString(), clearedAt: null, clearedBy: null, clearReason: null, checksum: null };
    await this.store.put(r);
    this.approvals.set(key, r);
    for (const [k, p] of this.pending) if (p.step === step && deploymentKeys(p.deployment).includes(b.deployment)) this.pending.delete(k);
    this.o.metrics.countControlWrite('approval', step === null ? 'deployment' : 'step');
    this.o.log.info({ deployment: b.deployment, step, by: b.by, until }, 'approval granted');
    return { approval: toApproval(r), created };
  }

  /**
   * Records that a deployment has ended (promoted, rolled back, or said to have ended): its override and approvals
   * are cleared with it, and new ones are refused. `wait`: resolve once durable (a write route); otherwise in the
   * background (a decision route, which never waits on the disk).
   */
  async markEnded(deployment: string, how: string, by: string, reason: string, checksum: string | null, wait = false): Promise<void> {
    const at = this.o.now().toISOString();
    const prior = this.endedOf(deployment);
    if (prior && prior.action === how && prior.checksum === checksum) return;
    const end: ControlRecord = { kind: 'ended', deployment, step: null, action: how, by, reason, until: null, at, clearedAt: null, clearedBy: null, clearReason: null, checksum };
    const writes: ControlRecord[] = [end];
    this.ended.set(controlKey(end), end);
    const clear = (m: Map<string, ControlRecord>) => {
      for (const [k, r] of m) {
        if (r.deployment !== deployment || !this.isActive(r)) continue;
        const c = { ...r, clearedAt: at, clearedBy: by, clearReason: `the deployment ended (${how})` };
        m.set(k, c);
        writes.push(c);
      }
    };
    clear(this.overrides);
    clear(this.approvals);
    for (const [k, p] of this.pending) if (p.deployment === deployment) this.pending.delete(k);
    this.o.metrics.countControlWrite('ended', how);
    this.o.log.info({ deployment, how, by }, 'deployment ended');
    if (wait) for (const w of writes) await this.store.put(w);
    else this.persist(writes);
  }

  /** The deployment runs again (a new revision of the same Canary): its end is forgotten. */
  private reopen(deployment: string): void {
    const key = controlKey({ kind: 'ended', deployment, step: null });
    if (!this.ended.delete(key)) return;
    this.o.log.info({ deployment }, 'deployment runs again: its end is forgotten');
    this.persist([], [key]);
  }

  // ---- notifications -----------------------------------------------------------------------------------------

  private notifyOnce(key: string, n: Notice): void {
    const now = this.nowMs();
    const last = this.notified.get(key);
    if (last !== undefined && now - last < NOTIFY_REPEAT_MS && now >= last) return;
    this.notified.set(key, now);
    if (this.notified.size > 10_000) for (const [k, t] of this.notified) if (now - t >= NOTIFY_REPEAT_MS) this.notified.delete(k);
    this.notifier.send(n);
  }

  private notifyRollback(deployment: string, route: string, reasons: string[], service?: string | null): void {
    const owner = this.teamOf(deployment, service);
    this.notifyOnce(`rollback|${deployment}`, {
      event: 'rollback',
      deployment,
      summary: `rollback decided for ${deployment} (${route})`,
      details: { route, service: owner?.service ?? null, team: owner?.team ?? null, why: reasons.slice(0, 3).join('; ') || null },
      at: this.o.now(),
    });
  }

  // ---- the decision surfaces ---------------------------------------------------------------------------------

  private overrideNote(r: ControlRecord, modelAnswer: string, changed: boolean, flag: string | null): ControlNote {
    return { source: 'override', action: r.action as ControlNote['action'], deployment: r.deployment, step: null, by: r.by, reason: r.reason, until: r.until, at: r.at, modelAnswer, changed, flagged: flag !== null, flag };
  }

  private approvalNote(s: ApprovalState, modelAnswer: string, changed: boolean): ControlNote {
    const a = s.approval;
    return { source: 'approval', action: a ? 'approved' : 'wait', deployment: a?.deployment ?? s.deployment, step: s.step, by: a?.by ?? null, reason: a ? a.reason : (s.why as string), until: a?.until ?? null, at: a?.grantedAt ?? null, modelAnswer, changed, flagged: false, flag: null };
  }

  private overrideLine(r: ControlRecord, modelAnswer: string): string {
    return `override ${r.action} by ${r.by} until ${r.until}: ${r.reason} (without it: ${modelAnswer})`;
  }

  private approvalLine(s: ApprovalState): string {
    return s.approval ? `approved by ${s.approval.by} until ${s.approval.until}: ${s.approval.reason} (${s.why})` : `approval needed: ${s.why}; POST /v1/approvals to let it go on`;
  }

  private flag(r: ControlRecord, modelAnswer: string, go: boolean, failedGate: boolean, route: string, deployment: string): string | null {
    if (r.action !== 'promote' || go) return null;
    const flag = `human promote by ${r.by} over ${failedGate ? 'a failed gate' : 'a not-yet-go'} (${modelAnswer})`;
    this.o.log.warn({ deployment, route, by: r.by, modelAnswer }, flag);
    return flag;
  }

  /**
   * POST /v1/rollout/decision. A last observation in phase done / rolled_back records the deployment's end (and no
   * control applies); otherwise an override decides, and a pending approval holds an advance.
   */
  decision(b: { deployment?: string; service?: string; observations: readonly { phase: string }[] }, r: DecisionResponse): DecisionResponse {
    const d = b.deployment;
    if (d === undefined) return r;
    const phase = b.observations[b.observations.length - 1]?.phase;
    if (phase === 'done' || phase === 'rolled_back') {
      void this.markEnded(d, phase === 'done' ? 'promoted' : 'rolled_back', 'rollout/decision', `the last observation's phase is ${phase}`, null);
      return r;
    }
    const route = 'rollout/decision';
    const ov = this.activeOverride(d);
    if (ov) {
      const action = ov.action === 'promote' ? 'advance' : (ov.action as 'hold' | 'rollback');
      const flag = this.flag(ov, r.action, r.action === 'advance', r.action === 'rollback', route, d);
      this.o.metrics.countControlAnswer(route, 'override', ov.action as string, flag !== null);
      return { ...r, action, reasons: [this.overrideLine(ov, r.action), ...(flag ? [`flagged: ${flag}`] : []), ...r.reasons], control: this.overrideNote(ov, r.action, action !== r.action, flag) };
    }
    if (r.action === 'rollback') this.notifyRollback(d, route, r.reasons, b.service);
    const s = this.approvalState(d, null, { service: b.service, record: r.action === 'advance' });
    if (s.status === 'not-needed') return r;
    const hold = s.status === 'pending' && r.action === 'advance';
    this.o.metrics.countControlAnswer(route, 'approval', s.status === 'pending' ? 'wait' : 'approved', false);
    return { ...r, action: hold ? 'hold' : r.action, reasons: [this.approvalLine(s), ...r.reasons], control: this.approvalNote(s, r.action, hold) };
  }

  /** POST /v1/canary/verdict: hold → inconclusive, rollback → fail, promote → pass; a pending approval makes a pass inconclusive. */
  verdict(b: { deployment?: string; service?: string }, r: VerdictResponse): VerdictResponse {
    if (b.deployment === undefined) return r;
    const c = this.verdictControl(b.deployment, b.service, r.verdict, r.reasons, 'canary/verdict');
    return c ? { ...r, verdict: c.verdict, reasons: c.reasons, control: c.control } : r;
  }

  /** `said`: the models' answer as the route words it (default the verdict). */
  private verdictControl(d: string, service: string | null | undefined, verdict: 'pass' | 'fail' | 'inconclusive', reasons: string[], route: string, said: string = verdict) {
    const ov = this.activeOverride(d);
    if (ov) {
      const v = ov.action === 'promote' ? 'pass' : ov.action === 'rollback' ? 'fail' : 'inconclusive';
      const flag = this.flag(ov, said, verdict === 'pass', verdict === 'fail', route, d);
      this.o.metrics.countControlAnswer(route, 'override', ov.action as string, flag !== null);
      return { verdict: v as typeof verdict, reasons: [this.overrideLine(ov, said), ...(flag ? [`flagged: ${flag}`] : []), ...reasons], control: this.overrideNote(ov, said, v !== verdict, flag), override: true };
    }
    const s = this.approvalState(d, null, { service, record: verdict === 'pass' });
    if (s.status === 'not-needed') return null;
    const wait = s.status === 'pending' && verdict === 'pass';
    this.o.metrics.countControlAnswer(route, 'approval', s.status === 'pending' ? 'wait' : 'approved', false);
    return { verdict: wait ? ('inconclusive' as const) : verdict, reasons: [this.approvalLine(s), ...reasons], control: this.approvalNote(s, said, wait), override: false };
  }

  /** GET|POST /v1/argo/verdict: as the verdict (`pass` follows: 1 / 0 / -1); a fail, Argo's abort, is notified as a rollback. */
  argo(t: { name: string; namespace?: string }, res: ArgoResponse): ArgoResponse {
    const d = t.namespace ? `${t.namespace}/${t.name}` : t.name;
    const route = 'argo/verdict';
    const c = this.verdictControl(d, t.name, res.result.verdict, res.result.reasons, route);
    const verdict = c ? c.verdict : res.result.verdict;
    if (verdict === 'fail' && !c?.override) this.notifyRollback(d, route, res.result.reasons, t.name);
    if (!c) return res;
    return { result: { ...res.result, verdict, pass: verdict === 'pass' ? 1 : verdict === 'fail' ? 0 : -1, reasons: c.reasons, control: c.control } };
  }

  /**
   * POST /v1/argo/gate: as the verdict, with pass / blocked / wait for pass / fail / inconclusive (hold → wait,
   * rollback → blocked, promote → pass; a pending approval makes a pass a wait). A blocked change is not a rollback:
   * nothing is notified.
   */
  argoGate(t: { name: string; namespace?: string }, res: ArgoGateResponse): ArgoGateResponse {
    const d = t.namespace ? `${t.namespace}/${t.name}` : t.name;
    const decision = res.result.decision;
    const verdict = decision === 'pass' ? 'pass' : decision === 'blocked' ? 'fail' : 'inconclusive';
    const c = this.verdictControl(d, t.name, verdict, res.result.reasons, 'argo/gate', decision);
    if (!c) return res;
    const now = c.verdict === 'pass' ? 'pass' : c.verdict === 'fail' ? 'blocked' : 'wait';
    return { result: { ...res.result, decision: now, pass: now === 'pass' ? 1 : now === 'blocked' ? 0 : -1, reasons: c.reasons, control: c.control } };
  }

  /**
   * Every Flagger hook. The payload's phase tells the end of a rollout (Succeeded: promoted; Failed: rolled back;
   * Terminating / Terminated: ended) and the start of the next one (a running phase with another checksum). Then:
   * hold → the confirm gates wait and the rollback hook says no (the rollout check answers the canary's verdict:
   * Flagger holds at the gates); rollback → the rollback hook says roll back, the rollout check fails, the gates wait;
   * promote → the gates and the rollout check say go, the rollback hook says no. A pending approval makes the confirm
   * gates (confirm-rollout, confirm-traffic-increase, confirm-promotion) wait.
   */
  flagger(hook: string, p: FlaggerPayload, a: FlaggerAnswer): FlaggerAnswer {
    const d = `${p.namespace}/${p.name}`;
    const route = `flagger/${hook}`;
    const how = FLAGGER_ENDED[p.phase];
    if (how) {
      void this.markEnded(d, how, 'flagger', `Flagger reported phase ${p.phase} (${hook} hook)`, p.checksum ?? null);
      return a;
    }
    if (FLAGGER_RUNNING.has(p.phase)) {
      const e = this.endedOf(d);
      if (e && (e.checksum === null || p.checksum === undefined || e.checksum !== p.checksum)) this.reopen(d);
    }
    const modelAnswer = a.decision;
    const ov = this.activeOverride(d);
    if (ov && (GATES.has(hook) || hook === 'rollout' || hook === 'rollback')) {
      let ok = a.ok;
      let decision = a.decision;
      if (ov.action === 'hold') {
        if (GATES.has(hook)) [ok, decision] = [false, 'wait'];
        else if (hook === 'rollback') [ok, decision] = [false, 'no-rollback'];
      } else if (ov.action === 'rollback') {
        if (hook === 'rollback') [ok, decision] = [true, 'rollback'];
        else if (hook === 'rollout') [ok, decision] = [false, 'fail'];
        else [ok, decision] = [false, 'wait'];
      } else {
        if (hook === 'rollback') [ok, decision] = [false, 'no-rollback'];
        else [ok, decision] = [true, hook === 'rollout' ? 'pass' : 'go'];
      }
      const go = hook === 'rollback' ? !a.ok : a.ok;
      const flag = this.flag(ov, modelAnswer, go, hook === 'rollback' ? a.ok : a.decision !== 'inconclusive', route, d);
      const note = ov.action === 'hold' && hook === 'rollout' ? ['(a hold is applied at the confirm gates; this check answers the canary\'s verdict, so a failing canary still counts failed checks)'] : [];
      this.o.metrics.countControlAnswer(route, 'override', ov.action as string, flag !== null);
      return { ok, decision, reasons: [this.overrideLine(ov, modelAnswer), ...note, ...(flag ? [`flagged: ${flag}`] : []), ...a.reasons], extra: { ...a.extra, control: this.overrideNote(ov, modelAnswer, ok !== a.ok, flag) } };
    }
    if (hook === 'rollback' && a.ok) this.notifyRollback(d, route, a.reasons, p.name);
    if (!GATES.has(hook)) return a;
    const s = this.approvalState(d, null, { service: p.name, record: a.ok });
    if (s.status === 'not-needed') return a;
    const wait = s.status === 'pending' && a.ok;
    this.o.metrics.countControlAnswer(route, 'approval', s.status === 'pending' ? 'wait' : 'approved', false);
    return { ok: wait ? false : a.ok, decision: wait ? 'wait' : a.decision, reasons: [this.approvalLine(s), ...a.reasons], extra: { ...a.extra, control: this.approvalNote(s, modelAnswer, wait) } };
  }

  /**
   * POST /judge. The deployment is `?deployment=`, else each of the canary config's `applications`. Kayenta reads the
   * summary score against its thresholds: promote → 100 (Pass), rollback → 0 (Fail), hold (or a pending approval on a
   * Pass) → Marginal, between the marginal and the pass threshold (below pass when the two are equal). The result keeps
   * Kayenta's shape; the control is said in score.classificationReason.
   */
  kayenta<T extends KayentaResult>(q: { deployment?: string }, b: { canaryConfig: { applications?: unknown }; scoreThresholds: { pass: number; marginal: number } }, r: T): T {
    const apps = Array.isArray(b.canaryConfig.applications) ? b.canaryConfig.applications.filter((x): x is string => typeof x === 'string' && x.length > 0) : [];
    const candidates = q.deployment !== undefined ? [q.deployment] : apps;
    if (!candidates.length) return r;
    const route = 'kayenta/judge';
    const model = r.score.classification;
    const { pass, marginal } = b.scoreThresholds;
    const held = pass > marginal ? (pass + marginal) / 2 : Math.max(0, pass - 1);
    const withScore = (score: number, classification: KayentaResult['score']['classification'], line: string): T => ({ ...r, score: { score, classification, classificationReason: `${line}; ${r.score.classificationReason}` } });
    for (const d of candidates) {
      const ov = this.activeOverride(d);
      if (!ov) continue;
      const flag = this.flag(ov, model, model === 'Pass', model === 'Fail', route, d);
      this.o.metrics.countControlAnswer(route, 'override', ov.action as string, flag !== null);
      const line = `${this.overrideLine(ov, `${model} ${r.score.score}`)}${flag ? `; flagged: ${flag}` : ''}`;
      if (ov.action === 'promote') return withScore(100, 'Pass', line);
      if (ov.action === 'rollback') return withScore(0, 'Fail', line);
      return withScore(held, 'Marginal', line);
    }
    if (model !== 'Pass') return r;
    for (const d of candidates) {
      const s = this.approvalState(d, null, { service: d });
      if (s.status === 'not-needed') continue;
      this.o.metrics.countControlAnswer(route, 'approval', s.status === 'pending' ? 'wait' : 'approved', false);
      if (s.status === 'pending') return withScore(held, 'Marginal', this.approvalLine(s));
    }
    return r;
  }
}
