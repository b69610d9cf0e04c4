import { UpstreamBudget } from '../contracts';
import { DeribitBookSummary, DeribitCurrency, DeribitKind } from './deribit.types';

/** Injection token of the Deribit provider: `@Inject(DERIBIT_API) deribit: DeribitApi`. */
export const DERIBIT_API = Symbol('DERIBIT_API');

/** Deribit public API as the features see it. Calls are uncached: wrap them in `UpstreamCache.get` with the feature's policy. */
export interface DeribitApi extends UpstreamBudget {
  /** `GET /public/get_book_summary_by_currency`, the JSON-RPC `result` rows (every kind when `kind` is omitted). */
  getBookSummaryByCurrency(currency: DeribitCurrency, kind?: DeribitKind): Promise<DeribitBookSummary[]>;
}
