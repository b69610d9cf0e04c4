import { FixtureStore } from '../../fixtures';
import { startUpstreamSimulator, type UpstreamSimulator } from '../../upstream-simulator';
import { SIM_DEX_POOLS, SIM_EPISODE_DIVERGED_TICKS, SIM_EPISODE_TICKS, simulatedEpisodeAt, simulatedMarketAt } from './venue-market';

/** Every leg's price at `tick`, by the engine's leg name (`VENUE:kind`, a pool's dex id), per base. */
function legPrices(seed: number, tick: number): Map<string, Map<string, number>> {
  const byBase = new Map<string, Map<string, number>>();
  const market = simulatedMarketAt(seed, tick);
  const put = (base: string, leg: string, price: number) => {
    if (!byBase.has(base)) byBase.set(base, new Map());
    byBase.get(base)!.set(leg, price);
  };
  for (const t of market.tickers) put(t.base, `${t.venue.toUpperCase()}:${t.kind}`, (t.bid + t.ask) / 2);
  for (const { pool, priceUsd } of market.pools) put(pool.base, pool.dex.toUpperCase(), priceUsd);
  return byBase;
}

const spreadPct = (a: number, b: number) => (Math.abs(a - b) / Math.min(a, b)) * 100;

describe('simulated venue market', () => {
  it('diverges one leg per episode far above a 1 % open and keeps every other pair far below a 0.5 % close, also across one tick', () => {
    const problems: string[] = [];
    for (const seed of [11, 42]) {
      for (let tick = 1_000; tick < 1_000 + 12 * SIM_EPISODE_TICKS; tick++) {
        const episode = simulatedEpisodeAt(seed, tick);
        if ((episode !== undefined) !== tick % SIM_EPISODE_TICKS < SIM_EPISODE_DIVERGED_TICKS) problems.push(`tick ${tick}: episode ${JSON.stringify(episode)}`);
        const reads = [
          { prices: legPrices(seed, tick), episode },
          { prices: legPrices(seed, tick - 1), episode: simulatedEpisodeAt(seed, tick - 1) },
        ];
        const isDiverged = (read: (typeof reads)[number], base: string, leg: string) => read.episode?.base === base && read.episode.leg === leg;
        for (const [base, legs] of reads[0].prices) {
          for (const [legA, priceA] of legs) {
            // a leg read this tick against another read this tick or the tick before (polls are not in step)
            for (const read of reads) {
              for (const [legB, priceB] of read.prices.get(base)!) {
                if (legA === legB) continue;
                const spread = spreadPct(priceA, priceB);
                const divergedPair = isDiverged(reads[0], base, legA) !== isDiverged(read, base, legB);
                if (divergedPair ? spread <= 1.2 : spread >= 0.35) problems.push(`seed ${seed} tick ${tick} ${base} ${legA}/${legB}: ${spread.toFixed(3)} %`);
              }
            }
          }
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('is a pure function of seed and tick', () => {
    expect(simulatedMarketAt(7, 123)).toEqual(simulatedMarketAt(7, 123));
    expect(simulatedMarketAt(7, 123)).not.toEqual(simulatedMarketAt(8, 123));
  });
});

describe('simulated venue REST routes', () => {
  let simulator: UpstreamSimulator;
  const fixtures = new FixtureStore();
  const keysOf = (file: string, pick: (json: any) => object = (json) => json) => Object.keys(pick(fixtures.json('exchanges', file))).sort();
  const get = async (path: string) => {
    const response = await fetch(`${simulator.baseUrls.exchanges}${path}`);
    return { status: response.status, body: (await response.json()) as any };
  };

  beforeAll(async () => {
    simulator = await startUpstreamSimulator({ seed: 3, venueTickMs: 1_000 });
  });
  afterAll(() => simulator.close());

  it('answers each venue with its recorded item shape, one item per simulated market', async () => {
    const cases: Array<[string, (body: any) => any[], string, (json: any) => object]> = [
      ['/api.binance.com/api/v3/ticker/24hr', (b) => b, 'binance-spot-api-v3-ticker-24hr-BTCUSDT.json', (j) => j],
      ['/fapi.binance.com/fapi/v1/ticker/24hr', (b) => b, 'binance-usdm-fapi-v1-ticker-24hr-SUSDT.json', (j) => j],
      ['/fapi.binance.com/fapi/v1/premiumIndex', (b) => b, 'binance-usdm-fapi-v1-premiumIndex-BTCUSDT.json', (j) => j],
      ['/api.bybit.com/v5/market/tickers?category=spot', (b) => b.result.list, 'rest-v5-market-tickers-spot-BTCUSDT.json', (j) => j.result.list[0]],
      ['/api.bybit.com/v5/market/tickers?category=linear', (b) => b.result.list, 'ws-tickers-linear-perpetual-snapshot-BTCUSDT.json', (j) => j.data],
      ['/www.okx.com/api/v5/market/tickers?instType=SWAP', (b) => b.data, 'okx-api-v5-market-tickers-SPOT-response.json', (j) => j.data[0]],
      ['/www.okx.com/api/v5/public/mark-price?instType=SWAP', (b) => b.data, 'okx-api-v5-public-mark-price-response.json', (j) => j.data[0]],
      ['/api.gateio.ws/api/v4/spot/tickers', (b) => b, 'gate-api-v4-spot-tickers-KFC_USDT.json', (j) => j],
      ['/api.gateio.ws/api/v4/futures/usdt/tickers', (b) => b, 'gate-api-v4-futures-usdt-tickers-BTC_USDT.json', (j) => j],
      ['/api.bitget.com/api/v2/spot/market/tickers', (b) => b.data, 'bitget-api-v2-spot-market-tickers-BTCUSDT.json', (j) => j],
      ['/api.bitget.com/api/v2/mix/market/tickers?productType=USDT-FUTURES', (b) => b.data, 'bitget-api-v2-mix-market-tickers-BTCUSDT-swap.json', (j) => j],
      ['/api.mexc.com/api/v3/ticker/24hr', (b) => b, 'mexc-spot-ticker24hr-BTCUSDT.json', (j) => j],
      ['/api.mexc.com/api/v1/contract/ticker', (b) => b.data, 'mexc-contract-api-v1-contract-ticker-response.json', (j) => j.data[0]],
      ['/api.kucoin.com/api/v1/market/allTickers', (b) => b.data.ticker, 'kucoin-api-v1-market-allTickers-response.json', (j) => j.data.ticker[0]],
      ['/api-futures.kucoin.com/api/v1/contracts/active', (b) => b.data, 'kucoinfutures-api-v1-contracts-active-XBTUSDTM.json', (j) => j],
    ];
    for (const [path, items, file, pick] of cases) {
      const { status, body } = await get(path);
      expect({ path, status }).toEqual({ path, status: 200 });
      expect(items(body)).toHaveLength(12);
      for (const item of items(body)) expect({ path, keys: Object.keys(item).sort() }).toEqual({ path, keys: keysOf(file, pick) });
    }
    expect((await get('/api-futures.kucoin.com/api/v1/contracts/active')).body.data.map((item: any) => item.symbol)).toContain('XBTUSDTM');
  });

  it('lists the simulated pools of a network as GeckoTerminal does, and answers bad parameters like the venue', async () => {
    const { body } = await get('/api.geckoterminal.com/api/v2/networks/eth/pools?page=1');
    expect(body.data.map((pool: any) => pool.attributes.address)).toEqual(SIM_DEX_POOLS.filter((pool) => pool.network === 'eth').map((pool) => pool.address));
    expect(body.data[0].relationships.dex.data.id).toBe('uniswap_v3');
    expect((await get('/api.geckoterminal.com/api/v2/networks/solana/pools')).body).toEqual({ data: [] });
    expect((await get('/api.bybit.com/v5/market/tickers?category=option')).body.retCode).toBe(10001);
    expect((await get('/www.okx.com/api/v5/market/tickers?instType=FUTURES')).status).toBe(400);
    expect(simulator.requests('exchanges', '/api.bybit.com/v5/market/tickers')).toBe(3); // spot and linear above, option here
  });
});
