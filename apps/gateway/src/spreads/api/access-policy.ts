import type { ApiTier } from '@app/api-keys';

/**
 * What each tier may read (seed 003 "Access tiers"). Delays are minimums: a client may ask for more.
 * machine-dev: delayed everywhere, no live stream; builder: live REST, live stream with open events delayed
 * >= 60 s; contract: no delay.
 */
export interface TierAccess {
  restMinDelaySeconds: number;
  /** live stream access and its minimum delays per event type; undefined = no access (403) */
  live?: { openMinDelaySeconds: number; closeMinDelaySeconds: number };
  recentMaxLimit: number;
  historyMaxLimit: number;
}

export const TIER_ACCESS: Readonly<Record<ApiTier, TierAccess>> = {
  'machine-dev': { restMinDelaySeconds: 300, recentMaxLimit: 500, historyMaxLimit: 100 },
  builder: { restMinDelaySeconds: 0, live: { openMinDelaySeconds: 60, closeMinDelaySeconds: 0 }, recentMaxLimit: 500, historyMaxLimit: 1000 },
  contract: { restMinDelaySeconds: 0, live: { openMinDelaySeconds: 0, closeMinDelaySeconds: 0 }, recentMaxLimit: 500, historyMaxLimit: 5000 },
};

export const DEFAULT_LIMIT = 100;

export const LIVE_TIERS: ApiTier[] = (Object.keys(TIER_ACCESS) as ApiTier[]).filter((tier) => TIER_ACCESS[tier].live);

/** The delay actually applied: the request's, raised to the tier's minimum. */
export function effectiveDelay(requested: number | undefined, minimum: number): number {
  return Math.max(requested ?? 0, minimum);
}

export function effectiveLimit(requested: number | undefined, max: number): number {
  return Math.min(requested ?? Math.min(DEFAULT_LIMIT, max), max);
}
