import { Inject, Injectable } from '@nestjs/common';
import { loadTiming, settleParts, type StreamLoad } from '@app/realtime';
import {
  COINDESK_API,
  CoinGeckoMarketData,
  DERIBIT_API,
  UpstreamCache,
  coinBrief,
  type CachePolicy,
  type CoinDeskApi,
  type CoinDeskFuturesTick,
  type CoinDeskTickGroup,
  type DeribitApi,
} from '@app/upstream';
import { DERIVATIVE_CONTRACTS, summariseVolumes, tickRequest, type ContractOutcome, type DerivativeContract } from './derivative-volume';
import { openInterestCard, volumeCard, type DerivativesCard } from './derivatives.cards';
import { summariseOptionsOpenInterest } from './options-open-interest';

/**
 * CoinDesk futures ticks: 60 s fresh, 5 min stale. No long fallback: a market whose tick is older than that is
 * reported missing and left out of the sum rather than summed with an old number.
 */
export const COINDESK_TICK_CACHE: CachePolicy = { freshMs: 60_000, staleMs: 5 * 60_000, fallbackMs: 0 };
/** Deribit book summaries: 60 s fresh, 5 min stale (then the last good chain is a fallback, marked stale). */
export const DERIBIT_SUMMARY_CACHE: CachePolicy = { freshMs: 60_000, staleMs: 5 * 60_000 };

/** Only the groups the card reads or shows in `raw`. */
const TICK_GROUPS: readonly CoinDeskTickGroup[] = ['ID', 'MAPPING', 'VALUE', 'LAST_UPDATE', 'MOVING_24_HOUR'];

export const derivativesCacheKeys = {
  tick: (contract: DerivativeContract) => `coindesk:futures-tick:${contract.market}:${tickRequest(contract).instrument}`,
  btcOptions: 'deribit:book-summary:BTC:option',
};

export interface DerivativesFrameData {
  card: DerivativesCard;
}

/** Loads the derivatives cards through the shared cache: one upstream call per key, whatever the client count. */
@Injectable()
export class DerivativesSource {
  constructor(
    @Inject(COINDESK_API) private readonly coindesk: CoinDeskApi,
    @Inject(DERIBIT_API) private readonly deribit: DeribitApi,
    private readonly cache: UpstreamCache,
    private readonly coingecko: CoinGeckoMarketData,
  ) {}

  /**
   * Every contract's tick concurrently. A failed contract is a detail row with its error, listed in `missing` and
   * left out of the sum; when all fail the refresh fails (the hub keeps the last good frame, marked stale).
   */
  async loadVolumes(contracts: readonly DerivativeContract[] = DERIVATIVE_CONTRACTS): Promise<StreamLoad<DerivativesFrameData>> {
    const settled = await Promise.allSettled(contracts.map((contract) => this.cache.get(derivativesCacheKeys.tick(contract), () => this.fetchTick(contract), COINDESK_TICK_CACHE)));
    const outcomes: ContractOutcome[] = settled.map((result, i) =>
      result.status === 'fulfilled'
        ? { contract: contracts[i], tick: result.value.value, fetchedAt: result.value.fetchedAt, freshUntil: result.value.freshUntil, stale: result.value.stale, staleReason: result.value.staleReason }
        : { contract: contracts[i], error: reasonOf(result.reason) },
    );
    const summary = summariseVolumes(outcomes);
    if (summary.failed.length === contracts.length) {
      throw new Error(`no CoinDesk futures tick could be loaded: ${summary.failed.map(({ market, reason }) => `${market}: ${reason}`).join('; ')}`);
    }
    const loaded = outcomes.flatMap((outcome) => ('tick' in outcome ? [outcome] : []));
    const staleReasons = loaded.flatMap((outcome) => (outcome.stale ? [`coindesk ${outcome.contract.market}: ${outcome.staleReason ?? 'upstream failed'}`] : []));
    return {
      data: { card: volumeCard(summary) },
      ...loadTiming({
        fetchedAt: Math.min(...loaded.map((outcome) => outcome.fetchedAt)),
        freshUntil: Math.min(...loaded.map((outcome) => outcome.freshUntil ?? outcome.fetchedAt + COINDESK_TICK_CACHE.freshMs)),
        stale: staleReasons.length > 0,
        staleReason: staleReasons.length > 0 ? staleReasons.join('; ') : undefined,
      }),
      missing: summary.failed.map(({ market, instrument, reason }) => ({ source: `coindesk ${market} ${instrument}`, reason })),
    };
  }

  /** Deribit's BTC option chain and CoinGecko's bitcoin metadata concurrently; without the metadata the card only lacks its logo. */
  async loadBtcOptionsOpenInterest(): Promise<StreamLoad<DerivativesFrameData>> {
    const settled = await settleParts([
      {
        source: 'deribit /public/get_book_summary_by_currency',
        read: this.cache.get(derivativesCacheKeys.btcOptions, () => this.deribit.getBookSummaryByCurrency('BTC', 'option'), DERIBIT_SUMMARY_CACHE),
        required: true,
      },
      { source: 'coingecko /coins/bitcoin', read: this.coingecko.coin('bitcoin') },
    ] as const);
    const [chain, bitcoin] = settled.values;
    return { data: { card: openInterestCard(summariseOptionsOpenInterest(chain!), bitcoin && coinBrief(bitcoin)) }, ...loadTiming(settled), missing: settled.missing };
  }

  private async fetchTick(contract: DerivativeContract): Promise<CoinDeskFuturesTick> {
    const { instrument, mappingPriority } = tickRequest(contract);
    const ticks = await this.coindesk.getFuturesLatestTick({ market: contract.market, instruments: [instrument], groups: TICK_GROUPS, mappingPriority });
    // keyed by the requested name; look at the names inside too in case CoinDesk keys by its other name
    const tick =
      ticks[instrument] ??
      Object.values(ticks).find((candidate) => [instrument, contract.instrument, contract.nativeInstrument].some((name) => candidate.INSTRUMENT === name || candidate.MAPPED_INSTRUMENT === name));
    if (!tick) throw new Error(`CoinDesk answered without a tick for ${contract.market} ${instrument}`);
    return tick;
  }
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
