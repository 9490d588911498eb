/**
 * Credentials, encrypted at rest (ARCHITECTURE decision 10): the row holds ciphertext only; the
 * key never reaches the database. Also the index behind automation stats (counts per workflow
 * and status, the last failure), which shipped in the same release.
 */
import type { Kysely, Migration } from 'kysely';
import type { DialectCapabilities } from '../dialects/types.js';

export function credentials(caps: DialectCapabilities): Migration {
  const json = caps.jsonColumnType;
  const date = caps.dateColumnType;
  return {
    // biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on today's Database type.
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('credentials')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('data', 'text', (c) => c.notNull())
        .addColumn('fields', json, (c) => c.notNull())
        .addColumn('created_at', date, (c) => c.notNull())
        .addColumn('updated_at', date, (c) => c.notNull())
        // Imported n8n workflows refer to credentials by type and name: that pair must be unique.
        .addUniqueConstraint('credentials_type_name', ['type', 'name'])
        .execute();
      await db.schema
        .createIndex('credentials_created_at')
        .on('credentials')
        .columns(['created_at', 'id'])
        .execute();

      // Automation stats: one grouped query per list page counts runs per workflow and status from
      // this index alone, and finds each workflow's last failure with one seek.
      await db.schema
        .createIndex('runs_workflow_status')
        .on('runs')
        .columns(['workflow_id', 'status', 'is_test', 'created_at'])
        .execute();
    },
  };
}
