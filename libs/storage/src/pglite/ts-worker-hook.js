// Lets the PGlite worker thread run from TypeScript sources (`npm start`, Jest): compiles each `.ts` module it
// requires with @swc/core through pirates, the require hook @swc-node/register uses. @swc-node/register itself
// also loads the TypeScript compiler (to read tsconfig.json), about 70 MB more resident in each thread; the worker
// needs neither tsconfig paths nor decorators. Compiled builds start `pglite-worker.js` without this file.
const { addHook } = require('pirates');
const { transformSync } = require('@swc/core');

const options = { swcrc: false, jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } };

addHook((code, filename) => transformSync(code, { ...options, filename }).code, { exts: ['.ts'], ignoreNodeModules: true });
