import { z } from 'zod';
import { defineNode } from './sdk.js';

/**
 * Starts a run by hand (UI "run", `relais run`, `POST /api/automations/:id/run`). The engine feeds
 * it the trigger items — one empty item when none are given, as n8n's manual trigger does.
 */
export const manualTriggerNode = defineNode({
  type: 'manualTrigger',
  version: 1,
  displayName: 'Manual Trigger',
  description: 'Starts the workflow when run by hand or from the CLI.',
  group: 'trigger',
  replaySafe: true,
  params: z.object({}).loose(),
  inputs: 0,
  outputs: ['main'],
  execute: (ctx) => [ctx.items.length > 0 ? [...ctx.items] : [{ json: {} }]],
});
