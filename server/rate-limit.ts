// Per-client token buckets for the serving API's rate limit (no dependency): each client (its IP address) has a bucket
// of `burst` tokens refilled at `perSecond` tokens a second; a request takes one token, and with none left it is refused
// (429) with the seconds until the next token. Buckets that are full again are forgotten when the table grows large.

export interface RateLimitOptions {
  /** Sustained requests per second per client. */
  perSecond: number;
  /** Bucket size: requests a client may send at once (default 2 x perSecond). */
  burst?: number;
  /** Monotonic clock in ms (tests; default performance.now). */
  clock?: () => number;
}

/** Default: generous, a guard against a runaway client rather than a quota. */
export const DEFAULT_RATE_LIMIT = { perSecond: 1000, burst: 2000 };
/** Clients tracked before full buckets are swept. */
const MAX_CLIENTS = 10_000;

export class TokenBuckets {
  readonly perSecond: number;
  readonly burst: number;
  private readonly clock: () => number;
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(o: RateLimitOptions) {
    if (!(o.perSecond > 0) || !Number.isFinite(o.perSecond)) throw new RangeError(`rate limit perSecond must be a positive number (got ${o.perSecond})`);
    this.perSecond = o.perSecond;
    this.burst = o.burst ?? 2 * o.perSecond;
    if (!(this.burst >= 1)) throw new RangeError(`rate limit burst must be >= 1 (got ${this.burst})`);
    this.clock = o.clock ?? (() => performance.now());
  }

  /** Takes a token for `client`: 0 when allowed, else the seconds until one is available. */
  take(client: string): number {
    const now = this.clock();
    let b = this.buckets.get(client);
    if (!b) {
      if (this.buckets.size >= MAX_CLIENTS) this.sweep(now);
      b = { tokens: this.burst, at: now };
      this.buckets.set(client, b);
    } else {
      b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.perSecond);
      b.at = now;
    }
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return (1 - b.tokens) / this.perSecond;
  }

  private sweep(now: number): void {
    for (const [k, b] of this.buckets) if (b.tokens + ((now - b.at) / 1000) * this.perSecond >= this.burst) this.buckets.delete(k);
  }
}
