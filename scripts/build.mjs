#!/usr/bin/env node
// Bundles the command line (and so the server) into dist/relais.js with esbuild: one file to load
// at start (tens of milliseconds instead of transpiling ~200 TypeScript files on every start), and
// plain JavaScript on the hot paths. Dependencies stay external (native addons, WebAssembly).
// Runs on `npm install` (prepare) and before `npm start`; tests run the sources through tsx;
// `--bench` builds the benchmarks (`npm run bench`).
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

const bench = process.argv.includes('--bench');
// Chunk names carry a content hash: the previous build's chunks go first.
const chunks = bench ? 'bench-chunks' : 'chunks';
rmSync(`dist/${chunks}`, { recursive: true, force: true });

await build({
  // The benchmarks measure the same bundled code that `relais start` runs.
  entryPoints: bench ? { bench: 'bench/run.ts' } : { relais: 'src/cli/main.ts' },
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  // Modules imported dynamically (BullMQ, the PostgreSQL dialect...) become chunks of their own,
  // so an embedded process does not load them, nor the packages they import, at start.
  splitting: true,
  chunkNames: `${chunks}/[name]-[hash]`,
  sourcemap: true,
  logLevel: 'warning',
});
