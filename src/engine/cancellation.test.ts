import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Cancellation } from './cancellation.js';

describe('Cancellation', () => {
  it('is not requested, and its signal not aborted, until cancel()', () => {
    const cancellation = new Cancellation();
    assert.equal(cancellation.requested, false);
    assert.equal(cancellation.signal.aborted, false);
  });

  it('aborts a signal read before cancel(), firing its listeners once', () => {
    const cancellation = new Cancellation();
    const signal = cancellation.signal;
    let fired = 0;
    signal.addEventListener('abort', () => fired++);
    cancellation.cancel();
    cancellation.cancel();
    assert.equal(cancellation.requested, true);
    assert.equal(signal.aborted, true);
    assert.equal(fired, 1);
    assert.equal(cancellation.signal, signal, 'one signal per run');
  });

  it('hands out an aborted signal when first read after cancel()', () => {
    const cancellation = new Cancellation();
    cancellation.cancel();
    assert.equal(cancellation.requested, true);
    assert.equal(cancellation.signal.aborted, true);
  });
});
