import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXPLORER_FILES, loadExplorerAssets } from './explorer-assets';

describe('loadExplorerAssets', () => {
  it('reads every file the page references, each with its content type', () => {
    const assets = loadExplorerAssets();
    expect([...assets.keys()].sort()).toEqual(Object.keys(EXPLORER_FILES).sort());
    const html = assets.get('index.html')!.body.toString('utf8');
    for (const [, file] of html.matchAll(/(?:src|href)="\/explorer\/([^"]+)"/g)) expect(assets.has(file)).toBe(true);
    // every module the scripts import is served too
    for (const [name, asset] of assets) {
      if (!name.endsWith('.js')) continue;
      for (const [, file] of asset.body.toString('utf8').matchAll(/from '\.\/([^']+)'/g)) expect([name, assets.has(file)]).toEqual([name, true]);
    }
    expect(assets.get('app.css')!.contentType).toBe('text/css; charset=utf-8');
  });

  it('fails at start, naming the file, when a build left the assets out', () => {
    const empty = mkdtempSync(join(tmpdir(), 'explorer-assets-'));
    try {
      expect(() => loadExplorerAssets(empty)).toThrow(`Stream explorer asset missing: ${join(empty, 'index.html')}`);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
