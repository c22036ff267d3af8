// The server's own metrics in Prometheus's text exposition format (version 0.0.4), written by hand: request counts and
// a latency histogram per route, verdicts, rollout and retry decisions by kind, the decision log's records written and
// lost, and the loaded model versions as an info gauge.

/** Histogram buckets in seconds (upper bounds; +Inf is implicit). */
export const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const labels = (l: Record<string, string>) => {
  const keys = Object.keys(l);
  return keys.length ? `{${keys.map((k) => `${k}="${escapeLabel(l[k])}"`).join(',')}}` : '';
};

interface Hist {
  labels: Record<string, string>;
  counts: number[];
  sum: number;
  count: number;
}

export class ServerMetrics {
  private readonly requests = new Map<string, { labels: Record<string, string>; n: number }>();
  private readonly latency = new Map<string, Hist>();
  private readonly verdicts = new Map<string, { labels: Record<string, string>; n: number }>();
  private readonly decisions = new Map<string, { labels: Record<string, string>; n: number }>();
  private readonly extensions = new Map<string, { labels: Record<string, string>; n: number }>();
  private readonly retries = new Map<string, { labels: Record<string, string>; n: number }>();
  /** The decision log (server/decision-recorder.ts); null: the app records no decisions. */
  private audit: { recorded: number; dropped: Map<string, number>; queued: number; up: boolean } | null = null;
  private readonly controlAnswers = new Map<string, { labels: Record<string, string>; n: number }>();
  private readonly controlWrites = new Map<string, { labels: Record<string, string>; n: number }>();
  private readonly notifications = new Map<string, { labels: Record<string, string>; n: number }>();

  /**
   * Every request's series, found by method, route and status (NUL-separated: no method, route pattern or status holds
   * one) without building their labels' JSON each time; the maps above keep them under that JSON, which `render` sorts by.
   */
  private readonly requestSeries = new Map<string, { c: { labels: Record<string, string>; n: number }; h: Hist }>();
  private readonly verdictSeries = new Map<string, { labels: Record<string, string>; n: number }>();

  observeRequest(method: string, route: string, status: number, seconds: number): void {
    const fast = `${method}\u0000${route}\u0000${status}`;
    let series = this.requestSeries.get(fast);
    if (!series) {
      const rl = { method, route, status: String(status) };
      const k = JSON.stringify(rl);
      const c = this.requests.get(k) ?? { labels: rl, n: 0 };
      this.requests.set(k, c);
      const hl = { method, route };
      const hk = JSON.stringify(hl);
      let h = this.latency.get(hk);
      if (!h) {
        h = { labels: hl, counts: LATENCY_BUCKETS.map(() => 0), sum: 0, count: 0 };
        this.latency.set(hk, h);
      }
      series = { c, h };
      this.requestSeries.set(fast, series);
    }
    series.c.n++;
    const h = series.h;
    for (let i = 0; i < LATENCY_BUCKETS.length; i++) if (seconds <= LATENCY_BUCKETS[i]) h.counts[i]++;
    h.sum += seconds;
    h.count++;
  }

  countVerdict(judge: string, verdict: string): void {
    const fast = `${judge}\u0000${verdict}`;
    let c = this.verdictSeries.get(fast);
    if (!c) {
      const l = { judge, verdict };
      const k = JSON.stringify(l);
      c = this.verdicts.get(k) ?? { labels: l, n: 0 };
      this.verdicts.set(k, c);
      this.verdictSeries.set(fast, c);
    }
    c.n++;
  }

  countDecision(action: string): void {
    bump(this.decisions, { action });
  }

  /** A decision of a deploy-system extension route (argo/verdict, flagger/<hook>, kayenta/judge) by outcome. */
  countExtension(route: string, outcome: string): void {
    bump(this.extensions, { route, outcome });
  }

  /** A retry decision for a failed pipeline step (POST /v1/pipeline/retry), by policy and action. */
  countRetryDecision(policy: string, action: string): void {
    bump(this.retries, { policy, action });
  }

  /** The app records decisions: the audit series are exposed from now on, every loss reason at 0. */
  auditConfigured(reasons: readonly string[]): void {
    this.audit = { recorded: 0, dropped: new Map(reasons.map((r) => [r, 0])), queued: 0, up: false };
  }

  /** Decisions written to the decision log. */
  auditRecorded(n: number): void {
    if (this.audit) this.audit.recorded += n;
  }

  /** Decisions served but not recorded, by reason. */
  auditDropped(reason: string, n: number): void {
    if (this.audit) this.audit.dropped.set(reason, (this.audit.dropped.get(reason) ?? 0) + n);
  }

  /** Decisions waiting to be written. */
  auditQueued(n: number): void {
    if (this.audit) this.audit.queued = n;
  }

  /** Whether the decision log's file is open. */
  auditStoreUp(up: boolean): void {
    if (this.audit) this.audit.up = up;
  }

  /** A decision answer a human control changed or qualified (server/controls.ts), by route, source, action and whether it was flagged. */
  countControlAnswer(route: string, source: string, action: string, flagged: boolean): void {
    bump(this.controlAnswers, { route, source, action, flagged: String(flagged) });
  }

  /** A control written: an override set or cleared, an approval granted, a deployment's end recorded. */
  countControlWrite(kind: string, action: string): void {
    bump(this.controlWrites, { kind, action });
  }

  /** A notification's outcome at one sink (server/notify.ts): sent, retried, failed (given up), dropped. */
  countNotification(sink: string, event: string, outcome: string): void {
    bump(this.notifications, { sink, event, outcome });
  }

  /** The exposition; `models` are the loaded families with their versions, `loadErrors` per family whether its last load failed. */
  render(models: { family: string; version: string }[], loadErrors: Record<string, boolean>): string {
    const out: string[] = [];
    const sorted = <T extends { labels: Record<string, string> }>(m: Map<string, T>) => [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
    out.push('# HELP rolloutlab_http_requests_total HTTP requests by method, route and status code.', '# TYPE rolloutlab_http_requests_total counter');
    for (const c of sorted(this.requests)) out.push(`rolloutlab_http_requests_total${labels(c.labels)} ${c.n}`);
    out.push('# HELP rolloutlab_http_request_duration_seconds Time to answer a request, by method and route.', '# TYPE rolloutlab_http_request_duration_seconds histogram');
    for (const h of sorted(this.latency)) {
      LATENCY_BUCKETS.forEach((b, i) => out.push(`rolloutlab_http_request_duration_seconds_bucket${labels({ ...h.labels, le: String(b) })} ${h.counts[i]}`));
      out.push(`rolloutlab_http_request_duration_seconds_bucket${labels({ ...h.labels, le: '+Inf' })} ${h.count}`);
      out.push(`rolloutlab_http_request_duration_seconds_sum${labels(h.labels)} ${h.sum}`);
      out.push(`rolloutlab_http_request_duration_seconds_count${labels(h.labels)} ${h.count}`);
    }
    out.push('# HELP rolloutlab_verdicts_total Canary verdicts served, by judge and verdict.', '# TYPE rolloutlab_verdicts_total counter');
    for (const c of sorted(this.verdicts)) out.push(`rolloutlab_verdicts_total${labels(c.labels)} ${c.n}`);
    out.push('# HELP rolloutlab_rollout_decisions_total Rollout decisions served, by action.', '# TYPE rolloutlab_rollout_decisions_total counter');
    for (const c of sorted(this.decisions)) out.push(`rolloutlab_rollout_decisions_total${labels(c.labels)} ${c.n}`);
    out.push('# HELP rolloutlab_extension_decisions_total Decisions of the deploy-system extension routes, by route and outcome.', '# TYPE rolloutlab_extension_decisions_total counter');
    for (const c of sorted(this.extensions)) out.push(`rolloutlab_extension_decisions_total${labels(c.labels)} ${c.n}`);
    out.push('# HELP rolloutlab_retry_decisions_total Retry decisions served for failed pipeline steps, by policy and action.', '# TYPE rolloutlab_retry_decisions_total counter');
    for (const c of sorted(this.retries)) out.push(`rolloutlab_retry_decisions_total${labels(c.labels)} ${c.n}`);
    if (this.audit) {
      const a = this.audit;
      out.push('# HELP rolloutlab_audit_recorded_total Decisions written to the decision log.', '# TYPE rolloutlab_audit_recorded_total counter', `rolloutlab_audit_recorded_total ${a.recorded}`);
      out.push('# HELP rolloutlab_audit_dropped_total Decisions served but not recorded in the decision log, by reason.', '# TYPE rolloutlab_audit_dropped_total counter');
      for (const r of [...a.dropped.keys()].sort()) out.push(`rolloutlab_audit_dropped_total${labels({ reason: r })} ${a.dropped.get(r)}`);
      out.push('# HELP rolloutlab_audit_queue_length Decisions waiting to be written to the decision log.', '# TYPE rolloutlab_audit_queue_length gauge', `rolloutlab_audit_queue_length ${a.queued}`);
      out.push('# HELP rolloutlab_audit_store_up Whether the decision log file is open (1) or not (0).', '# TYPE rolloutlab_audit_store_up gauge', `rolloutlab_audit_store_up ${a.up ? 1 : 0}`);
    }
    out.push('# HELP rolloutlab_control_answers_total Decision answers a human control changed or qualified, by route, source (override, approval), action and flagged (a human promote over a no).', '# TYPE rolloutlab_control_answers_total counter');
    for (const c of sorted(this.controlAnswers)) out.push(`rolloutlab_control_answers_total${labels(c.labels)} ${c.n}`);
    out.push('# HELP rolloutlab_control_writes_total Human controls written, by kind (override, approval, ended) and action.', '# TYPE rolloutlab_control_writes_total counter');
    for (const c of sorted(this.controlWrites)) out.push(`rolloutlab_control_writes_total${labels(c.labels)} ${c.n}`);
    out.push('# HELP rolloutlab_notifications_total Outgoing notifications by sink (kind#position in the controls file), event and outcome (sent, retried, failed, dropped).', '# TYPE rolloutlab_notifications_total counter');
    for (const c of sorted(this.notifications)) out.push(`rolloutlab_notifications_total${labels(c.labels)} ${c.n}`);
    out.push('# HELP rolloutlab_model_info Loaded champion models (value 1), by family and version.', '# TYPE rolloutlab_model_info gauge');
    for (const m of [...models].sort((a, b) => (a.family < b.family ? -1 : 1))) out.push(`rolloutlab_model_info${labels({ family: m.family, version: m.version })} 1`);
    out.push('# HELP rolloutlab_model_load_error Whether the last load of a family failed (1) or not (0).', '# TYPE rolloutlab_model_load_error gauge');
    for (const f of Object.keys(loadErrors).sort()) out.push(`rolloutlab_model_load_error${labels({ family: f })} ${loadErrors[f] ? 1 : 0}`);
    return out.join('\n') + '\n';
  }
}

function bump(m: Map<string, { labels: Record<string, string>; n: number }>, l: Record<string, string>): void {
  const k = JSON.stringify(l);
  const c = m.get(k) ?? { labels: l, n: 0 };
  c.n++;
  m.set(k, c);
}
