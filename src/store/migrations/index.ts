/**
 * Migrations are code, listed here by name (sorted order = applied order). No file-system scan:
 * the list works the same from sources, from a bundle and from `dist/`.
 */
import type { Migration, MigrationProvider } from 'kysely';
import type { DialectCapabilities } from '../dialects/types.js';
import { init } from './0001_init.js';
import { accounts } from './0002_accounts.js';
import { credentials } from './0003_credentials.js';
import { webhooks } from './0004_webhooks.js';
import { triggers } from './0005_triggers.js';
import { retention } from './0006_retention.js';
import { emailTemplates } from './0007_email_templates.js';
import { tables } from './0008_tables.js';
import { slotClaims } from './0009_slot_claims.js';
import { timersDueOrder } from './0010_timers_due_order.js';
import { concurrencyPartial } from './0011_concurrency_partial.js';
import { dedupHistory } from './0012_dedup_history.js';
import { stepCascadeTriggers } from './0013_step_cascade_triggers.js';

export function migrationProvider(caps: DialectCapabilities): MigrationProvider {
  const migrations: Record<string, Migration> = {
    '0001_init': init(caps),
    '0002_accounts': accounts(caps),
    '0003_credentials': credentials(caps),
    '0004_webhooks': webhooks(caps),
    '0005_triggers': triggers(caps),
    '0006_retention': retention(caps),
    '0007_email_templates': emailTemplates(caps),
    '0008_tables': tables(caps),
    '0009_slot_claims': slotClaims(caps),
    '0010_timers_due_order': timersDueOrder(),
    '0011_concurrency_partial': concurrencyPartial(),
    '0012_dedup_history': dedupHistory(caps),
    '0013_step_cascade_triggers': stepCascadeTriggers(caps),
  };
  return { getMigrations: async () => migrations };
}
