/**
 * Webhook ingress: `/webhook/<path>` (active workflows) and `/webhook-test/<path>` (one call to a
 * test listener), in an encapsulated Fastify plugin with its own content-type parsers.
 *
 * Per request, in order — cheap refusals first, before the body is read:
 *   onRequest  match method + path (404) · CORS / preflight · IP allow-list (403) · bots (403) ·
 *              rate limit (429) · declared size (413) · header authentication (401/403/500)
 *   parser     the raw body, within the webhook's size limit (413)
 *   handler    HMAC over the raw bytes · parse by content type (400/415) · trigger item ·
 *              idempotency key · create the run (committed) · answer per response mode
 */
import type { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { BinaryStore } from '../../binary/store.js';
import type { Clock } from '../../engine/clock.js';
import type { Engine } from '../../engine/engine.js';
import type { BinaryData } from '../../engine/items.js';
import type { RunStore } from '../../engine/ports.js';
import { newRunId } from '../../engine/run-id.js';
import { HTTP_METHODS, type HttpMethod } from '../../nodes/webhook.node.js';
import type { RunJob, RunQueue } from '../../queue/contract.js';
import type { IdempotencyStore } from '../../store/idempotency-store.js';
import type { MatchResult, WebhookMatch, WebhookTrigger } from '../../triggers/webhook.js';
import type { App } from '../deps.js';
import { badRequest, HttpError } from '../http-error.js';
import { corsHeaders, IpAllowList, isBot, preflightHeaders, WebhookRateLimiter } from './access.js';
import { type AuthResult, authenticateHeaders, type CredentialResolver, verifyHmac } from './auth.js';
import { type ParsedBody, parseBody, parseContentType, payloadTooLarge, readBody } from './body.js';
import { buildTriggerItem, idempotencyKey } from './item.js';
import { parseMultipart } from './multipart.js';
import { encodeAnswer, encodeError, fromStored, immediateAnswer, sendEncoded, toStored } from './respond.js';
import { WebhookRunner, type WebhookWaiters } from './runner.js';

export interface WebhookObservation {
  method: string;
  statusCode: number;
  kind: 'production' | 'test';
  seconds: number;
}

export interface WebhookIngressOptions {
  trigger: WebhookTrigger;
  engine: Pick<Engine, 'create'>;
  queue: RunQueue;
  runs: Pick<RunStore, 'listSteps'>;
  idempotency: IdempotencyStore;
  waiters: WebhookWaiters;
  resolveCredential: CredentialResolver;
  clock: Clock;
  logger: { error(obj: object, msg: string): void; warn(obj: object, msg: string): void };
  /** Base of `webhookUrl` in trigger items (read per request: known once the server listens). */
  publicUrl: () => string;
  /** Default body limit (RELAIS_MAX_BODY); a webhook's `maxBody` overrides it. */
  maxBodyBytes: number;
  /** Stores uploaded files under the run (large ones on disk, not in the run's trigger items). */
  binary?: Pick<BinaryStore, 'put'>;
  /** How long `lastNode` / `responseNode` callers wait before a 504 (a webhook's `responseTimeout` overrides it). */
  responseTimeoutMs: number;
  /** Webhook latency, once per answered request (src/server/metrics.ts `observeWebhook`). */
  observe?: (o: WebhookObservation) => void;
}

/** The webhook parts of a server, shared with the trigger registry and the engine's hooks. */
export interface WebhookWiring {
  trigger: WebhookTrigger;
  waiters: WebhookWaiters;
}

interface WebhookState {
  kind: 'production' | 'test';
  started: bigint;
  match?: WebhookMatch;
  limit: number;
  auth?: AuthResult;
}

declare module 'fastify' {
  interface FastifyRequest {
    webhookState?: WebhookState;
  }
}

const PREFIX = { production: '/webhook/', test: '/webhook-test/' } as const;

export async function registerWebhookIngress(app: App, opts: WebhookIngressOptions): Promise<WebhookRunner> {
  const runner = new WebhookRunner({
    queue: opts.queue,
    runs: opts.runs,
    waiters: opts.waiters,
    onError: (runId, error) => opts.logger.error({ err: error, runId }, 'webhook run failed to run'),
  });
  const limiter = new WebhookRateLimiter(opts.clock);
  const allowLists = new WeakMap<object, IpAllowList>();

  await app.register(async (scope) => {
    scope.decorateRequest('webhookState', undefined);
    // Only these parsers: nothing Fastify or another plugin would parse on its own terms.
    scope.removeAllContentTypeParsers();
    await scope.register((await import('@fastify/multipart')).default);
    scope.addContentTypeParser('*', async (request: FastifyRequest, payload: Readable) =>
      readBody(payload, request.webhookState?.limit ?? opts.maxBodyBytes),
    );

    scope.addHook('onRequest', async (request, reply) => {
      const kind = request.url.startsWith('/webhook-test') ? 'test' : 'production';
      const state: WebhookState = { kind, started: process.hrtime.bigint(), limit: opts.maxBodyBytes };
      request.webhookState = state;
      const segments = pathSegments(request.url, PREFIX[kind]);
      const lookup = (m: HttpMethod): MatchResult =>
        kind === 'test' ? opts.trigger.matchTest(m, segments) : opts.trigger.match(m, segments);
      const path = segments.join('/');

      if (request.method === 'OPTIONS') {
        const wanted = String(request.headers['access-control-request-method'] ?? '').toUpperCase();
        let result = isMethod(wanted) ? lookup(wanted) : lookup('GET');
        // Asked for a method the path lacks: answer with the path's own settings (and methods).
        if (result.kind === 'method') result = lookup(result.methods[0]);
        if (result.kind !== 'found') throw notRegistered(kind, wanted || 'OPTIONS', path, []);
        const reg = result.match.registration;
        const methods = reg.methods;
        const allowed = reg.params.options.allowedOrigins;
        const headers = preflightHeaders(
          allowed,
          request.headers.origin,
          methods,
          request.headers['access-control-request-headers'] as string | undefined,
        );
        return reply.code(204).headers(headers).send();
      }

      const method = request.method as HttpMethod;
      const result = lookup(method);
      if (result.kind !== 'found') {
        const methods = result.kind === 'method' ? result.methods : [];
        if (methods.length > 0) reply.header('allow', ['OPTIONS', ...methods].join(', '));
        throw notRegistered(kind, method, path, methods);
      }
      const reg = result.match.registration;
      const options = reg.params.options;
      state.match = result.match;
      reply.headers(corsHeaders(options.allowedOrigins, request.headers.origin));

      let allowList = allowLists.get(reg);
      if (!allowList) {
        allowList = new IpAllowList(options.ipWhitelist);
        allowLists.set(reg, allowList);
      }
      if (!allowList.allows(request.ip)) {
        throw new HttpError(403, 'forbidden', 'IP is not whitelisted to access the webhook!');
      }
      if (options.ignoreBots && isBot(request.headers['user-agent'])) {
        throw new HttpError(403, 'forbidden', 'Requests from bots are ignored by this webhook');
      }
      if (kind === 'production' && reg.params.rateLimit > 0) {
        const wait = limiter.take(`${reg.workflowId}\u0000${reg.node.name}`, reg.params.rateLimit);
        if (wait > 0) {
          reply.header('retry-after', String(wait));
          throw new HttpError(
            429,
            'rate_limited',
            `This webhook accepts ${reg.params.rateLimit} requests per minute`,
          );
        }
      }
      state.limit = reg.params.maxBody ?? opts.maxBodyBytes;
      const declared = Number(request.headers['content-length']);
      if (Number.isFinite(declared) && declared > state.limit) {
        reply.header('connection', 'close');
        throw payloadTooLarge(state.limit);
      }
      try {
        state.auth = await authenticateHeaders(
          reg.params,
          reg.node,
          request.headers,
          opts.resolveCredential,
          opts.clock.now(),
        );
      } catch (error) {
        if (error instanceof HttpError && error.status === 401 && reg.params.authentication === 'basicAuth') {
          reply.header('www-authenticate', 'Basic realm="Webhook"');
        }
        throw error;
      }
    });

    scope.addHook('onResponse', async (request, reply) => {
      const state = request.webhookState;
      if (!state || !opts.observe) return;
      const seconds = Number(process.hrtime.bigint() - state.started) / 1e9;
      opts.observe({ method: request.method, statusCode: reply.statusCode, kind: state.kind, seconds });
    });

    const handler = (request: FastifyRequest, reply: FastifyReply) => handle(request, reply);
    for (const url of ['/webhook/*', '/webhook-test/*']) {
      scope.route({
        method: [...HTTP_METHODS, 'OPTIONS'],
        url,
        exposeHeadRoute: false,
        schema: { hide: true },
        config: { permission: 'public', rateLimit: false },
        handler,
      });
    }
  });

  async function handle(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const state = request.webhookState!;
    const match = state.match!;
    const reg = match.registration;
    const now = opts.clock.now();
    const ct = parseContentType(request.headers['content-type']);

    let raw: Buffer | undefined;
    let parsed: ParsedBody | undefined;
    if (ct?.type === 'multipart/form-data') {
      const prefix = (reg.node.parameters.options as { binaryPropertyName?: unknown } | undefined)
        ?.binaryPropertyName;
      const multipart = await parseMultipart(
        request,
        state.limit,
        typeof prefix === 'string' ? prefix : undefined,
      );
      raw = multipart.raw;
      parsed = { body: multipart.body, binary: multipart.binary };
    } else if (Buffer.isBuffer(request.body)) raw = request.body;

    if (reg.params.authentication === 'hmac') {
      const check = await verifyHmac(
        reg.params,
        reg.node,
        request.headers,
        raw ?? Buffer.alloc(0),
        opts.resolveCredential,
        now,
      );
      const seen = await opts.idempotency.claim(`sig:${reg.workflowId}:${reg.node.name}`, check.signatureId, {
        now,
        expiresAt: new Date(Math.max(check.validUntil.getTime(), now.getTime() + 1000)),
      });
      if (!seen.claimed)
        throw new HttpError(403, 'forbidden', 'This signature was already used (replayed request)');
    }
    parsed ??= parseBody(raw, ct, {
      rawBody: reg.params.options.rawBody,
      binaryPropertyName: reg.params.options.binaryPropertyName,
      contentDisposition: request.headers['content-disposition'],
    });

    const item = buildTriggerItem({
      request,
      match,
      parsed,
      auth: state.auth ?? {},
      kind: state.kind,
      publicUrl: opts.publicUrl(),
    });
    if (state.kind === 'test' && !opts.trigger.consumeTest(reg.workflowId)) {
      throw notRegistered('test', request.method, reg.path, []);
    }

    const runId = newRunId();
    const idem = reg.params.idempotency;
    const key =
      state.kind === 'production' && idem.enabled
        ? idempotencyKey(request.headers, parsed.body, idem)
        : undefined;
    const scope = `idem:${reg.workflowId}`;
    const immediate =
      reg.params.responseMode === 'onReceived'
        ? encodeAnswer(immediateAnswer(reg.params, runId), responseHeaders(reg))
        : undefined;
    if (key !== undefined) {
      const claim = await opts.idempotency.claim(scope, key, {
        runId,
        response: immediate ? toStored(immediate, runId) : null,
        now,
        expiresAt: new Date(now.getTime() + idem.windowSeconds * 1000),
      });
      if (!claim.claimed) {
        const first = claim.existing;
        if (!first.response) {
          throw new HttpError(
            409,
            'idempotency_conflict',
            'A request with this idempotency key is still being processed',
            {
              runId: first.runId,
            },
          );
        }
        reply.header('idempotent-replayed', 'true');
        return sendEncoded(reply, fromStored(first.response));
      }
    }

    let created: RunJob['created'];
    try {
      if (opts.binary && item.binary) item.binary = await storeFiles(opts.binary, item.binary, runId);
      const run = await opts.engine.create({
        runId,
        workflow: reg.workflow,
        workflowId: reg.workflowId,
        workflowVersion: reg.version,
        mode: state.kind === 'test' ? 'test' : 'webhook',
        triggerItems: [item],
        startNode: reg.node.name,
        isTest: state.kind === 'test',
      });
      // Production webhooks are registered for active workflows only; a test listener's workflow
      // may be either, so the queue reads it.
      if (state.kind === 'production') created = { run, workflow: reg.workflow, active: true };
    } catch (error) {
      if (key !== undefined) await opts.idempotency.release(scope, key).catch(() => {});
      throw error;
    }

    if (immediate) {
      runner.inBackground(runId, created);
      return sendEncoded(reply, immediate);
    }
    const timeout = reg.params.responseTimeout ? reg.params.responseTimeout * 1000 : opts.responseTimeoutMs;
    const result = await runner.answer(runId, reg.params, timeout, created);
    const encoded =
      result instanceof HttpError ? encodeError(result) : encodeAnswer(result, responseHeaders(reg));
    if (key !== undefined) {
      await opts.idempotency
        .complete(scope, key, toStored(encoded, runId))
        .catch((error) => opts.logger.warn({ err: error, runId }, 'webhook idempotency answer not stored'));
    }
    return sendEncoded(reply, encoded);
  }

  return runner;
}

/** Files parsed from the request go through the binary store: past its inline limit, onto disk. */
async function storeFiles(
  store: Pick<BinaryStore, 'put'>,
  files: Record<string, BinaryData>,
  runId: string,
): Promise<Record<string, BinaryData>> {
  const stored: Record<string, BinaryData> = {};
  for (const [key, file] of Object.entries(files)) {
    stored[key] =
      file.data === undefined
        ? file
        : await store.put(
            Buffer.from(file.data, 'base64'),
            { mimeType: file.mimeType, fileName: file.fileName },
            runId,
          );
  }
  return stored;
}

function responseHeaders(reg: WebhookMatch['registration']): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const entry of reg.params.options.responseHeaders?.entries ?? []) {
    if (entry.name) headers[entry.name.toLowerCase()] = entry.value;
  }
  return headers;
}

function isMethod(value: string): value is HttpMethod {
  return (HTTP_METHODS as readonly string[]).includes(value);
}

/** Decoded path segments after the prefix (empty segments dropped, as n8n trims slashes). */
function pathSegments(url: string, prefix: string): string[] {
  const path = url.split('?')[0].slice(prefix.length);
  try {
    return path
      .split('/')
      .filter((s) => s !== '')
      .map((s) => decodeURIComponent(s));
  } catch {
    throw badRequest('The webhook path is not valid URL encoding');
  }
}

/** n8n's WebhookNotFoundError messages, in Relais' error shape. */
function notRegistered(
  kind: 'production' | 'test',
  method: string,
  path: string,
  methods: string[],
): HttpError {
  if (methods.length > 0) {
    const list =
      methods.length === 1 ? methods[0] : `${methods.slice(0, -1).join(', ')} or ${methods.at(-1)}`;
    return new HttpError(
      404,
      'webhook_not_registered',
      `This webhook is not registered for ${method} requests. Did you mean to make a ${list} request?`,
    );
  }
  const hint =
    kind === 'test'
      ? 'Start listening with POST /api/automations/:id/test-webhook, then call the test URL once within 120 s.'
      : 'The workflow must be active for a production URL to run successfully.';
  return new HttpError(
    404,
    'webhook_not_registered',
    `The requested webhook "${method} ${path}" is not registered.`,
    {
      hint,
    },
  );
}
