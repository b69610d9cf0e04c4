import * as ccxt from 'ccxt';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import WebSocket, { WebSocketServer } from 'ws';
import type { Quote } from '../../domain/quote';
import { CcxtVenueSource, type CcxtLeg } from './ccxt-venue-source';
import { CcxtWatchSource, type LegMode, type WatchSourceOptions } from './ccxt-watch-source';
import { VENUE_SPECS } from './venue-specs';

const FIXTURES = join(__dirname, '../../../../../../libs/simulator/fixtures/exchanges');
const raw = (file: string): string => readFileSync(join(FIXTURES, file), 'utf8');
const SPOT_TICKER = raw('ws-tickers-spot-snapshot-BTCUSDT.json');
const SPOT_BOOK = raw('ws-orderbook-1-spot-BTCUSDT.json');
const LINEAR_TICKER = raw('ws-tickers-linear-perpetual-snapshot-BTCUSDT.json');
/** "now" of the quotes: after every fixture's own timestamp */
const NOW = 1_781_000_000_000;

/**
 * A Bybit v5 public WebSocket on 127.0.0.1: acknowledges `subscribe` like Bybit does and replays the recorded
 * frame of each subscribed topic (unless silent). Records every subscription per endpoint path.
 */
class BybitReplay {
  readonly server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  readonly subscriptions: Array<{ path: string; args: string[] }> = [];
  readonly sockets = new Set<WebSocket>();
  connections = 0;
  silent = false;
  /** delay of the `orderbook.*` frames, so the ticker arrives first */
  bookDelayMs = 30;
  dropAfterFirstFrame = false;

  constructor(private readonly frames: Record<string, Record<string, string>>) {
    this.server.on('connection', (socket, request) => {
      const path = request.url ?? '';
      this.connections++;
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
      socket.on('message', (data) => {
        const message = JSON.parse(data.toString()) as { op: string; req_id?: number; args?: string[] };
        if (message.op === 'ping') return socket.send(JSON.stringify({ op: 'pong', req_id: String(message.req_id), args: [String(Date.now())] }));
        if (message.op !== 'subscribe') return;
        this.subscriptions.push({ path, args: message.args ?? [] });
        socket.send(JSON.stringify({ success: true, ret_msg: '', conn_id: 'local', req_id: String(message.req_id), op: 'subscribe' }));
        for (const topic of message.args ?? []) {
          const frame = this.frames[path]?.[topic];
          if (!frame || this.silent) continue;
          const send = () => {
            if (socket.readyState !== WebSocket.OPEN) return;
            socket.send(frame);
            if (this.dropAfterFirstFrame) socket.terminate();
          };
          if (topic.startsWith('orderbook.')) setTimeout(send, this.bookDelayMs);
          else send();
        }
      });
    });
  }

  async listening(): Promise<string> {
    await new Promise((resolve) => this.server.once('listening', resolve));
    return `ws://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  sendAll(frame: string): void {
    for (const socket of this.sockets) socket.send(frame);
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.terminate();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

function market(id: string, base: string, quote: string, type: 'spot' | 'swap' | 'future', extra: Record<string, unknown> = {}) {
  const contract = type !== 'spot';
  return {
    id,
    symbol: contract ? `${base}/${quote}:${quote}` : `${base}/${quote}`,
    base,
    quote,
    baseId: base,
    quoteId: quote,
    settle: contract ? quote : undefined,
    settleId: contract ? quote : undefined,
    type,
    spot: !contract,
    swap: type === 'swap',
    future: type === 'future',
    option: false,
    margin: false,
    contract,
    linear: contract ? true : undefined,
    inverse: contract ? false : undefined,
    active: true,
    contractSize: contract ? 1 : undefined,
    precision: { price: 0.01, amount: 0.001 },
    limits: {},
    info: {},
    ...extra,
  };
}

const MARKETS = [
  market('BTCUSDT', 'BTC', 'USDT', 'spot'),
  market('ETHBTC', 'ETH', 'BTC', 'spot'), // quote not in the allowlist: never subscribed
  market('BTCUSDT', 'BTC', 'USDT', 'swap'),
  market('BTC-26DEC25', 'BTC', 'USDT', 'future', { symbol: 'BTC/USDT:USDT-251226' }), // dated future: not a futures leg
];

/** A real ccxt.pro bybit instance: WebSocket URLs on the replay server, markets set, REST answered by `rest`. */
async function bybitPro(base: string, rest: Array<[RegExp, unknown]> = []): Promise<{ exchange: ccxt.Exchange; fetched: string[] }> {
  const exchange = new ccxt.pro.bybit({ enableRateLimit: false });
  await exchange.loadHttpProxyAgent(); // ccxt refuses plain ws:// URLs without it
  const ws = (exchange.urls as unknown as { api: { ws: { public: Record<string, string> } } }).api.ws;
  ws.public = { ...ws.public, spot: `${base}/v5/public/spot`, linear: `${base}/v5/public/linear` };
  exchange.setMarkets(MARKETS as unknown as ccxt.Market[]);
  const fetched: string[] = [];
  exchange.fetch = async (url: string) => {
    fetched.push(url);
    const route = rest.find(([pattern]) => pattern.test(url));
    if (!route) throw new Error(`no fixture for ${url}`);
    return route[1];
  };
  return { exchange, fetched };
}

const leg = (kind: 'spot' | 'futures', exchange: ccxt.Exchange): CcxtLeg => ({ spec: VENUE_SPECS.bybit.legs.find((l) => l.kind === kind)!, exchange });

function watchSource(legs: CcxtLeg[], options: Partial<WatchSourceOptions> = {}) {
  const base = { pollMs: 40, quoteCurrencies: ['USDT'], now: () => NOW, runCall: options.runCall };
  const rest = new CcxtVenueSource(VENUE_SPECS.bybit, legs, base);
  return new CcxtWatchSource(VENUE_SPECS.bybit, legs, rest, { staleMs: 10_000, backoffMs: 10, backoffMaxMs: 50, ...base, ...options });
}

async function waitFor(predicate: () => boolean, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('ccxt.pro watch source on replayed Bybit frames (real ccxt.pro parsing)', () => {
  let replay: BybitReplay;
  let source: CcxtWatchSource | undefined;

  afterEach(async () => {
    await source?.stop();
    source = undefined;
    await replay.close();
  });

  it('streams spot (ticker merged with the orderbook.1 best bid/ask) and linear perpetual quotes, then merges a linear delta', async () => {
    replay = new BybitReplay({
      '/v5/public/spot': { 'tickers.BTCUSDT': SPOT_TICKER, 'orderbook.1.BTCUSDT': SPOT_BOOK },
      '/v5/public/linear': { 'tickers.BTCUSDT': LINEAR_TICKER },
    });
    const { exchange, fetched } = await bybitPro(await replay.listening());
    const quotes: Quote[] = [];
    source = watchSource([leg('spot', exchange), leg('futures', exchange)]);
    source.start((batch) => quotes.push(...batch));
    const spot = () => quotes.filter((q) => q.kind === 'spot');
    const futures = () => quotes.filter((q) => q.kind === 'futures');
    await waitFor(() => spot().some((q) => q.bid !== undefined) && futures().length > 0);

    // only the leg's markets are subscribed: no BTC-quoted spot, no dated future; the spot batch holds ≤ 10 topics
    expect(replay.subscriptions.map((s) => `${s.path} ${s.args.join(',')}`).sort()).toEqual([
      '/v5/public/linear tickers.BTCUSDT',
      '/v5/public/spot orderbook.1.BTCUSDT',
      '/v5/public/spot tickers.BTCUSDT',
    ]);
    // the Bybit WS spot ticker has no bid/ask: first the last price, then the book's best bid/ask
    expect(spot()[0]).toEqual({ venue: 'BYBIT', kind: 'spot', symbol: 'BTC_USDT', price: 21109.77, bid: undefined, ask: undefined, mark: undefined, volume24h: 141946527.22907118, ts: 1673853746003 });
    expect(spot().at(-1)).toEqual({
      venue: 'BYBIT',
      kind: 'spot',
      symbol: 'BTC_USDT',
      price: (16493.5 + 16611) / 2,
      bid: 16493.5,
      ask: 16611,
      mark: undefined,
      volume24h: 141946527.22907118,
      ts: 1673853746003, // the newer of the ticker's and the book's timestamps
    });
    expect(futures()).toEqual([
      { venue: 'BYBIT', kind: 'futures', symbol: 'BTC_USDT', price: (66666.6 + 66666.7) / 2, bid: 66666.6, ask: 66666.7, mark: 66666.6, volume24h: 4936790807.6521, ts: 1760325052630 },
    ]);

    // linear topics send deltas with only the changed fields: ccxt merges them into the snapshot
    replay.sendAll(JSON.stringify({ topic: 'tickers.BTCUSDT', type: 'delta', data: { symbol: 'BTCUSDT', bid1Price: '66600.10', ask1Price: '66600.30' }, cs: 9532239430, ts: 1760325053630 }));
    await waitFor(() => futures().length === 2);
    expect(futures()[1]).toEqual({ venue: 'BYBIT', kind: 'futures', symbol: 'BTC_USDT', price: (66600.1 + 66600.3) / 2, bid: 66600.1, ask: 66600.3, mark: 66666.6, volume24h: 4936790807.6521, ts: 1760325053630 });
    expect(source.modeOf('spot')).toBe('ws');
    expect(source.modeOf('futures')).toBe('ws');
    expect(fetched).toEqual([]); // nothing polled while the streams deliver
  });

  it('falls back to REST polling when the stream goes silent and stops polling when it resumes', async () => {
    replay = new BybitReplay({ '/v5/public/spot': { 'tickers.BTCUSDT': SPOT_TICKER } });
    const { exchange, fetched } = await bybitPro(await replay.listening(), [[/\/v5\/market\/tickers\?category=spot/, JSON.parse(raw('rest-v5-market-tickers-spot-BTCUSDT.json'))]]);
    const quotes: Quote[] = [];
    const modes: LegMode[] = [];
    source = watchSource([leg('spot', exchange)], { staleMs: 200, onMode: (_source, _kind, mode) => modes.push(mode) });
    source.start((batch) => quotes.push(...batch));

    await waitFor(() => quotes.length > 0);
    expect(quotes[0]).toMatchObject({ price: 21109.77, ts: 1673853746003 }); // streamed
    expect(source.modeOf('spot')).toBe('ws');

    // nothing more on the socket (the subscription is alive but silent): REST takes over after staleMs
    await waitFor(() => source!.modeOf('spot') === 'rest' && quotes.some((q) => q.bid === 20517.96));
    expect(quotes.find((q) => q.bid === 20517.96)).toEqual({
      venue: 'BYBIT',
      kind: 'spot',
      symbol: 'BTC_USDT',
      price: (20517.96 + 20527.77) / 2,
      bid: 20517.96,
      ask: 20527.77,
      mark: undefined,
      volume24h: 243765620.65899867,
      ts: NOW,
    });
    await waitFor(() => fetched.length >= 2); // polled every pollMs while silent
    expect(new Set(fetched)).toEqual(new Set(['https://api.bybit.com/v5/market/tickers?category=spot']));

    // the stream delivers again: back to streaming, the REST loop stops
    replay.sendAll(SPOT_TICKER.replace('"ts": 1673853746003', '"ts": 1673853747003'));
    await waitFor(() => source!.modeOf('spot') === 'ws');
    expect(quotes.at(-1)).toMatchObject({ price: 21109.77, bid: undefined, ts: 1673853747003 });
    const polls = fetched.length;
    await new Promise((resolve) => setTimeout(resolve, 150)); // > 3 poll intervals
    expect(fetched.length).toBeLessThanOrEqual(polls + 1); // at most the poll already in flight
    expect(modes).toEqual(['rest', 'ws']);
  });

  it('runs its REST calls (the fallback polls) under the venue policy, as the polled venues do', async () => {
    replay = new BybitReplay({ '/v5/public/spot': { 'tickers.BTCUSDT': SPOT_TICKER } });
    const { exchange, fetched } = await bybitPro(await replay.listening(), [[/\/v5\/market\/tickers\?category=spot/, JSON.parse(raw('rest-v5-market-tickers-spot-BTCUSDT.json'))]]);
    const policed: string[] = [];
    const runCall = <T>(source: string, call: () => Promise<T>) => {
      policed.push(source);
      return call();
    };
    source = watchSource([leg('spot', exchange)], { staleMs: 200, runCall });
    source.start(() => undefined);
    await waitFor(() => fetched.length >= 2);
    expect(policed.length).toBeGreaterThanOrEqual(fetched.length);
    expect(new Set(policed)).toEqual(new Set(['ccxt:bybit']));
  });

  it('subscribes in batches of the venue limit (Bybit spot: 10 topics per request)', async () => {
    replay = new BybitReplay({});
    const { exchange } = await bybitPro(await replay.listening());
    const bases = Array.from({ length: 12 }, (_, i) => `C${String(i).padStart(2, '0')}`);
    exchange.setMarkets(bases.map((b) => market(`${b}USDT`, b, 'USDT', 'spot')) as unknown as ccxt.Market[]);
    source = watchSource([leg('spot', exchange)]);
    source.start(() => undefined);
    await waitFor(() => replay.subscriptions.length >= 4);
    const sizes = (prefix: string) => replay.subscriptions.filter((s) => s.args[0].startsWith(prefix)).map((s) => s.args.length).sort((a, b) => b - a);
    expect(sizes('tickers.')).toEqual([10, 2]);
    expect(sizes('orderbook.1.')).toEqual([10, 2]);
    expect(replay.subscriptions.flatMap((s) => s.args).filter((t) => t.startsWith('tickers.')).sort()).toEqual(bases.map((b) => `tickers.${b}USDT`));
  });

  it('re-calls watch* after the socket drops (backoff) and keeps streaming on the new connection', async () => {
    replay = new BybitReplay({ '/v5/public/linear': { 'tickers.BTCUSDT': LINEAR_TICKER } });
    replay.dropAfterFirstFrame = true;
    const { exchange } = await bybitPro(await replay.listening());
    const quotes: Quote[] = [];
    const errors: string[] = [];
    source = watchSource([leg('futures', exchange)], { onError: (name) => errors.push(name) });
    source.start((batch) => quotes.push(...batch));
    await waitFor(() => replay.connections >= 3 && quotes.length >= 3);
    expect(new Set(quotes.map((q) => `${q.kind}:${q.symbol}:${q.mark}`))).toEqual(new Set(['futures:BTC_USDT:66666.6']));
    expect(errors.length).toBeGreaterThanOrEqual(2);
    expect(new Set(errors)).toEqual(new Set(['ccxt:bybit:futures:ws']));
    expect(replay.subscriptions.every((s) => s.args.join() === 'tickers.BTCUSDT')).toBe(true);
  });

  it('does not reconnect a dropped stream while the venue circuit is open, and does once it is not', async () => {
    replay = new BybitReplay({ '/v5/public/linear': { 'tickers.BTCUSDT': LINEAR_TICKER } });
    replay.dropAfterFirstFrame = true;
    const { exchange } = await bybitPro(await replay.listening());
    let open = false;
    const asked: string[] = [];
    const circuitOpen = (name: string) => (asked.push(name), open);
    source = watchSource([leg('futures', exchange)], { circuitOpen, onError: () => (open = true) });
    source.start(() => undefined);
    await waitFor(() => asked.length >= 3); // the stream dropped and the loop waits on the circuit
    const connections = replay.connections;
    await new Promise((resolve) => setTimeout(resolve, 300)); // > 5 backoff periods of 50 ms
    expect(replay.connections).toBe(connections);
    expect(new Set(asked)).toEqual(new Set(['ccxt:bybit']));
    open = false; // the circuit closed (a REST probe answered): the stream comes back
    await waitFor(() => replay.connections > connections);
  });
});

describe('createCcxtVenueSources with SPREADS_WATCH_VENUES', () => {
  it('streams the listed venues through ccxt.pro classes and polls the others (and legs without a stream)', async () => {
    const { createCcxtVenueSources } = await import('./ccxt-venue-source');
    const config = { venues: ['bybit', 'mexc', 'kucoin'], watchVenues: ['bybit', 'kucoin'], pollMs: 3_000, watchStaleMs: 10_000, quoteCurrencies: ['USDT'] };
    const sources = createCcxtVenueSources(config as never, {});
    expect(sources.map((s) => [s.name, s.constructor.name])).toEqual([
      ['ccxt:bybit', 'CcxtWatchSource'],
      ['ccxt:mexc', 'CcxtVenueSource'], // MEXC spot watchTickers is NotSupported
      ['ccxt:kucoin', 'CcxtWatchSource'],
    ]);
    const bybit = sources[0] as CcxtWatchSource;
    expect(bybit.venue.legs.map((l) => l.watch?.batch)).toEqual([10, 50]); // Bybit spot: 10 args per subscribe request
    expect((sources[0] as unknown as { rest: CcxtVenueSource }).rest.legs[0].exchange).toBeInstanceOf(ccxt.pro.bybit);
    expect((sources[1] as CcxtVenueSource).legs[0].exchange).not.toBeInstanceOf(ccxt.pro.mexc);
    const kucoin = sources[2] as CcxtWatchSource;
    expect([kucoin.modeOf('spot'), kucoin.modeOf('futures')]).toEqual(['ws', 'rest']); // no contract mark stream: always polled
    await Promise.all(sources.map((s) => s.stop()));
  });
});

/**
 * The venues without recorded frames: their ccxt.pro classes are pointed at a local server (every `wss://` URL of
 * `urls.api` rewritten) and must subscribe the channels that carry what each leg needs. No frames are replayed.
 */
describe('watch subscriptions of the other streamed venues', () => {
  let server: WebSocketServer;
  let base: string;
  const received: Array<{ path: string; message: string }> = [];

  beforeAll(async () => {
    server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    server.on('connection', (socket, request) => socket.on('message', (data) => received.push({ path: request.url ?? '', message: data.toString() })));
    await new Promise((resolve) => server.once('listening', resolve));
    base = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    for (const client of server.clients) client.terminate();
    await new Promise((resolve) => server.close(resolve));
  });

  function rewrite(urls: Record<string, unknown>, prefix: string): void {
    for (const [key, value] of Object.entries(urls)) {
      if (typeof value === 'string' && value.startsWith('wss://')) urls[key] = `${base}/${prefix}${key}`;
      else if (value && typeof value === 'object') rewrite(value as Record<string, unknown>, `${prefix}${key}.`);
    }
  }

  async function subscriptions(venue: string, markets: unknown[]): Promise<string[]> {
    const exchanges = new Map<string, ccxt.Exchange>();
    const legs: CcxtLeg[] = VENUE_SPECS[venue].legs.map((spec) => {
      let exchange = exchanges.get(spec.exchangeId);
      if (!exchange) {
        exchange = new (ccxt.pro as unknown as Record<string, new (o: object) => ccxt.Exchange>)[spec.exchangeId]({ enableRateLimit: false });
        rewrite((exchange.urls as unknown as { api: Record<string, unknown> }).api, `${spec.exchangeId}:`);
        exchange.setMarkets(markets as ccxt.Market[]);
        exchanges.set(spec.exchangeId, exchange);
      }
      return { spec, exchange };
    });
    for (const exchange of exchanges.values()) await exchange.loadHttpProxyAgent();
    const rest = new CcxtVenueSource(VENUE_SPECS[venue], legs, { pollMs: 60_000, quoteCurrencies: ['USDT'] });
    const source = new CcxtWatchSource(VENUE_SPECS[venue], legs, rest, { pollMs: 60_000, staleMs: 60_000, quoteCurrencies: ['USDT'] });
    received.length = 0;
    source.start(() => undefined);
    const expected = VENUE_SPECS[venue].legs.reduce((n, l) => n + (l.watch?.streams.length ?? 0), 0);
    await waitFor(() => received.length >= expected);
    await source.stop();
    return received.map(({ path, message }) => {
      const parsed = JSON.parse(message) as Record<string, unknown>;
      delete parsed.id;
      delete parsed.time;
      return `${path} ${JSON.stringify(parsed)}`;
    }).sort();
  }

  it('Binance: spot full ticker; USDⓈ-M ticker + bookTicker (bid/ask) + markPrice', async () => {
    const withLower = (m: ReturnType<typeof market>) => ({ ...m, lowercaseId: m.id.toLowerCase() });
    expect(await subscriptions('binance', [withLower(market('BTCUSDT', 'BTC', 'USDT', 'spot')), withLower(market('BTCUSDT', 'BTC', 'USDT', 'swap'))])).toEqual([
      '/binance:ws.spot/0 {"method":"SUBSCRIBE","params":["btcusdt@ticker"]}',
      '/binanceusdm:ws.future/0 {"method":"SUBSCRIBE","params":["btcusdt@miniTicker"]}',
      '/binanceusdm:ws.future/1 {"method":"SUBSCRIBE","params":["btcusdt@bookTicker"]}',
      '/binanceusdm:ws.future/2 {"method":"SUBSCRIBE","params":["btcusdt@markPrice@1s"]}',
    ]);
  });

  it('OKX: spot and swap tickers + swap mark-price', async () => {
    expect(await subscriptions('okx', [market('BTC-USDT', 'BTC', 'USDT', 'spot'), market('BTC-USDT-SWAP', 'BTC', 'USDT', 'swap')])).toEqual([
      '/okx:ws/public {"op":"subscribe","args":[{"channel":"mark-price","instId":"BTC-USDT-SWAP"}]}',
      '/okx:ws/public {"op":"subscribe","args":[{"channel":"tickers","instId":"BTC-USDT"}]}',
      '/okx:ws/public {"op":"subscribe","args":[{"channel":"tickers","instId":"BTC-USDT-SWAP"}]}',
    ]);
  });

  it('Gate: spot tickers; USDT futures tickers + book_ticker', async () => {
    expect(await subscriptions('gate', [market('BTC_USDT', 'BTC', 'USDT', 'spot'), market('BTC_USDT', 'BTC', 'USDT', 'swap')])).toEqual([
      '/gate:spot {"channel":"spot.tickers","event":"subscribe","payload":["BTC_USDT"]}',
      '/gate:swap.usdt {"channel":"futures.book_ticker","event":"subscribe","payload":["BTC_USDT"]}',
      '/gate:swap.usdt {"channel":"futures.tickers","event":"subscribe","payload":["BTC_USDT"]}',
    ]);
  });

  it('Bitget: SPOT and USDT-FUTURES ticker channels', async () => {
    expect(await subscriptions('bitget', [market('BTCUSDT', 'BTC', 'USDT', 'spot'), market('BTCUSDT', 'BTC', 'USDT', 'swap')])).toEqual([
      '/bitget:ws.public {"op":"subscribe","args":[{"instType":"SPOT","channel":"ticker","instId":"BTCUSDT"}]}',
      '/bitget:ws.public {"op":"subscribe","args":[{"instType":"USDT-FUTURES","channel":"ticker","instId":"BTCUSDT"}]}',
    ]);
  });
});
