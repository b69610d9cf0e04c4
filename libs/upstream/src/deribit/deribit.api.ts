import { UpstreamBudget } from '../contracts';
import type { DeribitBookSummary } from './deribit.schemas';

/** Injection token of the Deribit provider: `@Inject(DERIBIT_API) deribit: DeribitApi`. */
export const DERIBIT_API = Symbol('DERIBIT_API');

export type DeribitCurrency = 'BTC' | 'ETH' | 'USDC' | 'USDT' | 'EURR';
export type DeribitKind = 'future' | 'option' | 'spot' | 'future_combo' | 'option_combo';

/** Deribit public API as the features see it. Calls are uncached: wrap them in `UpstreamCache.get` with the feature's policy. */
export interface DeribitApi extends UpstreamBudget {
  /** `GET /public/get_book_summary_by_currency`, the JSON-RPC `result` rows (every kind when `kind` is omitted). */
  getBookSummaryByCurrency(currency: DeribitCurrency, kind?: DeribitKind): Promise<DeribitBookSummary[]>;
}
