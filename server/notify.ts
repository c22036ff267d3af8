// Outgoing notifications of the human controls (docs/server.md "Notifications"): an override set, a rollback decided,
// an approval needed — posted to Slack-compatible webhooks ({text, blocks}) and to Alertmanager's v2 API (an array of
// alerts with labels, annotations, startsAt). Sent in the background: `send` returns at once and never throws, so a
// slow or dead endpoint never delays an answer; each message is tried up to `attempts` times, waiting `backoffMs`,
// then twice that, and so on (no jitter: the waits are the same every run), each try bounded by `timeoutMs`. Outcomes
// are counted on /metrics by sink (its kind and position in the file, never its URL, which may hold a secret) and
// logged.
import type { NotifyEvent, NotifySink } from './controls-config.ts';

/** Defaults of a sink's retry policy. */
export const NOTIFY_DEFAULTS = { attempts: 5, backoffMs: 1000, timeoutMs: 5000 } as const;
/** The longest wait between two tries (ms). */
export const MAX_BACKOFF_MS = 300_000;
/** Messages waiting or in flight across all sinks; beyond, new ones are dropped (counted and logged). */
export const MAX_PENDING_NOTICES = 1000;
/** Tries in flight at once to one sink; more wait their turn, so a dead endpoint holds at most this many connections. */
export const MAX_TRIES_IN_FLIGHT = 4;

/** What happened, in the words every sink renders. */
export interface Notice {
  event: NotifyEvent;
  deployment: string;
  /** One line: what happened. */
  summary: string;
  /** Details by name (null: not known), e.g. by, reason, until, action, service, team, route. */
  details: Record<string, string | null>;
  at: Date;
  /** When the condition ends, if known (an override's until): Alertmanager's endsAt. */
  endsAt?: Date | null;
}

export interface NotifyMetrics {
  countNotification(sink: string, event: string, outcome: 'sent' | 'retried' | 'failed' | 'dropped'): void;
}
export interface NotifyLog {
  info(o: object, msg: string): void;
  warn(o: object, msg: string): void;
  error(o: object, msg: string): void;
}

const ALERT_NAMES: Record<NotifyEvent, string> = { override: 'RolloutlabOverride', rollback: 'RolloutlabRollback', 'approval-needed': 'RolloutlabApprovalNeeded' };
const LABEL_DETAILS = ['service', 'team', 'action', 'step', 'route'];

const detailLines = (n: Notice) => Object.entries(n.details).filter(([, v]) => v !== null && v !== '').map(([k, v]) => `${k}: ${v}`);

/** Slack's incoming-webhook message: `text` (the fallback every client shows) and one section block. */
export function slackPayload(n: Notice): unknown {
  const lines = detailLines(n);
  return {
    text: `[rolloutlab] ${n.summary}`,
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: [`*${n.summary}*`, ...lines.map((l) => `• ${l}`)].join('\n') } }],
  };
}

/** Alertmanager v2 `POST /api/v2/alerts`: an array of postable alerts (labels and annotations are strings). */
export function alertmanagerPayload(n: Notice): unknown {
  const labels: Record<string, string> = { alertname: ALERT_NAMES[n.event], deployment: n.deployment, severity: n.event === 'rollback' ? 'critical' : 'warning', source: 'rolloutlab' };
  for (const k of LABEL_DETAILS) {
    const v = n.details[k];
    if (v) labels[k] = v;
  }
  const annotations: Record<string, string> = { summary: n.summary };
  const rest = Object.entries(n.details).filter(([k, v]) => !LABEL_DETAILS.includes(k) && v);
  for (const [k, v] of rest) annotations[k] = v as string;
  if (rest.length) annotations.description = rest.map(([k, v]) => `${k}: ${v}`).join('\n');
  const alert: Record<string, unknown> = { labels, annotations, startsAt: n.at.toISOString() };
  if (n.endsAt) alert.endsAt = n.endsAt.toISOString();
  return [alert];
}

/** Why a try failed, in a word or two (the connection error's code, a timeout, a status). */
function failure(e: unknown): string {
  const err = e as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (err?.name === 'TimeoutError') return 'timed out';
  if (err?.name === 'AbortError') return 'aborted';
  return err?.cause?.code ?? err?.cause?.message ?? err?.message ?? String(e);
}

/** The background sender of one app: its sinks, the retries waiting, the tries in flight. */
export class Notifier {
  private closed = false;
  private pending = 0;
  private readonly timers = new Set<NodeJS.Timeout>();
  /** The tries in flight (aborted on close). */
  private readonly inFlight = new Set<AbortController>();
  /** Per sink: tries in flight and the tries waiting for a turn. */
  private readonly slots = new Map<number, { active: number; queue: (() => void)[] }>();
  private idleWaiters: (() => void)[] = [];

  constructor(
    readonly sinks: readonly NotifySink[],
    private readonly o: { metrics: NotifyMetrics; log: NotifyLog; fetch?: typeof fetch },
  ) {}

  /** Queues the notice for every sink that takes its event; returns at once and never throws. */
  send(n: Notice): void {
    if (this.closed) return;
    this.sinks.forEach((s, i) => {
      if (s.events && !s.events.includes(n.event)) return;
      const name = `${s.kind}#${i}`;
      if (this.pending >= MAX_PENDING_NOTICES) {
        this.o.metrics.countNotification(name, n.event, 'dropped');
        this.o.log.error({ sink: name, event: n.event, deployment: n.deployment }, `notification dropped: ${MAX_PENDING_NOTICES} messages are already waiting`);
        return;
      }
      let body: string;
      try {
        body = JSON.stringify(s.kind === 'slack' ? slackPayload(n) : alertmanagerPayload(n));
      } catch (e) {
        this.o.log.error({ sink: name, err: e }, 'notification could not be rendered');
        return;
      }
      this.pending++;
      this.later(0, () => this.whenFree(i, () => this.attempt(s, name, n, body, 1)));
    });
  }

  /** Starts the try when the sink has fewer than MAX_TRIES_IN_FLIGHT in flight, else when one ends. */
  private whenFree(sink: number, start: () => Promise<void>): void {
    let slot = this.slots.get(sink);
    if (!slot) this.slots.set(sink, (slot = { active: 0, queue: [] }));
    const s = slot;
    const go = () => {
      s.active++;
      void start().finally(() => {
        s.active--;
        s.queue.shift()?.();
      });
    };
    if (s.active < MAX_TRIES_IN_FLIGHT) go();
    else s.queue.push(go);
  }

  private later(ms: number, f: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      f();
    }, ms);
    t.unref();
    this.timers.add(t);
  }

  private finish(): void {
    this.pending--;
    if (this.pending === 0) for (const w of this.idleWaiters.splice(0)) w();
  }

  private async attempt(s: NotifySink, name: string, n: Notice, body: string, k: number): Promise<void> {
    if (this.closed) return this.finish();
    const attempts = s.attempts ?? NOTIFY_DEFAULTS.attempts;
    let why: string;
    // One try: aborted at its timeout, or when the notifier closes.
    const ctl = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      ctl.abort();
    }, s.timeoutMs ?? NOTIFY_DEFAULTS.timeoutMs);
    timer.unref();
    this.inFlight.add(ctl);
    try {
      const r = await (this.o.fetch ?? fetch)(s.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: ctl.signal });
      await r.arrayBuffer().catch(() => undefined);
      if (r.ok) {
        this.o.metrics.countNotification(name, n.event, 'sent');
        if (k > 1) this.o.log.info({ sink: name, event: n.event, deployment: n.deployment, attempt: k }, 'notification sent after retries');
        return this.finish();
      }
      why = `HTTP ${r.status}`;
    } catch (e) {
      why = timedOut ? `timed out after ${s.timeoutMs ?? NOTIFY_DEFAULTS.timeoutMs} ms` : failure(e);
    } finally {
      clearTimeout(timer);
      this.inFlight.delete(ctl);
    }
    const where = { sink: name, host: hostOf(s.url), event: n.event, deployment: n.deployment, attempt: k, attempts, why };
    if (this.closed) {
      this.o.metrics.countNotification(name, n.event, 'dropped');
      return this.finish();
    }
    if (k < attempts) {
      const wait = Math.min(MAX_BACKOFF_MS, (s.backoffMs ?? NOTIFY_DEFAULTS.backoffMs) * 2 ** (k - 1));
      this.o.metrics.countNotification(name, n.event, 'retried');
      this.o.log.warn({ ...where, retryInMs: wait }, `notification not delivered (${why}): retrying`);
      const sink = this.sinks.indexOf(s);
      this.later(wait, () => this.whenFree(sink, () => this.attempt(s, name, n, body, k + 1)));
      return;
    }
    this.o.metrics.countNotification(name, n.event, 'failed');
    this.o.log.error(where, `notification not delivered after ${attempts} tries (${why}): given up`);
    this.finish();
  }

  /** Resolves when no message is waiting or in flight (tests; a closing server does not wait). */
  idle(): Promise<void> {
    return this.pending === 0 ? Promise.resolve() : new Promise((done) => this.idleWaiters.push(done));
  }

  /** Stops: waiting messages and retries are dropped and tries in flight aborted. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const c of this.inFlight) c.abort();
    for (const t of this.timers) clearTimeout(t);
    let dropped = this.timers.size;
    this.timers.clear();
    for (const slot of this.slots.values()) dropped += slot.queue.splice(0).length;
    for (let i = 0; i < dropped; i++) this.finish();
  }
}

const hostOf = (url: string) => {
  try {
    return new URL(url).host;
  } catch {
    return '?';
  }
};
