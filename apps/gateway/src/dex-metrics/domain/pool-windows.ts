import type { MakerInterner } from './maker-interner';
import { RESOLUTIONS } from './resolutions';

export type SwapSide = 'buy' | 'sell';

/** One swap as the windows see it: when, which side, its USD value in integer cents, and who signed it. */
export interface WindowSwap {
  /** block time, unix seconds */
  timeSec: number;
  side: SwapSide;
  usdCents: number;
  makerId: number;
}

/** Totals of one resolution at one instant. Volumes in integer cents, so sums are exact. */
export interface WindowTotals {
  buyCents: number;
  sellCents: number;
  buys: number;
  sells: number;
  buyers: number;
  sellers: number;
  makers: number;
}

const CHUNK_BITS = 10;
const CHUNK = 1 << CHUNK_BITS;
const MASK = CHUNK - 1;

const SELL = 1; // flags bit: the swap is a sell
const LAST_ON_SIDE = 2; // flags bit: latest swap of its maker on its side (counts once in buyers or sellers)
const LAST_ANY = 4; // flags bit: latest swap of its maker on either side (counts once in makers)

/** Sequence numbers are packed two per float64 in the maker table, so they are renumbered before reaching 2^26. */
const SEQ_LIMIT = 2 ** 26 - 2;
const PACK = 2 ** 26;

interface Chunk {
  time: Uint32Array;
  cents: Float64Array;
  maker: Uint32Array;
  flags: Uint8Array;
}

function newChunk(): Chunk {
  return { time: new Uint32Array(CHUNK), cents: new Float64Array(CHUNK), maker: new Uint32Array(CHUNK), flags: new Uint8Array(CHUNK) };
}

/**
 * Exact rolling totals of one pool over every resolution (5m…24h), with exact unique buyers, sellers and makers.
 *
 * Swaps are kept once, in time order, in 1024-swap chunks of typed arrays (17 bytes a swap). Each resolution has a
 * start pointer; a swap is inside a resolution's window when its time is in (now - window, now]. Adding a swap and
 * moving the pointers are O(resolutions) amortized. Unique counts use "latest occurrence" flags: a maker counts in a
 * window exactly when its latest swap is inside it, so when a maker trades again its previous latest swap stops
 * counting in the windows still holding it and the new one counts everywhere.
 * Anything that breaks time order (a late swap, a retraction after a reorg) rebuilds the pool from its swaps: rare,
 * and O(n log n) for one pool.
 */
export class PoolWindows {
  private chunks: Chunk[] = [];
  /** sequence number of the first slot of `chunks[0]` */
  private chunkBase = 0;
  /** first sequence still stored (older ones are out of every window) */
  private firstSeq = 0;
  private nextSeq = 0;
  private lastTimeSec = 0;
  private readonly start = new Array<number>(RESOLUTIONS.length).fill(0);
  private readonly buyCents = new Float64Array(RESOLUTIONS.length);
  private readonly sellCents = new Float64Array(RESOLUTIONS.length);
  private readonly buys = new Int32Array(RESOLUTIONS.length);
  private readonly sells = new Int32Array(RESOLUTIONS.length);
  private readonly buyers = new Int32Array(RESOLUTIONS.length);
  private readonly sellers = new Int32Array(RESOLUTIONS.length);
  private readonly makerCount = new Int32Array(RESOLUTIONS.length);
  /** makerId → packed (lastBuySeq + 1) * 2^26 + (lastSellSeq + 1); 0 means none */
  private makers = new Map<number, number>();
  private refCounting = true;

  constructor(private readonly interner: MakerInterner) {}

  /** Swaps currently stored (the 24 h window plus those not yet moved out). */
  get size(): number {
    return this.nextSeq - this.firstSeq;
  }

  /** Time of the newest swap, unix seconds (0 before any). */
  get latestTimeSec(): number {
    return this.lastTimeSec;
  }

  add(swap: WindowSwap): void {
    if (!(swap.usdCents >= 0) || !Number.isInteger(swap.usdCents)) throw new RangeError(`usdCents must be a non-negative integer, got ${swap.usdCents}`);
    if (this.size > 0 && swap.timeSec < this.lastTimeSec) {
      this.rebuild([...this.storedSwaps(), swap]);
      return;
    }
    if (this.nextSeq >= SEQ_LIMIT) {
      this.rebuild([...this.storedSwaps(), swap]);
      return;
    }
    this.append(swap);
  }

  /**
   * Takes back one swap equal to `swap` (a log removed by a reorg). Swaps with equal time, side, value and maker
   * are interchangeable for every metric, so any one of them may go. Returns false when none is stored.
   */
  retract(swap: WindowSwap): boolean {
    const stored = this.storedSwaps();
    for (let i = stored.length - 1; i >= 0; i--) {
      const s = stored[i];
      if (s.timeSec === swap.timeSec && s.side === swap.side && s.usdCents === swap.usdCents && s.makerId === swap.makerId) {
        stored.splice(i, 1);
        this.rebuild(stored);
        return true;
      }
    }
    return false;
  }

  /** Moves every window to end at `nowSec` and returns the totals per resolution (in `RESOLUTIONS` order). */
  totalsAt(nowSec: number): WindowTotals[] {
    this.advance(nowSec);
    return RESOLUTIONS.map((_, w) => ({
      buyCents: this.buyCents[w],
      sellCents: this.sellCents[w],
      buys: this.buys[w],
      sells: this.sells[w],
      buyers: this.buyers[w],
      sellers: this.sellers[w],
      makers: this.makerCount[w],
    }));
  }

  /** When the next stored swap leaves a window (unix seconds), i.e. when the totals next change without a new swap. */
  nextExitSec(): number | undefined {
    let next: number | undefined;
    RESOLUTIONS.forEach((resolution, w) => {
      const seq = this.start[w];
      if (seq >= this.nextSeq) return;
      const exit = this.timeOf(seq) + resolution.seconds;
      if (next === undefined || exit < next) next = exit;
    });
    return next;
  }

  /** Releases every maker reference (the pool stops being tracked). */
  clear(): void {
    if (this.refCounting) for (const id of this.makers.keys()) this.interner.release(id);
    this.chunks = [];
    this.chunkBase = this.firstSeq = this.nextSeq = this.lastTimeSec = 0;
    this.start.fill(0);
    for (const array of [this.buyCents, this.sellCents, this.buys, this.sells, this.buyers, this.sellers, this.makerCount]) array.fill(0);
    this.makers = new Map();
  }

  private append(swap: WindowSwap): void {
    const seq = this.nextSeq++;
    const offset = seq - this.chunkBase;
    if (offset >> CHUNK_BITS >= this.chunks.length) this.chunks.push(newChunk());
    const chunk = this.chunks[offset >> CHUNK_BITS];
    const slot = offset & MASK;
    const sell = swap.side === 'sell';
    chunk.time[slot] = swap.timeSec;
    chunk.cents[slot] = swap.usdCents;
    chunk.maker[slot] = swap.makerId;
    chunk.flags[slot] = (sell ? SELL : 0) | LAST_ON_SIDE | LAST_ANY;
    this.lastTimeSec = swap.timeSec;

    const packed = this.makers.get(swap.makerId);
    let lastBuy = -1;
    let lastSell = -1;
    if (packed === undefined) {
      if (this.refCounting) this.interner.retain(swap.makerId);
    } else {
      lastBuy = Math.floor(packed / PACK) - 1;
      lastSell = (packed % PACK) - 1;
      const previousOnSide = sell ? lastSell : lastBuy;
      if (previousOnSide >= 0) this.unmark(previousOnSide, LAST_ON_SIDE, sell ? this.sellers : this.buyers);
      const previousAny = Math.max(lastBuy, lastSell);
      if (previousAny >= 0) this.unmark(previousAny, LAST_ANY, this.makerCount);
    }
    if (sell) lastSell = seq;
    else lastBuy = seq;
    this.makers.set(swap.makerId, (lastBuy + 1) * PACK + (lastSell + 1));

    for (let w = 0; w < RESOLUTIONS.length; w++) {
      if (sell) {
        this.sells[w]++;
        this.sellCents[w] += swap.usdCents;
        this.sellers[w]++;
      } else {
        this.buys[w]++;
        this.buyCents[w] += swap.usdCents;
        this.buyers[w]++;
      }
      this.makerCount[w]++;
    }
  }

  /** `seq` is no longer its maker's latest: it stops counting in every window that still holds it. */
  private unmark(seq: number, flag: number, counts: Int32Array): void {
    if (seq < this.firstSeq) return; // already out of every window
    const offset = seq - this.chunkBase;
    const chunk = this.chunks[offset >> CHUNK_BITS];
    const slot = offset & MASK;
    if (!(chunk.flags[slot] & flag)) return;
    chunk.flags[slot] &= ~flag;
    for (let w = 0; w < RESOLUTIONS.length; w++) if (seq >= this.start[w]) counts[w]--;
  }

  private advance(nowSec: number): void {
    for (let w = 0; w < RESOLUTIONS.length; w++) {
      const limit = nowSec - RESOLUTIONS[w].seconds; // inside when time > limit
      let seq = this.start[w];
      while (seq < this.nextSeq) {
        const offset = seq - this.chunkBase;
        const chunk = this.chunks[offset >> CHUNK_BITS];
        const slot = offset & MASK;
        if (chunk.time[slot] > limit) break;
        const flags = chunk.flags[slot];
        const cents = chunk.cents[slot];
        if (flags & SELL) {
          this.sells[w]--;
          this.sellCents[w] -= cents;
          if (flags & LAST_ON_SIDE) this.sellers[w]--;
        } else {
          this.buys[w]--;
          this.buyCents[w] -= cents;
          if (flags & LAST_ON_SIDE) this.buyers[w]--;
        }
        if (flags & LAST_ANY) this.makerCount[w]--;
        seq++;
      }
      this.start[w] = seq;
    }
    this.evict(this.start[RESOLUTIONS.length - 1]);
  }

  /** Forgets swaps before `untilSeq` (out of every window) and the makers with nothing left inside. */
  private evict(untilSeq: number): void {
    for (let seq = this.firstSeq; seq < untilSeq; seq++) {
      const offset = seq - this.chunkBase;
      const chunk = this.chunks[offset >> CHUNK_BITS];
      const slot = offset & MASK;
      if (chunk.flags[slot] & LAST_ANY) {
        const makerId = chunk.maker[slot];
        this.makers.delete(makerId);
        if (this.refCounting) this.interner.release(makerId);
      }
    }
    this.firstSeq = Math.max(this.firstSeq, untilSeq);
    const drop = (this.firstSeq - this.chunkBase) >> CHUNK_BITS;
    if (drop > 0) {
      this.chunks.splice(0, drop);
      this.chunkBase += drop * CHUNK;
    }
    if (this.firstSeq === this.nextSeq && this.chunks.length > 0) {
      // empty: restart numbering so sequence numbers never grow without bound on a quiet pool
      this.chunks = [];
      this.chunkBase = this.firstSeq = this.nextSeq = 0;
      this.start.fill(0);
    }
  }

  private timeOf(seq: number): number {
    const offset = seq - this.chunkBase;
    return this.chunks[offset >> CHUNK_BITS].time[offset & MASK];
  }

  private storedSwaps(): WindowSwap[] {
    const swaps: WindowSwap[] = [];
    for (let seq = this.firstSeq; seq < this.nextSeq; seq++) {
      const offset = seq - this.chunkBase;
      const chunk = this.chunks[offset >> CHUNK_BITS];
      const slot = offset & MASK;
      swaps.push({ timeSec: chunk.time[slot], side: chunk.flags[slot] & SELL ? 'sell' : 'buy', usdCents: chunk.cents[slot], makerId: chunk.maker[slot] });
    }
    return swaps;
  }

  /** Starts over from `swaps` (any order). Maker references are settled by difference, so no id is recycled midway. */
  private rebuild(swaps: WindowSwap[]): void {
    const before = new Set(this.makers.keys());
    this.refCounting = false;
    this.clear();
    swaps.sort((a, b) => a.timeSec - b.timeSec); // stable: equal times keep their order
    for (const swap of swaps) this.append(swap);
    this.refCounting = true;
    for (const id of this.makers.keys()) if (!before.has(id)) this.interner.retain(id);
    for (const id of before) if (!this.makers.has(id)) this.interner.release(id);
  }
}
