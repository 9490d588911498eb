#!/usr/bin/env node
// Bundles the command line (and so the server) into dist/relais.js with esbuild: one file to load
// at start (tens of milliseconds instead of transpiling ~200 TypeScript files on every start), and
// plain JavaScript on the hot paths. Runs on `npm install` (prepare) and before `npm start`; tests
// run the sources through tsx; `--bench` builds the benchmarks (`npm run bench`).
//
// Pure-JavaScript dependencies (Fastify, Kysely, zod, prom-client, jose...) are bundled too: Node
// otherwise resolves, reads, compiles and links ~1,000 of their files at every start: ~400 ms of
// CPU and ~12 MB resident on a 2-vCPU machine. EXTERNAL lists what stays a package.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';

const EXTERNAL = [
  // Native addons.
  'better-sqlite3',
  '@node-rs/argon2',
  // Read files beside their code: WebAssembly, Swagger UI's static files, PDF font metrics,
  // BullMQ's Lua scripts; pino starts its transports as worker threads from its own files.
  'quickjs-emscripten',
  '@fastify/swagger-ui',
  'pdfkit',
  'bullmq',
  'pino',
  // Loaded when first used (src/lazy-import.ts), by the few installations that need them.
  'handlebars',
  'pg',
  'mysql2',
  'nodemailer',
  'ioredis',
  // Tools, for tests and benchmarks only.
  'esbuild',
  'tsx',
  'smtp-server',
  'autocannon',
];

const bench = process.argv.includes('--bench');
// Chunk names carry a content hash: the previous build's chunks go first.
const chunks = bench ? 'bench-chunks' : 'chunks';
rmSync(`dist/${chunks}`, { recursive: true, force: true });

const result = await build({
  // The benchmarks measure the same bundled code that `relais start` runs.
  entryPoints: bench ? { bench: 'bench/run.ts' } : { relais: 'src/cli/main.ts' },
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: EXTERNAL,
  // The CommonJS packages inside the bundle `require` Node's modules: give ES modules a `require`.
  banner: {
    js: "import { createRequire as __relaisCreateRequire } from 'node:module';\nconst require = __relaisCreateRequire(import.meta.url);",
  },
  // Modules imported dynamically (each command, BullMQ, the PostgreSQL dialect...) become chunks of
  // their own, so a process loads only what its command uses.
  splitting: true,
  chunkNames: `${chunks}/[name]-[hash]`,
  sourcemap: true,
  metafile: true,
  logLevel: 'warning',
});

// esbuild escapes non-ASCII characters in code but keeps comments as written, and one `é` or `—`
// in a comment makes V8 hold the whole file's source as two bytes per character, for the life of
// the process (several MB here). Comments only: escaping keeps them readable and the code intact.
for (const file of Object.keys(result.metafile.outputs)) {
  if (!file.endsWith('.js')) continue;
  const source = readFileSync(file, 'utf8');
  const ascii = source.replace(/[\u{80}-\u{10ffff}]/gu, (c) =>
    c.length === 1
      ? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`
      : `\\u{${c.codePointAt(0).toString(16)}}`,
  );
  if (ascii !== source) writeFileSync(file, ascii);
}
