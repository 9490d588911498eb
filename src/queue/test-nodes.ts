/**
 * Nodes for queue tests: a gate that holds its run until the test opens it (shows which runs
 * execute at once), and a wait of one day (a timer row). Each test file makes its own, by type name.
 */
import { z } from 'zod';
import { defineNode } from '../nodes/sdk.js';

export function gateNode(type: string) {
  const gates = new Map<string, () => void>();
  const started: string[] = [];
  const node = defineNode({
    type,
    version: 1,
    displayName: 'Gate',
    description: 'Waits for the test',
    group: 'utility',
    params: z.object({}),
    inputs: 1,
    outputs: ['main'],
    async execute(ctx) {
      started.push(ctx.execution.id);
      await new Promise<void>((resolve) => gates.set(ctx.execution.id, resolve));
      return [[...ctx.items]];
    },
  });
  return { node, gates, started };
}

export function dayWaitNode(type: string) {
  return defineNode({
    type,
    version: 1,
    displayName: 'Wait a day',
    description: 'Waits one day',
    group: 'flow',
    params: z.object({}),
    inputs: 1,
    outputs: ['main'],
    execute: (ctx) => ({
      kind: 'wait',
      until: new Date(ctx.now().toMillis() + 86_400_000),
      items: [...ctx.items],
    }),
  });
}
