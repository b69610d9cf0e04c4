import { delay } from '@app/scheduling/deadlines';
import { setMaxListeners } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import WebSocket, { WebSocketServer } from 'ws';
import type { SimulatorClock } from '../../clock';
import type { FixtureStore } from '../../fixtures';
import type { RequestLog } from '../../request-log';
import { bybitTickerItem, decimal, okxTickerItem } from './exchange-payloads';
import { venueMarketId } from './venue-catalog';
import { DEFAULT_VENUE_TICK_MS, simulatedMarketAt, simulatedTickAt, type SimMarketTick, type SimVenueTicker } from './venue-market';

type Frame = Record<string, unknown>;

/** How often a tick's frames are pushed (each subscribed topic once per push). */
const PUSHES_PER_TICK = 2;

/** One venue's public WebSocket endpoint: how a client subscribes and what each subscribed topic pushes per tick. */
interface StreamEndpoint {
  /** the topics of a subscribe message, the ack to send, or undefined when the message is not a subscribe */
  subscribe(message: unknown): { topics: string[]; ack: Frame[] } | undefined;
  /** the answer to an application-level ping, if the message is one */
  pong(raw: string, message: unknown): string | undefined;
  /** the frame of `topic` at this tick (`first`: the first one since the subscription), undefined for an unknown topic */
  frame(topic: string, market: SimMarketTick, nowMs: number, first: boolean): Frame | undefined;
}

/**
 * The venues' WebSocket ticker channels, on the simulator's port by real host and path (as the REST routes):
 * - Bybit v5 public `stream.bybit.com/v5/public/spot` (`tickers.*`, `orderbook.1.*`) and `/v5/public/linear`
 *   (`tickers.*`: a snapshot, then deltas), subscribe `{op:"subscribe",args:[topic],req_id}`, ping `{op:"ping"}`;
 * - OKX v5 `ws.okx.com:8443/ws/v5/public` (`tickers` for spot and swap, `mark-price` for swap), subscribe
 *   `{op:"subscribe",args:[{channel,instId}]}`, text ping `ping` → `pong`.
 * Every subscribed topic is pushed once at subscription and once per tick of the simulated market, built on the
 * recorded frames (`fixtures/exchanges/ws-*`) and the venues' REST items (the same fields). Connections are counted
 * in the request log (`exchanges`, the endpoint's path).
 */
export class ExchangeStreams {
  private readonly server = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  private readonly connections = new Map<WebSocket, { endpoint: StreamEndpoint; topics: Map<string, boolean> }>();
  private readonly endpoints: ReadonlyMap<string, StreamEndpoint>;
  private readonly tickMs: number;
  /** aborted by `close`: ends the push loop and every paced send still waiting */
  private readonly closing = new AbortController();
  private pushing = false;
  private sequence = 0;

  constructor(
    private readonly options: {
      seed: number;
      tickMs?: number;
      /** send a push's frames back to back (they reach the client in one read), not spread over half the push period */
      burst?: boolean;
      fixtures: FixtureStore;
      clock: SimulatorClock;
      log: RequestLog;
    },
  ) {
    // every waiting push and paced send listens to it (a few per connection): not a leak
    setMaxListeners(0, this.closing.signal);
    this.tickMs = options.tickMs ?? DEFAULT_VENUE_TICK_MS;
    const bybitSpot = bybitEndpoint(options.fixtures, 'spot', () => ++this.sequence);
    const bybitLinear = bybitEndpoint(options.fixtures, 'futures', () => ++this.sequence);
    this.endpoints = new Map([
      ['/stream.bybit.com/v5/public/spot', bybitSpot],
      ['/stream.bybit.com/v5/public/linear', bybitLinear],
      ['/ws.okx.com:8443/ws/v5/public', okxEndpoint(options.fixtures)],
    ]);
  }

  /** Takes a WebSocket upgrade of `path` (relative to `/exchanges`); false when no endpoint is there. */
  upgrade(path: string, request: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const endpoint = this.endpoints.get(path);
    if (!endpoint) return false;
    this.options.log.record({ upstream: 'exchanges', method: 'GET', path, query: {}, headers: request.headers, atMs: this.options.clock.now() });
    this.server.handleUpgrade(request, socket, head, (ws) => this.accept(ws, endpoint));
    return true;
  }

  close(): void {
    this.closing.abort();
    for (const ws of this.connections.keys()) ws.terminate();
    this.connections.clear();
    this.server.close();
  }

  private accept(ws: WebSocket, endpoint: StreamEndpoint): void {
    const state = { endpoint, topics: new Map<string, boolean>() };
    this.connections.set(ws, state);
    ws.on('close', () => this.connections.delete(ws));
    ws.on('error', () => ws.terminate());
    ws.on('message', (data) => {
      const raw = data.toString();
      let message: unknown;
      try {
        message = JSON.parse(raw);
      } catch {
        message = raw;
      }
      const pong = endpoint.pong(raw, message);
      if (pong !== undefined) return ws.send(pong);
      const subscription = endpoint.subscribe(message);
      if (!subscription) return;
      for (const ack of subscription.ack) ws.send(JSON.stringify(ack));
      const nowMs = this.options.clock.now();
      const market = simulatedMarketAt(this.options.seed, simulatedTickAt(nowMs, this.tickMs));
      const frames: Frame[] = [];
      for (const topic of subscription.topics) {
        const frame = endpoint.frame(topic, market, nowMs, true);
        if (!frame) continue;
        state.topics.set(topic, true);
        frames.push(frame);
      }
      this.sendPaced(ws, frames);
    });
    this.schedule();
  }

  /**
   * Pushes every subscribed topic `PUSHES_PER_TICK` times a tick (from its boundary on) while any connection is open,
   * as venues push a ticker every 100 ms-1 s: a frame a busy client lost (see `sendPaced`) is made up within the tick.
   */
  private schedule(): void {
    if (this.pushing || this.connections.size === 0 || this.closing.signal.aborted) return;
    this.pushing = true;
    const nowMs = this.options.clock.now();
    const period = this.tickMs / PUSHES_PER_TICK;
    void delay((Math.floor(nowMs / period) + 1) * period - nowMs + 1, { signal: this.closing.signal, ref: false }).then(() => {
      this.pushing = false;
      if (this.closing.signal.aborted) return;
      this.pushTick();
      this.schedule();
    });
  }

  private pushTick(): void {
    const nowMs = this.options.clock.now();
    const market = simulatedMarketAt(this.options.seed, simulatedTickAt(nowMs, this.tickMs));
    for (const [ws, { endpoint, topics }] of this.connections) {
      const frames = [...topics.keys()].map((topic) => endpoint.frame(topic, market, nowMs, false)).filter((frame): frame is Frame => frame !== undefined);
      this.sendPaced(ws, frames);
    }
  }

  /**
   * Sends a push's frames spread over half the push period, as venues push symbols one after another: a ccxt.pro
   * `watch*` call resolves with the first frame of a burst that arrives in one read, the rest until the next call is
   * made are merged into its cache but not returned (ccxt's `newUpdates`); the adapter reads them from that cache,
   * which `burst` (every frame of a push at once) tests.
   */
  private sendPaced(ws: WebSocket, frames: Frame[]): void {
    if (this.options.burst) {
      for (const frame of frames) if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(frame));
      return;
    }
    const gapMs = Math.min(10, this.tickMs / PUSHES_PER_TICK / 2 / Math.max(1, frames.length));
    frames.forEach((frame, index) => {
      const send = () => {
        if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(frame));
      };
      if (index === 0) return send();
      void delay(index * gapMs, { signal: this.closing.signal, ref: false }).then(send);
    });
  }
}

function tickerOf(market: SimMarketTick, venue: 'bybit' | 'okx', kind: 'spot' | 'futures', id: string): SimVenueTicker | undefined {
  return market.tickers.find((t) => t.venue === venue && t.kind === kind && venueMarketId(venue, kind, t.base, t.quote) === id);
}

function bybitEndpoint(fixtures: FixtureStore, kind: 'spot' | 'futures', nextSequence: () => number): StreamEndpoint {
  const spotTicker = fixtures.json<Frame & { data: Frame }>('exchanges', 'ws-tickers-spot-snapshot-BTCUSDT.json');
  const linearTicker = fixtures.json<Frame & { data: Frame }>('exchanges', 'ws-tickers-linear-perpetual-snapshot-BTCUSDT.json');
  const book = fixtures.json<Frame & { data: Frame }>('exchanges', 'ws-orderbook-1-spot-BTCUSDT.json');
  return {
    pong: (_raw, message) => {
      const op = (message as { op?: unknown; req_id?: unknown })?.op;
      return op === 'ping' ? JSON.stringify({ success: true, ret_msg: 'pong', conn_id: 'simulator', req_id: String((message as { req_id?: unknown }).req_id ?? ''), op: 'ping' }) : undefined;
    },
    subscribe: (message) => {
      const { op, args, req_id: reqId } = (message ?? {}) as { op?: unknown; args?: unknown; req_id?: unknown };
      if (op !== 'subscribe' || !Array.isArray(args)) return undefined;
      const topics = args.filter((arg): arg is string => typeof arg === 'string' && arg.length <= 64);
      return { topics, ack: [{ success: true, ret_msg: '', conn_id: 'simulator', req_id: String(reqId ?? ''), op: 'subscribe' }] };
    },
    frame: (topic, market, nowMs, first) => {
      const [channel, ...rest] = topic.split('.');
      if (channel === 'tickers' && rest.length === 1) {
        const ticker = tickerOf(market, 'bybit', kind, rest[0]);
        if (!ticker) return undefined;
        if (kind === 'spot') {
          const data = { ...spotTicker.data, symbol: rest[0], lastPrice: decimal(ticker.price), volume24h: decimal(ticker.quoteVolume24h / ticker.price), turnover24h: decimal(ticker.quoteVolume24h), usdIndexPrice: decimal(ticker.price) };
          return { ...spotTicker, topic, ts: nowMs, cs: nextSequence(), data };
        }
        const full = bybitTickerItem(linearTicker.data, ticker, nowMs);
        // Bybit sends a linear ticker's snapshot once, then deltas with the fields that changed
        const data = first
          ? full
          : { symbol: full.symbol, bid1Price: full.bid1Price, ask1Price: full.ask1Price, lastPrice: full.lastPrice, markPrice: full.markPrice, indexPrice: full.indexPrice, turnover24h: full.turnover24h, volume24h: full.volume24h };
        return { ...linearTicker, topic, type: first ? 'snapshot' : 'delta', ts: nowMs, cs: nextSequence(), data };
      }
      if (kind === 'spot' && channel === 'orderbook' && rest[0] === '1' && rest.length === 2) {
        const ticker = tickerOf(market, 'bybit', 'spot', rest[1]);
        if (!ticker) return undefined;
        const sequence = nextSequence();
        return { ...book, topic, type: 'snapshot', ts: nowMs, data: { ...book.data, s: rest[1], b: [[decimal(ticker.bid), '0.512']], a: [[decimal(ticker.ask), '0.734']], u: sequence, seq: sequence } };
      }
      return undefined;
    },
  };
}

function okxEndpoint(fixtures: FixtureStore): StreamEndpoint {
  const tickerTemplate = fixtures.json<{ data: Frame[] }>('exchanges', 'okx-api-v5-market-tickers-SPOT-response.json').data[0];
  const markTemplate = fixtures.json<{ data: Frame[] }>('exchanges', 'okx-api-v5-public-mark-price-response.json').data[0];
  return {
    pong: (raw) => (raw === 'ping' ? 'pong' : undefined),
    subscribe: (message) => {
      const { op, args } = (message ?? {}) as { op?: unknown; args?: unknown };
      if (op !== 'subscribe' || !Array.isArray(args)) return undefined;
      const valid = args.filter((arg): arg is { channel: string; instId: string } => typeof arg?.channel === 'string' && typeof arg?.instId === 'string' && arg.instId.length <= 64);
      return { topics: valid.map((arg) => `${arg.channel}|${arg.instId}`), ack: valid.map((arg) => ({ event: 'subscribe', arg: { channel: arg.channel, instId: arg.instId }, connId: 'simulator' })) };
    },
    frame: (topic, market, nowMs) => {
      const [channel, instId] = topic.split('|');
      const kind = instId.endsWith('-SWAP') ? 'futures' : 'spot';
      const ticker = tickerOf(market, 'okx', kind, instId);
      if (!ticker) return undefined;
      const arg = { channel, instId };
      if (channel === 'tickers') return { arg, data: [okxTickerItem(tickerTemplate, ticker, kind === 'spot' ? 'SPOT' : 'SWAP', nowMs)] };
      if (channel === 'mark-price' && ticker.mark !== undefined) return { arg, data: [{ ...markTemplate, instType: 'SWAP', instId, markPx: decimal(ticker.mark), ts: String(nowMs) }] };
      return undefined;
    },
  };
}
