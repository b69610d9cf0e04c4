import { randomBytes } from 'node:crypto';
import { defaultLegId, type DexPool, type LegKind, type Quote } from '../domain/quote';
import { spreadTypeOf, type CloseReason, type DexLegMetadata, type SpreadEvent, type SpreadType } from '../domain/spread-event';
import type { SpreadEngineConfig } from './engine-config';

/** One leg's latest fresh quote. */
interface Leg {
  book: SymbolBook;
  id: string;
  venue: string;
  kind: LegKind;
  slot: number;
  price: number;
  ts: number;
  mark: number | undefined;
  volume24h: number | undefined;
  liquidityUsd: number | undefined;
  dex: DexPool | undefined;
  /** pair states with every leg of a lower slot, indexed by that slot */
  pairs: PairState[];
  /** internal/futures: this futures leg against its own mark price */
  internal: PairState | undefined;
}

interface SymbolBook {
  symbol: string;
  legs: Leg[];
  bySlotId: Map<string, Leg>;
}

/** Lifecycle of one unordered pair of legs; the key of an event adds the direction (which leg is cheaper). */
interface PairState {
  book: SymbolBook;
  a: Leg;
  /** the other leg; the same leg for internal/futures */
  b: Leg;
  internal: boolean;
  open: boolean;
  /** direction of the open spread: 0 = a is the buy leg */
  dir: 0 | 1;
  /** per direction: no reopen before this epoch ms */
  cooldownUntil: [number, number];
}

/**
 * What a restart restores from the history, per key: the last event. An `open` means the spread is still open
 * (it must not be opened twice); a recent `close` means the key is in cooldown.
 */
export interface RestoredKey {
  symbol: string;
  buy_leg: string;
  sell_leg: string;
  event: SpreadEvent;
}

export interface SpreadEngineStats {
  quotes: number;
  ignoredOld: number;
  droppedSanity: number;
  opens: number;
  closes: number;
}

const MARK = ':mark';

/**
 * Incremental spread detection: a quote update evaluates only the pairs that contain its leg
 * (O(legs of that symbol)), never every pair. Open pairs are also swept on a timer so a leg that
 * stops updating closes its spreads ("stale").
 */
export class SpreadEngine {
  private readonly books = new Map<string, SymbolBook>();
  private readonly openPairs = new Set<PairState>();
  /** restored open spreads whose legs have not been seen yet, by `symbol|buy|sell` */
  private readonly restored = new Map<string, RestoredKey & { restoredAt: number }>();
  /** restored cooldowns (keys closed shortly before a restart), until epoch ms */
  private readonly cooldowns = new Map<string, number>();
  private readonly idPrefix = `${Date.now().toString(36)}${randomBytes(4).toString('hex')}`;
  private seq = 0;
  readonly stats: SpreadEngineStats = { quotes: 0, ignoredOld: 0, droppedSanity: 0, opens: 0, closes: 0 };

  // the thresholds read on every evaluation, copied out of the config object
  private readonly openPct: number;
  private readonly closePct: number;
  private readonly sanityCapPct: number;
  private readonly maxAgeMs: number;

  constructor(
    private readonly config: SpreadEngineConfig,
    private readonly emit: (event: SpreadEvent) => void,
    private readonly now: () => number = Date.now,
  ) {
    this.openPct = config.openPct;
    this.closePct = config.closePct;
    this.sanityCapPct = config.sanityCapPct;
    this.maxAgeMs = config.maxQuoteAgeMs;
  }

  get openCount(): number {
    return this.openPairs.size + this.restored.size;
  }

  onQuote(quote: Quote): void {
    this.apply(quote, this.now());
  }

  /** A batch of quotes evaluated at one clock reading (what sources deliver). */
  onQuotes(quotes: readonly Quote[]): void {
    const now = this.now();
    for (let i = 0; i < quotes.length; i++) this.apply(quotes[i], now);
  }

  private apply(quote: Quote, now: number): void {
    this.stats.quotes++;
    const ts = quote.ts > now ? now : quote.ts; // a venue clock ahead of ours must not make a quote look fresher
    if (now - ts > this.maxAgeMs) {
      this.stats.ignoredOld++;
      return;
    }
    if (!(quote.price > 0)) return;
    const leg = this.legOf(quote);
    leg.price = quote.price;
    leg.ts = ts;
    if (quote.mark !== undefined && quote.mark > 0) leg.mark = quote.mark;
    if (quote.volume24h !== undefined) leg.volume24h = quote.volume24h;
    if (quote.liquidityUsd !== undefined) leg.liquidityUsd = quote.liquidityUsd;
    if (quote.dex) leg.dex = quote.dex;

    const legs = leg.book.legs;
    for (let i = 0; i < legs.length; i++) {
      const other = legs[i];
      if (other === leg || other.ts === 0) continue;
      const state = other.slot < leg.slot ? leg.pairs[other.slot] : other.pairs[leg.slot];
      this.evaluate(state, now);
    }
    if (leg.internal && leg.mark !== undefined) this.evaluate(leg.internal, now);
  }

  /** Closes open spreads whose legs went stale; call every second or so. */
  sweep(): void {
    const now = this.now();
    for (const state of this.openPairs) {
      if (!this.isFresh(state, now)) this.close(state, now, 'stale', this.staleSince(state));
    }
    for (const [key, restored] of this.restored) {
      if (now - restored.restoredAt > this.maxAgeMs) {
        this.restored.delete(key);
        this.emitRestoredClose(restored, now);
      }
    }
  }

  /** Marks spreads as already open (from the history at start), so their next detection is not a second `open`. */
  restore(items: RestoredKey[]): void {
    const now = this.now();
    for (const item of items) {
      const key = `${item.symbol}|${item.buy_leg}|${item.sell_leg}`;
      if (item.event.event === 'open') this.restored.set(key, { ...item, restoredAt: now });
      else if (item.event.fired_at_ms + this.config.cooldownMs > now) this.cooldowns.set(key, item.event.fired_at_ms + this.config.cooldownMs);
    }
  }

  private legOf(quote: Quote): Leg {
    let book = this.books.get(quote.symbol);
    if (!book) {
      book = { symbol: quote.symbol, legs: [], bySlotId: new Map() };
      this.books.set(quote.symbol, book);
    }
    const id = quote.legId ?? defaultLegId(quote);
    let leg = book.bySlotId.get(id);
    if (!leg) {
      leg = {
        book,
        id,
        venue: quote.venue,
        kind: quote.kind,
        slot: book.legs.length,
        price: 0,
        ts: 0,
        mark: undefined,
        volume24h: undefined,
        liquidityUsd: undefined,
        dex: undefined,
        pairs: [],
        internal: undefined,
      };
      for (const other of book.legs) leg.pairs.push(this.newPair(book, other, leg, false));
      if (quote.kind === 'futures') leg.internal = this.newPair(book, leg, leg, true);
      book.legs.push(leg);
      book.bySlotId.set(id, leg);
    }
    return leg;
  }

  private newPair(book: SymbolBook, a: Leg, b: Leg, internal: boolean): PairState {
    const state: PairState = { book, a, b, internal, open: false, dir: 0, cooldownUntil: [0, 0] };
    if (this.restored.size > 0 || this.cooldowns.size > 0) this.adoptRestored(state);
    return state;
  }

  private adoptRestored(state: PairState): void {
    for (const dir of [0, 1] as const) {
      const key = `${state.book.symbol}|${this.legId(state, dir, 'buy')}|${this.legId(state, dir, 'sell')}`;
      const until = this.cooldowns.get(key);
      if (until !== undefined) {
        this.cooldowns.delete(key);
        state.cooldownUntil[dir] = until;
      }
      if (!state.open && this.restored.delete(key)) {
        state.open = true;
        state.dir = dir;
        this.openPairs.add(state);
      }
    }
  }

  private evaluate(state: PairState, now: number): void {
    const a = state.a;
    const pa = a.price;
    const pb = state.internal ? (a.mark as number) : state.b.price;
    if (now - a.ts > this.maxAgeMs || now - state.b.ts > this.maxAgeMs) {
      if (state.open) this.close(state, now, 'stale', this.staleSince(state));
      return;
    }
    const dir: 0 | 1 = pa <= pb ? 0 : 1;
    const spread = dir === 0 ? ((pb - pa) / pa) * 100 : ((pa - pb) / pb) * 100;
    // the common case first: nothing open and nothing to open
    if (!state.open && spread < this.openPct) return;
    if (spread > this.sanityCapPct) {
      this.stats.droppedSanity++;
      if (state.open) this.close(state, now, 'sanity_cap', now);
      return;
    }
    const gatesPass = this.passesGate(a) && (state.internal || this.passesGate(state.b));
    if (state.open) {
      if (dir !== state.dir) {
        this.close(state, now, 'reversed', now);
      } else if (!gatesPass) {
        return this.close(state, now, 'gate', now);
      } else if (spread < this.closePct) {
        return this.close(state, now, 'below_close', now);
      } else {
        return;
      }
    }
    if (spread >= this.openPct && gatesPass && now >= state.cooldownUntil[dir]) this.open(state, dir, spread, now);
  }

  private isFresh(state: PairState, now: number): boolean {
    // marks arrive with the futures quote, so an internal pair is as fresh as its futures leg
    return now - state.a.ts <= this.maxAgeMs && now - state.b.ts <= this.maxAgeMs;
  }

  private staleSince(state: PairState): number {
    return Math.min(state.a.ts, state.b.ts) + this.maxAgeMs;
  }

  private passesGate(leg: Leg): boolean {
    if (leg.kind === 'dex') return this.config.minDexLiquidityUsd <= 0 || (leg.liquidityUsd ?? 0) >= this.config.minDexLiquidityUsd;
    return this.config.minVolume24h <= 0 || (leg.volume24h ?? 0) >= this.config.minVolume24h;
  }

  private open(state: PairState, dir: 0 | 1, spread: number, now: number): void {
    state.open = true;
    state.dir = dir;
    this.openPairs.add(state);
    this.stats.opens++;
    this.emit(this.buildEvent(state, 'open', spread, now));
  }

  private close(state: PairState, now: number, reason: CloseReason, staleSince: number): void {
    const pa = state.a.price;
    const pb = state.internal ? (state.a.mark as number) : state.b.price;
    const spread = (Math.abs(pa - pb) / Math.min(pa, pb)) * 100;
    state.open = false;
    this.openPairs.delete(state);
    state.cooldownUntil[state.dir] = now + this.config.cooldownMs;
    this.stats.closes++;
    const event = this.buildEvent(state, 'close', spread, now);
    event.stale_since_ms = Math.round(staleSince);
    event.close_reason = reason;
    this.emit(event);
  }

  private legId(state: PairState, dir: 0 | 1, side: 'buy' | 'sell'): string {
    const first = (dir === 0) === (side === 'buy');
    if (state.internal) return first ? state.a.id : `${state.a.id}${MARK}`;
    return first ? state.a.id : state.b.id;
  }

  private buildEvent(state: PairState, kind: 'open' | 'close', spread: number, now: number): SpreadEvent {
    const { a, b } = state;
    const aIsBuy = state.dir === 0;
    const buy = aIsBuy ? a : b;
    const sell = aIsBuy ? b : a;
    const aPrice = a.price;
    const bPrice = state.internal ? (a.mark as number) : b.price;
    const type: SpreadType = state.internal ? 'internal/futures' : spreadTypeOf(a.kind, b.kind);
    const cexLegs = state.internal ? 1 : (a.kind === 'dex' ? 0 : 1) + (b.kind === 'dex' ? 0 : 1);
    const event: SpreadEvent = {
      id: `${this.idPrefix}-${(++this.seq).toString(36)}`,
      event: kind,
      symbol: state.book.symbol,
      spread_type: type,
      buy_leg: this.legId(state, state.dir, 'buy'),
      sell_leg: this.legId(state, state.dir, 'sell'),
      buy_exchange: buy.venue,
      sell_exchange: sell.venue,
      buy_kind: buy.kind,
      sell_kind: sell.kind,
      buy_price: aIsBuy ? aPrice : bPrice,
      sell_price: aIsBuy ? bPrice : aPrice,
      spread_percent: round(spread, 4),
      volume_24h: this.cexVolume(state),
      cex_legs: cexLegs,
      fired_at_ms: now,
    };
    if (kind === 'open') {
      event.buy_mark_price = buy.mark ?? null;
      event.sell_mark_price = sell.mark ?? null;
    }
    if (buy.kind === 'dex' || sell.kind === 'dex') {
      event.dex_metadata = {};
      if (buy.kind === 'dex') event.dex_metadata.buy = dexMetadata(buy);
      if (sell.kind === 'dex') event.dex_metadata.sell = dexMetadata(sell);
    }
    return event;
  }

  private cexVolume(state: PairState): number | null {
    const legs = state.internal ? [state.a] : [state.a, state.b];
    let volume: number | null = null;
    for (const leg of legs) {
      if (leg.kind === 'dex') continue;
      if (leg.volume24h === undefined) return null;
      volume = volume === null ? leg.volume24h : Math.min(volume, leg.volume24h);
    }
    return volume;
  }

  private emitRestoredClose(restored: RestoredKey, now: number): void {
    const open = restored.event;
    this.stats.closes++;
    this.emit({
      ...open,
      id: `${this.idPrefix}-${(++this.seq).toString(36)}`,
      event: 'close',
      buy_mark_price: undefined,
      sell_mark_price: undefined,
      stale_since_ms: now - this.maxAgeMs,
      close_reason: 'stale',
      fired_at_ms: now,
    });
  }
}

function dexMetadata(leg: Leg): DexLegMetadata {
  return { chain: leg.dex?.chain ?? 'unknown', pool_address: leg.dex?.pool_address ?? '', dex: leg.dex?.dex ?? leg.venue, liquidity_usd: leg.liquidityUsd ?? null };
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
