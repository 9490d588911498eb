/**
 * One Relais process: store, engine, HTTP server, wired explicitly. `relais start` builds one;
 * tests build one on an ephemeral port. Stopping is graceful: stop accepting, let in-flight runs
 * reach a checkpoint, close the store.
 */
import pino, { type Logger } from 'pino';
import type { Config } from '../config.js';
import { EMAIL_TEMPLATES } from '../email/template-port.js';
import { templateSourceOf } from '../email/template-service.js';
import { sharedMailer } from '../email/transport.js';
import { type Clock, systemClock } from '../engine/clock.js';
import { Engine } from '../engine/engine.js';
import type { RunStore } from '../engine/ports.js';
import { BINARY } from '../binary/access.js';
import { BinaryStore } from '../binary/store.js';
import { createRegistry } from '../nodes/registry.js';
import type { RunQueue } from '../queue/contract.js';
import { EmbeddedQueue } from '../queue/embedded.js';
import { recoverRuns } from '../queue/recovery.js';
import { Retention } from '../queue/retention.js';
import { TimerLoop } from '../queue/timer-loop.js';
import { openStore, type Store } from '../store/index.js';
import { errorWorkflowHook } from '../triggers/error-workflow.js';
import { storedActiveWorkflows, TriggerRegistry } from '../triggers/registry.js';
import { createDurableTriggers, type DurableTriggers } from '../triggers/wiring.js';
import { WebhookTrigger } from '../triggers/webhook.js';
import { buildApp } from './app.js';
import { createAuditSink } from './auth/audit.js';
import { ensureFirstOwner } from './auth/bootstrap.js';
import { CredentialCipher } from './credentials/cipher.js';
import { loadEncryptionKey } from './credentials/keys.js';
import { CredentialService } from './credentials/service.js';
import { CredentialTypes } from './credentials/types.js';
import type { App } from './deps.js';
import { resumeTokenKey, resumeUrlBuilder } from './routes/resume.js';
import { combineHooks, Metrics } from './metrics.js';
import { WebhookWaiters } from './webhook/runner.js';

export interface Runtime {
  app: App;
  store: Store;
  engine: Engine;
  queue: RunQueue;
  logger: Logger;
  /** The address the server listens on, once started. */
  url: string;
  /** Fires due timers (waits, retries, schedules, polls); tests call `tick()` after moving the clock. */
  timerLoop: TimerLoop;
  stop(): Promise<void>;
}

export interface RuntimeOptions {
  clock?: Clock;
  logger?: Logger;
  /** PostgreSQL only: keep every table in this schema (tests use one per server). */
  databaseSchema?: string;
  /** Where the engine and the run queue keep runs (default: the store). Benchmarks give an in-memory one. */
  runStore?: RunStore;
}

/** Secrets never reach the logs, whatever a log call passes. */
const REDACT = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  '*.password',
  '*.token',
  '*.accessToken',
  '*.refreshToken',
  '*.secret',
  '*.apiKey',
  'password',
  'token',
  'accessToken',
  'refreshToken',
  'secret',
  'apiKey',
  'passwordHash',
  '*.passwordHash',
  '*.*.password',
  'req.headers["set-cookie"]',
  'res.headers["set-cookie"]',
];

/** `destination`: where lines go (stdout by default; tests capture them). */
export function createLogger(config: Pick<Config, 'logLevel'>, destination?: pino.DestinationStream): Logger {
  const options = { level: config.logLevel, redact: { paths: REDACT, censor: '[redacted]' } };
  return destination ? pino(options, destination) : pino(options);
}

export async function startRuntime(config: Config, opts: RuntimeOptions = {}): Promise<Runtime> {
  const logger = opts.logger ?? createLogger(config);
  const clock = opts.clock ?? systemClock;
  const store = await openStore({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    schema: opts.databaseSchema,
    logger: { info: (m) => logger.info(m), error: (m) => logger.error(m) },
  });
  const audit = createAuditSink(store.audit, clock, logger);
  await ensureFirstOwner(store.accounts, config.owner, clock, logger);
  const encryption = await loadEncryptionKey(
    { setting: config.encryptionKey, dataDir: config.dataDir },
    (m) => logger.warn(m),
  );
  logger.info({ source: encryption.source }, 'credentials key loaded');
  const credentials = new CredentialService(
    store.credentials,
    new CredentialCipher(encryption.key),
    new CredentialTypes(),
    clock,
  );
  const metrics = new Metrics({
    timers: store.timers,
    onError: (error) => logger.warn({ err: error }, 'metrics: pending timers not counted'),
  });
  const registry = createRegistry();
  const triggers = new TriggerRegistry(registry);
  const webhooks = { trigger: new WebhookTrigger({ clock }), waiters: new WebhookWaiters() };
  triggers.register(webhooks.trigger);
  const engine = new Engine({
    runs: opts.runStore ?? store.runs,
    registry,
    clock,
    logger,
    // Unguessable and one-time: `/webhook-waiting/<runId>/<HMAC token>` (src/server/routes/resume.ts).
    resumeUrl: resumeUrlBuilder(config.publicUrl, resumeTokenKey(encryption.key)),
    timers: store.timers,
    hooks: combineHooks(
      metrics.engineHooks(),
      webhooks.waiters.engineHooks(),
      { onRunFinish: (run) => onRunFinish(run) },
      { onStepFinish: (run, step) => durable.engineHooks.onStepFinish?.(run, step) },
    ),
    credentials: (node, slot) => credentials.resolve(node, slot),
    services: {
      [EMAIL_TEMPLATES.name]: templateSourceOf(store.emailTemplates),
      [BINARY.name]: new BinaryStore({ dataDir: config.dataDir }),
    },
  });
  // saveData at the end of each run, and pruning by age and count (issue "Durable execution", 9).
  const retention = new Retention({
    store: store.retention,
    reclaimSpace: () => store.reclaimSpace(),
    clock,
    settings: config.retention ?? { maxAgeMs: null, maxRunsPerWorkflow: null, intervalMs: 3_600_000 },
    onPruned: (result) => logger.info(result, 'finished runs pruned'),
    onError: (error) => logger.error({ err: error }, 'pruning failed'),
  });
  const queue = new EmbeddedQueue({
    engine,
    runs: opts.runStore ?? store.runs,
    workflows: store.workflows,
    concurrency: config.maxConcurrentRuns,
    slots: opts.runStore ? undefined : store.runs,
    afterRun: opts.runStore ? undefined : (run, workflow) => retention.afterRun(run, workflow.settings),
    timers: store.timers,
    clock,
    onError: (runId, error) => logger.error({ err: error, runId }, 'run failed to continue'),
  });
  const onRunFinish = errorWorkflowHook({
    engine,
    queue,
    workflows: store.workflows,
    listSteps: (id) => store.runs.listSteps(id),
    publicUrl: config.publicUrl,
    onError: (runId, error) => logger.error({ err: error, runId }, 'error workflow failed to start'),
  });
  // Schedule, poll and app-event triggers: kinds for the registry, timer handlers, engine hooks.
  const durable: DurableTriggers = createDurableTriggers(
    { engine, queue, runs: opts.runStore ?? store.runs, workflows: store.workflows, triggers: store.triggers, clock, logger },
    { credentials: (node, slot) => credentials.resolve(node, slot) },
  );
  triggers.register(durable.schedule).register(durable.poll).register(durable.events);
  const timerLoop = new TimerLoop({
    timers: store.timers,
    clock,
    handlers: {
      resume: async (t) => void (await queue.submit({ runId: t.runId!, resume: { by: 'time' } })),
      ...durable.handlers,
    },
    onError: (timer, error) => logger.error({ err: error, timer: timer.id }, 'timer failed'),
  });
  const app = await buildApp({
    config,
    store,
    engine,
    queue,
    registry,
    clock,
    logger,
    audit,
    triggers,
    credentials,
    metrics,
    webhooks,
  });
  let url: string;
  try {
    // Before listening: a webhook of an active automation must never answer 404 after start.
    const activation = await triggers.activateAll(storedActiveWorkflows(store.workflows), logger);
    logger.info(
      { activated: activation.activated.length, failed: activation.failed.length },
      'automations activated',
    );
    url = await app.listen({ host: config.host, port: config.port });
  } catch (error) {
    await store.close();
    throw error;
  }
  const recovered = await recoverRuns(store.runs, store.timers, queue, (runId, error) =>
    logger.error({ err: error, runId }, 'run failed to resume'),
  );
  timerLoop.start();
  retention.start();
  logger.info({ url, store: store.dialect, ...recovered }, 'relais started');
  let stopping: Promise<void> | undefined;
  return {
    app,
    store,
    engine,
    queue,
    logger,
    url,
    timerLoop,
    stop() {
      stopping ??= (async () => {
        await app.close();
        await timerLoop.stop();
        await retention.stop();
        await queue.close();
        await sharedMailer.close();
        await store.close();
        logger.info('relais stopped');
      })();
      return stopping;
    },
  };
}
