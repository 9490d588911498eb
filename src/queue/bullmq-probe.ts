/**
 * What a process of a scale-out deployment shows of itself: its role, the queue depth and the
 * leases it holds, as Prometheus gauges (beside the run metrics) and in `/healthz`. A `relais
 * worker` serves only these two routes, on `RELAIS_WORKER_PORT`.
 */
import Fastify, { type FastifyBaseLogger, LogController } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { sql } from 'kysely';
import type { Logger } from 'pino';
import { Gauge, type Registry } from 'prom-client';
import type { App } from '../server/deps.js';
import type { Metrics } from '../server/metrics.js';
import type { Store } from '../store/index.js';
import type { BullMqQueue, QueueStats } from './bullmq.js';
import type { RunQueue } from './contract.js';

/** `start` (API, webhooks, timers, and a worker unless --no-worker), `webhook` (ingress + API), `worker`. */
export type ProcessRole = 'start' | 'webhook' | 'worker';

/** Queue figures of this process: from Redis in scale-out mode, from the embedded queue otherwise. */
export async function queueStats(queue: RunQueue, bull: BullMqQueue | undefined): Promise<QueueStats> {
  if (bull) return bull.stats();
  const d = queue.depth();
  return { waiting: d.queued, active: d.active, delayed: 0, leases: d.active };
}

/** Gauges read at scrape time: `relais_process_role`, `relais_queue_jobs{state}`, `relais_queue_leases`. */
export function registerQueueMetrics(
  registry: Registry,
  role: ProcessRole,
  stats: () => Promise<QueueStats>,
  onError?: (error: unknown) => void,
): void {
  const registers = [registry];
  const roleGauge = new Gauge({
    name: 'relais_process_role',
    help: 'The role of this process (1 for its role)',
    labelNames: ['role'],
    registers,
  });
  roleGauge.set({ role }, 1);
  const jobs = new Gauge({
    name: 'relais_queue_jobs',
    help: 'Run jobs by state (waiting, active, delayed), all processes together in scale-out mode',
    labelNames: ['state'],
    registers,
  });
  const leases = new Gauge({
    name: 'relais_queue_leases',
    help: 'Runs this process holds a lease on (is driving)',
    registers,
    async collect() {
      try {
        const s = await stats();
        jobs.set({ state: 'waiting' }, s.waiting);
        jobs.set({ state: 'active' }, s.active);
        jobs.set({ state: 'delayed' }, s.delayed);
        this.set(s.leases);
      } catch (error) {
        // A scrape still answers when Redis hiccups; the gauges keep their last values.
        onError?.(error);
      }
    },
  });
  void leases;
}

/** The whole HTTP surface of a worker: `/healthz` (store + queue) and `/metrics`. */
export function workerProbeApp(deps: {
  logger: Logger;
  store: Store;
  metrics: Metrics;
  stats: () => Promise<QueueStats>;
}): App {
  const app: App = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.get('/healthz', async (_request, reply) => {
    try {
      await sql`select 1`.execute(deps.store.db);
      return { status: 'ok', role: 'worker', store: deps.store.dialect, queue: await deps.stats() };
    } catch {
      return reply.status(503).send({ status: 'unavailable', role: 'worker', store: deps.store.dialect });
    }
  });
  app.get('/metrics', async (_request, reply) => {
    reply.header('content-type', deps.metrics.contentType);
    return deps.metrics.render();
  });
  return app;
}
