/**
 * 24 h volume of the BTC perpetuals from CoinDesk futures latest ticks: which contracts, which field, how they add up.
 * Pure functions: the source feeds them ticks or errors, the card shows the result.
 */
import type { CoinDeskFuturesTick, CoinDeskMappingPriority } from '@app/upstream';

export interface DerivativeContract {
  /** CoinDesk's market name */
  market: string;
  /** CoinDesk's mapped instrument name (`BTC-USDT-VANILLA-PERPETUAL`, `BTC-USD-INVERSE-PERPETUAL`): the name every detail shows */
  instrument: string;
  /** the venue's own name of the contract (`BTCUSDT`, `BTC-USDT-SWAP`, `XBTUSD`) */
  nativeInstrument: string;
  /** which of the two names is sent to CoinDesk (see `tickRequest`) */
  requestBy: 'mapped' | 'native';
}

/**
 * The BTC perpetuals summed by the 24h_volume stream. Binance's mapped name `BTC-USDT-VANILLA-PERPETUAL` is confirmed
 * by a recording (= `BTCUSDT`) and Bybit's `BTCUSDT` follows the same mapping: those are requested by their mapped name.
 * The mappings of OKX `BTC-USDT-SWAP`, Deribit `BTC-PERPETUAL` and BitMEX `XBTUSD` follow CoinDesk's pattern but are
 * not confirmed, so those are requested by their venue names with `CHECK_UNMAPPED_FIRST`, which CoinDesk resolves
 * whatever the mapping is called. Every detail shows the mapped name either way (the seed's scheme), and the venue's
 * own name in `native_instrument`.
 */
export const DERIVATIVE_CONTRACTS: readonly DerivativeContract[] = [
  { market: 'binance', instrument: 'BTC-USDT-VANILLA-PERPETUAL', nativeInstrument: 'BTCUSDT', requestBy: 'mapped' },
  { market: 'bybit', instrument: 'BTC-USDT-VANILLA-PERPETUAL', nativeInstrument: 'BTCUSDT', requestBy: 'mapped' },
  { market: 'okex', instrument: 'BTC-USDT-VANILLA-PERPETUAL', nativeInstrument: 'BTC-USDT-SWAP', requestBy: 'native' },
  { market: 'deribit', instrument: 'BTC-USD-INVERSE-PERPETUAL', nativeInstrument: 'BTC-PERPETUAL', requestBy: 'native' },
  { market: 'bitmex', instrument: 'BTC-USD-INVERSE-PERPETUAL', nativeInstrument: 'XBTUSD', requestBy: 'native' },
];

/** The instrument name sent to CoinDesk for a contract and how CoinDesk should resolve it. */
export function tickRequest(contract: DerivativeContract): { instrument: string; mappingPriority: CoinDeskMappingPriority } {
  return contract.requestBy === 'mapped'
    ? { instrument: contract.instrument, mappingPriority: 'CHECK_MAPPED_FIRST' }
    : { instrument: contract.nativeInstrument, mappingPriority: 'CHECK_UNMAPPED_FIRST' };
}

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
  | { contract: DerivativeContract; tick: CoinDeskFuturesTick; fetchedAt: number; stale: boolean; freshUntil?: number; staleReason?: string }
  | { contract: DerivativeContract; error: string };

export interface VolumeDetail {
  market: string;
  /** CoinDesk's mapped name (the tick's `MAPPED_INSTRUMENT` when it has one), the same scheme for every market */
  instrument: string;
  /** the venue's own name (the tick's `INSTRUMENT` when it has one) */
  native_instrument: string;
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
    const { market } = outcome.contract;
    const tick = 'tick' in outcome ? outcome.tick : undefined;
    const instrument = nonEmpty(tick?.MAPPED_INSTRUMENT) ?? outcome.contract.instrument;
    const nativeInstrument = nonEmpty(tick?.INSTRUMENT) ?? outcome.contract.nativeInstrument;
    let reason = 'error' in outcome ? outcome.error : undefined;
    if (!('error' in outcome)) {
      try {
        const { volume, quoteCurrency } = tickVolume(outcome.tick);
        total += volume;
        const lastUpdate = finite(outcome.tick.PRICE_LAST_UPDATE_TS);
        details.push({
          market,
          instrument,
          native_instrument: nativeInstrument,
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
    details.push({ market, instrument, native_instrument: nativeInstrument, error: reason });
    failed.push({ market, instrument, reason: reason! });
  }
  return { total, details, failed };
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

function finite(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}
