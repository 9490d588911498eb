/** `relais start`: the server, the API, webhooks and triggers in one process, until SIGTERM/SIGINT. */
import { ConfigError, loadConfig } from '../config.js';
import { startRuntime } from '../server/runtime.js';
import type { Io } from './io.js';

export async function startCommand(_args: string[], io: Io): Promise<number> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      io.err(error.message);
      return 2;
    }
    throw error;
  }
  const runtime = await startRuntime(config);
  io.out(`Relais is running on ${runtime.url} (store: ${runtime.store.dialect}, data: ${config.dataDir})`);
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      runtime.logger.info({ signal }, 'shutting down');
      runtime.stop().then(resolve, (error) => {
        runtime.logger.error({ err: error }, 'shutdown failed');
        resolve();
      });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  return 0;
}
