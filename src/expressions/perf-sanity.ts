/**
 * Quick performance sanity check (not a test): ns per evaluation of typical expressions over
 * 1,000 distinct items, after warm-up. CPU time is measured (not wall time) so that a busy machine
 * skews the numbers less. Run with `node --import tsx src/expressions/perf-sanity.ts`.
 */
import { fakeData } from './fake-data.js';
import { evaluateExpression } from './index.js';
import type { ExpressionData } from './types.js';

const items = Array.from({ length: 1000 }, (_, i) => ({
  json: { age: i, name: `Name ${i}`, email: `User${i}@Example.com`, tags: ['a', 'b', String(i)] },
}));
const base = fakeData({ input: items });
const perItem: ExpressionData[] = items.map((_, i) => ({ ...base, itemIndex: i }));

const EXPRESSIONS = [
  '={{ $json.age + 1 }}',
  '=Hello {{ $json.name }}, you are {{ $json.age }}',
  "={{ $json.email.toLowerCase().split('@')[1] }}",
  '={{ $json.age > 500 ? "senior" : "junior" }}',
  '={{ $json.tags.map(t => t.toUpperCase()).join(",") }}',
  "={{ $now.plus(1, 'day').toFormat('yyyy-LL-dd') }}",
];

const N = 500_000;
for (const expression of EXPRESSIONS) {
  for (let round = 0; round < 3; round++) for (const data of perItem) evaluateExpression(expression, data);
  const samples: number[] = [];
  for (let r = 0; r < 5; r++) {
    const start = process.cpuUsage();
    for (let i = 0; i < N / 5; i++) evaluateExpression(expression, perItem[i % perItem.length]);
    const used = process.cpuUsage(start);
    samples.push(((used.user + used.system) * 1000) / (N / 5));
  }
  samples.sort((a, b) => a - b);
  console.log(`${samples[2].toFixed(0).padStart(6)} ns/op (median of 5)  ${expression}`);
}
