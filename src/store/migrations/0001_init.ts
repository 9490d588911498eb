/**
 * First schema. Column types come from the dialect's capabilities, so one migration serves both
 * databases. Never edit a migration that has shipped: add the next one.
 */
import type { Kysely, Migration } from 'kysely';
import type { DialectCapabilities } from '../dialects/types.js';

export function init(caps: DialectCapabilities): Migration {
  const json = caps.jsonColumnType;
  const date = caps.dateColumnType;
  const bool = caps.boolColumnType;
  return {
    // biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on today's Database type.
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('workflows')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('active', bool, (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('document', json, (c) => c.notNull())
        .addColumn('created_at', date, (c) => c.notNull())
        .addColumn('updated_at', date, (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('workflows_created_at')
        .on('workflows')
        .columns(['created_at', 'id'])
        .execute();

      await db.schema
        .createTable('workflow_versions')
        .addColumn('workflow_id', 'text', (c) => c.notNull().references('workflows.id').onDelete('cascade'))
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('document', json, (c) => c.notNull())
        .addColumn('created_at', date, (c) => c.notNull())
        .addPrimaryKeyConstraint('workflow_versions_pk', ['workflow_id', 'version'])
        .execute();

      // No foreign key to workflows: a run is history and outlives its workflow's deletion, and
      // `relais run` executes documents that were never saved.
      await db.schema
        .createTable('runs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('workflow_id', 'text', (c) => c.notNull())
        .addColumn('workflow_version', 'integer', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('mode', 'text', (c) => c.notNull())
        .addColumn('trigger_items', json, (c) => c.notNull())
        .addColumn('checkpoint', json)
        .addColumn('error', json)
        .addColumn('current_node', 'text')
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('is_test', bool, (c) => c.notNull())
        .addColumn('retry_of', 'text')
        .addColumn('created_at', date, (c) => c.notNull())
        .addColumn('started_at', date)
        .addColumn('finished_at', date)
        .addColumn('wait_till', date)
        .execute();
      // `id` last so keyset pagination and "oldest first" have a total order.
      await db.schema
        .createIndex('runs_status_created')
        .on('runs')
        .columns(['status', 'created_at', 'id'])
        .execute();
      await db.schema
        .createIndex('runs_workflow_created')
        .on('runs')
        .columns(['workflow_id', 'created_at', 'id'])
        .execute();
      await db.schema.createIndex('runs_created').on('runs').columns(['created_at', 'id']).execute();

      await db.schema
        .createTable('steps')
        .addColumn('run_id', 'text', (c) => c.notNull().references('runs.id').onDelete('cascade'))
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('node_id', 'text', (c) => c.notNull())
        .addColumn('node_name', 'text', (c) => c.notNull())
        .addColumn('node_type', 'text', (c) => c.notNull())
        .addColumn('run_index', 'integer', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('started_at', date, (c) => c.notNull())
        .addColumn('finished_at', date, (c) => c.notNull())
        .addColumn('input_count', 'integer', (c) => c.notNull())
        .addColumn('output_counts', json, (c) => c.notNull())
        .addColumn('sources', json, (c) => c.notNull())
        .addColumn('error', json)
        .addColumn('logs', json, (c) => c.notNull())
        .addPrimaryKeyConstraint('steps_pk', ['run_id', 'seq'])
        .execute();

      // Payloads apart from metadata: listing steps or pruning data never drags megabytes along.
      await db.schema
        .createTable('step_data')
        .addColumn('run_id', 'text', (c) => c.notNull())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('input', json)
        .addColumn('output', json)
        .addPrimaryKeyConstraint('step_data_pk', ['run_id', 'seq'])
        .addForeignKeyConstraint('step_data_step_fk', ['run_id', 'seq'], 'steps', ['run_id', 'seq'], (fk) =>
          fk.onDelete('cascade'),
        )
        .execute();

      await db.schema
        .createTable('timers')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('run_id', 'text', (c) => c.references('runs.id').onDelete('cascade'))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('due_at', date, (c) => c.notNull())
        .addColumn('payload', json, (c) => c.notNull())
        .addColumn('claimed_by', 'text')
        .addColumn('claimed_until', date)
        .addColumn('created_at', date, (c) => c.notNull())
        .execute();
      // Schedulers read by due time: a million pending waits cost disk, not memory (decision 4).
      await db.schema.createIndex('timers_due').on('timers').columns(['due_at']).execute();
      await db.schema.createIndex('timers_run').on('timers').column('run_id').execute();
    },
  };
}
