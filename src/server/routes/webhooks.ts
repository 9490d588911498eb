/**
 * Webhooks: the ingress (`/webhook/...`, `/webhook-test/...`, src/server/webhook/ingress.ts) and
 * the test listener of an automation: `POST /api/automations/:id/test-webhook` listens on the
 * test URLs of its current saved version for 120 s; the next matching call runs it once, marked
 * as a test. `DELETE` stops listening.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { WebhookConflictError, WebhookTrigger } from '../../triggers/webhook.js';
import type { App, ServerDeps } from '../deps.js';
import { conflict, notFound, unprocessable } from '../http-error.js';
import { errorReplies, idParams, instant, iso, noContent } from '../schemas/common.js';
import { registerWebhookIngress, type WebhookWiring } from '../webhook/ingress.js';
import { WebhookWaiters } from '../webhook/runner.js';

/** Default wait of `lastNode` / `responseNode` callers before a 504. */
export const DEFAULT_WEBHOOK_TIMEOUT_MS = 300_000;

const listenerSchema = z.object({
  automationId: z.string(),
  version: z.number().int(),
  expiresAt: instant,
  webhooks: z.array(
    z.object({
      node: z.string(),
      methods: z.array(z.string()),
      url: z.string().meta({ description: 'Call this URL once (path parameters as `:name`)' }),
    }),
  ),
});

/** The wiring given in deps, else a new one whose trigger kind joins the trigger registry. */
export function webhookWiring(deps: ServerDeps): WebhookWiring {
  if (deps.webhooks) return deps.webhooks;
  const existing = deps.triggers.kindFor('webhook');
  const trigger = existing instanceof WebhookTrigger ? existing : new WebhookTrigger({ clock: deps.clock });
  if (!existing) deps.triggers.register(trigger);
  return { trigger, waiters: new WebhookWaiters() };
}

export async function registerWebhooks(app: App, deps: ServerDeps): Promise<void> {
  const { trigger, waiters } = webhookWiring(deps);
  const runner = await registerWebhookIngress(app, {
    trigger,
    engine: deps.engine,
    queue: deps.queue,
    runs: deps.store.runs,
    idempotency: deps.store.idempotency,
    waiters,
    resolveCredential: (node, type) => deps.credentials.resolve(node, type),
    clock: deps.clock,
    logger: deps.logger,
    publicUrl: deps.publicUrl,
    maxBodyBytes: deps.config.maxBodyBytes,
    binary: deps.binary,
    responseTimeoutMs: deps.config.webhookTimeoutMs ?? DEFAULT_WEBHOOK_TIMEOUT_MS,
    observe: (o) => deps.metrics.observeWebhook(o),
  });
  // Callers waiting on long runs are answered 503 first, so that closing does not wait for them;
  // runs answered at once go on in the background: let them reach a checkpoint before the store closes.
  app.addHook('preClose', async () => runner.releaseCallers());
  app.addHook('onClose', () => runner.drain());
  // Idempotency keys and seen signatures past their window: pruned every 10 minutes.
  const prune = setInterval(() => {
    deps.store.idempotency
      .pruneExpired(deps.clock.now())
      .catch((error) => deps.logger.warn({ err: error }, 'webhook keys not pruned'));
  }, 600_000);
  prune.unref();
  app.addHook('onClose', async () => clearInterval(prune));
  await app.register(testListenerRoutes(deps, trigger));
}

function testListenerRoutes(deps: ServerDeps, trigger: WebhookTrigger): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      '/api/automations/:id/test-webhook',
      {
        config: { permission: 'automations:execute' },
        schema: {
          tags: ['automations'],
          summary: 'Listen for one call on the test webhook URLs (120 s)',
          description:
            'The next request to one of the returned `/webhook-test/...` URLs runs the current saved version once, marked as a test.',
          params: idParams,
          response: { 200: listenerSchema, ...errorReplies(401, 403, 404, 409, 422) },
        },
      },
      async (request) => {
        const { id } = request.params;
        const record = await deps.store.workflows.getWorkflow(id);
        if (!record) throw notFound(`Automation '${id}'`);
        let listening: ReturnType<WebhookTrigger['listenForTest']>;
        try {
          listening = trigger.listenForTest({ id, version: record.version, workflow: record.workflow });
        } catch (error) {
          if (!(error instanceof WebhookConflictError)) throw error;
          const taken = error.problems.some((p) => p.includes('already used by workflow'));
          if (taken) throw conflict('A test URL is already taken by another automation', error.problems);
          throw unprocessable('The automation cannot listen for a test call', error.problems);
        }
        return {
          automationId: id,
          version: record.version,
          expiresAt: iso(listening.expiresAt),
          webhooks: listening.registrations.map((r) => ({
            node: r.node.name,
            methods: r.methods,
            url: `${deps.publicUrl()}/webhook-test/${r.path}`,
          })),
        };
      },
    );

    app.delete(
      '/api/automations/:id/test-webhook',
      {
        config: { permission: 'automations:execute' },
        schema: {
          tags: ['automations'],
          summary: 'Stop listening on the test webhook URLs',
          params: idParams,
          response: { 204: noContent, ...errorReplies(401, 403) },
        },
      },
      async (request, reply) => {
        trigger.consumeTest(request.params.id);
        return reply.code(204).send(null);
      },
    );
  };
}
