import { createCache } from 'cache-manager';
import {
  CoinGeckoMarketData,
  createUpstreamCacheStore,
  UpstreamCache,
  UpstreamError,
  type CoinDeskApi,
  type CoinDeskFuturesTick,
  type CoinGeckoApi,
  type DeribitApi,
  type DeribitBookSummary,
  type FuturesTickRequest,
  type UpstreamLogger,
} from '@app/upstream';
import { DERIVATIVE_CONTRACTS } from './derivative-volume';
import { DerivativesSource } from './derivatives.source';

const quietLogger: UpstreamLogger = { debug: () => undefined, log: () => undefined, warn: () => undefined };

/** CoinDesk stand-in: 24 h quote volume per market, or an error for the markets listed as down. */
class FakeCoinDesk implements CoinDeskApi {
  readonly upstream = 'coindesk';
  readonly callsPerMinute = 60;
  readonly requests: FuturesTickRequest[] = [];
  down = new Set<string>();
  keyByOtherName = false;
  constructor(private readonly volumes: Record<string, number>) {}

  async getFuturesLatestTick(request: FuturesTickRequest): Promise<Record<string, CoinDeskFuturesTick>> {
    this.requests.push(request);
    if (this.down.has(request.market)) throw new UpstreamError('coindesk', `HTTP 503 for ${request.market}`, 503);
    const [instrument] = request.instruments;
    const contract = DERIVATIVE_CONTRACTS.find((candidate) => candidate.market === request.market)!;
    const tick = { MARKET: request.market, INSTRUMENT: contract.nativeInstrument, MAPPED_INSTRUMENT: contract.instrument, QUOTE_CURRENCY: 'USDT', MOVING_24_HOUR_QUOTE_VOLUME: this.volumes[request.market] };
    return { [this.keyByOtherName ? (instrument === tick.MAPPED_INSTRUMENT ? tick.INSTRUMENT : tick.MAPPED_INSTRUMENT) : instrument]: tick };
  }
}

class FakeDeribit implements DeribitApi {
  readonly upstream = 'deribit';
  readonly callsPerMinute = 300;
  down = false;
  constructor(private readonly rows: DeribitBookSummary[]) {}
  async getBookSummaryByCurrency(): Promise<DeribitBookSummary[]> {
    if (this.down) throw new UpstreamError('deribit', 'HTTP 502', 502);
    return this.rows;
  }
}

/** Only `getCoin` is read by this feature. */
const coinGecko = (down = false): CoinGeckoApi => {
  const api: Pick<CoinGeckoApi, 'upstream' | 'callsPerMinute' | 'getCoin'> = {
    upstream: 'coingecko',
    callsPerMinute: 30,
    getCoin: (id) => (down ? Promise.reject(new UpstreamError('coingecko', 'HTTP 500', 500)) : Promise.resolve({ id, symbol: 'btc', name: 'Bitcoin', image: { large: 'https://img/btc.png' } })),
  };
  return api as CoinGeckoApi;
};

const option = (instrument_name: string, open_interest: number, underlying_price: number): DeribitBookSummary => ({
  instrument_name,
  open_interest,
  underlying_price,
  base_currency: 'BTC',
  quote_currency: 'BTC',
  creation_timestamp: 1_763_712_000_000,
  volume: 1,
  mark_price: 0.01,
});

const VOLUMES = { binance: 500_000_000, bybit: 300_000_000, okex: 200_000_000, deribit: 150_000_000.5, bitmex: 84_567_889.5 };

function setup(options: { coinDown?: boolean } = {}) {
  let now = 1_763_712_000_000;
  const cache = new UpstreamCache(createCache({ stores: [createUpstreamCacheStore()] }), { now: () => now, logger: quietLogger });
  const coindesk = new FakeCoinDesk(VOLUMES);
  const deribit = new FakeDeribit([option('BTC-27NOV26-80000-C', 100, 81_000), option('BTC-27NOV26-85000-P', 50.5, 81_000), option('BTC-25DEC26-90000-C', 20, 81_500)]);
  const source = new DerivativesSource(coindesk, deribit, cache, new CoinGeckoMarketData(coinGecko(options.coinDown), cache));
  return { source, coindesk, deribit, advance: (ms: number) => (now += ms), now: () => now };
}

describe('DerivativesSource.loadVolumes', () => {
  it('sums the five markets, one request each with the tick groups and mapping priority of the contract', async () => {
    const { source, coindesk, now } = setup();
    const load = await source.loadVolumes();
    // 500,000,000 + 300,000,000 + 200,000,000 + 150,000,000.5 + 84,567,889.5 = 1,234,567,890
    expect(load.data.card.value).toBe('1,234,567,890 USD');
    expect(load).toMatchObject({ fetchedAt: now(), stale: false, missing: [] });
    expect(coindesk.requests.map(({ market, instruments, mappingPriority }) => [market, instruments, mappingPriority])).toEqual([
      ['binance', ['BTC-USDT-VANILLA-PERPETUAL'], 'CHECK_MAPPED_FIRST'],
      ['bybit', ['BTC-USDT-VANILLA-PERPETUAL'], 'CHECK_MAPPED_FIRST'],
      ['okex', ['BTC-USDT-SWAP'], 'CHECK_UNMAPPED_FIRST'],
      ['deribit', ['BTC-PERPETUAL'], 'CHECK_UNMAPPED_FIRST'],
      ['bitmex', ['XBTUSD'], 'CHECK_UNMAPPED_FIRST'],
    ]);
    expect(coindesk.requests[0].groups).toEqual(['ID', 'MAPPING', 'VALUE', 'LAST_UPDATE', 'MOVING_24_HOUR']);
    await source.loadVolumes();
    expect(coindesk.requests).toHaveLength(5); // fresh for 60 s
  });

  it('reports a market that is down as a detail error and in missing, and leaves it out of the sum', async () => {
    const { source, coindesk } = setup();
    coindesk.down.add('bitmex');
    const load = await source.loadVolumes();
    expect(load.data.card.value).toBe('1,150,000,001 USD'); // 1,234,567,890 − 84,567,889.5, rounded
    expect(load.data.card.details[4]).toEqual({ market: 'bitmex', instrument: 'BTC-USD-INVERSE-PERPETUAL', native_instrument: 'XBTUSD', error: 'coindesk: HTTP 503 for bitmex' });
    expect(load.missing).toEqual([{ source: 'coindesk bitmex BTC-USD-INVERSE-PERPETUAL', reason: 'coindesk: HTTP 503 for bitmex' }]);
  });

  it('fails the refresh when every market is down', async () => {
    const { source, coindesk } = setup();
    ['binance', 'bybit', 'okex', 'deribit', 'bitmex'].forEach((market) => coindesk.down.add(market));
    await expect(source.loadVolumes()).rejects.toThrow('no CoinDesk futures tick could be loaded: binance: coindesk: HTTP 503 for binance; bybit:');
  });

  it('serves a tick past its fresh time marked stale, with the reason, only for the market whose refresh failed', async () => {
    const { source, coindesk, advance, now } = setup();
    await source.loadVolumes();
    coindesk.down.add('okex');
    advance(90_000); // past 60 s fresh, within 5 min stale
    // as the hub reads: past fresh, wait for the upstream
    const load = await UpstreamCache.awaitingFreshValues(() => source.loadVolumes());
    expect(load.stale).toBe(true);
    expect(load.staleReason).toBe('coindesk okex: coindesk: HTTP 503 for okex');
    expect(load.fetchedAt).toBe(now() - 90_000);
    expect(load.freshUntil).toBe(now() - 30_000);
    expect(load.data.card.value).toBe('1,234,567,890 USD');
    expect(load.data.card.details.map((detail) => [(detail as { market: string }).market, (detail as { stale?: boolean }).stale])).toEqual([
      ['binance', undefined],
      ['bybit', undefined],
      ['okex', true],
      ['deribit', undefined],
      ['bitmex', undefined],
    ]);
  });

  it('is not stale while a healthy upstream is re-read in the background', async () => {
    const { source, advance } = setup();
    await source.loadVolumes();
    advance(90_000);
    const load = await source.loadVolumes();
    expect(load.stale).toBe(false);
    expect(load.staleReason).toBeUndefined();
    expect(load.data.card.details.some((detail) => (detail as { stale?: boolean }).stale)).toBe(false);
  });

  it('finds the tick when CoinDesk keys it by another name of the instrument', async () => {
    const { source, coindesk } = setup();
    coindesk.keyByOtherName = true;
    expect((await source.loadVolumes()).data.card.value).toBe('1,234,567,890 USD');
  });
});

describe('DerivativesSource.loadBtcOptionsOpenInterest', () => {
  it('converts the chain to USD and adds the CoinGecko logo', async () => {
    const { source } = setup();
    const load = await source.loadBtcOptionsOpenInterest();
    // 100 × 81,000 + 50.5 × 81,000 + 20 × 81,500 = 8,100,000 + 4,090,500 + 1,630,000 = 13,820,500
    expect(load.data.card).toMatchObject({ value: '13,820,500 USD', logo: 'https://img/btc.png', symbol: 'BTC' });
    expect(load.data.card.details.map((detail) => [(detail as { instrument: string }).instrument, (detail as { open_interest: number }).open_interest])).toEqual([
      ['BTC-27NOV26', 12_190_500],
      ['BTC-25DEC26', 1_630_000],
    ]);
    expect(load.missing).toEqual([]);
  });

  it('keeps the card without its logo when CoinGecko is down', async () => {
    const { source } = setup({ coinDown: true });
    const load = await source.loadBtcOptionsOpenInterest();
    expect(load.data.card).toMatchObject({ value: '13,820,500 USD', logo: undefined, symbol: 'BTC' });
    expect(load.missing).toEqual([{ source: 'coingecko /coins/bitcoin', reason: 'coingecko: HTTP 500' }]);
  });

  it('fails the refresh when Deribit is down and nothing is cached', async () => {
    const { source, deribit } = setup();
    deribit.down = true;
    await expect(source.loadBtcOptionsOpenInterest()).rejects.toThrow('deribit: HTTP 502');
  });
});
