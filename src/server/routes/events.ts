/**
 * `POST /api/events`: an application tells Relais that something happened (`order.paid`,
 * `invoice.created`, `project.status_changed` — the trigger list of seeds/002). Every active
 * workflow whose Event Trigger matches starts a run; every run waiting on a Wait node for this type
 * (and key) resumes. With an idempotency key (body field, or the `Idempotency-Key` header) a repeat
 * of the same type and key starts nothing and gets the first answer, with 200 instead of 202.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { EVENT_NODE_TYPE, EventTrigger } from '../../triggers/event.js';
import type { ServerDeps } from '../deps.js';
import { HttpError } from '../http-error.js';
import { errorReplies } from '../schemas/common.js';

const eventBody = z
  .object({
    type: z.string().trim().min(1).max(200).meta({ description: 'Event type, e.g. `order.paid`' }),
    data: z.unknown().optional().meta({ description: 'The event payload: `$json.data` in the workflows' }),
    key: z
      .union([z.string().max(200), z.number()])
      .optional()
      .meta({
        description:
          'What Wait nodes waiting for this type compare with their `eventKey` (e.g. the order id)',
      }),
    idempotencyKey: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .meta({ description: 'A repeat with the same type and key starts nothing and gets the first answer' }),
  })
  .strict();

const eventReply = z.object({
  runs: z.array(z.string()).meta({ description: 'Runs started, one per matching Event Trigger' }),
  resumed: z.array(z.string()).meta({ description: 'Waiting runs this event resumes' }),
});

/** The event trigger kind the runtime registered (it holds the index of active Event Triggers). */
export function eventsOf(deps: ServerDeps): EventTrigger {
  const kind = deps.triggers.kindFor(EVENT_NODE_TYPE);
  if (!(kind instanceof EventTrigger)) {
    throw new HttpError(503, 'unavailable', 'App events are not available on this server');
  }
  return kind;
}

export function eventRoutes(deps: ServerDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      '/api/events',
      {
        config: { permission: 'events:write' },
        schema: {
          tags: ['events'],
          summary: 'Send an app event: starts matching automations, resumes runs waiting for it',
          headers: z.object({ 'idempotency-key': z.string().min(1).max(200).optional() }).loose(),
          body: eventBody,
          response: { 200: eventReply, 202: eventReply, ...errorReplies(400, 401, 403, 503) },
        },
      },
      async (request, reply) => {
        const body = request.body;
        const result = await eventsOf(deps).publish({
          type: body.type,
          data: body.data ?? {},
          key: body.key === undefined ? null : String(body.key),
          idempotencyKey: body.idempotencyKey ?? request.headers['idempotency-key'] ?? null,
        });
        return reply.code(result.status).send({ runs: result.runs, resumed: result.resumed });
      },
    );
  };
}
