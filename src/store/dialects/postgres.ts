/**
 * PostgreSQL through `pg`: for teams and scale-out (ARCHITECTURE decision 7, "Scaling past one
 * machine"). Several processes share one database; timers are claimed with SKIP LOCKED.
 */
import { Kysely, PostgresDialect } from 'kysely';
import type { CustomTypesConfig } from 'pg';
import type { Database } from '../schema.js';
import { postgresBatchWriter } from './postgres-batch.js';
import { parseTimestamptz } from './postgres-dates.js';
import { preparedStatements } from './postgres-prepared.js';
import {
  checkDate,
  type DialectCapabilities,
  type StoreDialect,
  toJsonText,
  type ValueCodec,
} from './types.js';

export const postgresCapabilities: DialectCapabilities = {
  supportsSkipLocked: true,
  // `json`, not `jsonb`: items must come back exactly as written. jsonb reorders object keys
  // (n8n shows columns in key order) and rejects "\u0000" in strings, which SQLite keeps; it also
  // costs a parse into its binary form on every write of a 100k-item step. No query looks inside
  // these documents, so jsonb's indexing buys nothing here.
  jsonColumnType: 'json',
  dateColumnType: 'timestamptz',
  boolColumnType: 'boolean',
  oneStatementCommit: true,
  concurrentBatches: true,
  cascadeByTriggers: true,
};

/**
 * JSON columns come back as text (`jsonAsText`), as on SQLite: the store parses each value when it
 * reads it, so rows read ahead of time (read-ahead.ts) give every reader a copy of its own. Dates
 * are copied for the same reason (pg makes a Date of each timestamptz).
 */
export const postgresCodec: ValueCodec = {
  date: (value) => checkDate(value),
  readDate: (raw) => new Date(raw instanceof Date ? raw.getTime() : (raw as string)),
  json: toJsonText,
  readJson: <T>(raw: unknown) => JSON.parse(raw as string) as T,
  bool: (value) => value,
  readBool: (raw) => raw === true,
};

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export interface PostgresOptions {
  databaseUrl: string;
  /** Puts every table (and Kysely's migration bookkeeping) in this schema; created if missing. */
  schema?: string;
  poolSize?: number;
  onPoolError?: (error: Error) => void;
}

export async function openPostgres(opts: PostgresOptions): Promise<StoreDialect> {
  if (opts.schema !== undefined && !SCHEMA_NAME.test(opts.schema)) {
    // The name goes into a connection option, unquoted: only plain identifiers are allowed.
    throw new RangeError(`invalid PostgreSQL schema name: ${opts.schema}`);
  }
  // Loaded here: an embedded (SQLite) process never loads the PostgreSQL driver.
  const { default: pg } = await import('pg');
  // json columns as their text: pg would parse them itself, into objects a cache would share.
  // timestamptz without a regular expression (postgres-dates.ts says why), pg's parser as fallback.
  const pgTimestamptz = pg.types.getTypeParser(pg.types.builtins.TIMESTAMPTZ, 'text') as (
    text: string,
  ) => unknown;
  const readTimestamptz = (text: string) => parseTimestamptz(text, pgTimestamptz);
  const types: CustomTypesConfig = {
    getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
      oid === pg.types.builtins.JSON
        ? (text: string) => text
        : oid === pg.types.builtins.TIMESTAMPTZ
          ? readTimestamptz
          : pg.types.getTypeParser(oid, format)) as CustomTypesConfig['getTypeParser'],
  };
  const pool = new pg.Pool({
    connectionString: opts.databaseUrl,
    max: opts.poolSize ?? 10,
    types,
    // Every pooled connection resolves unqualified table names in the store's schema first.
    ...(opts.schema ? { options: `-c search_path=${opts.schema}` } : {}),
  });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', (error) => opts.onPoolError?.(error));

  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: preparedStatements(pool) }) });
  return {
    name: 'postgres',
    caps: postgresCapabilities,
    codec: postgresCodec,
    db,
    // The Migrator then creates the schema if needed and checks for its tables in it, not in
    // whichever schema happens to hold a `kysely_migration` table.
    migratorProps: opts.schema ? { migrationTableSchema: opts.schema } : {},
    withMigrationLock: (migrate) => migrate(),
    async reclaimSpace() {},
    batchWriter: postgresBatchWriter(db, postgresCapabilities),
  };
}
