#!/usr/bin/env node
// The `relais` command: the bundle built by `npm run build` (run by `npm install` and `npm start`),
// or the TypeScript sources through tsx when there is no bundle (a clone without install scripts).
import { existsSync } from 'node:fs';

const bundle = new URL('../dist/relais.js', import.meta.url);
let main;
if (existsSync(bundle)) {
  ({ main } = await import(bundle.href));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli/main.ts'));
}
process.exitCode = await main(process.argv.slice(2));
