import { ConfigValidationError } from '@app/config';
import { loadGatewayConfig as loadConfig } from '../gateway-config';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dexTicker } from './dex-metrics.config';

describe('DEX metrics configuration', () => {
  it('parses pools, RPC URLs and timings, with defaults', () => {
    const config = loadConfig({
      DEX_POOLS: 'bsc:0x16B9A82891338F9BA80E2D6970FDDA79D1EB0DAE:USD:token0, eth:0x88e6a0c2ddd26feeb64f039a2c41296fcb3f5640',
      DEX_RPC_URLS: 'bsc=https://bsc.example/rpc,eth=http://127.0.0.1:8545',
      DEX_BATCH_DELAY_MS: '2000',
    });
    expect(config.dex.pools).toEqual([
      { chain: 'bsc', pool: '0x16b9a82891338f9ba80e2d6970fdda79d1eb0dae', currency: 'USD', quoteToken: 'token0' },
      { chain: 'eth', pool: '0x88e6a0c2ddd26feeb64f039a2c41296fcb3f5640', currency: 'USD', quoteToken: undefined },
    ]);
    expect(config.dex.rpcUrls).toEqual({ bsc: 'https://bsc.example/rpc', eth: 'http://127.0.0.1:8545' });
    expect(config.dex).toMatchObject({ batchDelayMs: 2000, pollIntervalMs: 3000, reorgDepthBlocks: 12, logsBlockRange: 2000 });
    expect(dexTicker(config.dex.pools[0])).toBe('bsc:0x16b9a82891338f9ba80e2d6970fdda79d1eb0dae-USD');
  });

  it('names every bad entry and refuses a batch delay over 30 s', () => {
    let error: ConfigValidationError | undefined;
    try {
      loadConfig({ DEX_POOLS: 'bsc:0x123:USD,eth:0x88e6a0c2ddd26feeb64f039a2c41296fcb3f5640:USD:token3', DEX_RPC_URLS: 'bsc', DEX_BATCH_DELAY_MS: '31000' });
    } catch (e) {
      error = e as ConfigValidationError;
    }
    expect(error?.problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining('DEX_POOLS entry "bsc:0x123:USD"'),
        expect.stringContaining('DEX_POOLS entry "eth:0x88e6'),
        expect.stringContaining('DEX_RPC_URLS entry "bsc"'),
        expect.stringContaining('DEX_BATCH_DELAY_MS'),
      ]),
    );
  });

  it('reads DEX_POOLS_FILE at start (lines, commas, comments); a bad, missing or doubled source stops start-up', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dex-config-'));
    const file = join(dir, 'pools.txt');
    const problemsOf = (env: Record<string, string>) => {
      try {
        loadConfig(env);
        return [];
      } catch (error) {
        return (error as ConfigValidationError).problems;
      }
    };
    try {
      writeFileSync(file, '# pools\r\nbsc:0x16B9A82891338F9BA80E2D6970FDDA79D1EB0DAE:USD:token0 # BSC\r\n\neth:0x88e6a0c2ddd26feeb64f039a2c41296fcb3f5640,\n');
      const config = loadConfig({ DEX_POOLS_FILE: file });
      expect(config.dex.poolsFile).toBe(file);
      expect(config.dex.pools.map(dexTicker)).toEqual(['bsc:0x16b9a82891338f9ba80e2d6970fdda79d1eb0dae-USD', 'eth:0x88e6a0c2ddd26feeb64f039a2c41296fcb3f5640-USD']);

      writeFileSync(file, 'bsc:0x123\n' + 'x'.repeat(5_000));
      const problems = problemsOf({ DEX_POOLS_FILE: file });
      expect(problems).toEqual([expect.stringContaining('DEX_POOLS_FILE entry "bsc:0x123"'), expect.stringContaining('DEX_POOLS_FILE entry "xxx')]);
      expect(problems[1].length).toBeLessThan(300);
      expect(problemsOf({ DEX_POOLS_FILE: join(dir, 'missing.txt') })).toEqual([expect.stringContaining('ENOENT')]);
      writeFileSync(file, '');
      expect(problemsOf({ DEX_POOLS_FILE: file, DEX_POOLS: 'bsc:0x16b9a82891338f9ba80e2d6970fdda79d1eb0dae' })).toEqual([expect.stringContaining('both set')]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
