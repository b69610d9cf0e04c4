import { loadGatewayConfig as loadConfig } from '../gateway-config';

describe('capital-flow configuration', () => {
  it('reads the token list (upper-cased and de-duplicated) and ingestion (off by default under NODE_ENV=test)', () => {
    expect(loadConfig({}).capitalFlow).toEqual({ tokens: ['BTC', 'ETH', 'BNB', 'SOL', 'XRP', 'DOGE', 'ADA', 'TRX', 'AVAX', 'LINK'], ingest: true });
    expect(loadConfig({ CAPITAL_FLOW_TOKENS: 'btc, eth,BTC', CAPITAL_FLOW_INGEST: 'false' }).capitalFlow).toEqual({ tokens: ['BTC', 'ETH'], ingest: false });
    expect(loadConfig({ NODE_ENV: 'test' }).capitalFlow.ingest).toBe(false);
    expect(loadConfig({ NODE_ENV: 'test', CAPITAL_FLOW_INGEST: 'on' }).capitalFlow.ingest).toBe(true);
    expect(() => loadConfig({ CAPITAL_FLOW_TOKENS: 'BTC;ETH' })).toThrow(/CAPITAL_FLOW_TOKENS/);
    expect(() => loadConfig({ CAPITAL_FLOW_INGEST: 'maybe' })).toThrow(/CAPITAL_FLOW_INGEST="maybe"/);
  });
});
