import { simulatorBaseUrls } from '@app/simulator';
import { loadGatewayConfig } from './gateway-config';
import { withSimulatedUpstreams, withSimulatedVenues } from './sandbox';

describe('sandbox upstreams', () => {
  const baseUrls = simulatorBaseUrls('http://127.0.0.1:9999');
  const simulated = (url: string) => url.startsWith('http://127.0.0.1:9999/');

  it('points every upstream of the sandbox at the simulator, GeckoTerminal included: nothing leaves the machine', () => {
    const config = withSimulatedUpstreams(loadGatewayConfig({ MARKET_DATA: 'sandbox', COINGECKO_API_KEY: 'k', COINDESK_API_KEY: 'k' }), baseUrls);
    const { coingecko, defillama, coindesk, deribit, binance, geckoterminal } = config.upstreams;
    const urls = [coingecko.baseUrl, defillama.baseUrl, coindesk.baseUrl, deribit.baseUrl, binance.spotBaseUrl, binance.futuresBaseUrl, geckoterminal.baseUrl];
    expect(urls.filter((url) => !simulated(url))).toEqual([]);
    expect(config.spreads.simulatedVenuesUrl).toBe(baseUrls.exchanges);
    expect(Object.values(config.dex.rpcUrls).every(simulated)).toBe(true);
    // keys never go to the simulator either
    expect([coingecko.apiKey, coindesk.apiKey]).toEqual([undefined, undefined]);
  });

  it('simulates only the spreads venues and GeckoTerminal for SPREADS_SOURCE=simulated in live mode', () => {
    const config = withSimulatedVenues(loadGatewayConfig({ MARKET_DATA: 'live', SPREADS_SOURCE: 'simulated' }), baseUrls.exchanges);
    expect(simulated(config.upstreams.geckoterminal.baseUrl)).toBe(true);
    expect(simulated(config.upstreams.coingecko.baseUrl)).toBe(false);
  });
});
