import type { FixtureStore } from '../../fixtures';
import { venueMarketId } from './venue-catalog';
import type { SimMarketTick, SimPoolPrice, SimVenue, SimVenueTicker } from './venue-market';

/**
 * The venues' REST ticker answers, built on their recorded items (`fixtures/exchanges/`, provenance in its SOURCES.md):
 * every field of the recorded item is kept, the prices, volumes, ids and times are the simulated market's. Numbers
 * are written the way each venue writes them (decimal strings, or JSON numbers for MEXC contracts and KuCoin Futures).
 */
type Item = Record<string, unknown>;

const DAY_MS = 86_400_000;

/** A decimal string with 10 significant digits, as venues send prices (never exponent notation). */
export function decimal(value: number): string {
  const digits = Math.max(0, 9 - Math.floor(Math.log10(Math.abs(value) || 1)));
  return value.toFixed(Math.min(digits, 12)).replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
}

const numeric = (value: number): number => Number(decimal(value));

function tickersOf(market: SimMarketTick, venue: SimVenue, kind: 'spot' | 'futures'): SimVenueTicker[] {
  return market.tickers.filter((ticker) => ticker.venue === venue && ticker.kind === kind);
}

const id = (t: SimVenueTicker) => venueMarketId(t.venue, t.kind, t.base, t.quote);
const baseVolume = (t: SimVenueTicker) => decimal(t.quoteVolume24h / t.price);

export interface VenuePayloads {
  fixtures: FixtureStore;
  market: SimMarketTick;
  nowMs: number;
}

/** `GET api.binance.com/api/v3/ticker/24hr` (spot) and `fapi.binance.com/fapi/v1/ticker/24hr` (USDⓈ-M: no bid/ask). */
export function binanceTicker24hr({ fixtures, market, nowMs }: VenuePayloads, kind: 'spot' | 'futures'): Item[] {
  const template = fixtures.json<Item>('exchanges', kind === 'spot' ? 'binance-spot-api-v3-ticker-24hr-BTCUSDT.json' : 'binance-usdm-fapi-v1-ticker-24hr-SUSDT.json');
  return tickersOf(market, 'binance', kind).map((t) => {
    const item: Item = {
      ...template,
      symbol: id(t),
      weightedAvgPrice: decimal(t.price),
      lastPrice: decimal(t.price),
      volume: baseVolume(t),
      quoteVolume: decimal(t.quoteVolume24h),
      openTime: nowMs - DAY_MS,
      closeTime: nowMs,
    };
    if (kind === 'spot') Object.assign(item, { bidPrice: decimal(t.bid), askPrice: decimal(t.ask) });
    return item;
  });
}

/** `GET fapi.binance.com/fapi/v1/ticker/bookTicker`: best bid/ask of every USDⓈ-M contract. */
export function binanceBookTicker({ market, nowMs }: VenuePayloads): Item[] {
  return tickersOf(market, 'binance', 'futures').map((t) => ({ symbol: id(t), bidPrice: decimal(t.bid), bidQty: '3.120', askPrice: decimal(t.ask), askQty: '1.850', time: nowMs }));
}

/** `GET fapi.binance.com/fapi/v1/premiumIndex`: mark prices. */
export function binancePremiumIndex({ fixtures, market, nowMs }: VenuePayloads): Item[] {
  const template = fixtures.json<Item>('exchanges', 'binance-usdm-fapi-v1-premiumIndex-BTCUSDT.json');
  return tickersOf(market, 'binance', 'futures').map((t) => ({
    ...template,
    symbol: id(t),
    markPrice: decimal(t.mark!),
    indexPrice: decimal(t.mark!),
    estimatedSettlePrice: decimal(t.mark!),
    nextFundingTime: Math.ceil(nowMs / (8 * 3_600_000)) * 8 * 3_600_000,
    time: nowMs,
  }));
}

/** `GET api.bybit.com/v5/market/tickers?category=spot|linear`. */
export function bybitTickers({ fixtures, market, nowMs }: VenuePayloads, category: 'spot' | 'linear'): Item {
  const envelope = fixtures.json<Item & { result: Item }>('exchanges', 'rest-v5-market-tickers-spot-BTCUSDT.json');
  // the REST linear item has the fields of the WS linear snapshot's data (bybit-exchange/docs)
  const template =
    category === 'spot'
      ? (envelope.result.list as Item[])[0]
      : fixtures.json<{ data: Item }>('exchanges', 'ws-tickers-linear-perpetual-snapshot-BTCUSDT.json').data;
  const list = tickersOf(market, 'bybit', category === 'spot' ? 'spot' : 'futures').map((t) => bybitTickerItem(template, t, nowMs));
  return { ...envelope, result: { category, list }, time: nowMs };
}

export function bybitTickerItem(template: Item, t: SimVenueTicker, nowMs: number): Item {
  const item: Item = {
    ...template,
    symbol: id(t),
    bid1Price: decimal(t.bid),
    ask1Price: decimal(t.ask),
    lastPrice: decimal(t.price),
    turnover24h: decimal(t.quoteVolume24h),
    volume24h: baseVolume(t),
  };
  if (t.mark !== undefined) Object.assign(item, { markPrice: decimal(t.mark), indexPrice: decimal(t.mark), nextFundingTime: String(Math.ceil(nowMs / (8 * 3_600_000)) * 8 * 3_600_000) });
  return item;
}

/** `GET www.okx.com/api/v5/market/tickers?instType=SPOT|SWAP`. */
export function okxTickers({ fixtures, market, nowMs }: VenuePayloads, instType: 'SPOT' | 'SWAP'): Item {
  const envelope = fixtures.json<Item & { data: Item[] }>('exchanges', 'okx-api-v5-market-tickers-SPOT-response.json');
  const data = tickersOf(market, 'okx', instType === 'SPOT' ? 'spot' : 'futures').map((t) => okxTickerItem(envelope.data[0], t, instType, nowMs));
  return { ...envelope, data };
}

export function okxTickerItem(template: Item, t: SimVenueTicker, instType: 'SPOT' | 'SWAP', nowMs: number): Item {
  return {
    ...template,
    instType,
    instId: id(t),
    last: decimal(t.price),
    askPx: decimal(t.ask),
    bidPx: decimal(t.bid),
    open24h: decimal(t.price),
    // OKX: volCcy24h is in the quote currency for SPOT, in the base currency for SWAP; vol24h in base (SPOT) or contracts
    volCcy24h: instType === 'SPOT' ? decimal(t.quoteVolume24h) : baseVolume(t),
    vol24h: baseVolume(t),
    ts: String(nowMs),
  };
}

/** `GET www.okx.com/api/v5/public/mark-price?instType=SWAP`. */
export function okxMarkPrices({ fixtures, market, nowMs }: VenuePayloads): Item {
  const envelope = fixtures.json<Item & { data: Item[] }>('exchanges', 'okx-api-v5-public-mark-price-response.json');
  const data = tickersOf(market, 'okx', 'futures').map((t) => ({ ...envelope.data[0], instId: id(t), instType: 'SWAP', markPx: decimal(t.mark!), ts: String(nowMs) }));
  return { ...envelope, data };
}

/** `GET api.gateio.ws/api/v4/spot/tickers` and `/api/v4/futures/usdt/tickers` (Gate's tickers carry no time). */
export function gateTickers({ fixtures, market }: VenuePayloads, kind: 'spot' | 'futures'): Item[] {
  if (kind === 'spot') {
    const template = fixtures.json<Item>('exchanges', 'gate-api-v4-spot-tickers-KFC_USDT.json');
    return tickersOf(market, 'gate', 'spot').map((t) => ({
      ...template,
      currency_pair: id(t),
      last: decimal(t.price),
      lowest_ask: decimal(t.ask),
      highest_bid: decimal(t.bid),
      base_volume: baseVolume(t),
      quote_volume: decimal(t.quoteVolume24h),
    }));
  }
  const template = fixtures.json<Item>('exchanges', 'gate-api-v4-futures-usdt-tickers-BTC_USDT.json');
  // Gate's futures ticker has no bid/ask (ccxt.pro's watchBidsAsks fills them when streamed): the leg's price is `last`
  return tickersOf(market, 'gate', 'futures').map((t) => ({
    ...template,
    contract: id(t),
    last: decimal(t.price),
    mark_price: decimal(t.mark!),
    index_price: decimal(t.mark!),
    volume_24h_base: baseVolume(t),
    volume_24h_quote: decimal(t.quoteVolume24h),
    volume_24h_settle: decimal(t.quoteVolume24h),
    volume_24h_usd: decimal(t.quoteVolume24h),
  }));
}

/** `GET api.bitget.com/api/v2/spot/market/tickers` and `/api/v2/mix/market/tickers?productType=USDT-FUTURES`. */
export function bitgetTickers({ fixtures, market, nowMs }: VenuePayloads, kind: 'spot' | 'futures'): Item {
  const template = fixtures.json<Item>('exchanges', kind === 'spot' ? 'bitget-api-v2-spot-market-tickers-BTCUSDT.json' : 'bitget-api-v2-mix-market-tickers-BTCUSDT-swap.json');
  const data = tickersOf(market, 'bitget', kind).map((t) => {
    const item: Item = {
      ...template,
      symbol: id(t),
      lastPr: decimal(t.price),
      bidPr: decimal(t.bid),
      askPr: decimal(t.ask),
      baseVolume: baseVolume(t),
      quoteVolume: decimal(t.quoteVolume24h),
      usdtVolume: decimal(t.quoteVolume24h),
      ts: String(nowMs),
    };
    if (t.mark !== undefined) Object.assign(item, { markPrice: decimal(t.mark), indexPrice: decimal(t.mark) });
    return item;
  });
  return { code: '00000', msg: 'success', requestTime: nowMs, data };
}

/** `GET api.mexc.com/api/v3/ticker/24hr` (spot) and `/api/v1/contract/ticker` (contracts: numbers, mark = fairPrice). */
export function mexcTickers({ fixtures, market, nowMs }: VenuePayloads, kind: 'spot' | 'futures'): unknown {
  if (kind === 'spot') {
    const template = fixtures.json<Item>('exchanges', 'mexc-spot-ticker24hr-BTCUSDT.json');
    return tickersOf(market, 'mexc', 'spot').map((t) => ({
      ...template,
      symbol: id(t),
      lastPrice: decimal(t.price),
      bidPrice: decimal(t.bid),
      askPrice: decimal(t.ask),
      volume: baseVolume(t),
      quoteVolume: decimal(t.quoteVolume24h),
      openTime: String(nowMs - DAY_MS),
      closeTime: String(nowMs),
    }));
  }
  const envelope = fixtures.json<Item & { data: Item[] }>('exchanges', 'mexc-contract-api-v1-contract-ticker-response.json');
  const data = tickersOf(market, 'mexc', 'futures').map((t) => ({
    ...envelope.data[0],
    symbol: id(t),
    lastPrice: numeric(t.price),
    bid1: numeric(t.bid),
    ask1: numeric(t.ask),
    volume24: Math.round(t.quoteVolume24h / t.price),
    amount24: numeric(t.quoteVolume24h),
    indexPrice: numeric(t.mark!),
    fairPrice: numeric(t.mark!),
    timestamp: nowMs,
  }));
  return { ...envelope, data };
}

/** `GET api.kucoin.com/api/v1/market/allTickers` (buy = best bid, sell = best ask). */
export function kucoinAllTickers({ fixtures, market, nowMs }: VenuePayloads): Item {
  const envelope = fixtures.json<Item & { data: { ticker: Item[] } }>('exchanges', 'kucoin-api-v1-market-allTickers-response.json');
  const ticker = tickersOf(market, 'kucoin', 'spot').map((t) => ({
    ...envelope.data.ticker[0],
    symbol: id(t),
    symbolName: id(t),
    buy: decimal(t.bid),
    sell: decimal(t.ask),
    last: decimal(t.price),
    averagePrice: decimal(t.price),
    vol: baseVolume(t),
    volValue: decimal(t.quoteVolume24h),
  }));
  return { ...envelope, data: { time: nowMs, ticker } };
}

/** `GET api-futures.kucoin.com/api/v1/contracts/active`: the contract list carries last, mark and 24 h turnover. */
export function kucoinFuturesContracts({ fixtures, market }: VenuePayloads): Item {
  const template = fixtures.json<Item>('exchanges', 'kucoinfutures-api-v1-contracts-active-XBTUSDTM.json');
  const data = tickersOf(market, 'kucoin', 'futures').map((t) => ({
    ...template,
    symbol: id(t),
    baseCurrency: t.base === 'BTC' ? 'XBT' : t.base,
    lastTradePrice: numeric(t.price),
    markPrice: numeric(t.mark!),
    indexPrice: numeric(t.mark!),
    turnoverOf24h: numeric(t.quoteVolume24h),
    volumeOf24h: numeric(t.quoteVolume24h / t.price),
  }));
  return { code: '200000', data };
}

/** `GET api.geckoterminal.com/api/v2/networks/{network}/pools`: the simulated pools of that network. */
export function geckoTerminalPools({ fixtures, market }: VenuePayloads, network: string): Item {
  const recorded = fixtures.json<{ data: Item[] }>('exchanges', 'geckoterminal-network-pools-solana-excerpt.json');
  const template = recorded.data[0] as Item & { attributes: Item; relationships: Record<string, { data: Item }> };
  const data = market.pools
    .filter(({ pool }) => pool.network === network)
    .map(({ pool, priceUsd }: SimPoolPrice) => ({
      ...template,
      id: `${network}_${pool.address}`,
      attributes: {
        ...template.attributes,
        address: pool.address,
        name: pool.name,
        base_token_price_usd: String(priceUsd),
        quote_token_price_usd: '1.0',
        base_token_price_quote_token: decimal(priceUsd),
        quote_token_price_base_token: decimal(1 / priceUsd),
        reserve_in_usd: decimal(pool.liquidityUsd),
      },
      relationships: {
        ...template.relationships,
        dex: { data: { id: pool.dex, type: 'dex' } },
      },
    }));
  return { data };
}
