// Streaming state for POST /v1/anomaly/score: the detector's complete state after the last value, handed to the
// client and back, so a deploy system can send each new minute's points instead of the whole series, and any server
// process (or a restarted one sharing the secret) continues exactly where the last answer stopped.
//
// The state is sealed: base64url(JSON {v, seen, detector state}) + "." + base64url(HMAC-SHA256). A detector trusts
// its own state (a forged one could, say, set a grid that never converges), so the server only restores states it
// signed. The key comes from a secret (`serve --state-secret`, $ROLLOUTLAB_STATE_SECRET); without one it is drawn at
// random per process, and states from another process are refused with a 400 that says to start over.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { DetectorState } from '../detectors/registry.ts';
import { BadInput } from './decide.ts';

/**
 * Version of the sealed envelope {v, seen, detector} itself. The detector state inside carries its own version
 * (DETECTOR_STATE_VERSION in detectors/types.ts, checked by restoreDetector); this one changes only with the envelope.
 */
const ENVELOPE_VERSION = 1;

export interface StreamState {
  /** Values the detector has seen on this series in total. */
  seen: number;
  detector: DetectorState;
}

export class StateSealer {
  private readonly key: Buffer;

  /** A sealer keyed by `secret` (sha256 of it), or by 32 random bytes when none is given. */
  constructor(secret?: string) {
    this.key = secret !== undefined && secret !== '' ? createHash('sha256').update(`rolloutlab anomaly state\0${secret}`).digest() : randomBytes(32);
  }

  private mac(body: string): Buffer {
    return createHmac('sha256', this.key).update(body).digest();
  }

  seal(s: StreamState): string {
    const body = Buffer.from(JSON.stringify({ v: ENVELOPE_VERSION, seen: s.seen, detector: s.detector })).toString('base64url');
    return `${body}.${this.mac(body).toString('base64url')}`;
  }

  /** The state inside a sealed string, or a 400 naming `body.state` when it is not one this server sealed. */
  open(sealed: string): StreamState {
    const dot = sealed.lastIndexOf('.');
    const body = dot > 0 ? sealed.slice(0, dot) : '';
    const tagText = dot > 0 ? sealed.slice(dot + 1) : '';
    const tag = Buffer.from(tagText, 'base64url');
    const want = this.mac(body);
    // The tag must be the canonical encoding (base64url's last character carries unused bits a decoder ignores).
    if (!body || tag.length !== want.length || tag.toString('base64url') !== tagText || !timingSafeEqual(tag, want)) {
      throw new BadInput('body.state', 'is not a state this server issued (changed, truncated, or signed with another secret): send the series from its start without a state');
    }
    const j = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as { v: number; seen: number; detector: DetectorState };
    if (j.v !== ENVELOPE_VERSION) throw new BadInput('body.state', `has version ${j.v}, this server reads ${ENVELOPE_VERSION}: send the series from its start without a state`);
    return { seen: j.seen, detector: j.detector };
  }
}
