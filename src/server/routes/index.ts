/** Every route module, registered in one place. */
import type { App, ServerDeps } from '../deps.js';
import { healthRoutes } from './health.js';

export async function registerRoutes(app: App, deps: ServerDeps): Promise<void> {
  await app.register(healthRoutes(deps));
}
