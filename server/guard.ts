// The guard of the write routes (POST /v1/models/reload, POST /v1/feedback, POST /v1/pipeline/outcome, POST and DELETE
// /v1/overrides, POST /v1/approvals) and of the reads of what clients wrote (GET /v1/feedback, GET /v1/pipeline/outcome,
// GET /v1/decisions), which show notes, logs and request bodies (docs/server.md "Who may write"): an onRequest hook the
// ops, feedback, pipeline, decisions and controls plugins put on those routes.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { errorBody } from './http-errors.ts';

export interface GuardOptions {
  /** Bearer token the guarded routes require. */
  token?: string;
  /** Without a token, open the guarded routes to anyone who can reach the port. */
  insecureOpenWrites?: boolean;
}

const sha = (s: string) => createHash('sha256').update(s).digest();

/** Whether `given` is `secret`, in time that does not depend on where they differ (both hashed to equal lengths). */
export const sameSecret = (given: string, secret: string): boolean => timingSafeEqual(sha(given), sha(secret));

export type Guard = (req: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

/**
 * onRequest of the guarded routes (the writes, and the GETs of feedback and pipeline outcomes), checked before the body
 * is read: no token configured and no insecureOpenWrites → 403; a token configured → the bearer token (401);
 * a request sent by a browser page (Origin, or Sec-Fetch-Site other than none) → 403, so a web page cannot drive
 * them (cross-site request forgery, DNS rebinding); a write → a JSON content type (415; no form or text POST).
 */
export function writeGuard(opts: GuardOptions): Guard {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    if (opts.token === undefined && !opts.insecureOpenWrites) {
      return reply
        .code(403)
        .send(errorBody('WRITES_DISABLED', `${req.method} ${req.routeOptions.url} is refused: this server has no token (start it with --token <t> or $ROLLOUTLAB_TOKEN, and send Authorization: Bearer <t>; or, on a trusted network only, --insecure-open-writes)`, 'headers.authorization'));
    }
    if (opts.token !== undefined) {
      const h = req.headers.authorization ?? '';
      const m = /^Bearer (.+)$/i.exec(h);
      if (!m || !sameSecret(m[1].trim(), opts.token)) {
        return reply.code(401).header('www-authenticate', 'Bearer').send(errorBody('UNAUTHORIZED', 'a valid bearer token is required (Authorization: Bearer <token>)', 'headers.authorization'));
      }
    }
    const site = req.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'none') {
      return reply.code(403).send(errorBody('BROWSER_ORIGIN', `${req.method} ${req.routeOptions.url} is refused from a browser page (Sec-Fetch-Site: ${String(site)}): call it from a deploy system or a script`, 'headers.sec-fetch-site'));
    }
    if (req.headers.origin !== undefined) {
      return reply.code(403).send(errorBody('BROWSER_ORIGIN', `${req.method} ${req.routeOptions.url} is refused from a browser page (Origin: ${String(req.headers.origin).slice(0, 100)}): call it from a deploy system or a script`, 'headers.origin'));
    }
    if (req.method === 'POST') {
      const type = String(req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
      if (type !== 'application/json') {
        return reply.code(415).send(errorBody('UNSUPPORTED_MEDIA_TYPE', `${req.method} ${req.routeOptions.url} needs Content-Type: application/json (got ${type ? JSON.stringify(type) : 'none'})`, 'headers.content-type'));
      }
    }
  };
}

/** A Host header that names an IP address (v4, or v6 in brackets) or localhost, with or without a port. */
function literalHost(host: string | undefined): boolean {
  if (!host) return false;
  const h = host.toLowerCase();
  return /^(localhost|\d{1,3}(\.\d{1,3}){3}|\[[0-9a-f:.]+\])(:\d{1,5})?$/.test(h);
}

/** The cookie a browser gets from the web page's sign-in (POST /ui/sign-in), sent back to the /ui pages only. */
export const UI_SESSION_COOKIE = 'rolloutlab_ui';

/**
 * The value of the sign-in cookie for `token`: a keyed hash of it, so the cookie never holds the token itself (a copy
 * of the cookie opens the web pages, not the API), and a new token ends every session.
 */
export const uiSessionValue = (token: string): string => createHmac('sha256', token).update('rolloutlab web page session v1').digest('hex');

/** The sign-in cookie of a request, or null. */
export function uiSessionCookie(req: FastifyRequest): string | null {
  for (const part of String(req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === UI_SESSION_COOKIE) return part.slice(eq + 1).trim();
  }
  return null;
}

/** Why a request may not read what clients wrote (status, code, message, field), or null when it may. */
export interface ReadRefusal {
  status: 401 | 403;
  code: string;
  message: string;
  field: string;
}

/**
 * The check of the web pages that show the decision log (/ui/decisions, /ui/rollouts): the same credentials as GET
 * /v1/decisions (no token and no insecureOpenWrites → 403; a token → the bearer token or the web page's sign-in cookie
 * made from it, 401), but a page of the same
 * server may link to them (Sec-Fetch-Site same-origin or none); a request from another site is refused (403), and so,
 * without a token, is one whose Host is a name rather than an IP address or localhost (403).
 * Nothing is written by these pages, so the JSON content type and the Origin rule of the writes do not apply.
 */
export function pageReadRefusal(opts: GuardOptions, req: FastifyRequest): ReadRefusal | null {
  if (opts.token === undefined && !opts.insecureOpenWrites) {
    return { status: 403, code: 'READS_DISABLED', message: 'the decision log is shown only by a server with a token (start it with --token <t> or $ROLLOUTLAB_TOKEN, and send Authorization: Bearer <t>; or, on a trusted network only, --insecure-open-writes)', field: 'headers.authorization' };
  }
  if (opts.token !== undefined) {
    const m = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '');
    const cookie = uiSessionCookie(req);
    const bearerOk = m !== null && sameSecret(m[1].trim(), opts.token);
    const cookieOk = cookie !== null && sameSecret(cookie, uiSessionValue(opts.token));
    if (!bearerOk && !cookieOk) return { status: 401, code: 'UNAUTHORIZED', message: 'the decision log is shown to those who have the token: sign in with it at /ui/sign-in (a browser), or send Authorization: Bearer <token>', field: 'headers.authorization' };
  }
  // Without a token nothing tells this server's own pages from a page whose host name was rebound to its address (DNS
  // rebinding): answer only requests addressed to an IP address or localhost, never a host name someone else may own.
  if (opts.token === undefined && !literalHost(req.headers.host)) {
    return { status: 403, code: 'HOST_NOT_ALLOWED', message: `without a token the decision log is shown only to requests addressed to an IP address or localhost (Host: ${String(req.headers.host ?? '').slice(0, 100)}); start the server with --token <t> to reach it by a host name`, field: 'headers.host' };
  }
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'none' && site !== 'same-origin') return { status: 403, code: 'BROWSER_ORIGIN', message: `the decision log is not shown to a page of another site (Sec-Fetch-Site: ${String(site)})`, field: 'headers.sec-fetch-site' };
  return null;
}
