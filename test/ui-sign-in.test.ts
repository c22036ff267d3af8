// The web page's sign-in: a browser cannot send a bearer header, so it posts the token once from the server's own form
// and gets a cookie for /ui that the decision pages accept like the token. The cookie holds a keyed hash of the token,
// opens no API route, is refused from another site's form, and a wrong token gets nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../server/app.ts';
import { UI_SESSION_COOKIE, uiSessionValue } from '../server/guard.ts';

const TOKEN = 'a-long-enough-test-token';
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

let app: FastifyInstance;
beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rolloutlab-ui-sign-in-'));
  app = buildApp({ modelsRoot: join(dir, 'models'), token: TOKEN, decisionsPath: join(dir, 'decisions.duckdb'), rateLimit: false });
  await app.ready();
});
afterAll(async () => app?.close());

const cookieOf = (setCookie: string | string[] | undefined) => String(Array.isArray(setCookie) ? setCookie[0] : setCookie).split(';')[0];

describe('/ui/sign-in', () => {
  it('a decision page without the token says how to sign in (401)', async () => {
    const r = await app.inject({ method: 'GET', url: '/ui/decisions' });
    expect(r.statusCode).toBe(401);
    expect(r.body).toContain('href="/ui/sign-in"');
    expect((await app.inject({ method: 'GET', url: '/ui/sign-in' })).body).toContain('<form method="post" action="/ui/sign-in">');
  });

  it('the right token sets an HttpOnly, SameSite=Strict cookie for /ui that holds no token, and the pages open', async () => {
    const r = await app.inject({ method: 'POST', url: '/ui/sign-in', headers: { ...FORM, 'sec-fetch-site': 'same-origin' }, payload: form({ token: TOKEN }) });
    expect(r.statusCode).toBe(303);
    expect(r.headers.location).toBe('/ui/decisions');
    const set = String(r.headers['set-cookie']);
    expect(set).toMatch(new RegExp(`^${UI_SESSION_COOKIE}=[0-9a-f]{64}; Path=/ui; Max-Age=43200; HttpOnly; SameSite=Strict$`));
    expect(set).not.toContain(TOKEN);
    const cookie = cookieOf(r.headers['set-cookie']);
    expect(cookie).toBe(`${UI_SESSION_COOKIE}=${uiSessionValue(TOKEN)}`);
    for (const url of ['/ui/decisions', '/ui/rollouts']) {
      const p = await app.inject({ method: 'GET', url, headers: { cookie: `other=1; ${cookie}` } });
      expect(p.statusCode, `${url}: ${p.body.slice(0, 300)}`).toBe(200);
    }
    // The cookie is for the pages: the API keeps asking for the bearer token.
    expect((await app.inject({ method: 'GET', url: '/v1/decisions', headers: { cookie } })).statusCode).toBe(401);
    // Behind a TLS proxy the cookie is Secure.
    const tls = await app.inject({ method: 'POST', url: '/ui/sign-in', headers: { ...FORM, 'x-forwarded-proto': 'https' }, payload: form({ token: TOKEN }) });
    expect(String(tls.headers['set-cookie'])).toMatch(/; Secure$/);
  });

  it('a wrong token, a forged cookie, another site\'s form and a malformed form get nothing', async () => {
    const wrong = await app.inject({ method: 'POST', url: '/ui/sign-in', headers: FORM, payload: form({ token: 'guess' }) });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.headers['set-cookie']).toBeUndefined();
    expect(wrong.body).toContain('field token');
    expect((await app.inject({ method: 'GET', url: '/ui/decisions', headers: { cookie: `${UI_SESSION_COOKIE}=${uiSessionValue('guess')}` } })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/ui/decisions', headers: { cookie: `${UI_SESSION_COOKIE}=${TOKEN}` } })).statusCode).toBe(401);
    const cross = await app.inject({ method: 'POST', url: '/ui/sign-in', headers: { ...FORM, 'sec-fetch-site': 'cross-site' }, payload: form({ token: TOKEN }) });
    expect(cross.statusCode).toBe(403);
    expect(cross.headers['set-cookie']).toBeUndefined();
    const extra = await app.inject({ method: 'POST', url: '/ui/sign-in', headers: FORM, payload: form({ token: TOKEN, user: 'x' }) });
    expect(extra.statusCode).toBe(400);
    expect(extra.headers['set-cookie']).toBeUndefined();
    expect((await app.inject({ method: 'POST', url: '/ui/sign-in', headers: FORM, payload: form({}) })).statusCode).toBe(400);
  });

  it('sign-out removes the cookie', async () => {
    const r = await app.inject({ method: 'POST', url: '/ui/sign-out', headers: FORM, payload: '' });
    expect(r.statusCode).toBe(303);
    expect(String(r.headers['set-cookie'])).toMatch(new RegExp(`^${UI_SESSION_COOKIE}=; Path=/ui; Max-Age=0; HttpOnly; SameSite=Strict$`));
  });
});
