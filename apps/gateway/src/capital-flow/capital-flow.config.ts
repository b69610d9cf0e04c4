import { defineConfig, env, type ConfigOf } from '@app/config';

export const DEFAULT_CAPITAL_FLOW_TOKENS = ['BTC', 'ETH', 'BNB', 'SOL', 'XRP', 'DOGE', 'ADA', 'TRX', 'AVAX', 'LINK'];

/** capital-flow (seed 002): tracked token symbols (BTC first: vsTokenId 1) and whether kline ingestion runs */
export const capitalFlowConfig = defineConfig(
  'capitalFlow',
  ({ nodeEnv }) => ({
    CAPITAL_FLOW_TOKENS: env
      .list({ upper: true, pattern: /^[A-Za-z0-9]+(\s*,\s*[A-Za-z0-9]+)*$/, error: 'CAPITAL_FLOW_TOKENS must be a comma-separated list of symbols' })
      .default(DEFAULT_CAPITAL_FLOW_TOKENS)
      .describe('tokens of the capital-flow snapshot'),
    // off by default under NODE_ENV=test: suites that need points sync explicitly (against the simulator)
    CAPITAL_FLOW_INGEST: env.boolean().default(nodeEnv !== 'test').describe('kline ingestion (backfill + every 5 minutes)'),
  }),
  (vars) => ({ tokens: vars.CAPITAL_FLOW_TOKENS, ingest: vars.CAPITAL_FLOW_INGEST }),
);

export type CapitalFlowConfig = ConfigOf<typeof capitalFlowConfig>;
