/**
 * 24 h volume of the BTC perpetuals from CoinDesk futures latest ticks: which contracts, which field, how they add up.
 * Pure functions: the source feeds them ticks or errors, the card shows the result.
 */
import type { CoinDeskFuturesTick, CoinDeskMappingPriority } from '@app/upstream';

export interface DerivativeContract {
  /** CoinDesk's market name */
  market: string;
  /** the name sent to CoinDesk (mapped or exchange-native, see `mappingPriority`) */
  instrument: string;
  mappingPriority: CoinDeskMappingPriority;
}

/**
 * The BTC perpetuals summed by the 24h_volume stream. Binance's mapped name `BTC-USDT-VANILLA-PERPETUAL` is confirmed
 * by a recording (= `BTCUSDT`) and Bybit's `BTCUSDT` follows the same mapping. The mapped names of OKX `BTC-USDT-SWAP`,
 * Deribit `BTC-PERPETUAL` and BitMEX `XBTUSD` are not confirmed, so those go by their exchange-native names with
 * `CHECK_UNMAPPED_FIRST`, which CoinDesk resolves whatever the mapping is called.
 */
export const DERIVATIVE_CONTRACTS: readonly DerivativeContract[] = [
  { market: 'binance', instrument: 'BTC-USDT-VANILLA-PERPETUAL', mappingPriority: 'CHECK_MAPPED_FIRST' },
  { market: 'bybit', instrument: 'BTC-USDT-VANILLA-PERPETUAL', mappingPriority: 'CHECK_MAPPED_FIRST' },
  { market: 'okex', instrument: 'BTC-USDT-SWAP', mappingPriority: 'CHECK_UNMAPPED_FIRST' },
  { market: 'deribit', instrument: 'BTC-PERPETUAL', mappingPriority: 'CHECK_UNMAPPED_FIRST' },
  { market: 'bitmex', instrument: 'XBTUSD', mappingPriority: 'CHECK_UNMAPPED_FIRST' },
];

/** Quote currencies counted as US dollars one-for-one (stablecoin quotes are within a fraction of a percent of USD). */
const USD_LIKE = new Set(['USD', 'USDT', 'USDC']);

export interface TickVolume {
  /** 24 h volume in USD */
  volume: number;
  quoteCurrency: string;
  /** how it was read, for the detail row: the quote-volume field or the fallback */
  basis: 'MOVING_24_HOUR_QUOTE_VOLUME' | 'MOVING_24_HOUR_VOLUME' | 'MOVING_24_HOUR_VOLUME*PRICE';
}

/**
 * The 24 h USD volume of one tick. `MOVING_24_HOUR_QUOTE_VOLUME` (quote units: USDT for vanilla, USD for inverse)
 * is the field; the futures tick's names are not confirmed, so when it is absent the base volume is used:
 * as is when the contract is counted in the quote currency (inverse: USD contracts), else × `PRICE`.
 * Throws an Error saying what is missing when neither can be read.
 */
export function tickVolume(tick: CoinDeskFuturesTick): TickVolume {
  const quoteCurrency = tick.QUOTE_CURRENCY ?? 'USD';
  if (!USD_LIKE.has(quoteCurrency)) throw new Error(`quote currency ${quoteCurrency} is not a US dollar`);
  const quoteVolume = finite(tick.MOVING_24_HOUR_QUOTE_VOLUME);
  if (quoteVolume !== undefined) return { volume: quoteVolume, quoteCurrency, basis: 'MOVING_24_HOUR_QUOTE_VOLUME' };
  const baseVolume = finite(tick.MOVING_24_HOUR_VOLUME);
  if (baseVolume !== undefined && tick.CONTRACT_CURRENCY !== undefined && tick.CONTRACT_CURRENCY === quoteCurrency) {
    return { volume: baseVolume, quoteCurrency, basis: 'MOVING_24_HOUR_VOLUME' };
  }
  const price = finite(tick.PRICE);
  if (baseVolume !== undefined && price !== undefined) return { volume: baseVolume * price, quoteCurrency, basis: 'MOVING_24_HOUR_VOLUME*PRICE' };
  throw new Error('the tick has no MOVING_24_HOUR_QUOTE_VOLUME, nor MOVING_24_HOUR_VOLUME with a PRICE');
}

/** What loading one contract gave: its tick (possibly stale) or why there is none. */
export type ContractOutcome =
  | { contract: DerivativeContract; tick: CoinDeskFuturesTick; fetchedAt: number; stale: boolean }
  | { contract: DerivativeContract; error: string };

export interface VolumeDetail {
  market: string;
  instrument: string;
  volume?: number;
  quote_currency?: string;
  /** unix seconds of the tick's last price update, when CoinDesk sent one */
  last_update?: number;
  /** present (true) when the tick is past its fresh time: the upstream could not be refreshed */
  stale?: true;
  error?: string;
  raw?: CoinDeskFuturesTick;
}

export interface VolumeSummary {
  /** USD, over the contracts that have a volume */
  total: number;
  details: VolumeDetail[];
  /** contracts left out of the total, with the reason */
  failed: Array<{ market: string; instrument: string; reason: string }>;
}

/** Sums the contracts that have a volume; a contract without one is a detail row with its error and left out of the total. */
export function summariseVolumes(outcomes: readonly ContractOutcome[]): VolumeSummary {
  let total = 0;
  const details: VolumeDetail[] = [];
  const failed: VolumeSummary['failed'] = [];
  for (const outcome of outcomes) {
    const { market, instrument } = outcome.contract;
    let reason = 'error' in outcome ? outcome.error : undefined;
    if (!('error' in outcome)) {
      try {
        const { volume, quoteCurrency } = tickVolume(outcome.tick);
        total += volume;
        const lastUpdate = finite(outcome.tick.PRICE_LAST_UPDATE_TS);
        details.push({
          market,
          instrument,
          volume,
          quote_currency: quoteCurrency,
          ...(lastUpdate !== undefined ? { last_update: lastUpdate } : {}),
          ...(outcome.stale ? { stale: true as const } : {}),
          raw: outcome.tick,
        });
        continue;
      } catch (error) {
        reason = (error as Error).message;
      }
    }
    details.push({ market, instrument, error: reason });
    failed.push({ market, instrument, reason: reason! });
  }
  return { total, details, failed };
}

function finite(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}
