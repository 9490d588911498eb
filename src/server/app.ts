/**
 * The HTTP server (ARCHITECTURE decision 9): Fastify with zod-validated routes, one error shape,
 * an OpenAPI document generated from the route schemas (Swagger UI at /docs, set up on its first
 * request: docs.ts), health and metrics.
 * `buildApp` wires routes to the services it is given and listens on nothing: tests inject requests.
 */
import swagger from '@fastify/swagger';
import Fastify, { type FastifyBaseLogger, LogController } from 'fastify';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { App, ServerDeps } from './deps.js';
import { registerDocs } from './docs.js';
import { installErrorHandler } from './error-handler.js';
import { registerSecurity } from './plugins/security.js';
import { registerRoutes } from './routes/index.js';

export async function buildApp(deps: ServerDeps): Promise<App> {
  const app: App = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: deps.config.maxBodyBytes,
    // No per-request log lines: they cost on the webhook hot path and URLs may carry tokens.
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy: deps.config.trustProxy,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandler(app);
  // First: it refuses routes without a permission, so it must see every route.
  await registerSecurity(app, deps);

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Relais API',
        version: '1',
        description: 'Workflow automation: automations, runs, webhooks.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
        },
      },
      security: [{ bearer: [] }, { apiKey: [] }],
    },
    transform: jsonSchemaTransform,
  });
  registerDocs(app);

  await registerRoutes(app, deps);
  return app;
}
