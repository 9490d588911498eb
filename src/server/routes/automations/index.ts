/** Every `/api/automations` route (seeds/002 §6.1 and §6.2). */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { ServerDeps } from '../../deps.js';
import { automationActivationRoutes } from './activation.js';
import { automationCrudRoutes } from './crud.js';
import { automationExecutionRoutes } from './execution.js';
import { automationVersionRoutes } from './versions.js';

export function automationRoutes(deps: ServerDeps): FastifyPluginAsyncZod {
  return async (app) => {
    await app.register(automationCrudRoutes(deps));
    await app.register(automationActivationRoutes(deps));
    await app.register(automationExecutionRoutes(deps));
    await app.register(automationVersionRoutes(deps));
  };
}
