// The guard of the write routes (POST /v1/models/reload, POST /v1/feedback, POST /v1/pipeline/outcome, POST and DELETE
// /v1/overrides, POST /v1/approvals) and of the reads of what clients wrote (GET /v1/feedback, GET /v1/pipeline/outcome,
// GET /v1/decisions), which show notes, logs and request bodies (docs/server.md "Who may write"): an onRequest hook the
// ops, feedback, pipeline, decisions and controls plugins put on those routes.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { errorBody } from './http-errors.ts';

export interface GuardOptions {
  /** Bearer token the guarded routes require. */
  token?: string;
  /** Without a token, open the guarded routes to anyone who can reach the port. */
  insecureOpenWrites?: boolean;
}

const sha = (s: string) => createHash('sha256').update(s).digest();

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
      if (!m || !timingSafeEqual(sha(m[1].trim()), sha(opts.token))) {
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
