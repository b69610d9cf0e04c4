import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseGeckoTerminalPools } from './geckoterminal-pools';

const FIXTURE = join(__dirname, '../../../../../../libs/simulator/fixtures/exchanges/geckoterminal-network-pools-solana-excerpt.json');

describe('parseGeckoTerminalPools', () => {
  it('turns USD-stable-quoted pools of the recorded payload into DEX quotes, skipping the rest', () => {
    const quotes = parseGeckoTerminalPools(JSON.parse(readFileSync(FIXTURE, 'utf8')), 'solana', 1_781_000_000_000);
    // SOL / USDC (orca) only: US / SOL and WHUF / SOL are not USD-quoted, USDT / USDC is stable against stable
    expect(quotes).toEqual([
      {
        venue: 'ORCA',
        kind: 'dex',
        symbol: 'SOL_USDT',
        price: Number('115.01273159485128392246938396'),
        liquidityUsd: 29909335.2531,
        dex: { chain: 'solana', pool_address: 'Czfq3xZZDmsdGdUyrNLtRhGc47cXcZtLG4crryfu44zE', dex: 'orca' },
        ts: 1_781_000_000_000,
      },
    ]);
  });

  it('unwraps wrapped natives, drops fee-tier suffixes, and leaves a null reserve unknown', () => {
    const body = {
      data: [
        {
          attributes: { name: 'WETH / USDC 0.05%', address: '0xpool', base_token_price_usd: '3401.5', reserve_in_usd: null },
          relationships: { dex: { data: { id: 'uniswap_v3' } } },
        },
        { attributes: { name: 'broken' } },
      ],
    };
    expect(parseGeckoTerminalPools(body, 'eth', 5)).toEqual([
      { venue: 'UNISWAP_V3', kind: 'dex', symbol: 'ETH_USDT', price: 3401.5, liquidityUsd: undefined, dex: { chain: 'eth', pool_address: '0xpool', dex: 'uniswap_v3' }, ts: 5 },
    ]);
    expect(parseGeckoTerminalPools({ nope: 1 }, 'eth', 5)).toEqual([]);
  });
});
