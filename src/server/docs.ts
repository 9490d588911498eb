/**
 * Swagger UI at /docs, set up on its first request. The OpenAPI document comes from
 * @fastify/swagger, registered on the app at start (it has to see every route as it is added; it
 * builds the document on first use). Swagger UI — its page, its static files, /docs/json and
 * /docs/yaml — lives in a small Fastify instance of its own, built the first time /docs is asked
 * for: registering it on the app cost ~80 ms and ~3 MB at every start, for a page few open. The
 * app forwards /docs and /docs/* to it, so the app's hooks (security headers, CORS, rate limits)
 * apply to the docs as to any route, and its 404 answers in the API's error shape.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { OpenAPIV3 } from 'openapi-types';
import { lazyImport } from '../lazy-import.js';
import type { App } from './deps.js';

const PREFIX = '/docs';

/** Response headers the app sets itself for the payload it sends on. */
const OWN_HEADERS = new Set(['content-length', 'connection', 'date', 'keep-alive', 'transfer-encoding']);

export function registerDocs(app: App): void {
  const swaggerUi = lazyImport(async (): Promise<FastifyInstance> => {
    const [{ default: Fastify }, { default: swagger }, { default: ui }] = await Promise.all([
      import('fastify'),
      import('@fastify/swagger'),
      import('@fastify/swagger-ui'),
    ]);
    const docs = Fastify();
    // The app's own document (complete: every route is registered before the first request; an
    // OpenAPI 3 one, as app.ts asks); static mode only serves it, as JSON and as YAML.
    const document = app.swagger() as OpenAPIV3.Document;
    await docs.register(swagger, { mode: 'static', specification: { document } });
    await docs.register(ui, { routePrefix: PREFIX });
    await docs.ready();
    return docs;
  });

  async function forward(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    // GET for a HEAD too: the app answers a HEAD with the GET's headers and length, no body.
    const res = await (await swaggerUi()).inject({
      method: 'GET',
      url: request.url,
      headers: request.headers,
    });
    if (res.statusCode === 404) {
      reply.callNotFound();
      return reply;
    }
    for (const [name, value] of Object.entries(res.headers)) {
      if (value !== undefined && !OWN_HEADERS.has(name)) reply.header(name, value);
    }
    // An empty answer (a redirect) stays without a body or a content type.
    return reply.code(res.statusCode).send(res.rawPayload.length > 0 ? res.rawPayload : undefined);
  }

  for (const url of [PREFIX, `${PREFIX}/*`]) {
    app.route({
      method: 'GET',
      url,
      schema: { hide: true },
      config: { permission: 'public' },
      handler: forward,
    });
  }
}
