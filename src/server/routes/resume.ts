/**
 * The resume URL of a Wait node (`$execution.resumeUrl`, n8n's `/webhook-waiting/<executionId>`):
 * `<publicUrl>/webhook-waiting/<runId>/<token>[/<webhookSuffix>]`. Unlike n8n's, it cannot be
 * guessed from a run id: `token` is an HMAC-SHA256 of the run id under a key derived from the
 * server's encryption key. It works once per wait: the first call takes the wait (a claim in the
 * store on run id + version), a second call gets 409.
 *
 *   bad token or unknown run → 404 · not waiting for its URL (resumed already, ended) → 409
 *   wrong suffix → 404 · method not accepted by the Wait node → 405
 *   `incomingAuthentication` (basic, header, JWT) → 401 / 403 as the webhook ingress
 *
 * The request becomes the item `{ headers, params, query, body }` handed to the node after the wait.
 * The answer: `{ resumed: true, runId }` at once (`responseMode: onReceived`, the default), or what a
 * Respond to Webhook node answers (`responseNode`), or the last node's first item (`lastNode`).
 */
import { createHmac } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RunOutcome } from '../../engine/engine.js';
import type { JsonObject } from '../../engine/items.js';
import type { RunRecord } from '../../engine/ports.js';
import type { WorkflowNode } from '../../engine/workflow.js';
import type { NodeCommand } from '../../nodes/sdk.js';
import { resumeMethods, type WaitParams, waitParams } from '../../nodes/wait.node.js';
import { webhookParams } from '../../nodes/webhook.node.js';
import type { App, ServerDeps } from '../deps.js';
import { conflict, HttpError } from '../http-error.js';
import { authenticateHeaders, REDACTED, safeEqual } from '../webhook/auth.js';
import { parseBody, parseContentType, readBody } from '../webhook/body.js';

const METHODS = ['DELETE', 'GET', 'HEAD', 'PATCH', 'POST', 'PUT'] as const;
const RESPONSE_TIMEOUT_MS = 300_000;
type NodeResponse = Extract<NodeCommand, { kind: 'respond' }>['response'];

/** The key resume tokens are made with: derived from the encryption key, never the key itself. */
export function resumeTokenKey(encryptionKey: Uint8Array): Buffer {
  return createHmac('sha256', encryptionKey).update('relais/resume-url/v1').digest();
}

export function resumeToken(key: Uint8Array, runId: string): string {
  return createHmac('sha256', key).update(runId).digest('base64url');
}

/**
 * The engine's `resumeUrl` option; `publicUrl` (no trailing slash: PublicUrl) is read per URL, the
 * server's being known once it listens.
 */
export function resumeUrlBuilder(publicUrl: () => string, key: Uint8Array): (runId: string) => string {
  return (runId) => `${publicUrl()}/webhook-waiting/${encodeURIComponent(runId)}/${resumeToken(key, runId)}`;
}

const notValid = () => new HttpError(404, 'not_found', 'This resume URL is not valid');
const notWaiting = () =>
  conflict('This run is not waiting for its resume URL: it was resumed already, or it ended');

interface WaitingRun {
  run: RunRecord;
  params: WaitParams;
  node: WorkflowNode;
}

export function resumeRoutes(deps: ServerDeps) {
  return async (app: App): Promise<void> => {
    const key = deps.resumeKey;

    await app.register(async (scope) => {
      // Bodies are parsed by their declared type only, as the webhook ingress does.
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', async (_request: FastifyRequest, payload: Readable) =>
        readBody(payload, deps.config.maxBodyBytes),
      );
      const handler = (request: FastifyRequest, reply: FastifyReply) => handle(request, reply);
      for (const url of ['/webhook-waiting/:runId/:token', '/webhook-waiting/:runId/:token/*']) {
        scope.route({
          method: [...METHODS],
          url,
          exposeHeadRoute: false,
          schema: { hide: true },
          config: { permission: 'public' },
          handler,
        });
      }
    });

    async function waitingRun(runId: string): Promise<WaitingRun> {
      const run = await deps.store.runs.getRun(runId);
      if (!run) throw notValid();
      const wait = run.checkpoint?.wait;
      if (run.status !== 'waiting' || wait?.resumeOn !== 'webhook') throw notWaiting();
      const workflow = await deps.store.workflows.getWorkflowVersion(run.workflowId, run.workflowVersion);
      const node = workflow?.nodes.find((n) => n.name === wait.node);
      if (!node) throw notWaiting();
      const parsed = waitParams.safeParse(node.parameters);
      return { run, node, params: parsed.success ? parsed.data : waitParams.parse({ resume: 'webhook' }) };
    }

    async function handle(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
      const { runId, token, '*': rest } = request.params as { runId: string; token: string; '*'?: string };
      if (!safeEqual(token, resumeToken(key, runId))) throw notValid();
      const { run, params, node } = await waitingRun(runId);

      const suffix = (rest ?? '').replace(/^\/+|\/+$/g, '');
      if (suffix !== params.options.webhookSuffix.replace(/^\/+|\/+$/g, '')) throw notValid();
      const methods = resumeMethods(params);
      if (!methods.includes(request.method as (typeof methods)[number])) {
        reply.header('allow', methods.join(', '));
        throw new HttpError(405, 'method_not_allowed', `This resume URL accepts ${methods.join(', ')}`);
      }
      let secretHeader: string | undefined;
      if (params.incomingAuthentication !== 'none') {
        const asWebhook = webhookParams.parse({ authentication: params.incomingAuthentication });
        try {
          const result = await authenticateHeaders(
            asWebhook,
            node,
            request.headers,
            (n, type) => deps.credentials.resolve(n, type),
            deps.clock.now(),
          );
          secretHeader = result.secretHeader;
        } catch (error) {
          if (
            error instanceof HttpError &&
            error.status === 401 &&
            params.incomingAuthentication === 'basicAuth'
          ) {
            reply.header('www-authenticate', 'Basic realm="Webhook"');
          }
          throw error;
        }
      }
      const raw = request.body instanceof Buffer ? request.body : undefined;
      const parsed = parseBody(raw, parseContentType(request.headers['content-type']), {
        rawBody: false,
        binaryPropertyName: 'data',
        contentDisposition: request.headers['content-disposition'],
      });

      // One resume per wait: of two calls, one takes the claim; the other is told it is too late.
      const claim = await deps.store.triggers.claimOnce(
        'resume',
        `${run.id}:${run.version}`,
        { at: deps.clock.now().toISOString() },
        deps.clock.now(),
      );
      if (!claim.claimed) throw notWaiting();

      const headers: JsonObject = { ...request.headers };
      if (secretHeader) headers[secretHeader] = REDACTED;
      const item: JsonObject = {
        headers,
        params: {},
        query: { ...(request.query as object) },
        body: parsed.body as unknown,
      };
      const resumeItem = parsed.binary ? { json: item, binary: parsed.binary } : item;

      let responded: ((response: NodeResponse) => void) | undefined;
      const response = new Promise<NodeResponse>((resolve) => {
        responded = resolve;
      });
      const outcome = deps.queue.submit({
        runId: run.id,
        resume: { by: 'webhook', items: [resumeItem] },
        respond: (r) => responded?.(r),
      });
      outcome.catch((error) =>
        deps.logger.error({ err: error, runId: run.id }, 'resumed run failed to continue'),
      );

      if (params.responseMode === 'onReceived') {
        const body = (params.options as { responseData?: unknown }).responseData;
        return reply
          .code(params.responseCode)
          .send(typeof body === 'string' && body !== '' ? body : { resumed: true, runId: run.id });
      }
      const answer = await Promise.race([
        response.then((r) => ({ kind: 'respond' as const, r })),
        outcome.then(
          (o) => ({ kind: 'outcome' as const, o }),
          () => ({ kind: 'failed' as const }),
        ),
        new Promise<{ kind: 'timeout' }>((resolve) =>
          setTimeout(() => resolve({ kind: 'timeout' }), RESPONSE_TIMEOUT_MS).unref(),
        ),
      ]);
      if (answer.kind === 'respond') {
        return reply
          .code(answer.r.status)
          .headers(answer.r.headers)
          .send(answer.r.body as never);
      }
      if (answer.kind === 'timeout')
        throw new HttpError(504, 'timeout', 'The resumed run did not answer in time');
      if (answer.kind === 'failed')
        throw new HttpError(500, 'workflow_error', 'Error in workflow', { runId: run.id });
      return reply.code(params.responseCode).send(lastNodeBody(answer.o, run.id));
    }
  };
}

/** `lastNode`: the first item of the node that ran last (n8n's firstEntryJson), else a summary. */
function lastNodeBody(outcome: RunOutcome, runId: string): unknown {
  const last = outcome.run.currentNode;
  const first = last ? outcome.runData.output(last)[0] : undefined;
  if (outcome.run.status === 'failed')
    throw new HttpError(500, 'workflow_error', 'Error in workflow', { runId });
  return first?.json ?? { resumed: true, runId, status: outcome.run.status };
}
