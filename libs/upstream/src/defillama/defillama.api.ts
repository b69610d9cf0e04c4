import { UpstreamBudget } from '../contracts';
import type { DefiLlamaChartPoint, DefiLlamaPricePoint, DefiLlamaStablecoins } from './defillama.schemas';

/** Injection token of the DefiLlama stablecoins provider: `@Inject(DEFILLAMA_API) defillama: DefiLlamaApi`. */
export const DEFILLAMA_API = Symbol('DEFILLAMA_API');

/** DefiLlama stablecoins as the features see it. Calls are uncached: wrap them in `UpstreamCache.get`. */
export interface DefiLlamaApi extends UpstreamBudget {
  /** `GET /stablecoins?includePrices=true`: every pegged asset with circulating per chain and its price. */
  getStablecoins(): Promise<DefiLlamaStablecoins>;
  /** `GET /stablecoincharts/all`: daily total circulating, ascending, `date` parsed to unix seconds. */
  getAllCharts(): Promise<DefiLlamaChartPoint[]>;
  /** `GET /stablecoinprices`: daily prices keyed by CoinGecko id, ascending; points before `sinceSeconds` may be left out. */
  getPrices(options?: { sinceSeconds?: number }): Promise<DefiLlamaPricePoint[]>;
}
