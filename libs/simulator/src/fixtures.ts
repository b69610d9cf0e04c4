import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UpstreamName } from './upstreams';

const MARKER = join('coingecko', 'global.json');

/**
 * Finds the fixture folder without depending on ../shared: next to the sources (`libs/simulator/fixtures`) or,
 * in a build, where nest-cli copies the assets (`dist/apps/gateway/fixtures`), by walking up from this file.
 */
export function locateFixturesDir(startDir: string = __dirname): string {
  for (let dir = startDir; ; dir = dirname(dir)) {
    for (const candidate of [join(dir, 'fixtures'), join(dir, 'libs', 'simulator', 'fixtures')]) {
      if (existsSync(join(candidate, MARKER))) return candidate;
    }
    if (dirname(dir) === dir) break;
  }
  throw new Error(`Upstream simulator fixtures not found above ${startDir} (looked for fixtures/${MARKER})`);
}

/** Recorded upstream payloads, parsed once and handed out as copies so routes can change them freely. */
export class FixtureStore {
  private readonly parsed = new Map<string, unknown>();

  constructor(readonly dir: string = locateFixturesDir()) {}

  json<T>(upstream: UpstreamName, file: string): T {
    const path = join(this.dir, upstream, file);
    let value = this.parsed.get(path);
    if (value === undefined) {
      value = JSON.parse(readFileSync(path, 'utf8')) as unknown;
      this.parsed.set(path, value);
    }
    return structuredClone(value) as T;
  }
}
