/**
 * One Relais process: store, engine, HTTP server, wired explicitly. `relais start` builds one;
 * tests build one on an ephemeral port. Stopping is graceful: stop accepting, let in-flight runs
 * reach a checkpoint, close the store.
 */
import pino, { type Logger } from 'pino';
import type { Config } from '../config.js';
import { type Clock, systemClock } from '../engine/clock.js';
import { Engine } from '../engine/engine.js';
import { createRegistry } from '../nodes/registry.js';
import { openStore, type Store } from '../store/index.js';
import { buildApp } from './app.js';
import type { App } from './deps.js';

export interface Runtime {
  app: App;
  store: Store;
  engine: Engine;
  logger: Logger;
  /** The address the server listens on, once started. */
  url: string;
  stop(): Promise<void>;
}

export interface RuntimeOptions {
  clock?: Clock;
  logger?: Logger;
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
];

export function createLogger(config: Pick<Config, 'logLevel'>): Logger {
  return pino({ level: config.logLevel, redact: { paths: REDACT, censor: '[redacted]' } });
}

export async function startRuntime(config: Config, opts: RuntimeOptions = {}): Promise<Runtime> {
  const logger = opts.logger ?? createLogger(config);
  const clock = opts.clock ?? systemClock;
  const store = await openStore({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    logger: { info: (m) => logger.info(m), error: (m) => logger.error(m) },
  });
  const registry = createRegistry();
  const engine = new Engine({
    runs: store.runs,
    registry,
    clock,
    logger,
    resumeUrl: (runId) => `${config.publicUrl}/webhook-waiting/${runId}`,
  });
  const app = await buildApp({ config, store, engine, registry, clock, logger });
  let url: string;
  try {
    url = await app.listen({ host: config.host, port: config.port });
  } catch (error) {
    await store.close();
    throw error;
  }
  logger.info({ url, store: store.dialect }, 'relais started');
  let stopping: Promise<void> | undefined;
  return {
    app,
    store,
    engine,
    logger,
    url,
    stop() {
      stopping ??= (async () => {
        await app.close();
        await store.close();
        logger.info('relais stopped');
      })();
      return stopping;
    },
  };
}
