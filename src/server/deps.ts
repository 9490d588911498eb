/** What the server is built from: explicit wiring, no module-level singletons (STYLE practice 11). */
import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Clock } from '../engine/clock.js';
import type { Engine } from '../engine/engine.js';
import type { NodeRegistry } from '../engine/registry.js';
import type { Store } from '../store/index.js';

export interface ServerDeps {
  config: Config & { trustProxy?: boolean };
  store: Store;
  engine: Engine;
  registry: NodeRegistry;
  clock: Clock;
  logger: Logger;
}

/** The Fastify instance every route module gets: zod schemas type requests and replies. */
export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;
