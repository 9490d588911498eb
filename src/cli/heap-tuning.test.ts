import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OLD_GENERATION_FLAGS, tunedByUser, YOUNG_GENERATION_FLAGS } from './heap-tuning.js';

describe('heap tuning leaves to the user what the user set', () => {
  it('recognises young generation flags, with dashes or underscores', () => {
    assert.ok(tunedByUser(YOUNG_GENERATION_FLAGS, '--max-semi-space-size=32'));
    assert.ok(tunedByUser(YOUNG_GENERATION_FLAGS, '--enable-source-maps --semi_space_growth_factor=4'));
    assert.ok(!tunedByUser(YOUNG_GENERATION_FLAGS, '--max-old-space-size=512'));
  });

  it('recognises every flag that bounds or paces the old generation', () => {
    for (const flags of ['--heap-growing-percent=20', '--max-old-space-size=512', '--max_heap_size=300'])
      assert.ok(tunedByUser(OLD_GENERATION_FLAGS, flags), flags);
    assert.ok(!tunedByUser(OLD_GENERATION_FLAGS, '--max-semi-space-size=32 --enable-source-maps'));
    assert.ok(!tunedByUser(OLD_GENERATION_FLAGS, ''));
  });
});
