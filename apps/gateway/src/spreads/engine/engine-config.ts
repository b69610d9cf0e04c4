/** Detection rules; every value has an env variable (README "Spreads"). */
export interface SpreadEngineConfig {
  /** open when the spread reaches this percent (SPREADS_OPEN_PCT, default 1) */
  openPct: number;
  /** close when it falls below this percent; lower than openPct: hysteresis (SPREADS_CLOSE_PCT, default 0.5) */
  closePct: number;
  /** quotes older than this are ignored and an open spread with a leg this old closes (SPREADS_MAX_QUOTE_AGE_MS, default 15000) */
  maxQuoteAgeMs: number;
  /** after a close, the same key does not reopen for this long (SPREADS_COOLDOWN_MS, default 120000) */
  cooldownMs: number;
  /** spreads above this percent are dropped as probable symbol collisions (SPREADS_SANITY_CAP_PCT, default 50) */
  sanityCapPct: number;
  /** gate: each CEX leg needs at least this 24 h quote volume (SPREADS_MIN_VOLUME_24H, default 0 = off) */
  minVolume24h: number;
  /** gate: each DEX leg needs at least this pool liquidity in USD (SPREADS_MIN_DEX_LIQUIDITY_USD, default 10000) */
  minDexLiquidityUsd: number;
}

export const DEFAULT_SPREAD_ENGINE_CONFIG: SpreadEngineConfig = {
  openPct: 1,
  closePct: 0.5,
  maxQuoteAgeMs: 15_000,
  cooldownMs: 120_000,
  sanityCapPct: 50,
  minVolume24h: 0,
  minDexLiquidityUsd: 10_000,
};

export function validateEngineConfig(config: SpreadEngineConfig): string[] {
  const problems: string[] = [];
  if (!(config.openPct > 0)) problems.push('SPREADS_OPEN_PCT must be > 0');
  if (!(config.closePct >= 0 && config.closePct < config.openPct)) problems.push('SPREADS_CLOSE_PCT must be >= 0 and lower than SPREADS_OPEN_PCT (hysteresis)');
  if (!(config.sanityCapPct > config.openPct)) problems.push('SPREADS_SANITY_CAP_PCT must be above SPREADS_OPEN_PCT');
  if (!(config.maxQuoteAgeMs > 0)) problems.push('SPREADS_MAX_QUOTE_AGE_MS must be > 0');
  if (!(config.cooldownMs >= 0)) problems.push('SPREADS_COOLDOWN_MS must be >= 0');
  return problems;
}
