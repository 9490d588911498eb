/** Step payloads come back exactly as written, whatever the dialect stores them as. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Item } from '../../engine/items.js';
import { checkpoint, items, newRun, step } from './builders.js';
import { type StoreFixture, withStore } from './fixtures.js';

const TRICKY: Item = {
  json: {
    // Key order is what a user sees as column order; it must survive (jsonb would sort these).
    zeta: 1,
    alpha: 2,
    mid: { b: [1, { c: null }], a: [] },
    text: 'Zoë — 日本語 — العربية — 😀 — "quotes" \\ back\\slash \n newline \t tab',
    nul: 'before\u0000after',
    lone: '\ud800',
    numbers: [0, -1, 1.5, 1e21, Number.MAX_SAFE_INTEGER],
    flags: [true, false],
    empty: {},
  },
  binary: { file: { data: Buffer.from('%PDF-1.7 é').toString('base64'), mimeType: 'application/pdf' } },
  pairedItem: [{ item: 0 }, { item: 1, input: 1 }],
};

export function payloadTests(fixture: StoreFixture): void {
  it('round-trips nested JSON, unicode, NUL, key order and binary', () =>
    withStore(fixture, async ({ runs }) => {
      await runs.createRun(newRun('r', { status: 'running', triggerItems: [TRICKY] }));
      const s = step('r', 0, { input: [[TRICKY], []], output: [[TRICKY, TRICKY]] });
      assert.ok((await runs.recordStep('r', 1, s, checkpoint())).ok);
      const [back] = await runs.listSteps('r');
      assert.deepEqual(back, s);
      assert.deepEqual(Object.keys(back.output?.[0][0].json ?? {}), Object.keys(TRICKY.json));
      assert.deepEqual((await runs.getRun('r'))?.triggerItems, [TRICKY]);
    }));

  it('round-trips a large output (10,000 items)', () =>
    withStore(fixture, async ({ runs }) => {
      await runs.createRun(newRun('r', { status: 'running' }));
      const s = step('r', 0, { output: items(10_000), outputCounts: [10_000] });
      assert.ok((await runs.recordStep('r', 1, s, checkpoint())).ok);
      const [back] = await runs.listSteps('r');
      assert.equal(back.output?.[0].length, 10_000);
      assert.deepEqual(back, s);
    }));
}
