/**
 * Webhook bookkeeping: idempotency keys (a key seen within its window returns the first run's
 * answer) and HMAC signatures seen recently (a replayed signature is refused). One table, keys
 * scoped (`idem:<workflow>`, `sig:<workflow>`), the primary key doing the deduplication so that
 * concurrent duplicates cannot both win, rows pruned by `expires_at`.
 */
import type { Kysely, Migration } from 'kysely';
import type { DialectCapabilities } from '../dialects/types.js';

export function webhooks(caps: DialectCapabilities): Migration {
  return {
    // biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on today's Database type.
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('webhook_keys')
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('run_id', 'text')
        // The first answer, replayed to duplicates: status, headers and body (null until known).
        .addColumn('response', caps.jsonColumnType)
        .addColumn('created_at', caps.dateColumnType, (c) => c.notNull())
        .addColumn('expires_at', caps.dateColumnType, (c) => c.notNull())
        .addPrimaryKeyConstraint('webhook_keys_pk', ['scope', 'key'])
        .execute();
      await db.schema.createIndex('webhook_keys_expires').on('webhook_keys').column('expires_at').execute();
    },
  };
}
