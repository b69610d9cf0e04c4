import { defineConfig, env, MarketDataMode, type ConfigOf } from '@app/config';

export const DEFAULT_SPREADS_VENUES = ['binance', 'bybit', 'okx', 'gate', 'bitget', 'mexc', 'kucoin'];
/** where ccxt.pro streaming is workable (reference/exchanges-dex.md §1.2): not MEXC, whose spot `watchTickers` is NotSupported */
export const DEFAULT_SPREADS_WATCH_VENUES = ['binance', 'bybit', 'okx', 'gate', 'bitget', 'kucoin'];

/** A venue list; `none` (where allowed) is the empty list; a venue ccxt is not wired for is named. */
function venueList(name: string, options: { none: boolean }) {
  const pattern = options.none ? /^(none|[a-z]+(\s*,\s*[a-z]+)*)$/ : /^[a-z]+(\s*,\s*[a-z]+)*$/;
  return env
    .list({ pattern, error: `${name} must be ${options.none ? 'none or ' : ''}a comma-separated list of lowercase venue ids` })
    .transform((venues, ctx) => {
      if (venues.length === 1 && venues[0] === 'none') return [];
      const unknown = venues.filter((venue) => !DEFAULT_SPREADS_VENUES.includes(venue));
      if (unknown.length > 0) env.reportTo(ctx, venues)(`${name}: unknown venue(s) ${unknown.join(', ')} (known: ${DEFAULT_SPREADS_VENUES.join(', ')})`);
      return venues;
    });
}

/** spreads (seed 003): quote source, venues and detection rules (README "Spreads") */
export const spreadsConfig = defineConfig(
  'spreads',
  ({ nodeEnv, marketData }) => ({
    // tests never poll real venues unless they ask for a source explicitly
    SPREADS_SOURCE: env
      .oneOf(['ccxt', 'simulated', 'off'])
      .default(marketData === MarketDataMode.Sandbox ? 'simulated' : nodeEnv === 'test' ? 'off' : 'ccxt')
      .describe('quote source: live venues through ccxt, simulated venues, or none'),
    SPREADS_VENUES: venueList('SPREADS_VENUES', { none: false }).default(DEFAULT_SPREADS_VENUES).describe('venues polled through ccxt'),
    SPREADS_QUOTE_CURRENCIES: env
      .list({ upper: true, pattern: /^[A-Za-z0-9]+(\s*,\s*[A-Za-z0-9]+)*$/, error: 'SPREADS_QUOTE_CURRENCIES must be a comma-separated list' })
      .default(['USDT'])
      .describe('quote currencies kept'),
    SPREADS_POLL_MS: env.integer({ min: 200 }).default(3_000).describe('ccxt REST poll period per venue'),
    SPREADS_WATCH_VENUES: venueList('SPREADS_WATCH_VENUES', { none: true }).default(DEFAULT_SPREADS_WATCH_VENUES).describe('venues streamed through ccxt.pro `watch*`'),
    SPREADS_VENUES_BASE_URL: env
      .url('http')
      .optional()
      .describe("with `ccxt`: every venue URL under this root as `<root>/<venue host>/<path>` (an egress relay); unset: the venues' own hosts"),
    SPREADS_WATCH_STALE_MS: env.integer({ min: 1_000 }).default(10_000).describe('a streamed leg silent this long is polled over REST'),
    SPREADS_SIM_TICK_MS: env.integer({ min: 10 }).default(1_000).describe("simulated venues' tick"),
    SPREADS_OPEN_PCT: env.number({ min: 0 }).default(1).describe('open threshold'),
    SPREADS_CLOSE_PCT: env.number({ min: 0 }).default(0.5).describe('close threshold (below the open one)'),
    SPREADS_MAX_QUOTE_AGE_MS: env.integer({ min: 100 }).default(15_000).describe('older quotes are ignored'),
    SPREADS_COOLDOWN_MS: env.integer({ min: 0 }).default(120_000).describe('per key, after a close'),
    SPREADS_SANITY_CAP_PCT: env.number({ min: 0 }).default(50).describe('above: dropped as a probable symbol collision'),
    SPREADS_MIN_VOLUME_24H: env.number({ min: 0 }).default(0).describe('gate per CEX leg (24 h quote volume)'),
    SPREADS_MIN_DEX_LIQUIDITY_USD: env.number({ min: 0 }).default(10_000).describe('gate per DEX leg'),
    // live frames wait for their history id (seq): a short batch window keeps quote → frame latency low
    SPREADS_HISTORY_FLUSH_MS: env.integer({ min: 10, max: 60_000 }).default(20).describe('history batch period'),
    SPREADS_DEX_NETWORKS: env
      .list({ pattern: /^(none|[a-z0-9_-]+(\s*,\s*[a-z0-9_-]+)*)$/, error: 'SPREADS_DEX_NETWORKS must be none or a comma-separated list of GeckoTerminal network ids' })
      .transform((networks) => (networks.length === 1 && networks[0] === 'none' ? [] : networks))
      .default(['eth', 'bsc', 'solana'])
      .describe('GeckoTerminal networks for DEX legs'),
  }),
  (vars, report) => {
    if (!(vars.SPREADS_OPEN_PCT > 0)) report('SPREADS_OPEN_PCT must be > 0');
    if (!(vars.SPREADS_CLOSE_PCT < vars.SPREADS_OPEN_PCT)) report('SPREADS_CLOSE_PCT must be lower than SPREADS_OPEN_PCT (hysteresis)');
    if (!(vars.SPREADS_SANITY_CAP_PCT > vars.SPREADS_OPEN_PCT)) report('SPREADS_SANITY_CAP_PCT must be above SPREADS_OPEN_PCT');
    return {
      /** ccxt: live venues; simulated: the same ccxt clients pointed at the simulator's venues (sandbox); off: no quotes (tests) */
      source: vars.SPREADS_SOURCE,
      /** with `ccxt`: the relay every venue URL goes through (`relayVenueUrls`); undefined: the venues themselves */
      venuesBaseUrl: vars.SPREADS_VENUES_BASE_URL,
      /** with `simulated`: the simulator's venues root (`<simulator>/exchanges`), set at start, never from the environment */
      simulatedVenuesUrl: undefined as string | undefined,
      venues: vars.SPREADS_VENUES,
      quoteCurrencies: vars.SPREADS_QUOTE_CURRENCIES,
      pollMs: vars.SPREADS_POLL_MS,
      simTickMs: vars.SPREADS_SIM_TICK_MS,
      openPct: vars.SPREADS_OPEN_PCT,
      closePct: vars.SPREADS_CLOSE_PCT,
      sanityCapPct: vars.SPREADS_SANITY_CAP_PCT,
      maxQuoteAgeMs: vars.SPREADS_MAX_QUOTE_AGE_MS,
      cooldownMs: vars.SPREADS_COOLDOWN_MS,
      minVolume24h: vars.SPREADS_MIN_VOLUME_24H,
      minDexLiquidityUsd: vars.SPREADS_MIN_DEX_LIQUIDITY_USD,
      historyFlushMs: vars.SPREADS_HISTORY_FLUSH_MS,
      /** GeckoTerminal networks whose top pools give DEX legs (live source only) */
      dexNetworks: vars.SPREADS_DEX_NETWORKS,
      /** venues streamed through ccxt.pro `watch*` (REST polling when the stream is silent); the others are polled */
      watchVenues: vars.SPREADS_WATCH_VENUES,
      /** a watched leg with no update for this long falls back to REST polling until the stream delivers again */
      watchStaleMs: vars.SPREADS_WATCH_STALE_MS,
    };
  },
);

export type SpreadsConfig = ConfigOf<typeof spreadsConfig>;
