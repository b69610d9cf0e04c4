import * as ccxt from 'ccxt';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CcxtVenueSource, loadCcxtClass, type CcxtLeg } from './ccxt-venue-source';
import { VENUE_SPECS } from './venue-specs';

const FIXTURES = join(__dirname, '../../../../../../libs/simulator/fixtures/exchanges');
const fixture = (file: string): unknown => JSON.parse(readFileSync(join(FIXTURES, file), 'utf8'));
/** "now" for these tests: after every fixture's own timestamp */
const NOW = 1_781_000_000_000;

/** A unified ccxt market, as `loadMarkets` would build it (only what ticker parsing and the adapter read). */
function market(id: string, base: string, quote: string, type: 'spot' | 'swap', extra: Record<string, unknown> = {}) {
  const swap = type === 'swap';
  return {
    id,
    symbol: swap ? `${base}/${quote}:${quote}` : `${base}/${quote}`,
    base,
    quote,
    baseId: base,
    quoteId: quote,
    settle: swap ? quote : undefined,
    settleId: swap ? quote : undefined,
    type,
    spot: !swap,
    swap,
    future: false,
    option: false,
    margin: false,
    contract: swap,
    linear: swap ? true : undefined,
    inverse: swap ? false : undefined,
    active: true,
    contractSize: swap ? 1 : undefined,
    precision: { price: 0.01, amount: 0.001 },
    limits: {},
    info: {},
    ...extra,
  };
}

/** A real ccxt instance with markets set and its HTTP replaced by the recorded payloads (by URL pattern). */
function offline(exchangeId: string, markets: unknown[], routes: Array<[RegExp, unknown]>): { exchange: ccxt.Exchange; urls: string[] } {
  const ExchangeClass = (ccxt as unknown as Record<string, new (options: object) => ccxt.Exchange>)[exchangeId];
  const exchange = new ExchangeClass({ enableRateLimit: false });
  exchange.setMarkets(markets as ccxt.Market[]);
  const urls: string[] = [];
  exchange.fetch = async (url: string) => {
    urls.push(url);
    const route = routes.find(([pattern]) => pattern.test(url));
    if (!route) throw new Error(`no fixture for ${url}`);
    return route[1];
  };
  return { exchange, urls };
}

function source(venue: keyof typeof VENUE_SPECS, legs: CcxtLeg[], quoteCurrencies = ['USDT']) {
  return new CcxtVenueSource(VENUE_SPECS[venue], legs, { pollMs: 1_000, quoteCurrencies, now: () => NOW });
}

const leg = (venue: string, kind: 'spot' | 'futures', exchange: ccxt.Exchange): CcxtLeg => ({
  spec: VENUE_SPECS[venue].legs.find((l) => l.kind === kind)!,
  exchange,
});

describe('ccxt venue adapters on recorded tickers (real ccxt parsing)', () => {
  it('Binance spot: bid/ask mid, quote volume, venue timestamp', async () => {
    const { exchange, urls } = offline('binance', [market('BTCUSDT', 'BTC', 'USDT', 'spot')], [[/\/api\/v3\/ticker\/24hr/, [fixture('binance-spot-api-v3-ticker-24hr-BTCUSDT.json')]]]);
    const quotes = await source('binance', []).pollLeg(leg('binance', 'spot', exchange));
    expect(urls).toEqual(['https://api.binance.com/api/v3/ticker/24hr']);
    expect(quotes).toEqual([
      {
        venue: 'BINANCE',
        kind: 'spot',
        symbol: 'BTC_USDT',
        price: (118449.02 + 118449.03) / 2,
        bid: 118449.02,
        ask: 118449.03,
        mark: undefined,
        volume24h: 1744744445.8064075,
        ts: 1753787874013,
      },
    ]);
  });

  it('Binance USDⓈ-M: bid/ask from bookTicker and mark from premiumIndex fill the ticker gaps', async () => {
    const ticker = { ...(fixture('binance-usdm-fapi-v1-ticker-24hr-SUSDT.json') as object), symbol: 'BTCUSDT' };
    const book = [{ symbol: 'BTCUSDT', bidPrice: '11790.1', bidQty: '3', askPrice: '11790.3', askQty: '2', time: 1597370495000 }];
    const { exchange, urls } = offline(
      'binanceusdm',
      [market('BTCUSDT', 'BTC', 'USDT', 'swap')],
      [
        [/\/fapi\/v1\/ticker\/24hr/, [ticker]],
        [/\/fapi\/v1\/ticker\/bookTicker/, book],
        [/\/fapi\/v1\/premiumIndex/, [fixture('binance-usdm-fapi-v1-premiumIndex-BTCUSDT.json')]],
      ],
    );
    const quotes = await source('binance', []).pollLeg(leg('binance', 'futures', exchange));
    expect(urls.map((u) => new URL(u).pathname)).toEqual(['/fapi/v1/ticker/24hr', '/fapi/v1/ticker/bookTicker', '/fapi/v1/premiumIndex']);
    expect(quotes).toHaveLength(1);
    expect(quotes[0]).toMatchObject({ venue: 'BINANCE', kind: 'futures', symbol: 'BTC_USDT', bid: 11790.1, ask: 11790.3, mark: 11793.63104563, volume24h: 38709237.2289 });
    expect(quotes[0].price).toBeCloseTo(11790.2, 6);
  });

  it('Bybit spot and linear: both categories, mark from the linear ticker; inverse contracts are not futures legs', async () => {
    const linear = { retCode: 0, retMsg: 'OK', result: { category: 'linear', list: [(fixture('ws-tickers-linear-perpetual-snapshot-BTCUSDT.json') as { data: unknown }).data] }, time: 1760325052630 };
    const { exchange, urls } = offline(
      'bybit',
      [market('BTCUSDT', 'BTC', 'USDT', 'spot'), market('BTCUSDT', 'BTC', 'USDT', 'swap')],
      [
        [/category=spot/, fixture('rest-v5-market-tickers-spot-BTCUSDT.json')],
        [/category=linear/, linear],
      ],
    );
    const bybit = source('bybit', []);
    const spot = await bybit.pollLeg(leg('bybit', 'spot', exchange));
    const futures = await bybit.pollLeg(leg('bybit', 'futures', exchange));
    expect(urls).toEqual(['https://api.bybit.com/v5/market/tickers?category=spot', 'https://api.bybit.com/v5/market/tickers?category=linear']);
    expect(spot).toEqual([expect.objectContaining({ kind: 'spot', symbol: 'BTC_USDT', bid: 20517.96, ask: 20527.77, price: (20517.96 + 20527.77) / 2, volume24h: 243765620.65899867 })]);
    expect(futures).toEqual([expect.objectContaining({ kind: 'futures', symbol: 'BTC_USDT', bid: 66666.6, ask: 66666.7, mark: 66666.6, volume24h: 4936790807.6521 })]);

    const inverse = offline('bybit', [market('BTCUSD', 'BTC', 'USD', 'swap', { symbol: 'BTC/USD:BTC', settle: 'BTC', settleId: 'BTC', linear: false, inverse: true })], [
      [/category=linear/, fixture('rest-v5-market-tickers-inverse-BTCUSD.json')],
    ]);
    expect(await source('bybit', [], ['USD', 'USDT']).pollLeg(leg('bybit', 'futures', inverse.exchange))).toEqual([]);
  });

  it('OKX spot tickers (quote currency allowlist) and mark prices from /public/mark-price', async () => {
    const { exchange } = offline('okx', [market('BCD-BTC', 'BCD', 'BTC', 'spot')], [[/market\/tickers\?instType=SPOT/, fixture('okx-api-v5-market-tickers-SPOT-response.json')]]);
    expect(await source('okx', []).pollLeg(leg('okx', 'spot', exchange))).toEqual([]); // BTC-quoted: not in the USDT allowlist
    const quotes = await source('okx', [], ['BTC']).pollLeg(leg('okx', 'spot', exchange));
    expect(quotes).toEqual([expect.objectContaining({ venue: 'OKX', symbol: 'BCD_BTC', bid: 0.0000757, ask: 0.0000777, ts: 1621441741434 })]);
    expect(quotes[0].price).toBeCloseTo(0.0000767, 10);

    const swapTicker = { code: '0', msg: '', data: [{ instType: 'SWAP', instId: 'ETH-USDT-SWAP', last: '2404.1', askPx: '2404.2', bidPx: '2404.0', volCcy24h: '1000', vol24h: '10000', ts: '1728578500000' }] };
    const marks = fixture('okx-api-v5-public-mark-price-response.json') as { data: Array<Record<string, string>> };
    const swapMarks = { ...marks, data: marks.data.map((item) => ({ ...item, instType: 'SWAP', instId: 'ETH-USDT-SWAP' })) };
    const swap = offline('okx', [market('ETH-USDT-SWAP', 'ETH', 'USDT', 'swap')], [
      [/market\/tickers\?instType=SWAP/, swapTicker],
      [/public\/mark-price\?instType=SWAP/, swapMarks],
    ]);
    const futures = await source('okx', []).pollLeg(leg('okx', 'futures', swap.exchange));
    expect(futures).toEqual([expect.objectContaining({ kind: 'futures', symbol: 'ETH_USDT', mark: 2403.98, bid: 2404.0, ask: 2404.2 })]);
  });

  it('Gate spot and USDT futures (mark in the ticker; no bid/ask → last)', async () => {
    const { exchange } = offline('gate', [market('KFC_USDT', 'KFC', 'USDT', 'spot'), market('BTC_USDT', 'BTC', 'USDT', 'swap')], [
      [/\/spot\/tickers/, [fixture('gate-api-v4-spot-tickers-KFC_USDT.json')]],
      [/\/futures\/usdt\/tickers/, [fixture('gate-api-v4-futures-usdt-tickers-BTC_USDT.json')]],
    ]);
    const gate = source('gate', []);
    expect(await gate.pollLeg(leg('gate', 'spot', exchange))).toEqual([
      expect.objectContaining({ venue: 'GATE', kind: 'spot', symbol: 'KFC_USDT', bid: 7.218, ask: 7.298, price: (7.218 + 7.298) / 2, volume24h: 8807.40299875455, ts: NOW }),
    ]);
    expect(await gate.pollLeg(leg('gate', 'futures', exchange))).toEqual([
      expect.objectContaining({ kind: 'futures', symbol: 'BTC_USDT', price: 6432, mark: 6534, volume24h: 184040233284 }),
    ]);
  });

  it('Bitget spot and USDT-FUTURES', async () => {
    const envelope = (item: unknown) => ({ code: '00000', msg: 'success', requestTime: 1, data: [item] });
    const { exchange, urls } = offline('bitget', [market('BTCUSDT', 'BTC', 'USDT', 'spot'), market('BTCUSDT', 'BTC', 'USDT', 'swap')], [
      [/\/spot\/market\/tickers/, envelope(fixture('bitget-api-v2-spot-market-tickers-BTCUSDT.json'))],
      [/\/mix\/market\/tickers/, envelope(fixture('bitget-api-v2-mix-market-tickers-BTCUSDT-swap.json'))],
    ]);
    const bitget = source('bitget', []);
    expect(await bitget.pollLeg(leg('bitget', 'spot', exchange))).toEqual([expect.objectContaining({ symbol: 'BTC_USDT', bid: 37583.68, ask: 37583.69, volume24h: 519127705.303 })]);
    expect(await bitget.pollLeg(leg('bitget', 'futures', exchange))).toEqual([
      expect.objectContaining({ kind: 'futures', symbol: 'BTC_USDT', bid: 104823.5, ask: 104823.8, mark: 104824.2, ts: 1750332210370 }),
    ]);
    expect(urls[1]).toBe('https://api.bitget.com/api/v2/mix/market/tickers?productType=USDT-FUTURES');
  });

  it('MEXC spot, and contract tickers whose mark (fairPrice) ccxt does not map', async () => {
    const { exchange } = offline('mexc', [market('BTCUSDT', 'BTC', 'USDT', 'spot'), market('ETH_USDT', 'ETH', 'USDT', 'swap')], [
      [/\/api\/v3\/ticker\/24hr/, [fixture('mexc-spot-ticker24hr-BTCUSDT.json')]],
      [/\/contract\/ticker/, fixture('mexc-contract-api-v1-contract-ticker-response.json')],
    ]);
    const mexc = source('mexc', []);
    expect(await mexc.pollLeg(leg('mexc', 'spot', exchange))).toEqual([expect.objectContaining({ symbol: 'BTC_USDT', bid: 73369.83, ask: 73369.84, volume24h: 554877037.44 })]);
    expect(await mexc.pollLeg(leg('mexc', 'futures', exchange))).toEqual([
      expect.objectContaining({ kind: 'futures', symbol: 'ETH_USDT', bid: 3581.25, ask: 3581.5, mark: 3581.08, volume24h: 141331823.5755 }),
    ]);
  });

  it('KuCoin spot (buy = bid, sell = ask) and KuCoin Futures (XBT → BTC)', async () => {
    const spot = offline('kucoin', [market('BTC-USDT', 'BTC', 'USDT', 'spot')], [[/allTickers/, fixture('kucoin-api-v1-market-allTickers-response.json')]]);
    const futures = offline('kucoinfutures', [market('XBTUSDTM', 'BTC', 'USDT', 'swap')], [
      [/contracts\/active/, { code: '200000', data: [fixture('kucoinfutures-api-v1-contracts-active-XBTUSDTM.json')] }],
    ]);
    const kucoin = source('kucoin', []);
    expect(await kucoin.pollLeg(leg('kucoin', 'spot', spot.exchange))).toEqual([expect.objectContaining({ symbol: 'BTC_USDT', bid: 11328.9, ask: 11329, volume24h: 25984946.15779043 })]);
    expect(await kucoin.pollLeg(leg('kucoin', 'futures', futures.exchange))).toEqual([
      expect.objectContaining({ venue: 'KUCOIN', kind: 'futures', symbol: 'BTC_USDT', price: 67191.8, mark: 67193.51, volume24h: 659795309.2524643 }),
    ]);
  });

  it('a poll loop delivers to the sink, reports errors per leg and keeps going', async () => {
    const good = offline('binance', [market('BTCUSDT', 'BTC', 'USDT', 'spot')], [[/ticker\/24hr/, [fixture('binance-spot-api-v3-ticker-24hr-BTCUSDT.json')]]]);
    const bad = offline('binanceusdm', [market('BTCUSDT', 'BTC', 'USDT', 'swap')], []);
    const errors: string[] = [];
    const venue = new CcxtVenueSource(VENUE_SPECS.binance, [leg('binance', 'spot', good.exchange), leg('binance', 'futures', bad.exchange)], {
      pollMs: 20,
      quoteCurrencies: ['USDT'],
      now: () => NOW,
      onError: (name) => errors.push(name),
    });
    const received: string[] = [];
    venue.start((quotes) => quotes.forEach((q) => received.push(`${q.venue}:${q.kind}:${q.symbol}`)));
    await new Promise((resolve) => setTimeout(resolve, 70));
    await venue.stop();
    expect(received.length).toBeGreaterThanOrEqual(2);
    expect(new Set(received)).toEqual(new Set(['BINANCE:spot:BTC_USDT']));
    expect(errors.length).toBeGreaterThanOrEqual(2);
    expect(new Set(errors)).toEqual(new Set(['ccxt:binance:futures']));
  });

  it('polls again when started after a stop (a replica that leads spreads again starts the same sources)', async () => {
    const spot = offline('binance', [market('BTCUSDT', 'BTC', 'USDT', 'spot')], [[/ticker\/24hr/, [fixture('binance-spot-api-v3-ticker-24hr-BTCUSDT.json')]]]);
    const venue = new CcxtVenueSource(VENUE_SPECS.binance, [leg('binance', 'spot', spot.exchange)], { pollMs: 20, quoteCurrencies: ['USDT'], now: () => NOW });
    let received = 0;
    venue.start((quotes) => (received += quotes.length));
    await new Promise((resolve) => setTimeout(resolve, 50));
    await venue.stop();
    const firstTerm = received;
    expect(firstTerm).toBeGreaterThanOrEqual(1);
    venue.start((quotes) => (received += quotes.length));
    await new Promise((resolve) => setTimeout(resolve, 50));
    await venue.stop();
    expect(received).toBeGreaterThan(firstTerm);
  });
});

describe('loadCcxtClass', () => {
  const classes = [...new Set(Object.values(VENUE_SPECS).flatMap((venue) => venue.legs.map((leg) => leg.exchangeId)))];

  it.each(classes)('%s: the class ccxt and ccxt.pro export, from its own file', (exchangeId) => {
    const named = ccxt as unknown as Record<string, unknown>;
    const pro = ccxt.pro as unknown as Record<string, unknown>;
    expect(loadCcxtClass(exchangeId, false)).toBe(named[exchangeId]);
    expect(loadCcxtClass(exchangeId, true)).toBe(pro[exchangeId]);
  });

  it('refuses what is not an exchange id', () => {
    expect(() => loadCcxtClass('../base/Exchange', false)).toThrow('not a ccxt exchange id');
    expect(() => loadCcxtClass('nosuchvenue', false)).toThrow();
  });
});
