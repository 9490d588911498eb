/** Every route module, registered in one place. */
import type { App, ServerDeps } from '../deps.js';
import { apiKeyRoutes } from './api-keys.js';
import { auditLogRoutes } from './audit-log.js';
import { authRoutes } from './auth.js';
import { automationRoutes } from './automations/index.js';
import { credentialRoutes } from './credentials.js';
import { emailTemplateRoutes } from './email-templates.js';
import { eventRoutes } from './events.js';
import { healthRoutes } from './health.js';
import { importRoutes } from './import.js';
import { metricsRoutes } from './metrics.js';
import { resumeRoutes } from './resume.js';
import { runRoutes } from './runs.js';
import { setupRoutes } from './setup.js';
import { statsRoutes } from './stats.js';
import { tableRoutes } from './tables.js';
import { triggerStatusRoutes } from './trigger-status.js';
import { userRoutes } from './users.js';
import { registerWebhooks } from './webhooks.js';

export async function registerRoutes(app: App, deps: ServerDeps): Promise<void> {
  await app.register(healthRoutes(deps));
  await app.register(setupRoutes(deps));
  await app.register(authRoutes(deps));
  await app.register(userRoutes(deps));
  await app.register(apiKeyRoutes(deps));
  await app.register(auditLogRoutes(deps));
  await app.register(importRoutes(deps));
  await app.register(automationRoutes(deps));
  await app.register(runRoutes(deps));
  await app.register(credentialRoutes(deps));
  await app.register(emailTemplateRoutes(deps));
  await app.register(tableRoutes(deps));
  await app.register(statsRoutes(deps));
  await app.register(metricsRoutes(deps));
  await registerWebhooks(app, deps);
  await app.register(eventRoutes(deps));
  await app.register(triggerStatusRoutes(deps));
  await app.register(resumeRoutes(deps));
}
