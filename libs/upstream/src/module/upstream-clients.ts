import type { AppConfig } from '@app/config';
import { UpstreamBudget } from '../contracts';
import { COINGECKO_API } from '../coingecko/coingecko.api';
import { CoinGeckoClient, coinGeckoHttpOptions } from '../coingecko/coingecko.client';
import { UpstreamHttpClient, UpstreamHttpClientOptions } from '../http/upstream-http-client';

/** What building an upstream client may use. */
export interface UpstreamClientContext {
  /** base URLs and keys come from here (in sandbox mode the app points them at the simulator and drops the keys) */
  config: AppConfig;
  /** an `UpstreamHttpClient` with the app's metrics observer and logger already wired in */
  httpClient(options: UpstreamHttpClientOptions): UpstreamHttpClient;
}

export interface UpstreamClientDefinition<T extends UpstreamBudget = UpstreamBudget> {
  /** the interface token features inject, e.g. `COINGECKO_API` */
  token: symbol;
  /** the class, injectable by itself too */
  type: abstract new (...args: never[]) => T;
  create(context: UpstreamClientContext): T;
}

/**
 * Every upstream provider. Adding an upstream = its client class (+ interface and token) and one entry here;
 * `UpstreamModule` provides and exports each entry and lists it in `UPSTREAM_BUDGETS`.
 */
export const UPSTREAM_CLIENTS: readonly UpstreamClientDefinition[] = [
  {
    token: COINGECKO_API,
    type: CoinGeckoClient,
    create: ({ config, httpClient }) => new CoinGeckoClient(httpClient(coinGeckoHttpOptions(config.upstreams.coingecko))),
  },
];
