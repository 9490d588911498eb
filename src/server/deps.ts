/** What the server is built from: explicit wiring, no module-level singletons (STYLE practice 11). */
import type {
  FastifyBaseLogger,
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import type { BinaryStore } from '../binary/store.js';
import type { Config } from '../config.js';
import type { Clock } from '../engine/clock.js';
import type { Engine } from '../engine/engine.js';
import type { NodeRegistry } from '../engine/registry.js';
import type { RunQueue } from '../queue/contract.js';
import type { Store } from '../store/index.js';
import type { TriggerRegistry } from '../triggers/registry.js';
import type { AuditSink } from './auth/contract.js';
import type { CredentialService } from './credentials/service.js';
import type { Metrics } from './metrics.js';
import type { WebhookWiring } from './webhook/ingress.js';

export interface ServerDeps {
  config: Config & { trustProxy?: boolean };
  store: Store;
  engine: Engine;
  /** Drives runs (embedded, or BullMQ in scale-out): start runs through it so limits hold. */
  queue: RunQueue;
  registry: NodeRegistry;
  clock: Clock;
  logger: Logger;
  audit: AuditSink;
  /** Where uploaded files go (webhook multipart and binary bodies); inline in items when absent. */
  binary?: Pick<BinaryStore, 'put'>;
  /** Trigger kinds (webhook, schedule, ...): activation of automations. */
  triggers: TriggerRegistry;
  /** Encrypted credentials; also the engine's credential resolver. */
  credentials: CredentialService;
  metrics: Metrics;
  /**
   * The effective public URL (RELAIS_PUBLIC_URL, else the listening address): a function, since
   * the routes are built before the server listens. `config.publicUrl` is the explicit setting only.
   */
  publicUrl: () => string;
  /** Signs Wait nodes' resume URLs (`resumeTokenKey` of the credentials key, derived once at start). */
  resumeKey: Uint8Array;
  /** Webhook trigger kind + callers waiting on runs (runtime wires the engine hooks); built by the webhook routes when absent. */
  webhooks?: WebhookWiring;
  /** This process' role and queue figures, shown by /healthz (runtime sets it). */
  process?: {
    role: string;
    queue(): Promise<{ waiting: number; active: number; delayed: number; leases: number }>;
  };
}

/** The Fastify instance every route module gets: zod schemas type requests and replies. */
export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;
