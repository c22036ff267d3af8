// The audit trail of the decisions the server serves (docs/server.md "Decision log"): which routes answer decisions
// (DECISION_ROUTES, one line per route), what is recorded of each (the request as received, the answer, the champion
// versions of the model snapshot, who asked and when), and the recorder that writes them to the decision log
// (datasets/decision-log.ts) behind the answers.
//
// Recording never holds up or fails a decision: the serving plugin's hooks put each record on a bounded in-memory
// queue and return; a writer takes the queue in order, a batch at a time, and appends each batch durably (one
// transaction, committed and checkpointed). A full queue, a store that cannot be opened or a failed write loses
// records, never answers: each loss is counted on /metrics (rolloutlab_audit_dropped_total{reason}) and logged. On
// close, the queue is written before the file is released.
import type { FastifyBaseLogger, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { DecisionLogStore, type DecisionFilter, type DecisionOrder, type DecisionRecord, type NewDecision } from '../datasets/decision-log.ts';
import { DecisionsUnavailable } from './http-errors.ts';
import type { ServerMetrics } from './metrics.ts';
import { FAMILIES, type Snapshot } from './models.ts';

/** The kinds of decision recorded (a route of a new kind adds its name here and its line to DECISION_ROUTES). */
export const DECISION_KINDS = ['verdict', 'rollout-decision', 'risk', 'deploy-window', 'schedule', 'retry', 'argo', 'flagger', 'kayenta', 'rollback-plan', 'rollout-plan', 'override', 'approval'] as const;
export type DecisionKind = (typeof DECISION_KINDS)[number];

/** The deployments and services a request is about, as the route's body or query names them (non-strings are ignored). */
export interface Subject {
  deployments?: readonly unknown[];
  services?: readonly unknown[];
}

export interface DecisionRoute {
  kind: DecisionKind;
  /** Which answers are decisions (default: any 2xx; an error answer is not recorded). */
  decided?: (status: number) => boolean;
  /**
   * The deployments and services the request is about, besides the X-Rolloutlab-Deployment / X-Rolloutlab-Service
   * headers (default: the body's `deploymentId` or `deployment`, and its `service`, when they are strings).
   */
  subject?: (body: unknown, query: unknown, params: unknown) => Subject;
}

/** Requests accept these headers on every decision route to name the deployment and the service in the record. */
export const DEPLOYMENT_HEADER = 'x-rolloutlab-deployment';
export const SERVICE_HEADER = 'x-rolloutlab-service';

type Obj = Record<string, unknown>;
const obj = (x: unknown): Obj => (x !== null && typeof x === 'object' && !Array.isArray(x) ? (x as Obj) : {});
/** `namespace/name` of an Argo or Flagger target (the name alone without a namespace). */
const workload = (x: unknown): string | undefined => {
  const o = obj(x);
  if (typeof o.name !== 'string') return undefined;
  return typeof o.namespace === 'string' ? `${o.namespace}/${o.name}` : o.name;
};
const argoSubject = (target: unknown): Subject => ({ services: [workload(target)] });
/** Flagger: the Canary as the service; one rollout of it (its revision, `checksum`) as the deployment, unless the metadata names one. */
const flaggerSubject = (body: unknown): Subject => {
  const b = obj(body);
  const meta = obj(b.metadata);
  const w = workload(b);
  return {
    deployments: [meta.deployment, w !== undefined && typeof b.checksum === 'string' && b.checksum !== '' ? `${w}@${b.checksum}` : undefined],
    services: [meta.service, w],
  };
};
/** A Flagger hook answers "no" with 409: that is a decision too. */
const flaggerDecided = (status: number) => (status >= 200 && status < 300) || status === 409;
/** A planner's 422 NO_FEASIBLE_WINDOW (NO_FEASIBLE_PLAN) is its answer that no start (no plan) is allowed: a decision too. */
const plannerDecided = (status: number) => (status >= 200 && status < 300) || status === 422;

/**
 * The decision routes, by `METHOD url` as registered: one line per route. A route added here is recorded with no
 * change to its handler.
 */
export const DECISION_ROUTES: Readonly<Record<string, DecisionRoute>> = {
  'POST /v1/canary/verdict': { kind: 'verdict' },
  'POST /v1/rollout/decision': { kind: 'rollout-decision' },
  'POST /v1/risk/score': { kind: 'risk' },
  'POST /v1/deploy/windows': { kind: 'deploy-window', decided: plannerDecided },
  'POST /v1/deploy/schedule': {
    kind: 'schedule',
    decided: plannerDecided,
    subject: (b) => {
      const changes = Array.isArray(obj(b).changes) ? (obj(b).changes as unknown[]).map(obj) : [];
      return { deployments: changes.map((c) => c.id), services: changes.map((c) => c.service) };
    },
  },
  'POST /v1/pipeline/retry': { kind: 'retry' },
  'GET /v1/argo/verdict': { kind: 'argo', subject: (_b, q) => argoSubject(q) },
  'POST /v1/argo/verdict': { kind: 'argo', subject: (b) => argoSubject(b) },
  'POST /v1/argo/gate': { kind: 'argo', decided: plannerDecided, subject: (b) => argoSubject(b) },
  'POST /v1/flagger/rollout': { kind: 'flagger', decided: flaggerDecided, subject: flaggerSubject },
  'POST /v1/flagger/confirm-traffic-increase': { kind: 'flagger', decided: flaggerDecided, subject: flaggerSubject },
  'POST /v1/flagger/rollback': { kind: 'flagger', decided: flaggerDecided, subject: flaggerSubject },
  'POST /v1/flagger/confirm-rollout': { kind: 'flagger', decided: flaggerDecided, subject: flaggerSubject },
  'POST /v1/flagger/confirm-promotion': { kind: 'flagger', decided: flaggerDecided, subject: flaggerSubject },
  'POST /judge': { kind: 'kayenta', subject: (b) => ({ services: Array.isArray(obj(obj(b).canaryConfig).applications) ? (obj(obj(b).canaryConfig).applications as unknown[]) : [] }) },
  'POST /v1/rollout/plan': { kind: 'rollout-plan', decided: plannerDecided },
  // Human controls: who overrode or approved what is part of the review.
  'POST /v1/overrides': { kind: 'override' },
  'DELETE /v1/overrides/:deployment': { kind: 'override', subject: (_b, _q, p) => ({ deployments: [obj(p).deployment] }) },
  'POST /v1/approvals': { kind: 'approval' },
  'POST /v1/rollback/plan': { kind: 'rollback-plan', subject: (b) => ({ deployments: [obj(b).deployment], services: Array.isArray(obj(b).services) ? (obj(b).services as unknown[]).map((s) => obj(s).name) : [] }) },
};

/** The most of a request body a record keeps (bytes, UTF-8); a longer one is kept cut, with `requestTruncated`. */
export const MAX_RECORDED_REQUEST = 64 * 1024;
/** The most of an answer a record keeps (bytes, UTF-8). */
export const MAX_RECORDED_ANSWER = 256 * 1024;
/** Records waiting to be written, at most (count and bytes); beyond, new ones are dropped and counted. */
export const DEFAULT_QUEUE_RECORDS = 10_000;
export const DEFAULT_QUEUE_BYTES = 64 * 1024 * 1024;
/** Records written in one transaction, at most (count and bytes). */
const BATCH_RECORDS = 500;
const BATCH_BYTES = 8 * 1024 * 1024;
/** A deployment or service name kept in a record, at most (characters), and how many of each. */
const MAX_NAME = 256;
const MAX_NAMES = 100;

/** Why records were lost. */
export const DROP_REASONS = ['queue-full', 'store-unavailable', 'write-failed', 'closed', 'internal'] as const;
export type DropReason = (typeof DROP_REASONS)[number];

/** `s` cut to at most `max` bytes of UTF-8 (never inside a character). */
export function capText(s: string, max: number): { text: string; bytes: number; truncated: boolean } {
  const bytes = Buffer.byteLength(s);
  if (bytes <= max) return { text: s, bytes, truncated: false };
  const cut = Buffer.from(s).subarray(0, max).toString('utf8');
  return { text: cut.endsWith('\uFFFD') ? cut.slice(0, -1) : cut, bytes, truncated: true };
}

/** The distinct names among `xs` (strings only, trimmed, non-empty, cut to MAX_NAME), in order, at most MAX_NAMES. */
function names(xs: readonly unknown[]): string[] {
  const out: string[] = [];
  for (const x of xs) {
    if (typeof x !== 'string') continue;
    const v = x.trim().slice(0, MAX_NAME);
    if (v && !out.includes(v)) out.push(v);
    if (out.length >= MAX_NAMES) break;
  }
  return out;
}

const header = (req: FastifyRequest, name: string): unknown => {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

/** The deployments and services a request is about: the headers first, then what the route reads from the request. */
export function subjectOf(route: DecisionRoute, req: FastifyRequest): { deployments: string[]; services: string[] } {
  const b = obj(req.body);
  const s: Subject = route.subject ? route.subject(req.body, req.query, req.params) : { deployments: [b.deploymentId, b.deployment], services: [b.service] };
  return { deployments: names([header(req, DEPLOYMENT_HEADER), ...(s.deployments ?? [])]), services: names([header(req, SERVICE_HEADER), ...(s.services ?? [])]) };
}

/** The champion version of each family loaded in a snapshot. */
export function modelVersions(s: Snapshot): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of FAMILIES) {
    const m = s[f];
    if (m) out[f] = m.version;
  }
  return out;
}

/** Where records are written (datasets/decision-log.ts DecisionLogStore; a stand-in in tests). */
export interface DecisionWriter {
  append(ds: readonly NewDecision[]): Promise<number>;
  query(f: DecisionFilter, limit: number, order?: DecisionOrder): Promise<{ decisions: DecisionRecord[]; more: boolean }>;
  close(): Promise<void>;
}

export interface RecorderOptions {
  /** The decision log's file. */
  path: string;
  log: FastifyBaseLogger;
  metrics: ServerMetrics;
  /** Told (at most every `reportEveryMs`) when records are lost; `serve` prints it, so a --quiet server still says so. */
  onLoss?: (message: string) => void;
  queueRecords?: number;
  queueBytes?: number;
  /** How long after a failed open the file is tried again (default 5 s; until then records are dropped). */
  reopenMs?: number;
  /** How often losses are logged, at most (default 10 s). */
  reportEveryMs?: number;
  /** Opens the writer (default: DecisionLogStore.open). */
  open?: (path: string) => Promise<DecisionWriter>;
  /** A monotonic clock in ms for the retry and log intervals (default performance.now). */
  clock?: () => number;
}

/** The bounded queue of records and the writer that empties it, in order. */
export class DecisionRecorder {
  private queue: { d: NewDecision; bytes: number }[] = [];
  private queuedBytes = 0;
  private store: DecisionWriter | null = null;
  private openError: string | null = null;
  private nextOpenAt = 0;
  private draining: Promise<void> | null = null;
  private closed = false;
  private unreported = new Map<DropReason, number>();
  private lastReport = -Infinity;
  private readonly clock: () => number;

  constructor(private readonly o: RecorderOptions) {
    this.clock = o.clock ?? (() => performance.now());
    o.metrics.auditConfigured(DROP_REASONS);
  }

  get path(): string {
    return this.o.path;
  }

  /** Why the file is not open (null: it is). */
  get problem(): string | null {
    return this.store ? null : (this.openError ?? 'not opened yet');
  }

  /** Opens the file; a failure is logged and reported, not thrown (decisions are served without a record). */
  async start(): Promise<void> {
    await this.tryOpen();
  }

  private async tryOpen(): Promise<boolean> {
    if (this.store) return true;
    if (this.closed || this.clock() < this.nextOpenAt) return false;
    try {
      this.store = await (this.o.open ?? DecisionLogStore.open)(this.o.path);
      if (this.openError !== null) this.o.log.info({ decisions: this.o.path }, 'decision log open again: decisions are recorded');
      this.openError = null;
      this.o.metrics.auditStoreUp(true);
      return true;
    } catch (e) {
      const msg = (e as Error).message ?? String(e);
      if (this.openError !== msg) {
        this.o.log.error({ decisions: this.o.path, err: msg }, 'decision log cannot be opened: decisions are served but not recorded');
        this.o.onLoss?.(`decision log ${this.o.path} cannot be opened (${msg}): decisions are served but not recorded (retrying every ${(this.o.reopenMs ?? 5000) / 1000} s)`);
      }
      this.openError = msg;
      this.nextOpenAt = this.clock() + (this.o.reopenMs ?? 5000);
      this.o.metrics.auditStoreUp(false);
      return false;
    }
  }

  /** Queues one decision to be written; never throws, never waits. */
  record(d: NewDecision): void {
    if (this.closed) return this.drop('closed', 1);
    const bytes = 1024 + (d.request?.length ?? 0) + (d.answer?.length ?? 0);
    if (this.queue.length >= (this.o.queueRecords ?? DEFAULT_QUEUE_RECORDS) || this.queuedBytes + bytes > (this.o.queueBytes ?? DEFAULT_QUEUE_BYTES)) return this.drop('queue-full', 1);
    this.queue.push({ d, bytes });
    this.queuedBytes += bytes;
    this.o.metrics.auditQueued(this.queue.length);
    if (!this.draining) this.draining = this.drain();
  }

  /** Counts and reports lost records (the log at most every reportEveryMs). */
  drop(reason: DropReason, n: number, err?: unknown): void {
    if (n <= 0) return;
    this.o.metrics.auditDropped(reason, n);
    this.unreported.set(reason, (this.unreported.get(reason) ?? 0) + n);
    const now = this.clock();
    if (now - this.lastReport < (this.o.reportEveryMs ?? 10_000)) return;
    this.lastReport = now;
    const lost = Object.fromEntries(this.unreported);
    this.unreported.clear();
    const why = err === undefined ? '' : ` (${((err as Error).message ?? String(err)).split('\n')[0]})`;
    const text = Object.entries(lost).map(([r, k]) => `${k} ${r}`).join(', ');
    this.o.log.error({ decisions: this.o.path, lost, err: why || undefined }, `decisions not recorded: ${text}${why}`);
    this.o.onLoss?.(`decisions not recorded in ${this.o.path}: ${text}${why}`);
  }

  /** Takes the queue in order, a batch at a time, until it is empty. */
  private async drain(): Promise<void> {
    try {
      // Let the answers that queued these records go out first.
      await new Promise<void>((done) => setImmediate(done));
      while (this.queue.length) {
        if (!(await this.tryOpen())) {
          const n = this.queue.length;
          this.take(n);
          this.drop('store-unavailable', n);
          break;
        }
        let k = 0;
        let bytes = 0;
        while (k < this.queue.length && k < BATCH_RECORDS && (k === 0 || bytes + this.queue[k].bytes <= BATCH_BYTES)) bytes += this.queue[k++].bytes;
        await this.write(this.take(k));
      }
    } finally {
      // In the same step as the last look at the queue: a record queued after this starts the next drain.
      this.draining = null;
    }
  }

  private take(k: number): NewDecision[] {
    const taken = this.queue.splice(0, k);
    for (const t of taken) this.queuedBytes -= t.bytes;
    this.o.metrics.auditQueued(this.queue.length);
    return taken.map((t) => t.d);
  }

  /** One batch; when it fails, each record alone, so one bad record loses only itself. */
  private async write(batch: NewDecision[]): Promise<void> {
    const store = this.store!;
    try {
      await store.append(batch);
      this.o.metrics.auditRecorded(batch.length);
      return;
    } catch (e) {
      if (batch.length === 1) return this.drop('write-failed', 1, e);
    }
    for (const d of batch) {
      try {
        await store.append([d]);
        this.o.metrics.auditRecorded(1);
      } catch (e) {
        this.drop('write-failed', 1, e);
      }
    }
  }

  /** Resolves once every record queued before the call is written (or dropped). */
  async flush(): Promise<void> {
    while (this.draining) await this.draining;
  }

  /** Records matching `f` (after writing what is queued; `order` newest: the latest, newest first); DecisionsUnavailable when the file is not open. */
  async query(f: DecisionFilter, limit: number, order: DecisionOrder = 'earliest'): Promise<{ decisions: DecisionRecord[]; more: boolean }> {
    await this.flush();
    if (!this.store && !(await this.tryOpen())) throw new DecisionsUnavailable(`the decision log ${this.o.path} is not open (${this.openError ?? 'closed'}): decisions are served but not recorded`);
    return this.store!.query(f, limit, order);
  }

  /** Writes what is queued, then releases the file; records arriving later are dropped (reason `closed`). */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    const s = this.store;
    this.store = null;
    this.openError = 'closed';
    if (s) await s.close();
  }
}

interface Pending {
  at: string;
  models: Record<string, string>;
}

/** Request bodies as received (the JSON parser keeps them here for the decision routes), and each decision's context. */
const rawBodies = new WeakMap<FastifyRequest, string>();
const pending = new WeakMap<FastifyRequest, Pending>();

/** The JSON parser hands each body text over: kept with its request, for its record. */
export function keepRawBody(req: FastifyRequest, text: string): void {
  rawBodies.set(req, text);
}

export interface DecisionHooksOptions {
  recorder: DecisionRecorder;
  /** The model snapshot the decision is made with. */
  snapshot: () => Snapshot;
  now: () => Date;
}

type Hook = (...args: never[]) => unknown;
const hooksOf = (h: unknown): Hook[] => (h === undefined ? [] : Array.isArray(h) ? (h as Hook[]) : [h as Hook]);

/**
 * An onRoute hook for the serving plugin: a route in DECISION_ROUTES gets a preHandler that notes when the decision
 * is made and the model versions it is made with (just before the handler takes the snapshot), and an onSend that
 * queues the record of a decision answer. Neither can fail the request.
 */
export function decisionRouteHook(o: DecisionHooksOptions): (r: RouteOptions) => void {
  return (r) => {
    const methods = Array.isArray(r.method) ? r.method : [r.method];
    if (!methods.some((m) => DECISION_ROUTES[`${m} ${r.url}`])) return;
    const preHandler = async (req: FastifyRequest) => {
      if (!DECISION_ROUTES[`${req.method} ${r.url}`]) return;
      try {
        pending.set(req, { at: o.now().toISOString(), models: modelVersions(o.snapshot()) });
      } catch (e) {
        req.log.error({ err: e }, 'decision not noted for the decision log');
      }
    };
    const onSend = async (req: FastifyRequest, reply: FastifyReply, payload: unknown) => {
      try {
        const route = DECISION_ROUTES[`${req.method} ${r.url}`];
        const p = pending.get(req);
        const status = reply.statusCode;
        if (route && p && (route.decided ?? ((s: number) => s >= 200 && s < 300))(status)) o.recorder.record(decisionOf(route, req, r.url, status, p, payload));
      } catch (e) {
        o.recorder.drop('internal', 1, e);
      }
      return payload;
    };
    r.preHandler = [...hooksOf(r.preHandler), preHandler] as RouteOptions['preHandler'];
    r.onSend = [...hooksOf(r.onSend), onSend] as RouteOptions['onSend'];
  };
}

/** The record of one answered decision. */
function decisionOf(route: DecisionRoute, req: FastifyRequest, url: string, status: number, p: Pending, payload: unknown): NewDecision {
  const raw = rawBodies.get(req);
  const request = raw === undefined ? null : capText(raw, MAX_RECORDED_REQUEST);
  const answerText = typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : null;
  const answer = answerText === null ? null : capText(answerText, MAX_RECORDED_ANSWER);
  const { deployments, services } = subjectOf(route, req);
  return {
    at: p.at,
    kind: route.kind,
    method: req.method,
    route: url,
    deployment: deployments[0] ?? null,
    service: services[0] ?? null,
    deployments,
    services,
    status,
    request: request?.text ?? null,
    requestBytes: request?.bytes ?? 0,
    requestTruncated: request?.truncated ?? false,
    query: { ...obj(req.query) },
    answer: answer?.text ?? null,
    answerBytes: answer?.bytes ?? 0,
    answerTruncated: answer?.truncated ?? false,
    models: p.models,
    clientIp: req.ip ?? null,
    requestId: req.id === undefined ? null : String(req.id),
  };
}
