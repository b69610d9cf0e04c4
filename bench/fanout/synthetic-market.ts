/**
 * The benchmark's stream data: a 2,000-row market snapshot whose prices move on every tick, so every
 * one of the 50 views changes on every refresh (the hub never skips an unchanged view here).
 */
import { generateMarketRows, seededRandom, type MarketRow } from '../filter-pipe/dataset';
import { FIRST_SEQ, ROWS_PER_SNAPSHOT, epochMicros } from './scenario';

export interface MarketTick {
  /** epoch microseconds when the tick started: clients measure delivery latency from it */
  t0: number;
  seq: number;
  rows: MarketRow[];
}

export class SyntheticMarket {
  private readonly base = generateMarketRows(ROWS_PER_SNAPSHOT, 20261121);
  private readonly random = seededRandom(7);
  private seq = FIRST_SEQ;

  /** A fresh snapshot (new row objects, as a real refresh parses new upstream data). */
  next(): MarketTick {
    const t0 = epochMicros();
    const seq = ++this.seq;
    const rows = this.base.map((row) => {
      const move = 1 + (this.random() - 0.5) * 0.02;
      return {
        ...row,
        price: Math.round(row.price * move * 1e6) / 1e6,
        market_cap: Math.round(row.market_cap * move),
        change_24h: `${((this.random() - 0.5) * 40).toFixed(2)} %`,
        last_updated: Math.floor(t0 / 1e6),
      };
    });
    return { t0, seq, rows };
  }
}
