// The web pages (/ui, server/routes/ui.ts) end to end: the app listens on a loopback port with a small registry (a
// judge and a risk champion, whose cards store curve points), a decision log, a controls file and a reports folder
// holding a real registry report; decisions are fed through the app's own routes (canary verdicts, rollout decisions,
// an off-hours rollout that waits for an approval, an approval, an override); then Debian's chromium loads every page
// and checks the charts are drawn, the text is there, every link resolves, and no console error or failed request
// happened. A full-page screenshot of each page goes to out/test-artifacts/ui/. Without /usr/bin/chromium the browser
// part is skipped with a warning, and fails under CI=true. Beside it, app.inject tests of the routes: 200s, 400s naming
// the field, 404s (unknown family, report names that try to leave the folder), who may see the decision log, and the
// escaping of a hostile deployment name.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { buildApp } from '../server/app.ts';
import type { ControlsConfig } from '../server/controls-config.ts';
import { renderPage } from '../report/html.ts';
import { registrySections } from '../report/registry.ts';
import { ModelRegistry } from '../training/registry.ts';
import { trainTinyModels } from './tiny-models.ts';

const CHROMIUM = '/usr/bin/chromium';
const MISSING = !existsSync(CHROMIUM);
const MISSING_MSG = `${CHROMIUM} not found: the browser tests of the web page are SKIPPED. Install Debian's package (apt-get install -y chromium); .ci/run installs it.`;
if (MISSING && process.env.CI !== 'true') console.warn(`test/ui-browser.test.ts: ${MISSING_MSG}`);

const ARTIFACTS = join(import.meta.dirname, '..', 'out', 'test-artifacts', 'ui');
const TOKEN = 'ui-test-token';
const AUTH = { authorization: `Bearer ${TOKEN}` };
// Saturday 10:30 UTC = 11:30 at +01:00: outside team-001's hours, so a checkout rollout waits for an approval.
const NOW = new Date('2024-03-09T10:30:00Z');
const CONFIG: ControlsConfig = {
  teams: { 'team-001': { allowedHours: { tz: '+01:00', days: [1, 2, 3, 4, 5], from: '09:00', to: '17:00' } }, 'team-002': {} },
  services: { checkout: 'team-001', 'web-store': 'team-002' },
};
const HOSTILE = '<script>alert("pwned")</script>';
const LONG = `team-a/${'checkout-'.repeat(27)}x`.slice(0, 256);

const metrics = (requests: number, errors: number, p99: number) => ({ requests, errors, slow: 3, latencyP50: 42, latencyP95: p99 * 0.8, latencyP99: p99, cpu: 0.4, memory: 0.4, pool: 0.2, conversions: 25, callerRequests: 0, callerErrors: 0 });
/** The canary's errors per minute: healthy for five minutes, then a fault that grows. */
const canaryErrors = (age: number) => (age <= 5 ? 2 : 2 + 6 * (age - 5));
const PLAN = { stages: [{ exposure: [0.1], dwellMinutes: 3 }, { exposure: [0.5], dwellMinutes: 3 }, { exposure: [1], dwellMinutes: 3 }], unitShares: [1], bakeMinutes: 2 };
const rolloutBody = (deployment: string, service: string, minutes: number) => ({
  plan: PLAN,
  slo: { objective: 0.999, burnRate: 14.4 },
  policy: 'none',
  deployment,
  service,
  observations: Array.from({ length: minutes + 1 }, (_, age) => {
    // Three minutes a stage: the decision at minutes 3 and 6 finds the dwell reached (an advance), the others hold.
    const stage = Math.min(2, Math.floor(Math.max(0, age - 1) / 3));
    return { age, phase: 'progressing', stage, weight: PLAN.stages[stage].exposure[0], timeAtStage: age - 3 * stage, canary: age ? metrics(1000, canaryErrors(age), 120 + 4 * age) : null, baseline: age ? metrics(9000, 18, 121) : null };
  }),
});
const verdictBody = (deployment: string, errors: number) => ({ deployment, service: 'web-store', canary: Array.from({ length: 5 }, (_, i) => metrics(1200, errors + (i % 2), 120)), baseline: Array.from({ length: 5 }, (_, i) => metrics(1200, 2 + (i % 2), 119)), latencyObjectiveMs: 250 });

let root = '';
let models = '';
let reports = '';
let app: FastifyInstance;
let base = '';

async function post(url: string, payload: unknown, headers: Record<string, string> = {}) {
  const r = await app.inject({ method: 'POST', url, payload: payload as object, headers });
  expect(r.statusCode, `${url}: ${r.body}`).toBeLessThan(300);
  return r.json();
}
const get = (url: string, headers: Record<string, string> = AUTH) => app.inject({ method: 'GET', url, headers });

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'rolloutlab-ui-'));
  models = await trainTinyModels(root, ['judge', 'risk']);
  // The reports folder: a real registry report, a text file, and a link to a page outside the folder.
  reports = join(root, 'reports');
  mkdirSync(reports);
  writeFileSync(join(reports, 'models.html'), (await renderPage({ title: 'Champions', source: 'the test registry', sections: await registrySections(new ModelRegistry({ root: models })) })).html);
  writeFileSync(join(reports, 'notes.txt'), 'not a report');
  writeFileSync(join(root, 'outside.html'), '<!DOCTYPE html><p>outside the reports folder</p>');
  symlinkSync(join(root, 'outside.html'), join(reports, 'linked.html'));
  app = buildApp({ modelsRoot: models, decisionsPath: join(root, 'decisions.duckdb'), controlsStorePath: join(root, 'controls.duckdb'), controls: CONFIG, token: TOKEN, rateLimit: false, planThreads: 0, reportsDir: reports, now: () => NOW });
  await app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

  // A rollout of web/api (a team without allowed hours), decided every few minutes as it goes, then rolled back by
  // an operator; canary verdicts on the way (the learned judge).
  for (const minutes of [2, 3, 5, 6, 8]) await post('/v1/rollout/decision', rolloutBody('web/api', 'web-store', minutes));
  await post('/v1/canary/verdict', verdictBody('web/api', 2));
  await post('/v1/canary/verdict', verdictBody('web/api', 40));
  await post('/v1/overrides', { deployment: 'web/api', action: 'rollback', by: 'alice', reason: 'errors climbing on the canary' }, AUTH);
  await post('/v1/rollout/decision', rolloutBody('web/api', 'web-store', 12));
  // An off-hours checkout rollout waits for an approval; another deployment gets one.
  const held = await post('/v1/rollout/decision', rolloutBody('shop/checkout', 'checkout', 3));
  expect(held.reasons[0]).toMatch(/^approval needed/);
  await post('/v1/approvals', { deployment: 'shop/cart', by: 'carol', reason: 'hotfix for the cart outage' }, AUTH);
  // A deployment named with markup, through the header every decision route reads.
  await post('/v1/canary/verdict?judge=kayenta', verdictBody('ignored', 2), { 'x-rolloutlab-deployment': HOSTILE });
  // And one with a long name (a record keeps 256 characters of it).
  await post('/v1/canary/verdict?judge=kayenta', verdictBody('ignored', 2), { 'x-rolloutlab-deployment': LONG });
}, 120_000);

afterAll(async () => {
  await app?.close();
});

describe('the web pages through app.inject', () => {
  it('the pages are not in the API document; the index links /ui', async () => {
    const doc = (await get('/v1/openapi.json')).json();
    expect(Object.keys(doc.paths).filter((p) => p.startsWith('/ui'))).toEqual([]);
    expect((await get('/')).json()).toMatchObject({ ui: '/ui' });
    expect((await get('/', { accept: 'text/html' })).body).toContain('href="/ui"');
  });

  it('every page answers 200 with HTML, no script, nothing loaded from elsewhere', async () => {
    for (const url of ['/ui', '/ui/', '/ui/models/judge', '/ui/models/risk', '/ui/models/retry', '/ui/decisions', '/ui/decisions?deployment=web%2Fapi&route=%2Fv1%2Frollout%2Fdecision', '/ui/rollouts', '/ui/rollouts/web%2Fapi', '/ui/approvals', '/ui/reports', '/ui/reports/models.html']) {
      const r = await get(url);
      expect(r.statusCode, url).toBe(200);
      expect(r.headers['content-type'], url).toBe('text/html; charset=utf-8');
      expect(r.headers['content-security-policy'], url).toMatch(/default-src 'none'/);
      expect(r.body, url).not.toMatch(/<script/i);
      expect(r.body, url).not.toMatch(/(src|href)="(https?:)?\/\//);
    }
  });

  it('the overview: each champion with its version, headline metrics and targets; decision counts; approvals waiting', async () => {
    const html = (await get('/ui')).body;
    expect(html).toMatch(/id="family-judge"><h3><a href="\/ui\/models\/judge">judge<\/a> <code>v0001<\/code>/);
    expect(html).toMatch(/id="family-risk">[\s\S]*?targets: <span class="met">\d+ met<\/span>/);
    expect(html).toMatch(/id="family-rollback"><h3>[\s\S]*?no champion loaded/);
    expect(html).toMatch(/<a href="\/ui\/decisions\?kind=rollout-decision">rollout-decision<\/a><\/td><td class="num">7<\/td>/);
    expect(html.match(/<section id="approvals">.*?<\/section>/s)?.[0]).toMatch(/<strong>1<\/strong> approval waiting<\/a>, 1 active grant, 1 active override/);
    expect(html).toContain('<a href="/ui/reports/models.html">models.html</a>');
    // Without the token the page still answers, but shows no count of the decision log.
    const anon = await get('/ui', {});
    expect(anon.statusCode).toBe(200);
    expect(anon.body).toMatch(/Not shown: the decision log is shown to those who have the token: sign in with it at \/ui\/sign-in/);
  });

  it('a card: data, tuning, metrics, targets, and the ROC / PR / reliability charts drawn from its curve points (the same bytes twice: cached)', async () => {
    const a = (await get('/ui/models/judge')).body;
    for (const id of ['data', 'tuning', 'metrics', 'targets', 'curves']) expect(a).toContain(`<section id="${id}">`);
    expect(a).toMatch(/<section id="curves">[\s\S]*?<svg[^>]*aria-label="judge v0001: how well it separates/);
    expect(a).toMatch(/<section id="targets">[\s\S]*?<svg[^>]*aria-label="judge v0001: held-out metrics against their targets/);
    expect(a).toMatch(/<code>hidden<\/code>/); // a tuning value
    expect((await get('/ui/models/judge')).body).toBe(a);
  });

  it('decisions: newest first, filtered by deployment and route, each with its action and reasons', async () => {
    const all = (await get('/ui/decisions')).body;
    expect(all.indexOf('shop/cart')).toBeLessThan(all.indexOf('shop/checkout'));
    expect(all.indexOf('shop/checkout')).toBeLessThan(all.indexOf('web/api'));
    const f = (await get('/ui/decisions?deployment=web%2Fapi&route=%2Fv1%2Frollout%2Fdecision')).body;
    expect(f).toMatch(/<p>6 decisions \(deployment web\/api, route \/v1\/rollout\/decision\), newest first\.<\/p>/);
    expect(f).not.toContain('/v1/canary/verdict</code>');
    expect(f).toContain('<span class="tone-stop">rollback</span>');
    expect(f).toMatch(/override rollback by alice: errors climbing on the canary/);
    expect(f).toContain('on schedule');
    // The form sends blank fields: no filter.
    expect((await get('/ui/decisions?deployment=&route=&limit=')).body).toMatch(/<p>13 decisions, newest first\.<\/p>/);
  });

  it('400 naming the field for a bad query value, HTML for a person', async () => {
    for (const [url, field] of [
      ['/ui/decisions?limit=abc', 'query.limit'],
      ['/ui/decisions?limit=0', 'query.limit'],
      ['/ui/decisions?limit=501', 'query.limit'],
      ['/ui/decisions?route=%2Fv1%2Fnope', 'query.route'],
      ['/ui/decisions?kind=guess', 'query.kind'],
      ['/ui/decisions?colour=red', 'query.colour'],
      ['/ui?x=1', 'query.x'],
      ['/ui/rollouts?page=2', 'query.page'],
    ] as const) {
      const r = await get(url);
      expect(r.statusCode, url).toBe(400);
      expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(r.body, url).toContain(`field <code>${field}</code>`);
    }
  });

  it('404: an unknown family, an unknown deployment, a page that does not exist, a report name that leaves the folder', async () => {
    expect((await get('/ui/models/nope')).body).toContain('field <code>params.family</code>');
    expect((await get('/ui/models/nope')).statusCode).toBe(404);
    expect((await get('/ui/rollouts/never-seen')).statusCode).toBe(404);
    expect((await get('/ui/nothing-here')).statusCode).toBe(404);
    for (const name of ['..%2Fdecisions.duckdb', '..%2F..%2F..%2Fetc%2Fpasswd', '%2Fetc%2Fpasswd', '.hidden.html', 'notes.txt', 'linked.html', 'missing.html', 'models.html%00.txt', '..%5Coutside.html']) {
      const r = await get(`/ui/reports/${name}`);
      expect(r.statusCode, name).toBe(404);
      expect(r.body, name).not.toContain('outside the reports folder');
    }
    expect((await app.inject({ method: 'GET', url: '/ui/reports/../outside.html', headers: AUTH })).body).not.toContain('outside the reports folder');
  });

  it('the decision pages ask what GET /v1/decisions asks: the token (401), not from another site (403), none at all without a token (403)', async () => {
    for (const url of ['/ui/decisions', '/ui/rollouts', '/ui/rollouts/web%2Fapi']) {
      const r = await get(url, {});
      expect(r.statusCode, url).toBe(401);
      expect(r.headers['www-authenticate']).toBe('Bearer');
      expect((await get(url, { ...AUTH, 'sec-fetch-site': 'cross-site' })).statusCode, url).toBe(403);
      expect((await get(url, { ...AUTH, 'sec-fetch-site': 'same-origin' })).statusCode, url).toBe(200);
    }
    // The pages that show no client's data need nothing.
    for (const url of ['/ui/models/judge', '/ui/approvals', '/ui/reports']) expect((await get(url, {})).statusCode, url).toBe(200);
    const closed = buildApp({ modelsRoot: models, rateLimit: false, planThreads: 0, decisionsPath: join(root, 'closed.duckdb'), controlsStorePath: join(root, 'closed-controls.duckdb') });
    try {
      const r = await closed.inject({ method: 'GET', url: '/ui/decisions' });
      expect(r.statusCode).toBe(403);
      expect(r.body).toContain('READS_DISABLED');
    } finally {
      await closed.close();
    }
    // Open without a token: only to requests addressed to an IP address or localhost (not a rebound host name).
    const open = buildApp({ modelsRoot: models, rateLimit: false, planThreads: 0, insecureOpenWrites: true, decisionsPath: join(root, 'open.duckdb'), controlsStorePath: join(root, 'open-controls.duckdb') });
    try {
      for (const host of ['127.0.0.1:8080', 'localhost', '[::1]:8080', '10.1.2.3']) expect((await open.inject({ method: 'GET', url: '/ui/decisions', headers: { host } })).statusCode, host).toBe(200);
      const rebound = await open.inject({ method: 'GET', url: '/ui/decisions', headers: { host: 'attacker.example:8080' } });
      expect(rebound.statusCode).toBe(403);
      expect(rebound.body).toContain('field <code>headers.host</code>');
    } finally {
      await open.close();
    }
  });

  it('a decision log that cannot be opened: the overview still answers and says so; the decision pages are 503', async () => {
    const broken = buildApp({ modelsRoot: models, rateLimit: false, planThreads: 0, insecureOpenWrites: true, decisionsPath: reports, controlsStorePath: join(root, 'broken-controls.duckdb') });
    try {
      const ov = await broken.inject({ method: 'GET', url: '/ui' });
      expect(ov.statusCode).toBe(200);
      expect(ov.body).toContain('The decision log cannot be read');
      const d = await broken.inject({ method: 'GET', url: '/ui/decisions' });
      expect(d.statusCode).toBe(503);
      expect(d.body).toContain('DECISIONS_UNAVAILABLE');
    } finally {
      await broken.close();
    }
  });

  it('serve --reports: a folder that does not exist or is a file stops the start (exit 2, naming the flag)', () => {
    const serve = (dir: string) => spawnSync(process.execPath, [join(import.meta.dirname, '..', 'bin', 'rolloutlab.mjs'), 'serve', '--quiet', '--port', '0', '--models', models, '--reports', dir, '--decisions', join(root, 'cli-d.duckdb'), '--controls-store', join(root, 'cli-c.duckdb'), '--feedback', join(root, 'cli-f.duckdb')], { encoding: 'utf8', timeout: 60_000 });
    const missing = serve(join(root, 'no-such-folder'));
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/--reports: no folder .*no-such-folder/);
    const file = serve(join(reports, 'models.html'));
    expect(file.status).toBe(2);
    expect(file.stderr).toMatch(/--reports .*is not a folder/);
  });

  it('a deployment with a long name has its page too (up to the 256 characters a record keeps)', async () => {
    const r = await get(`/ui/rollouts/${encodeURIComponent(LONG)}`);
    expect(r.statusCode).toBe(200);
    expect(r.body).toContain(`<title>Rollout ${LONG} · rolloutlab</title>`);
  });

  it('a hostile deployment name is escaped everywhere it is shown', async () => {
    for (const url of ['/ui/decisions', '/ui/rollouts', `/ui/rollouts/${encodeURIComponent(HOSTILE)}`]) {
      const r = await get(url);
      expect(r.statusCode, url).toBe(200);
      expect(r.body, url).not.toContain(HOSTILE);
      expect(r.body, url).not.toMatch(/<script/i);
      expect(r.body, url).toContain('&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;');
    }
  });
});

// ---- in a real browser ------------------------------------------------------------------------------------------

if (MISSING && process.env.CI === 'true') {
  describe('the web pages in chromium (CI)', () => {
    it('needs /usr/bin/chromium', () => {
      expect.fail(`${MISSING_MSG.replace('SKIPPED', 'not run')} CI=true: failing instead of skipping.`);
    });
  });
}

describe.skipIf(MISSING)('the web pages in chromium', () => {
  let browser: Browser;
  let context: BrowserContext;
  const problems: string[] = [];

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    context = await browser.newContext({ extraHTTPHeaders: AUTH, viewport: { width: 1280, height: 900 } });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  /** Opens a page, records its console errors and failed requests, checks it loaded, saves its screenshot. */
  async function open(path: string, shot: string): Promise<Page> {
    const page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`${path}: console error: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`${path}: page error: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`${path}: request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`));
    page.on('response', (r) => {
      if (r.status() >= 400) problems.push(`${path}: ${r.status()} for ${r.url()}`);
    });
    const res = await page.goto(base + path, { waitUntil: 'load' });
    expect(res?.status(), path).toBe(200);
    await page.screenshot({ path: join(ARTIFACTS, `${shot}.png`), fullPage: true });
    return page;
  }

  /** The text the element shows. */
  const text = async (page: Page, selector: string) => (await page.locator(selector).innerText()) ?? '';

  /** The marks (path, rect, line, circle) drawn inside the chart marks of the SVGs under `selector`. */
  const marks = (page: Page, selector: string) => page.locator(`${selector} svg .role-mark path, ${selector} svg .role-mark rect, ${selector} svg .role-mark line, ${selector} svg .role-mark circle`).count();

  /** Every link of the page to this server answers 200 (fetched with the page's context: its headers, its cookies). */
  async function linksResolve(page: Page): Promise<number> {
    const hrefs = [...new Set(await page.locator('a[href]').evaluateAll((as) => as.map((a) => a.getAttribute('href') ?? '')))].filter((h) => h.startsWith('/'));
    for (const h of hrefs) expect((await context.request.get(base + h)).status(), h).toBe(200);
    return hrefs.length;
  }

  it('the overview: the champions, the decision counts, links that all resolve', async () => {
    const page = await open('/ui', 'overview');
    expect(await text(page, '#family-judge')).toContain('v0001');
    expect(await text(page, '#family-risk')).toContain('targets:');
    expect(await text(page, '#decisions table')).toContain('rollout-decision');
    expect(await text(page, '#approvals')).toContain('1 approval waiting');
    expect(await linksResolve(page)).toBeGreaterThanOrEqual(10);
    // The bar's links work as a person clicks them (the decision pages take a link of the same server).
    await page.getByRole('link', { name: 'Rollouts', exact: true }).click();
    await page.waitForURL(`${base}/ui/rollouts`);
    expect(await text(page, '#rollouts table')).toContain('web/api');
    await page.close();
  });

  it("a champion's card with its targets and its ROC / PR / reliability charts", async () => {
    for (const family of ['judge', 'risk']) {
      const page = await open(`/ui/models/${family}`, `model-${family}`);
      expect(await marks(page, '#targets'), family).toBeGreaterThan(0);
      expect(await marks(page, '#curves'), family).toBeGreaterThan(3);
      expect(await page.locator('#curves svg').getAttribute('aria-label')).toMatch(new RegExp(`^${family} v0001: how well it separates`));
      expect(await page.locator('#tuning table').isVisible()).toBe(true);
      expect(await text(page, '#metrics table')).toContain(family === 'judge' ? 'accuracy' : 'rocAuc');
      await linksResolve(page);
      await page.close();
    }
  });

  it('recent decisions, filtered through the form', async () => {
    const page = await open('/ui/decisions', 'decisions');
    expect(await page.locator('#list table tbody tr').count()).toBe(13);
    expect(await text(page, '#list')).toContain('approval needed: Sat 11:30');
    await page.locator('input[name=deployment]').fill('web/api');
    await page.locator('select[name=route]').selectOption('/v1/canary/verdict');
    await Promise.all([page.waitForURL(/deployment=web%2Fapi/), page.getByRole('button', { name: 'filter' }).click()]);
    expect(await page.locator('#list table tbody tr').count()).toBe(2);
    expect(await page.locator('#list table tbody tr').first().textContent()).toContain('fail');
    await linksResolve(page);
    await page.close();
  });

  it("a rollout's timeline: canary against baseline per step, each decision and its reasons, minute by minute", async () => {
    await (await open('/ui/rollouts', 'rollouts')).close();
    const page = await open('/ui/rollouts/web%2Fapi', 'rollout-web-api');
    expect(await marks(page, '#timeline figure:nth-of-type(1)')).toBeGreaterThan(20);
    expect(await marks(page, '#timeline figure:nth-of-type(2)')).toBeGreaterThan(20);
    expect(await page.locator('#timeline svg').first().getAttribute('aria-label')).toBe('web/api: 9 decisions, step by step');
    expect(await page.locator('#steps-list table tbody tr').count()).toBe(9);
    expect(await text(page, '#steps-list')).toContain('override rollback by alice');
    await linksResolve(page);
    await page.close();
  });

  it('approvals waiting and granted, and the reports', async () => {
    const approvals = await open('/ui/approvals', 'approvals');
    expect(await text(approvals, '#pending table')).toContain('shop/checkout');
    expect(await text(approvals, '#granted table')).toContain('hotfix for the cart outage');
    expect(await text(approvals, '#overrides table')).toContain('web/api');
    await linksResolve(approvals);
    await approvals.close();
    const list = await open('/ui/reports', 'reports');
    expect(await text(list, '#reports table')).toContain('models.html');
    expect(await text(list, '#reports')).not.toContain('linked.html');
    await linksResolve(list);
    await list.close();
    const report = await open('/ui/reports/models.html', 'report-models');
    expect(await marks(report, '#judge')).toBeGreaterThan(0);
    await report.close();
  });

  it('no page logged a console error or had a request fail', () => {
    expect(problems).toEqual([]);
  });
});
