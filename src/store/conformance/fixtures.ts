/**
 * The databases the conformance suite runs against (STYLE practice 6): SQLite in a temp dir and in
 * memory always, PostgreSQL when RELAIS_TEST_DATABASE_URL is set (one fresh schema per database).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openStore, type Store, type StoreOptions } from '../index.js';

/** A fresh, empty database; every `open()` is another connection to it, like another process. */
export interface TestDatabase {
  open(): Promise<Store>;
  /** The options a separate process would pass to reach this database; null for in-memory SQLite. */
  options: StoreOptions | null;
  /**
   * Whether two stores in this one process may hold transactions at the same time. Not on SQLite:
   * a second connection waiting for the write lock blocks the event loop (better-sqlite3 is
   * synchronous) so the first never commits; there, callers race on one store (one connection).
   */
  parallelTransactions: boolean;
  /** Closes every store opened here and removes the database. */
  dispose(): Promise<void>;
}

export interface StoreFixture {
  name: string;
  /** Why the suite cannot run here, printed loudly; undefined when it runs. */
  skip?: string;
  database(): Promise<TestDatabase>;
}

function tracked(openFn: () => Promise<Store>, cleanup: (stores: Store[]) => Promise<void>) {
  const stores: Store[] = [];
  return {
    async open(): Promise<Store> {
      const store = await openFn();
      stores.push(store);
      return store;
    },
    async dispose(): Promise<void> {
      await cleanup(stores);
      await Promise.all(stores.map((s) => s.close()));
    },
  };
}

export const sqliteFileFixture: StoreFixture = {
  name: 'sqlite (file)',
  async database() {
    const dataDir = await mkdtemp(join(tmpdir(), 'relais-store-'));
    const t = tracked(
      () => openStore({ dataDir }),
      async () => {},
    );
    return {
      open: t.open,
      options: { dataDir },
      parallelTransactions: false,
      async dispose() {
        await t.dispose();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  },
};

export const sqliteMemoryFixture: StoreFixture = {
  name: 'sqlite (memory)',
  async database() {
    let opened = false;
    const t = tracked(
      async () => {
        // Each in-memory connection is its own database: a second open would not share data.
        if (opened) throw new Error('an in-memory database cannot be opened twice');
        opened = true;
        return openStore({ memory: true });
      },
      async () => {},
    );
    return { open: t.open, options: null, parallelTransactions: false, dispose: t.dispose };
  },
};

export function postgresFixture(databaseUrl: string | undefined): StoreFixture {
  return {
    name: 'postgres',
    skip: databaseUrl ? undefined : 'RELAIS_TEST_DATABASE_URL not set: PostgreSQL store suite skipped',
    async database() {
      const schema = `relais_test_${randomBytes(6).toString('hex')}`;
      const options: StoreOptions = { databaseUrl, schema, poolSize: 4 };
      const t = tracked(
        () => openStore(options),
        // Own client: the schema must go even when no store was opened (a child process made it).
        async () => {
          const client = new pg.Client({ connectionString: databaseUrl });
          await client.connect();
          try {
            await client.query(`drop schema if exists "${schema}" cascade`);
          } finally {
            await client.end();
          }
        },
      );
      return { open: t.open, options, parallelTransactions: true, dispose: t.dispose };
    },
  };
}

export function allFixtures(): StoreFixture[] {
  return [sqliteFileFixture, sqliteMemoryFixture, postgresFixture(process.env.RELAIS_TEST_DATABASE_URL)];
}

/** Runs `fn` with a store on a fresh database, and always cleans up. */
export async function withStore(
  fixture: StoreFixture,
  fn: (store: Store, database: TestDatabase) => Promise<void>,
): Promise<void> {
  const database = await fixture.database();
  try {
    await fn(await database.open(), database);
  } finally {
    await database.dispose();
  }
}
