/**
 * Event Trigger (Relais' own): starts the workflow when an application sends an event to
 * `POST /api/events` whose type matches `eventType` — exactly (`order.paid`) or by prefix with a
 * trailing `*` (`order.*`, or `*` for every event) — and, when set, whose `filter` expression is true
 * on the event item (`={{ $json.data.total > 100 }}`). Matching happens in src/triggers/event.ts;
 * the node hands on the event item `{ type, data, key, receivedAt, idempotencyKey }`.
 */
import { z } from 'zod';
import { defineNode } from './sdk.js';

export const eventTriggerParams = z
  .object({
    eventType: z
      .string()
      .trim()
      .min(1, 'the event type is required')
      .max(200)
      .refine((t) => !t.slice(0, -1).includes('*'), { message: "'*' may only end the type (order.*)" }),
    /** Expression on the event item; the run starts only when it is true. Empty: every event of the type. */
    filter: z.union([z.string(), z.boolean()]).default(''),
  })
  .loose();

export type EventTriggerParams = z.output<typeof eventTriggerParams>;

/** Whether an event type matches a trigger's `eventType` (exact, or a prefix ending in `*`). */
export function eventTypeMatches(pattern: string, type: string): boolean {
  const p = pattern.trim();
  if (p.endsWith('*')) return type.startsWith(p.slice(0, -1));
  return p === type;
}

export const eventTriggerNode = defineNode({
  type: 'eventTrigger',
  version: 1,
  displayName: 'Event Trigger',
  description: 'Starts the workflow when an application sends a matching event (POST /api/events)',
  group: 'trigger',
  replaySafe: true,
  params: eventTriggerParams,
  inputs: 0,
  outputs: ['main'],
  execute(ctx) {
    if (ctx.items.length > 0) return [ctx.items.map((item) => ({ json: item.json }))];
    // Run by hand: a sample event of the configured type, so the nodes after it can be tried.
    const type = typeof ctx.node.parameters.eventType === 'string' ? ctx.node.parameters.eventType : '';
    return [
      [{ json: { type, data: {}, key: null, receivedAt: ctx.now().toUTC().toISO(), idempotencyKey: null } }],
    ];
  },
});
