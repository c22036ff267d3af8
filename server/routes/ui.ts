// The web pages (docs/server.md "The web page (/ui)"): server-rendered HTML for people who would rather look at the
// server than read its JSON. Read-only: no page writes anything, holds a script or loads anything from elsewhere
// (server/ui/layout.ts PAGE_CSP); charts are inline SVG drawn here with report/charts.ts.
//
//   /ui                      the champions loaded, counts of recent decisions, approvals waiting, links
//   /ui/models/:family       the champion's card: data, tuning, metrics, targets, ROC / PR / reliability
//   /ui/decisions            recent decisions from the decision log, newest first (?deployment= &route= &kind= &limit=)
//   /ui/rollouts             the deployments the decision routes have seen
//   /ui/rollouts/:deployment one deployment's decisions as a timeline, each with its reasons
//   /ui/approvals            approvals waiting, active grants and overrides
//   /ui/reports[/:name]      the .html reports of `serve --reports <dir>`
//
// The decision pages show what GET /v1/decisions shows, so they need what it needs (server/guard.ts pageReadRefusal).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { DecisionFilter, DecisionRecord } from '../../datasets/decision-log.ts';
import { renderSvg } from '../../report/charts.ts';
import { statusHtml } from '../../report/html.ts';
import { curvesSpec, targetsSpec } from '../../report/registry.ts';
import type { ModelCard } from '../../training/card.ts';
import { ModelRegistry } from '../../training/registry.ts';
import { countTargets, headlineMetrics, requireCard } from '../../training/registry-view.ts';
import { loadTargets } from '../../training/targets.ts';
import type { Controls } from '../controls.ts';
import { BadInput } from '../decide.ts';
import { DECISION_ROUTES, type DecisionKind, type DecisionRecorder } from '../decision-recorder.ts';
import { pageReadRefusal, sameSecret, UI_SESSION_COOKIE, uiSessionValue, type GuardOptions, type ReadRefusal } from '../guard.ts';
import { DecisionsUnavailable, validationError, type AjvError } from '../http-errors.ts';
import { FAMILIES, type Family, type ModelStore } from '../models.ts';
import { decisionView, rolloutMinutes, type DecisionView } from '../ui/decision-view.ts';
import { errorPage, esc, fmt, page, PAGE_HEADERS, pct, table } from '../ui/layout.ts';
import { listReports, readReport } from '../ui/reports.ts';
import { minutesSpec, stepsSpec } from '../ui/timeline.ts';
import { DEFAULT_PAGE_DECISIONS, MAX_PAGE_DECISIONS, UiDecisionsQuerySchema, UiDeploymentParamsSchema, UiEmptyQuerySchema, UiFamilyParamsSchema, UiReportParamsSchema, UiSignInBodySchema, UiSignOutBodySchema } from './ui-schemas.ts';

export interface UiOptions {
  store: ModelStore;
  /** The decision log (null: the app records no decisions; the decision pages say so with a 503). */
  recorder: DecisionRecorder | null;
  controls: Controls;
  /** The token settings the decision pages are checked against (the same as GET /v1/decisions). */
  access: GuardOptions;
  /** The folder of .html reports listed at /ui/reports (none: the page says how to give one). */
  reportsDir?: string;
  now: () => Date;
}

/** Decisions read to count the recent ones (overview) and to list the deployments seen (rollouts). */
const RECENT = 2000;
/** A deployment's decisions drawn on its page, at most (the latest). */
const PER_DEPLOYMENT = 1000;
/** A deployment whose last decision is younger than this is live (ms). */
const LIVE_MS = 30 * 60_000;
/** Card charts kept rendered (per family and version), and rollout charts (per deployment and its latest decision). */
const CARD_CACHE = 32;

/** The url patterns of the decision routes (what ?route= may name). */
const DECISION_URLS = [...new Set(Object.keys(DECISION_ROUTES).map((k) => k.split(' ')[1]))].sort();

class PageNotFound extends Error {
  constructor(
    message: string,
    readonly field: string | null,
  ) {
    super(message);
  }
}
class PageRefused extends Error {
  constructor(readonly refusal: ReadRefusal) {
    super(refusal.message);
  }
}

const send = (reply: FastifyReply, status: number, html: string) => reply.code(status).headers(PAGE_HEADERS).send(html);
/** A page's schema: what it is, its query string and parameters; hidden from the API document (server/app.ts). */
const schema = <S extends object>(summary: string, extra: S) => ({ summary: `web page: ${summary} (HTML)`, hide: true, ...extra });
const toneSpan = (v: { action: string; tone: string }) => `<span class="tone-${v.tone}">${esc(v.action)}</span>`;
const reasonList = (rs: readonly string[]) => (rs.length ? `<ul class="reasons">${rs.map((r) => `<li>${esc(r)}</li>`).join('')}</ul>` : '<span class="na">none given</span>');
const deploymentLink = (d: string) => `<a class="name" href="/ui/rollouts/${esc(encodeURIComponent(d))}">${esc(d)}</a>`;
const when = (iso: string) => `<span class="when">${esc(iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z'))}</span>`;

/** A section of a page. */
const section = (id: string, title: string, body: string) => `<section id="${esc(id)}"><h2>${esc(title)}</h2>${body}</section>`;
const figure = (svg: string, caption: string) => `<figure>${svg}<figcaption>${caption}</figcaption></figure>`;

export const uiRoutes: FastifyPluginAsyncTypebox<UiOptions> = async (app, o) => {
  const registry = new ModelRegistry({ root: o.store.root });
  const cards = new Map<string, Promise<ModelCard>>();
  const charts = new Map<string, Promise<{ targets: string | null; curves: string | null }>>();

  /** A version's card (versions never change once saved: kept per family and version). */
  const cardOf = (family: string, version: string): Promise<ModelCard> => {
    const key = `${family}@${version}`;
    let c = cards.get(key);
    if (!c) {
      c = requireCard(registry, family, version);
      c.catch(() => cards.delete(key));
      if (cards.size >= CARD_CACHE) cards.delete(cards.keys().next().value!);
      cards.set(key, c);
    }
    return c;
  };

  /** The card's targets and curves charts, rendered once per champion version. */
  const cardCharts = (card: ModelCard) => {
    const key = `${card.family}@${card.version}`;
    let c = charts.get(key);
    if (!c) {
      c = (async () => {
        const t = targetsSpec(card, loadTargets());
        const cv = curvesSpec(card);
        return { targets: t ? await renderSvg(t, `${card.family}-targets`) : null, curves: cv ? await renderSvg(cv, `${card.family}-curves`) : null };
      })();
      c.catch(() => charts.delete(key));
      if (charts.size >= CARD_CACHE) charts.delete(charts.keys().next().value!);
      charts.set(key, c);
    }
    return c;
  };

  /**
   * A deployment's two charts. The log only grows, so the same deployment with the same latest record and count draws
   * the same: kept until a new decision about it arrives (a few deployments at most).
   */
  const timelines = new Map<string, Promise<{ steps: string; ms: string | null }>>();
  const timelineCharts = (dep: string, records: readonly DecisionRecord[], views: readonly DecisionView[]) => {
    const key = `${dep}\u0000${records.length}\u0000${records[records.length - 1].id}`;
    let c = timelines.get(key);
    if (!c) {
      c = (async () => {
        const minutes = rolloutMinutes(records);
        const spec = minutes && minutes.length ? minutesSpec(dep, minutes, views) : null;
        return { steps: await renderSvg(stepsSpec(dep, views), 'steps'), ms: spec ? await renderSvg(spec, 'minutes') : null };
      })();
      c.catch(() => timelines.delete(key));
      if (timelines.size >= CARD_CACHE) timelines.delete(timelines.keys().next().value!);
      timelines.set(key, c);
    }
    return c;
  };


  /** The decisions of the log counted by kind: in the last hour, the last day, all read, and those that stopped something. */
  const recentCounts = (list: readonly DecisionRecord[], more: boolean): string => {
    const now = o.now().getTime();
    const byKind = new Map<string, { hour: number; day: number; all: number; stop: number }>();
    for (const d of list) {
      const k = byKind.get(d.kind) ?? { hour: 0, day: 0, all: 0, stop: 0 };
      const age = now - Date.parse(d.at);
      k.all++;
      if (age <= 3_600_000) k.hour++;
      if (age <= 86_400_000) k.day++;
      if (decisionView(d).tone === 'stop') k.stop++;
      byKind.set(d.kind, k);
    }
    const rows = [...byKind.entries()].sort((a, b) => b[1].all - a[1].all).map(([kind, k]) => [`<a href="/ui/decisions?kind=${esc(encodeURIComponent(kind))}">${esc(kind)}</a>`, String(k.hour), String(k.day), String(k.all), String(k.stop)]);
    return list.length
      ? `<p>The last ${list.length}${more ? '' : ' (all)'} decisions of the decision log, by kind; <em>stop</em> counts rollbacks, fails and blocks.</p>${table(['kind', 'last hour', 'last day', 'in the list', 'stop'], rows, [1, 2, 3, 4])}`
      : '<p class="note">No decision recorded yet.</p>';
  };

  /** The decision log, for a request allowed to read it. */
  const decisions = async (req: FastifyRequest, f: DecisionFilter, limit: number): Promise<{ decisions: DecisionRecord[]; more: boolean }> => {
    const refusal = pageReadRefusal(o.access, req);
    if (refusal) throw new PageRefused(refusal);
    if (!o.recorder) throw new DecisionsUnavailable('no decision log is configured (start the server with --decisions <file>): no decision is recorded, so none can be shown');
    return o.recorder.query(f, limit, 'newest');
  };

  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (err.validation) {
      const b = validationError(err.validationContext ?? 'querystring', err.validation as AjvError[]).error;
      return send(reply, 400, errorPage(400, b.code, b.message, b.field));
    }
    if (err instanceof BadInput) return send(reply, 400, errorPage(400, 'VALIDATION', err.message, err.field));
    if (err instanceof PageNotFound) return send(reply, 404, errorPage(404, 'NOT_FOUND', err.message, err.field));
    if (err instanceof PageRefused) {
      if (err.refusal.status === 401) reply.header('www-authenticate', 'Bearer');
      const html = errorPage(err.refusal.status, err.refusal.code, err.refusal.message, err.refusal.field);
      return send(reply, err.refusal.status, err.refusal.status === 401 ? html.replace('<p><a href="/ui">Back to the overview</a></p>', '<p><a href="/ui/sign-in">Sign in with the token</a> · <a href="/ui">Back to the overview</a></p>') : html);
    }
    if (err instanceof DecisionsUnavailable) return send(reply, 503, errorPage(503, 'DECISIONS_UNAVAILABLE', err.message, null));
    req.log.error({ err }, 'page failed');
    return send(reply, 500, errorPage(500, 'INTERNAL', 'internal error (see the server log)', null));
  });
  app.setNotFoundHandler((req, reply) => send(reply, 404, errorPage(404, 'NOT_FOUND', `no page ${req.url.split('?')[0]} (start at /ui)`, null)));

  // ---- /ui/sign-in: a browser cannot send a bearer header, so it signs in once with the token -------------------
  // The form posts the token; a right one gets an HttpOnly, SameSite=Strict cookie for /ui only, holding a keyed hash
  // of the token (server/guard.ts uiSessionValue), which the decision pages accept like the bearer token. The API
  // routes never read it. Only a form of this server may post (Sec-Fetch-Site same-origin or none).
  const sessionMaxAge = 12 * 3600;
  const signInForm = (note: string) =>
    page(
      'Sign in',
      '',
      (note ? `<div class="error"><p>${esc(note)}</p></div>` : '') +
        (o.access.token === undefined
          ? `<p>This server has no token${o.access.insecureOpenWrites ? ': the decision pages are open to requests addressed to an IP address or localhost' : ', so the decision pages are not shown (start it with --token <t>)'}. There is nothing to sign in with.</p>`
          : '<p>The decision pages show what <code>GET /v1/decisions</code> shows, to those who have the server\'s token. Give it once: the browser keeps a cookie for these pages (12 hours, this site only, not readable by scripts) holding a hash of it, never the token.</p>' +
            '<form method="post" action="/ui/sign-in"><p><label>Token <input type="password" name="token" autocomplete="current-password" required></label> <button type="submit">Sign in</button></p></form>' +
            '<form method="post" action="/ui/sign-out"><p><button type="submit">Sign out</button></p></form>'),
    );
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 4096 }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
  const fromThisSite = (req: FastifyRequest) => {
    const site = req.headers['sec-fetch-site'];
    return site === undefined || site === 'none' || site === 'same-origin';
  };
  const secure = (req: FastifyRequest) => req.protocol === 'https' || String(req.headers['x-forwarded-proto'] ?? '').split(',')[0].trim() === 'https';
  const cookie = (req: FastifyRequest, value: string, maxAge: number) => `${UI_SESSION_COOKIE}=${value}; Path=/ui; Max-Age=${maxAge}; HttpOnly; SameSite=Strict${secure(req) ? '; Secure' : ''}`;
  app.get('/sign-in', { schema: schema('sign in with the token, for the decision pages in a browser', { querystring: UiEmptyQuerySchema }) }, async (_req, reply) => send(reply, 200, signInForm('')));
  app.post('/sign-in', { schema: schema('sign in: the token from the form; a right one gets the pages\' cookie', { body: UiSignInBodySchema }) }, async (req, reply) => {
    if (!fromThisSite(req)) return send(reply, 403, errorPage(403, 'BROWSER_ORIGIN', `sign-in is accepted only from this server's own form (Sec-Fetch-Site: ${String(req.headers['sec-fetch-site'])})`, 'headers.sec-fetch-site'));
    if (o.access.token === undefined) return send(reply, 400, signInForm('This server has no token to sign in with.'));
    const given = req.body.token.trim();
    if (!given || !sameSecret(given, o.access.token)) return send(reply.header('www-authenticate', 'Bearer'), 401, signInForm('That is not the server\'s token (field token).'));
    return reply.code(303).header('set-cookie', cookie(req, uiSessionValue(o.access.token), sessionMaxAge)).header('location', '/ui/decisions').headers({ 'cache-control': 'no-store' }).send();
  });
  app.post('/sign-out', { schema: schema('sign out: the pages\' cookie is removed', { body: UiSignOutBodySchema }) }, async (req, reply) => {
    if (!fromThisSite(req)) return send(reply, 403, errorPage(403, 'BROWSER_ORIGIN', `sign-out is accepted only from this server's own form (Sec-Fetch-Site: ${String(req.headers['sec-fetch-site'])})`, 'headers.sec-fetch-site'));
    return reply.code(303).header('set-cookie', cookie(req, '', 0)).header('location', '/ui').headers({ 'cache-control': 'no-store' }).send();
  });

  // ---- /ui: the overview ---------------------------------------------------------------------------------------
  app.get('/', { schema: schema('overview: the champions loaded, counts of recent decisions, approvals waiting, links to every page', { querystring: UiEmptyQuerySchema }) }, async (req, reply) => {
    const s = o.store.snapshot;
    const boxes: string[] = [];
    for (const f of FAMILIES) {
      const l = s[f];
      if (!l) {
        boxes.push(`<div class="card" id="family-${f}"><h3><a href="/ui/models/${f}">${esc(f)}</a></h3><p class="missed">no champion loaded</p><p class="note">${esc(s.errors[f] ?? '')}</p></div>`);
        continue;
      }
      let detail: string;
      try {
        const card = await cardOf(o.store.folders[f], l.version);
        const h = headlineMetrics(card);
        const t = countTargets(card.targets);
        detail =
          `<p>trained ${when(card.createdAt)}, loaded ${when(l.loadedAt)}</p>` +
          `<p>${Object.entries(h).map(([k, v]) => `${esc(k)} <strong>${esc(fmt(v))}</strong>`).join(' · ') || '<span class="na">no headline metric</span>'}</p>` +
          `<p>targets: <span class="met">${t.met} met</span>, <span class="${t.missed ? 'missed' : 'met'}">${t.missed} missed</span>${t.missed ? ` (${t.missedMetrics.map(esc).join(', ')})` : ''}${t.notMeasured ? `, ${t.notMeasured} not measured` : ''}</p>`;
      } catch (e) {
        detail = `<p class="missed">its card cannot be read: ${esc((e as Error).message)}</p>`;
      }
      const err = s.errors[f] ? `<p class="note">${esc(s.errors[f]!)}</p>` : '';
      boxes.push(`<div class="card" id="family-${f}"><h3><a href="/ui/models/${f}">${esc(f)}</a> <code>${esc(l.version)}</code></h3>${detail}${err}</div>`);
    }
    let counts: string;
    const refusal = pageReadRefusal(o.access, req);
    if (!o.recorder) counts = '<p class="note">No decision log is configured (start the server with <code>--decisions &lt;file&gt;</code>).</p>';
    else if (refusal) counts = `<p class="note">Not shown: ${esc(refusal.message)}.</p>`;
    else {
      // A decision log that cannot be read leaves the counts out, not the overview.
      const r = await o.recorder.query({}, RECENT, 'newest').catch((e: Error) => ({ error: e.message }) as const);
      if ('error' in r) counts = `<p class="missed">The decision log cannot be read: ${esc(r.error)}</p>`;
      else counts = recentCounts(r.decisions, r.more);
    }
    const a = o.controls.listApprovals();
    const approvals = `<p><a href="/ui/approvals"><strong>${a.pending.length}</strong> approval${a.pending.length === 1 ? '' : 's'} waiting</a>, ${a.granted.length} active grant${a.granted.length === 1 ? '' : 's'}, ${o.controls.listOverrides().length} active override(s).</p>`;
    const reports = o.reportsDir ? (await listReports(o.reportsDir)).reports : [];
    const links =
      '<ul>' +
      FAMILIES.map((f) => `<li><a href="/ui/models/${f}">the ${esc(f)} champion's card</a></li>`).join('') +
      '<li><a href="/ui/decisions">recent decisions</a></li><li><a href="/ui/rollouts">rollouts</a></li><li><a href="/ui/approvals">approvals and overrides</a></li>' +
      `<li><a href="/ui/reports">reports</a>${o.reportsDir ? ` (${reports.length})` : ''}</li>` +
      reports.map((r) => `<li>report <a href="/ui/reports/${esc(encodeURIComponent(r.name))}">${esc(r.name)}</a></li>`).join('') +
      '<li><a href="/docs">the API reference</a></li><li><a href="/v1/status">/v1/status</a> (JSON)</li></ul>';
    return send(
      reply,
      200,
      page(
        'Overview',
        '/ui',
        `<p class="source">models from <code>${esc(o.store.root)}</code>, snapshot ${s.seq}${s.at ? ` (${when(s.at)})` : ''}</p>` +
          section('champions', 'Champions loaded', `<div class="cards">${boxes.join('')}</div>`) +
          section('decisions', 'Recent decisions', counts) +
          section('approvals', 'Approvals', approvals) +
          section('pages', 'Pages', links),
      ),
    );
  });

  // ---- /ui/models/:family: the champion's card -----------------------------------------------------------------
  app.get('/models/:family', { schema: schema("a champion's model card: data, tuning, metrics, targets, ROC / PR / reliability", { params: UiFamilyParamsSchema, querystring: UiEmptyQuerySchema }) }, async (req, reply) => {
    const family = req.params.family;
    if (!(FAMILIES as readonly string[]).includes(family)) throw new PageNotFound(`unknown model family ${JSON.stringify(family)} (the server serves ${FAMILIES.join(', ')})`, 'params.family');
    const l = o.store.snapshot[family as Family];
    if (!l) return send(reply, 200, page(`${family}: no champion`, '', `<p class="missed">No ${esc(family)} champion is loaded: ${esc(o.store.snapshot.errors[family as Family] ?? 'none in the registry')}.</p>`));
    // The registry folder it is served from (serve --model-folder: risk-history, judge-replay), where its card is.
    const folder = o.store.folders[family as Family];
    const card = await cardOf(folder, l.version);
    const pointer = await registry.champion(folder).catch(() => null);
    const d = card.dataset;
    const data =
      `<p>${esc(d.kind)}${d.scenario ? ` <code>${esc(d.scenario)}</code>` : ''}${d.seed !== null ? ` seed ${d.seed}` : ''}${d.path ? ` from <code>${esc(d.path)}</code>` : ''}, made by code ${esc(d.codeVersion)}.</p>` +
      table(['table', 'rows', 'sha256'], Object.entries(d.tables).map(([k, t]) => [esc(k), t.rows.toLocaleString('en-US'), `<code>${esc(t.sha256.slice(0, 16))}…</code>`]), [1]) +
      `<p>Split by ${esc(card.split.by)}: ${esc(card.split.description)} — ${card.split.rows.train.toLocaleString('en-US')} train${card.split.rows.validation !== undefined ? `, ${card.split.rows.validation.toLocaleString('en-US')} validation` : ''}, ${card.split.rows.test.toLocaleString('en-US')} held out.</p>` +
      (card.feedback ? `<p>Outcome feedback: ${card.feedback.used} of ${card.feedback.records} records from <code>${esc(card.feedback.source)}</code> used.</p>` : '');
    const tuning = card.tuning
      ? `<p>The hyper-parameters of registry folder <code>${esc(card.tuning.family)}</code> as training resolved them; those not at their default say where they came from.</p>` +
        table(['hyper-parameter', 'value', 'set by'], Object.entries(card.tuning.values).map(([k, v]) => [`<code>${esc(k)}</code>`, `<code>${esc(JSON.stringify(v))}</code>`, esc(card.tuning!.set[k] ?? 'default')]))
      : `<p class="note">This card records no tuning; the hyper-parameters training recorded:</p>` + table(['hyper-parameter', 'value'], Object.entries(card.hyperParameters).map(([k, v]) => [`<code>${esc(k)}</code>`, `<code>${esc(JSON.stringify(v))}</code>`]));
    const baselineNames = Object.keys(card.baselines);
    const metricRows = Object.entries(card.metrics).map(([k, v]) => [`<code>${esc(k)}</code>`, esc(fmt(v)), ...baselineNames.map((b) => esc(fmt(card.baselines[b][k])))]);
    const metrics = `<p>Measured on the held-out part (${card.split.rows.test.toLocaleString('en-US')} rows)${baselineNames.length ? `, beside the baselines on the same rows` : ''}.</p>` + table(['metric', 'model', ...baselineNames], metricRows, [1, ...baselineNames.map((_, i) => i + 2)]);
    const c = await cardCharts(card);
    const targets =
      (c.targets ? figure(c.targets, 'Each row is one target of the family. The big dot is the model: green met, red missed. The dashed red line is the target; grey ticks are the baselines on the same rows.') : '<p class="note">The card judges no target.</p>') +
      `<ul class="decisions">${card.targets.map((t) => `<li>${esc(t.metric)}: ${t.value === null ? '—' : esc(fmt(t.value))} (target ${esc(t.comparator)} ${esc(fmt(t.target))}) — ${statusHtml(t.met)}</li>`).join('')}</ul>`;
    const curves = c.curves
      ? figure(c.curves, 'ROC: positives caught against negatives flagged, threshold by threshold; the diagonal is a coin. Precision-recall: of what is flagged, how much is right; the dashed line is the positive rate. Reliability: held-out rows grouped by predicted probability; on the diagonal, a predicted 30 % happens 30 % of the time.')
      : '<p class="note">No ROC, precision-recall or reliability diagram: this card stores no curve points (cards of the risk, risk-history and judge families do).</p>';
    const head = `<p class="source">${pointer && pointer.version === card.version ? `Champion since ${when(pointer.since)}: ${esc(pointer.reason)}. ` : ''}Trained ${when(card.createdAt)} (seed ${card.seed}, code ${esc(card.codeVersion)}, backend ${esc(card.backend.name)}), loaded ${when(l.loadedAt)}.${card.notes ? ` ${esc(card.notes)}` : ''}</p>`;
    return send(
      reply,
      200,
      page(
        `${family} champion ${card.version}`,
        '',
        head + section('data', 'Data', data) + section('tuning', 'Tuning', tuning) + section('metrics', 'Metrics', metrics) + section('targets', 'Targets', targets) + section('curves', 'ROC, precision-recall and reliability', curves),
      ),
    );
  });

  // ---- /ui/decisions: recent decisions, newest first -----------------------------------------------------------
  app.get('/decisions', { schema: schema('recent decisions from the decision log, newest first, with their actions and reasons; needs what GET /v1/decisions needs', { querystring: UiDecisionsQuerySchema }) }, async (req, reply) => {
    // Blank fields of the form are no filter.
    const q = Object.fromEntries(Object.entries(req.query).filter(([, v]) => v !== '')) as { deployment?: string; route?: string; kind?: DecisionKind; limit?: string };
    if (q.route !== undefined && !DECISION_URLS.includes(q.route)) throw new BadInput('query.route', `must be a decision route of this server (${DECISION_URLS.join(', ')}), got ${JSON.stringify(q.route)}`);
    const limit = q.limit === undefined ? DEFAULT_PAGE_DECISIONS : Number(q.limit);
    if (!(limit >= 1 && limit <= MAX_PAGE_DECISIONS)) throw new BadInput('query.limit', `must be between 1 and ${MAX_PAGE_DECISIONS} (got ${q.limit})`);
    const r = await decisions(req, { deployment: q.deployment, route: q.route, kind: q.kind }, limit);
    const views = r.decisions.map(decisionView);
    const form =
      '<form class="filter" method="get" action="/ui/decisions">' +
      `<label>deployment <input name="deployment" value="${esc(q.deployment ?? '')}" maxlength="256"></label>` +
      `<label>route <select name="route"><option value="">any</option>${DECISION_URLS.map((u) => `<option${u === q.route ? ' selected' : ''}>${esc(u)}</option>`).join('')}</select></label>` +
      `<label>limit <input name="limit" value="${limit}" size="4"></label><button type="submit">filter</button></form>`;
    const filters = [q.deployment !== undefined ? `deployment ${esc(q.deployment)}` : '', q.route ? `route ${esc(q.route)}` : '', q.kind ? `kind ${esc(q.kind)}` : ''].filter(Boolean).join(', ');
    const rows = views.map((v) => [
      when(v.at),
      esc(v.kind),
      `<code>${esc(`${v.method} ${v.route}`)}</code>`,
      v.deployments.length ? v.deployments.map(deploymentLink).join('<br>') : '<span class="na">—</span>',
      esc(v.service ?? '—'),
      toneSpan(v),
      reasonList(v.reasons) + (v.control ? `<p class="note">${esc(v.control)}</p>` : ''),
      esc(Object.entries(v.models).map(([f, ver]) => `${f} ${ver}`).join(', ') || '—'),
    ]);
    const body =
      form +
      `<p>${views.length} decision${views.length === 1 ? '' : 's'}${filters ? ` (${filters})` : ''}, newest first${r.more ? `; older ones are not shown (raise limit, at most 500, or use GET /v1/decisions)` : ''}.</p>` +
      (views.length ? table(['when (UTC)', 'kind', 'route', 'deployment', 'service', 'decision', 'reasons', 'models'], rows) : '<p class="note">No decision matches.</p>');
    return send(reply, 200, page('Recent decisions', '/ui/decisions', section('list', 'Decisions', body)));
  });

  // ---- /ui/rollouts: the deployments seen ----------------------------------------------------------------------
  app.get('/rollouts', { schema: schema('the deployments the decision routes have seen, live first', { querystring: UiEmptyQuerySchema }) }, async (req, reply) => {
    const r = await decisions(req, {}, RECENT);
    const now = o.now().getTime();
    const seen = new Map<string, { first: DecisionView; last: DecisionView; n: number; kinds: Set<string>; service: string | null }>();
    // Newest first: the first record met is a deployment's last decision.
    for (const d of r.decisions) {
      const v = decisionView(d);
      for (const dep of v.deployments) {
        const s = seen.get(dep);
        if (!s) seen.set(dep, { first: v, last: v, n: 1, kinds: new Set([v.kind]), service: v.service });
        else {
          s.first = v;
          s.n++;
          s.kinds.add(v.kind);
          s.service ??= v.service;
        }
      }
    }
    const live = (s: { last: DecisionView }) => now - Date.parse(s.last.at) <= LIVE_MS && s.last.tone !== 'stop';
    const list = [...seen.entries()].sort((a, b) => Number(live(b[1])) - Number(live(a[1])) || (a[1].last.at < b[1].last.at ? 1 : a[1].last.at > b[1].last.at ? -1 : 0));
    const rows = list.map(([dep, s]) => [
      deploymentLink(dep),
      esc(s.service ?? '—'),
      live(s) ? '<span class="tone-go">live</span>' : '<span class="na">quiet</span>',
      String(s.n),
      esc([...s.kinds].sort().join(', ')),
      when(s.first.at),
      when(s.last.at),
      toneSpan(s.last) + (s.last.reasons[0] ? `<br><span class="note">${esc(s.last.reasons[0])}</span>` : ''),
    ]);
    const body =
      `<p>${list.length} deployment${list.length === 1 ? '' : 's'} in the last ${r.decisions.length} decisions of the decision log${r.more ? ' (older ones not read)' : ''}. A deployment is live when its last decision is less than ${LIVE_MS / 60_000} minutes old and was no rollback or fail.</p>` +
      (rows.length ? table(['deployment', 'service', 'state', 'decisions', 'kinds', 'first (UTC)', 'last (UTC)', 'last decision'], rows, [3]) : '<p class="note">No decision about a named deployment recorded yet (decision requests name theirs with deployment, deploymentId or the X-Rolloutlab-Deployment header).</p>');
    return send(reply, 200, page('Rollouts', '/ui/rollouts', section('rollouts', 'Deployments seen', body)));
  });

  // ---- /ui/rollouts/:deployment: one deployment's timeline -----------------------------------------------------
  app.get('/rollouts/:deployment', { schema: schema("one deployment's decisions as a timeline: canary against baseline per step, each decision with its reasons", { params: UiDeploymentParamsSchema, querystring: UiEmptyQuerySchema }) }, async (req, reply) => {
    const dep = req.params.deployment;
    const r = await decisions(req, { deployment: dep }, PER_DEPLOYMENT);
    if (r.decisions.length === 0) throw new PageNotFound(`no decision about deployment ${JSON.stringify(dep)} is in the decision log`, 'params.deployment');
    const records = [...r.decisions].reverse();
    const views = records.map(decisionView);
    const blind = views.filter((v) => !v.canary && !v.baseline).length;
    const { steps, ms } = await timelineCharts(dep, records, views);
    const timeline =
      figure(steps, `One step per decision served about this deployment, oldest first. Top: the canary's (red) and the baseline's (grey) error rate and p99 latency over the minutes the decision read. Bottom: what each decision said.${blind ? ` ${blind} of ${views.length} decisions carried no metrics in their request (Argo and Flagger decisions read them from the metrics source; approvals and overrides have none): they appear in the strip only.` : ''}`) +
      (ms ? figure(ms, 'The rollout minute by minute, as the latest rollout decision was sent it: the share of traffic on the new version, then the canary (red) and baseline (grey) error rate and p99 latency. Dashed lines: each rollout decision at the minute it decided on, coloured by what it said.') : '');
    const rows = views.map((v, i) => [String(i + 1), when(v.at), esc(v.kind), toneSpan(v), v.canary || v.baseline ? `${pct(v.canary?.errorRate)} / ${pct(v.baseline?.errorRate)}` : '—', v.canary || v.baseline ? `${fmt(v.canary?.p99)} / ${fmt(v.baseline?.p99)}` : '—', reasonList(v.reasons) + (v.control ? `<p class="note">${esc(v.control)}</p>` : '')]);
    const list = table(['step', 'when (UTC)', 'kind', 'decision', 'error rate canary / baseline', 'p99 ms canary / baseline', 'reasons'], rows, [0]);
    const last = views[views.length - 1];
    const head = `<p class="source">${views.length} decision${views.length === 1 ? '' : 's'}${r.more ? ` (the latest ${PER_DEPLOYMENT})` : ''} from ${when(views[0].at)} to ${when(last.at)}; the last said ${toneSpan(last)}. <a href="/ui/decisions?deployment=${esc(encodeURIComponent(dep))}">As a list</a>.</p>`;
    return send(reply, 200, page(`Rollout ${dep}`, '', head + section('timeline', 'Timeline', timeline) + section('steps-list', 'Each decision and its reasons', list)));
  });

  // ---- /ui/approvals ---------------------------------------------------------------------------------------------
  app.get('/approvals', { schema: schema('approvals waiting, active grants and active overrides', { querystring: UiEmptyQuerySchema }) }, async (_req, reply) => {
    const a = o.controls.listApprovals();
    const overrides = o.controls.listOverrides();
    const pending = a.pending.length
      ? table(['deployment', 'step', 'waiting since (UTC)', 'why'], a.pending.map((p) => [esc(p.deployment), esc(p.step ?? '—'), when(p.since), esc(p.why)]))
      : '<p class="note">No decision is waiting for an approval.</p>';
    const granted = a.granted.length
      ? table(['deployment', 'step', 'by', 'why', 'granted (UTC)', 'until (UTC)'], a.granted.map((g) => [esc(g.deployment), esc(g.step ?? '—'), esc(g.by), esc(g.reason), when(g.grantedAt), when(g.until)]))
      : '<p class="note">No active approval.</p>';
    const ovr = overrides.length
      ? table(['deployment', 'action', 'by', 'why', 'set (UTC)', 'until (UTC)'], overrides.map((v) => [esc(v.deployment), esc(v.action), esc(v.by), esc(v.reason), when(v.setAt), when(v.until)]))
      : '<p class="note">No active override.</p>';
    const how = '<p class="note">This page only shows them: approvals are granted and overrides set with POST /v1/approvals and POST /v1/overrides, with the bearer token.</p>';
    return send(reply, 200, page('Approvals and overrides', '/ui/approvals', how + section('pending', `Waiting for an approval (${a.pending.length})`, pending) + section('granted', `Active approvals (${a.granted.length})`, granted) + section('overrides', `Active overrides (${overrides.length})`, ovr)));
  });

  // ---- /ui/reports -----------------------------------------------------------------------------------------------
  app.get('/reports', { schema: schema('the .html reports of the reports folder (serve --reports)', { querystring: UiEmptyQuerySchema }) }, async (_req, reply) => {
    if (!o.reportsDir) return send(reply, 200, page('Reports', '/ui/reports', '<p class="note">No reports folder: start the server with <code>--reports &lt;dir&gt;</code> (for example <code>--reports out</code>, where <code>npm start</code> writes <code>report.html</code>) to list its .html files here.</p>'));
    const { reports, problem } = await listReports(o.reportsDir);
    const body = problem
      ? `<p class="missed">${esc(problem)}</p>`
      : reports.length
        ? table(['report', 'size', 'modified (UTC)'], reports.map((r) => [`<a href="/ui/reports/${esc(encodeURIComponent(r.name))}">${esc(r.name)}</a>`, `${(r.bytes / 1024).toFixed(0)} KB`, when(r.modified)]), [1])
        : '<p class="note">The folder holds no .html file.</p>';
    return send(reply, 200, page('Reports', '/ui/reports', `<p class="source">from <code>${esc(o.reportsDir)}</code></p>` + section('reports', 'Reports', body)));
  });

  app.get('/reports/:name', { schema: schema('one report of the reports folder, as it is', { params: UiReportParamsSchema, querystring: UiEmptyQuerySchema }) }, async (req, reply) => {
    const html = o.reportsDir ? await readReport(o.reportsDir, req.params.name) : null;
    if (html === null) throw new PageNotFound(o.reportsDir ? `no report ${JSON.stringify(req.params.name)} (a plain file name ending .html in the reports folder)` : 'no reports folder (start the server with --reports <dir>)', 'params.name');
    return reply.code(200).headers(PAGE_HEADERS).send(html);
  });
};

