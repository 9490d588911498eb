/**
 * Deduplication history of Remove Duplicates across runs (src/dedup/port.ts): one document per
 * workflow and context, as n8n's `processed_data`. No foreign key to `workflows`: a workflow run
 * from a file (`relais run`) has no row there; deleting a workflow deletes its history
 * (workflow-store.ts). `document` is NULL for a row created only to be locked (dedup-store.ts).
 */
import type { Kysely, Migration } from 'kysely';
import type { DialectCapabilities } from '../dialects/types.js';

export function dedupHistory(caps: DialectCapabilities): Migration {
  return {
    // biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on today's Database type.
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('dedup_history')
        .addColumn('workflow_id', 'text', (c) => c.notNull())
        .addColumn('context', 'text', (c) => c.notNull())
        .addColumn('document', caps.jsonColumnType)
        .addColumn('updated_at', caps.dateColumnType, (c) => c.notNull())
        .addPrimaryKeyConstraint('dedup_history_pk', ['workflow_id', 'context'])
        .execute();
    },
  };
}
