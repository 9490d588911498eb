/**
 * Trigger bookkeeping (issue "Durable execution", points 2–5):
 * - `trigger_state`: one row per schedule/poll trigger node of a workflow — its pending timer (so
 *   re-activation replaces it instead of adding a second one) and its state (last tick, poll cursor,
 *   failures) as JSON;
 * - `trigger_keys`: the dedup keys a poll trigger has seen; the primary key makes "one run per new
 *   key" hold under races, and `item` keeps a run-to-start until it is started (exactly once);
 * - `event_keys`: idempotency keys of app events (and one-time claims such as a resume URL call),
 *   with the first answer replayed to duplicates;
 * - `event_waits`: runs paused on a Wait node for an app event, looked up by type and key.
 */
import type { Kysely, Migration } from 'kysely';
import type { DialectCapabilities } from '../dialects/types.js';

export function triggers(caps: DialectCapabilities): Migration {
  const json = caps.jsonColumnType;
  const date = caps.dateColumnType;
  const bool = caps.boolColumnType;
  return {
    // biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on today's Database type.
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('trigger_state')
        .addColumn('workflow_id', 'text', (c) => c.notNull())
        .addColumn('node_id', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('timer_id', 'text')
        .addColumn('state', json, (c) => c.notNull())
        .addColumn('updated_at', date, (c) => c.notNull())
        .addPrimaryKeyConstraint('trigger_state_pk', ['workflow_id', 'node_id'])
        .execute();

      await db.schema
        .createTable('trigger_keys')
        .addColumn('workflow_id', 'text', (c) => c.notNull())
        .addColumn('node_id', 'text', (c) => c.notNull())
        // sha256 of the key: keys can be long; the hash keeps the primary key small on both databases.
        .addColumn('key_hash', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('run_id', 'text')
        .addColumn('item', json)
        .addColumn('started', bool, (c) => c.notNull())
        .addColumn('created_at', date, (c) => c.notNull())
        .addPrimaryKeyConstraint('trigger_keys_pk', ['workflow_id', 'node_id', 'key_hash'])
        .execute();
      await db.schema
        .createIndex('trigger_keys_pending')
        .on('trigger_keys')
        .columns(['workflow_id', 'node_id', 'started'])
        .execute();

      await db.schema
        .createTable('event_keys')
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('answer', json, (c) => c.notNull())
        .addColumn('created_at', date, (c) => c.notNull())
        .addPrimaryKeyConstraint('event_keys_pk', ['scope', 'key'])
        .execute();
      await db.schema.createIndex('event_keys_created').on('event_keys').column('created_at').execute();

      await db.schema
        .createTable('event_waits')
        .addColumn('run_id', 'text', (c) => c.primaryKey().references('runs.id').onDelete('cascade'))
        .addColumn('event_type', 'text', (c) => c.notNull())
        .addColumn('event_key', 'text')
        .addColumn('wait_version', 'integer', (c) => c.notNull())
        .addColumn('created_at', date, (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('event_waits_type_key')
        .on('event_waits')
        .columns(['event_type', 'event_key'])
        .execute();
    },
  };
}
