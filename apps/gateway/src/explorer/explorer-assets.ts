import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ExplorerAsset {
  body: Buffer;
  contentType: string;
}

/** Every file the page is made of; a request can only ever name one of these (no path from the client touches the disk). */
export const EXPLORER_FILES: Readonly<Record<string, string>> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'connection.js': 'text/javascript; charset=utf-8',
  'form.js': 'text/javascript; charset=utf-8',
  'panel.js': 'text/javascript; charset=utf-8',
  'format.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
  'favicon.svg': 'image/svg+xml',
};

/** Next to this file in the sources, and in a build where nest-cli copies the assets (nest-cli.json `assets`). */
export const EXPLORER_PUBLIC_DIR = join(__dirname, 'public');

/**
 * The explorer's static files, read once at start (a few kB): serving them costs no disk I/O per request,
 * and a build that forgot to copy them fails at start instead of on the first page view.
 */
export function loadExplorerAssets(dir: string = EXPLORER_PUBLIC_DIR): ReadonlyMap<string, ExplorerAsset> {
  const assets = new Map<string, ExplorerAsset>();
  for (const [file, contentType] of Object.entries(EXPLORER_FILES)) {
    const path = join(dir, file);
    if (!existsSync(path)) throw new Error(`Stream explorer asset missing: ${path} (nest-cli.json "assets" copies apps/gateway/src/explorer/public)`);
    assets.set(file, { body: readFileSync(path), contentType });
  }
  return assets;
}
