import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Frontier } from './frontier.js';
import type { Checkpoint } from './ports.js';

describe('Frontier.from', () => {
  it('copies the checkpoint: driving never changes the record it was loaded from', () => {
    const checkpoint: Checkpoint = {
      stack: [
        { node: 'Set', inputs: [{ step: 0, output: 0 }], sources: [{ node: 'Webhook', output: 0, run: 0 }] },
      ],
      waiting: [{ node: 'Merge', inputs: [null, { step: 1, output: 1 }], sources: [null, null] }],
      nodeState: {},
    };
    const before = structuredClone(checkpoint);
    const frontier = Frontier.from(checkpoint);
    assert.deepEqual(
      { stack: frontier.stack, waiting: frontier.waiting },
      { stack: before.stack, waiting: before.waiting },
    );

    const top = frontier.next()!;
    top.inputs[0]!.step = 9;
    top.sources[0]!.run = 3;
    frontier.waiting[0].inputs[0] = { step: 2, output: 0 };
    frontier.stack.push({ node: 'Other', inputs: [], sources: [] });
    assert.deepEqual(checkpoint, before);
  });
});
