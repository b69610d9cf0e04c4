import { UpstreamBudget } from '../contracts';
import type { GeckoTerminalPools } from './geckoterminal.schemas';

/** Injection token of the GeckoTerminal provider: `@Inject(GECKOTERMINAL_API) geckoTerminal: GeckoTerminalApi`. */
export const GECKOTERMINAL_API = Symbol('GECKOTERMINAL_API');

/** GeckoTerminal (DEX pools) as the features see it. */
export interface GeckoTerminalApi extends UpstreamBudget {
  /** `GET /networks/{network}/pools?page=1`: the network's top pools, shape-checked */
  getTopPools(network: string, signal?: AbortSignal): Promise<GeckoTerminalPools>;
}
