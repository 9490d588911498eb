/**
 * SQLite through better-sqlite3: the embedded default (ARCHITECTURE decision 7). One file,
 * `relais.db`, in the data directory, or an in-memory database for throw-away runs.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, type SqliteDatabase, SqliteDialect } from 'kysely';
import type { Database } from '../schema.js';
import { sqliteBatchWriter } from './sqlite-batch.js';
import {
  checkDate,
  type DialectCapabilities,
  type StoreDialect,
  toJsonText,
  type ValueCodec,
} from './types.js';

export const sqliteCapabilities: DialectCapabilities = {
  // Writers are serialised by SQLite itself; one UPDATE ... RETURNING claims atomically.
  supportsSkipLocked: false,
  jsonColumnType: 'text',
  // Integer milliseconds: exact to the millisecond, sortable, and cheap to compare in indexes.
  dateColumnType: 'integer',
  boolColumnType: 'integer',
  // No INSERT or UPDATE inside a WITH; group commit already shares the transaction.
  oneStatementCommit: false,
  concurrentBatches: false,
  // Its foreign-key checks are index lookups in-process, a small part of a commit.
  cascadeByTriggers: false,
};

export const sqliteCodec: ValueCodec = {
  date: (value) => checkDate(value).getTime(),
  readDate: (raw) => new Date(Number(raw)),
  json: toJsonText,
  readJson: <T>(raw: unknown) => JSON.parse(raw as string) as T,
  bool: (value) => (value ? 1 : 0),
  readBool: (raw) => raw === 1 || raw === true,
};

/** How long a writer waits for another process's write lock before failing with SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 5000;

/** Free pages returned per turn by `reclaimSpace`: ~1 ms of work (measured 0.5–5 ms a turn). */
const RECLAIM_PAGES_PER_TURN = 256;

/** Distinct SQL texts kept prepared; the store issues a few dozen shapes, tables' queries some more. */
const STATEMENT_CACHE = 512;

/**
 * Kysely's SQLite driver prepares every query anew; preparing costs as much as running a short
 * statement. Queries are built from a fixed set of shapes, so one prepared statement per SQL text
 * is kept (oldest dropped first). Safe because the driver runs one statement at a time on this
 * connection and never streams (`iterate`), and SQLite re-prepares a statement after a schema change.
 */
export function withStatementCache(raw: BetterSqlite3.Database, max = STATEMENT_CACHE): SqliteDatabase {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => {
      cache.clear();
      raw.close();
    },
    prepare(sql) {
      let statement = cache.get(sql);
      if (!statement) {
        statement = raw.prepare(sql);
        if (cache.size >= max) cache.delete(cache.keys().next().value!);
        cache.set(sql, statement);
      }
      return statement;
    },
  };
}

export function openSqlite(opts: { dataDir?: string; memory?: boolean }): StoreDialect {
  let file = ':memory:';
  if (!opts.memory) {
    const dir = opts.dataDir ?? join(process.cwd(), 'data');
    mkdirSync(dir, { recursive: true });
    file = join(dir, 'relais.db');
  }
  const raw = new BetterSqlite3(file);
  // auto_vacuum only takes effect if set before the first table exists; INCREMENTAL lets
  // `reclaimSpace` return pruned pages to the file system without a full, locking VACUUM.
  raw.pragma('auto_vacuum = INCREMENTAL');
  raw.pragma('journal_mode = WAL');
  // NORMAL in WAL mode: a power cut may lose the last commits, never corrupts the file.
  raw.pragma('synchronous = NORMAL');
  raw.pragma('foreign_keys = ON');
  raw.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);

  const database = withStatementCache(raw);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
  return {
    name: 'sqlite',
    caps: sqliteCapabilities,
    codec: sqliteCodec,
    db,
    migratorProps: {},
    batchWriter: sqliteBatchWriter(db, database),
    async withMigrationLock(migrate) {
      // Kysely's SQLite driver shares this one connection, so its statements run inside this
      // transaction; a second process waits here (busy_timeout), then finds nothing to do.
      raw.exec('BEGIN IMMEDIATE');
      try {
        await migrate();
        raw.exec('COMMIT');
      } catch (error) {
        if (raw.inTransaction) raw.exec('ROLLBACK');
        throw error;
      }
    },
    async reclaimSpace() {
      // A few hundred pages a turn: pruning a day of runs frees ~10k pages, and returning them in
      // one statement blocked the event loop (every webhook and resume) for ~150 ms. Each step
      // runs under Kysely's connection mutex, so it never lands inside a transaction; exec, not a
      // prepared statement: incremental_vacuum frees one page per step, and exec steps it through.
      let left = Number.POSITIVE_INFINITY;
      for (;;) {
        const before = left;
        left = await db.connection().execute(async () => {
          raw.exec(`PRAGMA incremental_vacuum(${RECLAIM_PAGES_PER_TURN})`);
          return raw.pragma('freelist_count', { simple: true }) as number;
        });
        // Done, or nothing freed: a file made before auto_vacuum was set keeps its free pages.
        if (left === 0 || left >= before) return;
        await new Promise((resolve) => setImmediate(resolve));
      }
    },
  };
}
