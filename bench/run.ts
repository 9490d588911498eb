/**
 * `npm run bench [-- name...]`: runs the benchmarks (all, or those named) and prints Markdown
 * tables. Every loop is bounded in count and time; nothing leaves the loopback interface.
 */
import { engineBench } from './engine.bench.js';
import { httpRequestBench } from './http-request.bench.js';
import { scaleBench } from './scale.bench.js';
import { tableInsertBench } from './table-insert.bench.js';
import { waitsBench } from './waits.bench.js';
import { webhookBench } from './webhook.bench.js';

const benches: Record<string, () => Promise<void>> = {
  engine: engineBench,
  webhook: webhookBench,
  'http-request': httpRequestBench,
  waits: waitsBench,
  'table-insert': tableInsertBench,
  scale: scaleBench,
};

const wanted = process.argv.slice(2);
for (const name of wanted) {
  if (!(name in benches)) {
    console.error(`unknown bench '${name}' (known: ${Object.keys(benches).join(', ')})`);
    process.exit(2);
  }
}
console.log(`# Relais benchmarks — node ${process.version}, ${new Date().toISOString()}`);
for (const [name, bench] of Object.entries(benches)) {
  if (wanted.length === 0 || wanted.includes(name)) await bench();
}
