import { z } from 'zod';
import { defineNode } from './sdk.js';

/** Passes its items on unchanged: a named point in the graph. */
export const noOpNode = defineNode({
  type: 'noOp',
  version: 1,
  displayName: 'No Operation',
  description: 'Passes items on unchanged.',
  group: 'utility',
  replaySafe: true,
  params: z.object({}).loose(),
  inputs: 1,
  outputs: ['main'],
  execute: (ctx) => [[...ctx.items]],
});
