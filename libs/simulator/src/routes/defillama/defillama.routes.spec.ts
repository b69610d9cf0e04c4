import { startUpstreamSimulator, type UpstreamSimulator } from '../../upstream-simulator';
import { DAY_MS, STABLECOIN_CATALOG, excursionDepth } from './stablecoin-catalog';

const T0 = Date.UTC(2026, 0, 15, 12, 34, 56);

async function getJson(url: string): Promise<{ status: number; body: any; headers: Headers }> {
  const response = await fetch(url);
  return { status: response.status, body: await response.json(), headers: response.headers };
}

describe('simulated DefiLlama stablecoins API and CoinGecko stablecoin routes', () => {
  let sim: UpstreamSimulator;
  beforeAll(async () => {
    sim = await startUpstreamSimulator({ seed: 42 });
  });
  afterAll(() => sim.close());
  beforeEach(() => sim.clock.freeze(T0));

  it('/stablecoins: every catalog coin in the recorded asset shape, sorted by circulating, chains summing to the total', async () => {
    const { status, body, headers } = await getJson(`${sim.baseUrls.defillama}/stablecoins?includePrices=true`);
    expect(status).toBe(200);
    expect(headers.get('cache-control')).toBe('public, max-age=1800');
    expect(body.peggedAssets).toHaveLength(STABLECOIN_CATALOG.length);
    const usdt = body.peggedAssets[0];
    expect(usdt).toMatchObject({ id: '1', symbol: 'USDT', gecko_id: 'tether', pegType: 'peggedUSD', priceSource: 'defillama' });
    const chainSum = Object.values(usdt.chainCirculating as Record<string, { current: { peggedUSD: number } }>).reduce((sum, chain) => sum + chain.current.peggedUSD, 0);
    expect(chainSum).toBeCloseTo(usdt.circulating.peggedUSD, -1);
    expect(usdt.chains[0]).toBe('Ethereum'); // sorted by circulating on the chain
    const caps = body.peggedAssets.map((asset: { circulating: Record<string, number> }) => Object.values(asset.circulating)[0]);
    expect(caps).toEqual([...caps].sort((a, b) => b - a));
    expect(body.chains.find((chain: { name: string }) => chain.name === 'Tron').totalCirculatingUSD.peggedUSD).toBeGreaterThan(0);
  });

  it('is deterministic for a seed and time, and moves with time', async () => {
    const first = (await getJson(`${sim.baseUrls.defillama}/stablecoins`)).body;
    expect((await getJson(`${sim.baseUrls.defillama}/stablecoins`)).body).toEqual(first);
    sim.clock.advance(10 * 60_000);
    expect((await getJson(`${sim.baseUrls.defillama}/stablecoins`)).body.peggedAssets[0].circulating).not.toEqual(first.peggedAssets[0].circulating);
  });

  it('/stablecoincharts/all: daily points from the recorded first date to today, date a string of seconds', async () => {
    const { body } = await getJson(`${sim.baseUrls.defillama}/stablecoincharts/all`);
    expect(body[0].date).toBe('1609372800');
    const today = Math.floor(T0 / DAY_MS) * DAY_MS;
    expect(body[body.length - 1].date).toBe(String(today / 1000));
    expect(body).toHaveLength((today - 1609372800000) / DAY_MS + 1);
    expect(Object.keys(body[0])).toEqual(['date', 'totalCirculating', 'totalUnreleased', 'totalCirculatingUSD', 'totalMintedUSD', 'totalBridgedToUSD']);
    // history does not change as time passes
    sim.clock.advance(3 * DAY_MS);
    const later = (await getJson(`${sim.baseUrls.defillama}/stablecoincharts/all`)).body;
    expect(later.slice(0, body.length)).toEqual(body);
  });

  it('/stablecoinprices: daily prices keyed by CoinGecko id with the seeded excursions, recorded ids kept', async () => {
    const { body } = await getJson(`${sim.baseUrls.defillama}/stablecoinprices`);
    const last = body[body.length - 1];
    expect(last.date).toBe(Math.floor(T0 / DAY_MS) * 86_400);
    expect(last.prices.czusd).toBeNull();
    expect(last.prices.rai).toBeCloseTo(2.86, 1);
    const fdusd = STABLECOIN_CATALOG.find((coin) => coin.geckoId === 'first-digital-usd')!;
    const excursions = body.filter((point: { date: number }) => excursionDepth(fdusd, 42, point.date / 86_400) > 0);
    expect(excursions.length).toBeGreaterThan(body.length / 6 - 1);
    for (const point of excursions) expect(point.prices['first-digital-usd']).toBeLessThan(0.99);
  });

  it('CoinGecko /coins/markets?category=stablecoins agrees with DefiLlama, in the vs currency', async () => {
    const [{ body: markets }, { body: eur }, { body: llama }] = await Promise.all([
      getJson(`${sim.baseUrls.coingecko}/coins/markets?vs_currency=usd&category=stablecoins`),
      getJson(`${sim.baseUrls.coingecko}/coins/markets?vs_currency=eur&category=stablecoins`),
      getJson(`${sim.baseUrls.defillama}/stablecoins`),
    ]);
    const tether = markets.find((row: { id: string }) => row.id === 'tether');
    const usdt = llama.peggedAssets.find((asset: { gecko_id: string }) => asset.gecko_id === 'tether');
    expect(tether.current_price).toBe(usdt.price);
    expect(tether.market_cap).toBe(Math.round(usdt.circulating.peggedUSD));
    expect(tether.image).toBe('https://assets.coingecko.com/coins/images/325/large/Tether.png?1668148663'); // recorded
    expect(eur.find((row: { id: string }) => row.id === 'tether').current_price).toBeLessThan(tether.current_price);
    expect((await getJson(`${sim.baseUrls.coingecko}/coins/markets?vs_currency=xyz`)).status).toBe(400);
    expect((await getJson(`${sim.baseUrls.coingecko}/coins/markets?vs_currency=usd&category=stablecoins&per_page=2&page=2`)).body.map((row: { id: string }) => row.id)).toEqual(
      markets.slice(2, 4).map((row: { id: string }) => row.id),
    );
  });

  it('CoinGecko /coins/{id}/market_chart: CoinGecko granularity, ending now at the live price; unknown ids 404', async () => {
    const [{ body: week }, { body: day }, { body: markets }] = await Promise.all([
      getJson(`${sim.baseUrls.coingecko}/coins/usd-coin/market_chart?vs_currency=usd&days=7`),
      getJson(`${sim.baseUrls.coingecko}/coins/usd-coin/market_chart?vs_currency=usd&days=1`),
      getJson(`${sim.baseUrls.coingecko}/coins/markets?vs_currency=usd&category=stablecoins`),
    ]);
    expect(week.prices).toHaveLength(7 * 24 + 1);
    expect(day.prices).toHaveLength(289);
    expect(week.prices[week.prices.length - 1]).toEqual([T0, markets.find((row: { id: string }) => row.id === 'usd-coin').current_price]);
    expect(week.prices[1][0] - week.prices[0][0]).toBe(3_600_000);
    const bitcoin = (await getJson(`${sim.baseUrls.coingecko}/coins/bitcoin/market_chart?vs_currency=usd&days=7`)).body;
    expect(bitcoin.prices[bitcoin.prices.length - 1][0]).toBe(T0);
    expect((await getJson(`${sim.baseUrls.coingecko}/coins/nope/market_chart?vs_currency=usd&days=7`)).status).toBe(404);
  });
});
