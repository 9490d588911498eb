import { z } from 'zod';
import { defineNode } from './sdk.js';

/**
 * Starts an error workflow: when a run of a workflow whose `settings.errorWorkflow` names this one
 * fails, a run starts here with one item `{ run, workflow, node, error, execution }` (`execution`
 * is n8n's shape, so imported n8n error workflows keep working).
 */
export const errorTriggerNode = defineNode({
  type: 'errorTrigger',
  version: 1,
  displayName: 'Error Trigger',
  description: 'Starts when a run of a workflow that names this one as its error workflow fails.',
  group: 'trigger',
  replaySafe: true,
  params: z.object({}).loose(),
  inputs: 0,
  outputs: ['main'],
  execute: (ctx) => [[...ctx.items]],
});
