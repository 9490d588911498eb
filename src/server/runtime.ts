/**
 * One Relais process: store, engine, HTTP server, wired explicitly. `relais start` builds one;
 * tests build one on an ephemeral port. Stopping is graceful: stop accepting, let in-flight runs
 * reach a checkpoint, close the store.
 */
import pino, { type Logger } from 'pino';
import { BINARY } from '../binary/access.js';
import { BinaryStore } from '../binary/store.js';
import type { Config } from '../config.js';
import { DEDUP_HISTORY } from '../dedup/port.js';
import { EMAIL_TEMPLATES } from '../email/template-port.js';
import { templateSourceOf } from '../email/template-service.js';
import { sharedMailer } from '../email/transport.js';
import { type Clock, systemClock } from '../engine/clock.js';
import { Engine, StaleRunError } from '../engine/engine.js';
import type { RunStore } from '../engine/ports.js';
import { createRegistry } from '../nodes/registry.js';
import { NODE_SETTINGS, nodeSettingsFromConfig } from '../nodes/settings.js';
import { closeSqlPools } from '../nodes/shared/sql/pools.js';
import { SUBWORKFLOWS } from '../nodes/subworkflow-port.js';
import { type ProcessRole, queueStats, registerQueueMetrics, workerProbeApp } from '../queue/bullmq-probe.js';
import { DEFAULT_CONCURRENCY, type RunQueue } from '../queue/contract.js';
import { EmbeddedQueue } from '../queue/embedded.js';
import { recoverRuns } from '../queue/recovery.js';
import { resumeTimer } from '../queue/resume-timer.js';
import { Retention } from '../queue/retention.js';
import { TimerLoop, timerLoopSizing } from '../queue/timer-loop.js';
import { openStore, type Store } from '../store/index.js';
import { TABLES } from '../tables/port.js';
import { createTableService } from '../tables/service.js';
import { errorWorkflowHook } from '../triggers/error-workflow.js';
import { storedActiveWorkflows, TriggerRegistry } from '../triggers/registry.js';
import { createSubworkflowRunner } from '../triggers/subworkflow-runner.js';
import { WebhookTrigger } from '../triggers/webhook.js';
import { createDurableTriggers, type DurableTriggers } from '../triggers/wiring.js';
import { buildApp } from './app.js';
import { createAuditSink } from './auth/audit.js';
import { ensureFirstOwner } from './auth/bootstrap.js';
import { CredentialCipher } from './credentials/cipher.js';
import { loadEncryptionKey } from './credentials/keys.js';
import { CredentialService } from './credentials/service.js';
import { CredentialTypes } from './credentials/types.js';
import type { App } from './deps.js';
import { combineHooks, Metrics } from './metrics.js';
import { PublicUrl } from './public-url.js';
import { resumeTokenKey, resumeUrlBuilder } from './routes/resume.js';
import { WebhookWaiters } from './webhook/runner.js';

export interface Runtime {
  app: App;
  store: Store;
  engine: Engine;
  queue: RunQueue;
  /** `start` unless given; `worker` serves only /healthz and /metrics (on RELAIS_WORKER_PORT, if set). */
  role: ProcessRole;
  logger: Logger;
  /** The address the server listens on, once started. */
  url: string;
  /**
   * The base of the URLs it gives out (webhooks, resume URLs, run links): RELAIS_PUBLIC_URL, else
   * the address it listens on (src/server/public-url.ts); a worker's: RELAIS_HOST:RELAIS_PORT.
   */
  publicUrl: string;
  /** Fires due timers (waits, retries, schedules, polls); tests call `tick()` after moving the clock. */
  timerLoop: TimerLoop;
  /** saveData at run end and pruning; tests call `prune()` after moving the clock. */
  retention: Retention;
  stop(): Promise<void>;
}

export interface RuntimeOptions {
  clock?: Clock;
  logger?: Logger;
  /** PostgreSQL only: keep every table in this schema (tests use one per server). */
  databaseSchema?: string;
  /** Where the engine and the run queue keep runs (default: the store). Benchmarks give an in-memory one. */
  runStore?: RunStore;
  /** Scale-out process role (needs `config.redis` for anything but `start`). Default `start`. */
  role?: ProcessRole;
  /** `relais start --no-worker`: this process only puts runs on the queue (scale-out only). */
  noWorker?: boolean;
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
  // A passphrase key is stretched by scrypt on the thread pool while the store opens.
  const [store, encryption] = await Promise.all([
    openStore({
      databaseUrl: config.databaseUrl,
      dataDir: config.dataDir,
      schema: opts.databaseSchema ?? config.databaseSchema,
      logger: { info: (m) => logger.info(m), error: (m) => logger.error(m) },
    }),
    loadEncryptionKey({ setting: config.encryptionKey, dataDir: config.dataDir }, (m) => logger.warn(m)),
  ]);
  const audit = createAuditSink(store.audit, clock, logger);
  await ensureFirstOwner(store.accounts, config.owner, clock, logger);
  logger.info({ source: encryption.source }, 'credentials key loaded');
  const resumeKey = resumeTokenKey(encryption.key);
  // Read lazily by everything below: without RELAIS_PUBLIC_URL it is known once the server listens.
  const publicUrl = new PublicUrl(config);
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
  // Scale-out: callers of runs driven by workers hear from them through Redis (BullMqQueue.watch).
  const webhooks = { trigger: new WebhookTrigger({ clock }), waiters: new WebhookWaiters(() => bull) };
  triggers.register(webhooks.trigger);
  // Files carried by items: written under the data directory, never into run rows.
  const binary = new BinaryStore({ dataDir: config.dataDir });
  const runs = opts.runStore ?? store.runs;
  const engine: Engine = new Engine({
    runs,
    registry,
    clock,
    logger,
    // Unguessable and one-time: `/webhook-waiting/<runId>/<HMAC token>` (src/server/routes/resume.ts).
    resumeUrl: resumeUrlBuilder(publicUrl.get, resumeKey),
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
      [BINARY.name]: binary,
      [TABLES.name]: createTableService({ store: store.tables, clock }),
      [DEDUP_HISTORY.name]: store.dedup,
      // Files folder, Code limits, RELAIS_HTTP_DENY, provider URLs: from the configuration, checked at start.
      [NODE_SETTINGS.name]: nodeSettingsFromConfig(config),
      // Execute Workflow nodes; the runner reaches the engine and the queue (created later) lazily.
      [SUBWORKFLOWS.name]: createSubworkflowRunner({
        engine: (): Engine => engine,
        queue: () => queue,
        workflows: store.workflows,
        listSteps: (id) => store.runs.listSteps(id),
        registry,
        onError: (runId, error) => logger.error({ err: error, runId }, 'sub-workflow run failed to continue'),
      }),
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
  const role = opts.role ?? 'start';
  // Runs this process drives at once: the executor's slots, the worker's jobs, the timers in hand.
  const driven =
    (config.redis ? (config.workerConcurrency ?? config.maxConcurrentRuns) : config.maxConcurrentRuns) ??
    DEFAULT_CONCURRENCY;
  // The embedded queue drives runs in this process; in scale-out mode it is the worker's executor.
  const executor = new EmbeddedQueue({
    engine,
    runs,
    workflows: store.workflows,
    concurrency: driven,
    slots: opts.runStore ? undefined : store.runs,
    afterRun: opts.runStore ? undefined : (run, workflow) => retention.afterRun(run, workflow.settings),
    timers: store.timers,
    clock,
    onError: (runId, error) =>
      // Another driver moved the run first, or a left-over wake-up came for a wait it no longer
      // has (resume-timer.ts): expected in races, nothing failed.
      error instanceof StaleRunError
        ? logger.debug({ err: error, runId }, 'run moved on elsewhere: not driven here')
        : logger.error({ err: error, runId }, 'run failed to continue'),
  });
  const works = role === 'worker' || (role === 'start' && !opts.noWorker);
  // Loaded only in scale-out mode: BullMQ and ioredis are a separate chunk of the bundle.
  const bull = config.redis
    ? new (await import('../queue/bullmq.js')).BullMqQueue({
        redisUrl: config.redis.url,
        prefix: config.redis.prefix,
        runs,
        // Per-workflow limits across every worker: slots claimed in the store.
        slots: opts.runStore ? undefined : store.runs,
        workflows: store.workflows,
        clock,
        executor: works ? executor : undefined,
        concurrency: driven,
        // The lease: renewed at half of it while the worker lives; a dead worker's runs are taken
        // over within about two leases.
        lockDurationMs: config.redis.leaseMs,
        stalledIntervalMs: config.redis.leaseMs,
        onError: (runId, error) => logger.error({ err: error, runId }, 'queued run failed'),
      })
    : undefined;
  const queue: RunQueue = bull ?? executor;
  const stats = () => queueStats(queue, bull);
  registerQueueMetrics(metrics.registry, role, stats, (error) =>
    logger.warn({ err: error }, 'metrics: queue depth not read'),
  );
  const onRunFinish = errorWorkflowHook({
    engine,
    queue,
    workflows: store.workflows,
    listSteps: (id) => store.runs.listSteps(id),
    publicUrl: publicUrl.get,
    onError: (runId, error) => logger.error({ err: error, runId }, 'error workflow failed to start'),
  });
  // Schedule, poll and app-event triggers: kinds for the registry, timer handlers, engine hooks.
  const durable: DurableTriggers = createDurableTriggers(
    {
      engine,
      queue,
      runs,
      workflows: store.workflows,
      triggers: store.triggers,
      clock,
      logger,
    },
    { credentials: (node, slot) => credentials.resolve(node, slot) },
  );
  triggers.register(durable.schedule).register(durable.poll).register(durable.events);
  const prefetch = bull ? undefined : runs.prefetch?.bind(runs);
  // One process schedules from a SQLite file: it claims the timers it reads ahead (TimerLoop), and
  // a claim it finds at its start is a dead process's (killed, say, while it held the timers of the
  // next seconds): given back, those timers fire when due, not a lease later.
  const schedulesAlone = store.dialect === 'sqlite';
  const timerLoop = new TimerLoop({
    timers: store.timers,
    clock,
    handlers: {
      // Scale-out: the timer is done once its job is in Redis (no worker needs to be alive).
      resume: resumeTimer(bull ? (job) => bull.enqueue(job) : (job) => queue.submit(job)),
      ...durable.handlers,
    },
    // Waiting runs about to resume are read before they fall due, where this process drives them.
    prepare: prefetch && {
      resume: (due) =>
        prefetch(due.flatMap((t) => (t.runId ? [t.runId] : []))).catch((error) =>
          logger.warn({ err: error }, 'runs not read ahead of their resume'),
        ),
    },
    onError: (timer, error) => logger.error({ err: error, timer: timer.id }, 'timer failed'),
    claimAhead: schedulesAlone,
    ...timerLoopSizing(driven),
  });
  if (role === 'worker')
    return startWorker({
      config,
      store,
      engine,
      queue,
      logger,
      metrics,
      stats,
      timerLoop,
      retention,
      publicUrl,
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
    binary,
    resumeKey,
    publicUrl: publicUrl.get,
    process: { role, queue: stats },
  });
  let url: string;
  try {
    // Before listening: a webhook of an active automation must never answer 404 after start.
    // Timers fire from `start` processes only: a `webhook` process is ingress and API.
    const activation = await triggers.activateAll(storedActiveWorkflows(store.workflows), logger);
    logger.info(
      { activated: activation.activated.length, failed: activation.failed.length },
      'automations activated',
    );
    url = await app.listen({ host: config.host, port: config.port });
    publicUrl.listening(app.server.address());
  } catch (error) {
    await store.close();
    throw error;
  }
  const recovered = await recoverRuns(store.runs, store.timers, queue, (runId, error) =>
    logger.error({ err: error, runId }, 'run failed to resume'),
  );
  if (role === 'start') {
    if (schedulesAlone) await store.timers.release('all');
    timerLoop.start();
    retention.start();
  }
  logger.info(
    {
      url,
      publicUrl: publicUrl.get(),
      role,
      store: store.dialect,
      queue: bull ? 'bullmq' : 'embedded',
      ...recovered,
    },
    'relais started',
  );
  if (publicUrl.loopbackStandsIn)
    logger.warn(
      { publicUrl: publicUrl.get() },
      'RELAIS_PUBLIC_URL is not set: webhook and resume URLs given out use the loopback address',
    );
  let stopping: Promise<void> | undefined;
  return {
    app,
    store,
    engine,
    queue,
    role,
    logger,
    url,
    publicUrl: publicUrl.get(),
    timerLoop,
    retention,
    stop() {
      stopping ??= (async () => {
        await app.close();
        await timerLoop.stop();
        await retention.stop();
        await queue.close();
        await sharedMailer.close();
        await closeSqlPools();
        await store.close();
        logger.info('relais stopped');
      })();
      return stopping;
    },
  };
}

/**
 * `relais worker`: takes runs from the queue and drives them; no API, no webhooks, no timers. Its
 * only HTTP is /healthz and /metrics, on RELAIS_WORKER_PORT when set.
 */
async function startWorker(w: {
  config: Config;
  store: Store;
  engine: Engine;
  queue: RunQueue;
  logger: Logger;
  metrics: Metrics;
  stats: () => ReturnType<typeof queueStats>;
  /** Built but never started: a worker fires no timers and prunes nothing (`start` does). */
  timerLoop: TimerLoop;
  retention: Retention;
  /** Resume URLs of the runs it drives: RELAIS_PUBLIC_URL, else RELAIS_HOST:RELAIS_PORT (its `start` peers'). */
  publicUrl: PublicUrl;
}): Promise<Runtime> {
  const { config, store, queue, logger } = w;
  const app = workerProbeApp({ logger, store, metrics: w.metrics, stats: w.stats });
  let url = '';
  try {
    if (config.workerPort !== undefined)
      url = await app.listen({ host: config.host, port: config.workerPort });
  } catch (error) {
    await queue.close();
    await store.close();
    throw error;
  }
  logger.info({ url: url || null, role: 'worker', store: store.dialect }, 'relais worker started');
  let stopping: Promise<void> | undefined;
  return {
    app,
    store,
    engine: w.engine,
    queue,
    role: 'worker',
    logger,
    url,
    publicUrl: w.publicUrl.get(),
    timerLoop: w.timerLoop,
    retention: w.retention,
    stop() {
      stopping ??= (async () => {
        await app.close();
        await queue.close();
        await sharedMailer.close();
        await closeSqlPools();
        await store.close();
        logger.info('relais worker stopped');
      })();
      return stopping;
    },
  };
}
