/**
 * Databases the data-table tests run on: in-memory SQLite always, PostgreSQL (a fresh schema,
 * dropped afterwards) when RELAIS_TEST_DATABASE_URL is set — said loudly when it is not.
 *
 *   for (const db of tableDatabases()) describe(db.name, () => { ... withTables(db, async (t) => ...) });
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { ManualClock } from '../engine/clock.js';
import { openStore, type Store } from '../store/index.js';
import type { NewTableInput } from './schema-changes.js';
import { createTableService, type TableService } from './service.js';

export interface TableDatabase {
  name: 'sqlite' | 'postgres';
  /** Why this database is skipped here; undefined when it runs. */
  skip?: string;
}

export function tableDatabases(): TableDatabase[] {
  const url = process.env.RELAIS_TEST_DATABASE_URL;
  const skip = url ? undefined : 'RELAIS_TEST_DATABASE_URL not set: data-table tests on PostgreSQL skipped';
  if (skip) console.warn(`\n*** ${skip} ***\n`);
  return [{ name: 'sqlite' }, { name: 'postgres', skip }];
}

export interface TablesFixture {
  store: Store;
  tables: TableService;
  clock: ManualClock;
}

/** Runs `fn` with a fresh store and table service on `db`, and always cleans up. */
export async function withTables(db: TableDatabase, fn: (t: TablesFixture) => Promise<void>): Promise<void> {
  const url = process.env.RELAIS_TEST_DATABASE_URL;
  const schema = `relais_test_${randomBytes(6).toString('hex')}`;
  const store =
    db.name === 'postgres'
      ? await openStore({ databaseUrl: url, schema, poolSize: 4 })
      : await openStore({ memory: true });
  const clock = new ManualClock('2026-01-01T00:00:00.000Z');
  try {
    await fn({ store, tables: createTableService({ store: store.tables, clock }), clock });
  } finally {
    await store.close();
    if (db.name === 'postgres') {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`drop schema if exists "${schema}" cascade`);
      } finally {
        await client.end();
      }
    }
  }
}

/** The dental practice of seeds/000: its five collections as typed tables. */
export const DENTAL_TABLES: NewTableInput[] = [
  {
    name: 'patients',
    columns: [
      { name: 'nom', type: 'string' },
      { name: 'prenom', type: 'string' },
      { name: 'email', type: 'string' },
      { name: 'telephone', type: 'string' },
      { name: 'cabinetId', type: 'string' },
      { name: 'source', type: 'string' },
      { name: 'createdAt', type: 'date' },
    ],
    indexes: [{ columns: ['email'], unique: true }],
  },
  {
    name: 'donnees_cabinet',
    columns: [
      { name: 'cabinetId', type: 'string' },
      { name: 'periode', type: 'string' },
      { name: 'chiffreAffaires', type: 'number' },
      { name: 'revenus', type: 'number' },
      { name: 'depenses', type: 'number' },
      { name: 'source', type: 'string' },
      { name: 'createdAt', type: 'date' },
    ],
    indexes: [{ columns: ['cabinetId', 'periode'], unique: true }],
  },
  {
    name: 'production',
    columns: [
      { name: 'cabinetId', type: 'string' },
      { name: 'praticien', type: 'string' },
      { name: 'periode', type: 'string' },
      { name: 'heures', type: 'number' },
      { name: 'actes', type: 'number' },
      { name: 'revenus', type: 'number' },
      { name: 'source', type: 'string' },
      { name: 'createdAt', type: 'date' },
    ],
    indexes: [],
  },
  {
    name: 'rendezvous',
    columns: [
      { name: 'cabinetId', type: 'string' },
      { name: 'patientNom', type: 'string' },
      { name: 'date', type: 'date' },
      { name: 'heure', type: 'string' },
      { name: 'praticien', type: 'string' },
      { name: 'type', type: 'string' },
      { name: 'source', type: 'string' },
      { name: 'createdAt', type: 'date' },
    ],
    indexes: [{ columns: ['cabinetId', 'date'], unique: false }],
  },
  {
    name: 'webhook_logs',
    columns: [
      { name: 'type', type: 'string' },
      { name: 'cabinetId', type: 'string' },
      { name: 'recordsProcessed', type: 'number' },
      { name: 'success', type: 'boolean' },
      { name: 'details', type: 'json' },
      { name: 'timestamp', type: 'date' },
    ],
    indexes: [],
  },
];
