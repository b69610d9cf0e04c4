import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';

/** Folders that each own streams or endpoints over their own data: none may import another (shared code goes in libs/). */
const FEATURES = ['capital-flow', 'depeg', 'derivatives', 'dex-metrics', 'market-snapshot', 'spreads', 'stablecoins'];
/**
 * App-level folders, not features: `common` holds what every feature may import (seed paths and stream names);
 * `contract`, `explorer` and `operations` serve the whole app and find features through Nest (discovery, providers),
 * never by import, so they are held to the same rule: no import of a feature folder.
 */
const APP_LEVEL = ['common', 'contract', 'explorer', 'operations'];

// `import … from 'x'`, `export … from 'x'`, `import 'x'`, `import('x')`, `require('x')`, `jest.mock('x')`
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*|\bjest\.(?:mock|requireActual)\s*\(\s*)(['"])([^'"\n]{1,300})\1/g;

interface Violation {
  file: string;
  specifier: string;
  imports: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Every import from a folder of `srcRoot` into a feature folder other than its own; unknown folders are listed too. */
function featureImportViolations(srcRoot: string, features: readonly string[], appLevel: readonly string[]): { violations: Violation[]; unclassified: string[] } {
  const folders = readdirSync(srcRoot, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? [entry.name] : []));
  const unclassified = folders.filter((folder) => !features.includes(folder) && !appLevel.includes(folder));
  const violations: Violation[] = [];
  for (const folder of folders.filter((name) => features.includes(name) || appLevel.includes(name))) {
    for (const file of sourceFiles(join(srcRoot, folder))) {
      for (const [, , specifier] of readFileSync(file, 'utf8').matchAll(SPECIFIER)) {
        if (!specifier.startsWith('.')) continue; // packages and @app/* libs
        const [target] = relative(srcRoot, resolve(dirname(file), specifier)).split(sep);
        if (target !== folder && features.includes(target)) violations.push({ file: relative(srcRoot, file), specifier, imports: target });
      }
    }
  }
  return { violations, unclassified };
}

describe('feature boundaries', () => {
  it('no feature folder (nor an app-level one) imports a feature folder, and every folder is classified', () => {
    const { violations, unclassified } = featureImportViolations(__dirname, FEATURES, APP_LEVEL);
    expect(unclassified).toEqual([]);
    expect(violations).toEqual([]);
  });

  describe('the scan itself', () => {
    let root: string;
    const write = (path: string, text: string) => {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    };
    beforeEach(() => {
      root = mkdtempSync(join(tmpdir(), 'feature-boundaries-'));
    });
    afterEach(() => rmSync(root, { recursive: true, force: true }));

    it('finds static, re-export, dynamic, require and jest.mock imports of another feature, from any depth', () => {
      write('a/a.ts', "import { x } from '../b/b';\nexport * from \"../b/deep/c\";\n");
      write('a/sub/s.ts', "const m = import('../../b/b');\nrequire('../../b');\njest.mock('../../b/b');\n");
      write('b/b.ts', "import { ok } from './own';\nimport { lib } from '@app/upstream';\nimport { seed } from '../common/seed';\n");
      write('common/seed.ts', "import { leak } from '../a/a';\n");
      const { violations } = featureImportViolations(root, ['a', 'b'], ['common']);
      expect(violations.map((violation) => `${violation.file} → ${violation.imports}`)).toEqual([
        'a/a.ts → b',
        'a/a.ts → b',
        'a/sub/s.ts → b',
        'a/sub/s.ts → b',
        'a/sub/s.ts → b',
        'common/seed.ts → a',
      ]);
    });

    it('lists a folder that is neither a feature nor app-level', () => {
      write('new-thing/x.ts', 'export const x = 1;\n');
      expect(featureImportViolations(root, ['a'], ['common']).unclassified).toEqual(['new-thing']);
    });
  });
});
