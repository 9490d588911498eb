/**
 * Built-in data tables (issue "Integrations", point 4): the catalog. Each user table is a real
 * SQL table (`t_<id>`, created by src/tables/ddl.ts with the catalog row in one transaction);
 * this row describes it: its name (unique case-insensitively through `name_key`), its typed
 * columns and its indexes as JSON, and a version that every alteration bumps, so two concurrent
 * alterations cannot both apply to the same description.
 */
import type { Kysely, Migration } from 'kysely';
import type { DialectCapabilities } from '../dialects/types.js';

export function tables(caps: DialectCapabilities): Migration {
  const json = caps.jsonColumnType;
  const date = caps.dateColumnType;
  return {
    // biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on today's Database type.
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('data_tables')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('name_key', 'text', (c) => c.notNull().unique())
        .addColumn('physical', 'text', (c) => c.notNull().unique())
        .addColumn('columns', json, (c) => c.notNull())
        .addColumn('indexes', json, (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('created_at', date, (c) => c.notNull())
        .addColumn('updated_at', date, (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('data_tables_created_at')
        .on('data_tables')
        .columns(['created_at', 'id'])
        .execute();
    },
  };
}
