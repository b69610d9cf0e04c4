import type { GeckoTerminalApi } from '@app/upstream';
import { JobScheduler, type ScheduledJob } from '@app/scheduling';
import type { Quote } from '../../domain/quote';
import type { QuoteSink, QuoteSource, QuoteSourceReports } from '../quote-source';

/** Quote tokens treated as USD: a pool BASE/USDC is compared with the CEX BASE_USDT legs at its USD price. */
const USD_STABLES = new Set(['USDT', 'USDC', 'DAI', 'FDUSD', 'USDE', 'BUSD', 'TUSD', 'PYUSD']);
/** Wrapped natives trade as the native coin on CEXs. */
const UNWRAP: Readonly<Record<string, string>> = { WETH: 'ETH', WBNB: 'BNB', WSOL: 'SOL', WBTC: 'BTC', WMATIC: 'MATIC', WAVAX: 'AVAX' };

interface PoolItem {
  attributes?: { name?: string; address?: string; base_token_price_usd?: string | null; reserve_in_usd?: string | null };
  relationships?: { dex?: { data?: { id?: string } } };
}

/**
 * GeckoTerminal `/networks/{network}/pools` → DEX quotes. Only pools quoted in a USD stablecoin become legs (as
 * `BASE_USDT`, priced at the pool's USD price); liquidity is `reserve_in_usd` (absent/null → unknown, which fails
 * the liquidity gate).
 */
export function parseGeckoTerminalPools(body: unknown, network: string, now: number): Quote[] {
  const items = (body as { data?: unknown })?.data;
  if (!Array.isArray(items)) return [];
  const quotes: Quote[] = [];
  for (const item of items as PoolItem[]) {
    const attributes = item?.attributes;
    const dex = item?.relationships?.dex?.data?.id;
    const [rawBase, rawQuote] = (attributes?.name ?? '').split(' / ').map((part) => part.trim().split(/\s+/)[0]?.toUpperCase());
    if (!attributes?.address || !dex || !rawBase || !rawQuote) continue;
    const base = UNWRAP[rawBase] ?? rawBase;
    if (!USD_STABLES.has(rawQuote) || USD_STABLES.has(base) || !/^[A-Z0-9]{1,20}$/.test(base)) continue;
    const price = Number(attributes.base_token_price_usd);
    if (!(price > 0)) continue;
    const reserve = attributes.reserve_in_usd == null ? undefined : Number(attributes.reserve_in_usd);
    quotes.push({
      venue: dex.toUpperCase().replace(/[^A-Z0-9]+/g, '_'),
      kind: 'dex',
      symbol: `${base}_USDT`,
      price,
      liquidityUsd: reserve !== undefined && Number.isFinite(reserve) ? reserve : undefined,
      dex: { chain: network, pool_address: attributes.address, dex },
      ts: now,
    });
  }
  return quotes;
}

/** Polls the top pools of each network (GeckoTerminal allows ~30 calls/min; the client's budget enforces it). */
export class GeckoTerminalPoolsSource implements QuoteSource {
  readonly name = 'geckoterminal';
  private timer?: ScheduledJob;
  private stopped = false;
  private abort = new AbortController();

  constructor(
    private readonly client: GeckoTerminalApi,
    private readonly networks: string[],
    private readonly pollMs: number,
    private readonly reports: QuoteSourceReports,
    private readonly jobs = JobScheduler.detached(),
  ) {}

  start(sink: QuoteSink): void {
    // a source is started again when its replica leads spreads again (a new term): a stop is not forever
    this.stopped = false;
    this.abort = new AbortController();
    const loop = async () => {
      for (const network of this.networks) {
        if (this.stopped) return;
        try {
          const body = await this.client.getTopPools(network, this.abort.signal);
          const quotes = parseGeckoTerminalPools(body, network, Date.now());
          this.reports.onQuotes?.(this.name, quotes.length);
          sink(quotes);
        } catch (error) {
          if (!this.stopped) this.reports.onError?.(this.name, error);
        }
      }
      if (!this.stopped) this.timer = this.jobs.after('spreads.geckoterminal-poll', this.pollMs, () => void loop());
    };
    void loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    this.timer?.stop();
  }
}
