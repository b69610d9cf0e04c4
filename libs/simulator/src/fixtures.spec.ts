import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FixtureStore, locateFixturesDir } from './fixtures';

describe('fixtures', () => {
  it('finds the fixtures next to the sources', () => {
    expect(locateFixturesDir()).toBe(join(__dirname, '..', 'fixtures'));
  });

  it('finds the fixtures where nest-cli copies them in a build (dist/apps/gateway/fixtures)', () => {
    const root = mkdtempSync(join(tmpdir(), 'simulator-fixtures-'));
    try {
      mkdirSync(join(root, 'dist/apps/gateway/fixtures/coingecko'), { recursive: true });
      writeFileSync(join(root, 'dist/apps/gateway/fixtures/coingecko/global.json'), '{}');
      const compiledDir = join(root, 'dist/apps/gateway/libs/simulator/src');
      mkdirSync(compiledDir, { recursive: true });
      expect(locateFixturesDir(compiledDir)).toBe(join(root, 'dist/apps/gateway/fixtures'));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('hands out copies, so a route changing a payload cannot change the recording', () => {
    const store = new FixtureStore();
    const first = store.json<{ data: { markets: number } }>('coingecko', 'global.json');
    first.data.markets = -1;
    expect(store.json<{ data: { markets: number } }>('coingecko', 'global.json').data.markets).toBe(1336);
  });

  it('ships every recorded upstream folder with its provenance', () => {
    const store = new FixtureStore();
    expect(store.json<unknown[]>('deribit', 'book-summary-BTC-future-result-subset.json').length).toBeGreaterThan(0);
    expect(store.json<object>('defillama', 'stablecoinchains-item-2024.json')).toBeDefined();
    expect(store.json<object>('coindesk', 'futures-historical-hours.json')).toBeDefined();
  });
});
