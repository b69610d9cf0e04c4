// `node -r ./scripts/ts-register.js app.ts`: runs the TypeScript sources as `npm start` does, compiling each of the
// project's `.ts` modules with @swc/core (through pirates) on the options of `.swcrc` (the ones Jest uses) and the
// `paths` of tsconfig.json.
// @swc-node/register does the same job but loads the TypeScript compiler to read tsconfig.json (~9 MB of source
// and its objects kept for the life of the process) and keeps every module's source map twice; this hook needs neither.
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const { addHook } = require('pirates');
const { transformSync } = require('@swc/core');

const root = join(__dirname, '..');
const swcrc = JSON.parse(readFileSync(join(root, '.swcrc'), 'utf8'));
delete swcrc.$schema;
const { compilerOptions } = JSON.parse(readFileSync(join(root, 'tsconfig.json'), 'utf8'));
const paths = Object.fromEntries(Object.entries(compilerOptions.paths).map(([alias, targets]) => [alias, targets.map((target) => join(root, target))]));
const options = {
  ...swcrc,
  swcrc: false,
  // stack traces point at the TypeScript lines when node runs with --enable-source-maps (flag or NODE_OPTIONS)
  sourceMaps: process.sourceMapsEnabled ? 'inline' : false,
  jsc: { ...swcrc.jsc, baseUrl: root, paths },
};

addHook((code, filename) => transformSync(code, { ...options, filename }).code, { exts: ['.ts'], ignoreNodeModules: true });
