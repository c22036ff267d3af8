// Which tenants a deployment's fault reached, and for how long (docs/definitions.md#tenants-impacted and
// #customer-minutes-exposed), from the truth of each minute and the counts it already drew. Nothing here draws a random
// number, so no other figure of the run moves.
//
// In a minute, a tenant's user traffic on the part of the new version the fault affects is its share of the service's
// traffic (`tenantShares`) times the share of it on the new version: its own exposure under `progressive:tenant`, the
// user weight otherwise (a service's regions and tenants are independent splits, so a region-confined fault touches
// every tenant's traffic in its region alike). A tenant-confined fault reaches its own tenant only. After a full
// rollback, data corruption keeps failing requests from the data the new version wrote (the minute fails a share of
// the old version's traffic that grows with the highest weight the new one had): that reaches the tenants whose
// traffic the new version served, each in proportion to its traffic and the highest share of it that was on the new
// version.
//
// The minute's fault-caused bad requests (the service's and its sync callers': a caller's failed call is a call to the
// service, so it belongs to the tenants of the service's affected traffic) are split over the tenants in proportion to
// that traffic: each tenant's expected share of the count the minute drew. The per-tenant sums add up to the blast
// radius.
import type { EnvState } from './contract.ts';
import type { EpisodeCtx } from './episode.ts';

/** A tenant is impacted once at least this many of the fault's bad requests are attributed to it over the run. */
export const IMPACTED_MIN_BAD = 1;

/** What the minute knew about the fault's reach. */
export interface MinuteReach {
  /** The service's user requests this minute. */
  requests: number;
  /** The user weight of the new version this minute. */
  weight: number;
  /**
   * What the fault's effect reached this minute: users of the new version, the old version's traffic through the data
   * corruption it left after a full rollback, or no user (not active, not exposed, mirrored traffic only, or outside
   * its unit).
   */
  reach: 'users' | 'linger' | 'none';
  /** The minute's fault-caused bad requests that users saw (service and callers). */
  faultBad: number;
  /** The part of a minute this is (a step shorter than a minute counts its share of a tenant-minute; default 1). */
  minutes?: number;
}

/** Attribute the minute's fault-caused bad requests to tenants and count its customer-minutes (updates the state and its outcome). */
export function noteTenants(ctx: EpisodeCtx, st: EnvState, m: MinuteReach): void {
  const shares = ctx.svc.tenantShares;
  const byTenant = ctx.plan.unitKind === 'tenant';
  const reach = ctx.tenantReach;
  let total = 0;
  for (let j = 0; j < shares.length; j++) {
    const now = byTenant ? st.exposure[j] : m.weight;
    if (now > st.tenantMaxExposure[j]) st.tenantMaxExposure[j] = now;
    const x = m.reach === 'users' ? now : m.reach === 'linger' ? st.tenantMaxExposure[j] : 0;
    const r = ctx.faultTenant < 0 || ctx.faultTenant === j ? shares[j] * x : 0;
    reach[j] = r;
    total += r;
  }
  if (total <= 0) return;
  const o = st.outcome;
  const minutes = m.minutes ?? 1;
  if (m.requests > 0) for (let j = 0; j < reach.length; j++) if (reach[j] > 0) o.customerMinutesExposed += minutes;
  if (m.faultBad <= 0) return;
  let impacted = 0;
  for (let j = 0; j < reach.length; j++) {
    st.tenantBad[j] += (m.faultBad * reach[j]) / total;
    // A hair under 1 still counts: a tenant-confined fault's single bad request must not be lost to rounding.
    if (st.tenantBad[j] >= IMPACTED_MIN_BAD - 1e-9) impacted++;
  }
  o.tenantsImpacted = impacted;
}
