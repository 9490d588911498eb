/**
 * The store: SQLite by default, PostgreSQL when given a postgres:// URL (ARCHITECTURE decision 7).
 * `openStore` connects, brings the schema up to date and wires the repositories; the engine sees
 * only the ports (RunStore, WorkflowStore, TimerStore), never Kysely.
 */
import { type Kysely, Migrator } from 'kysely';
import type { DedupHistory } from '../dedup/port.js';
import { type AccountStore, createAccountStore } from './account-store.js';
import { type AuditStore, createAuditStore } from './audit-store.js';
import { type CredentialStore, createCredentialStore } from './credential-store.js';
import { createDedupStore } from './dedup-store.js';
import { openPostgres } from './dialects/postgres.js';
import { openSqlite } from './dialects/sqlite.js';
import type { DialectName, StoreDialect } from './dialects/types.js';
import { createEmailTemplateStore, type EmailTemplateStore } from './email-template-store.js';
import { createIdempotencyStore, type IdempotencyStore } from './idempotency-store.js';
import { migrationProvider } from './migrations/index.js';
import type { TimerStore } from './ports-timers.js';
import { createRetentionStore, type RetentionStore } from './retention-store.js';
import { createRunStore, type RelaisRunStore } from './run-store.js';
import type { Database } from './schema.js';
import { createTableStore, type TableStore } from './table-store.js';
import { createTimerStore } from './timer-store.js';
import { createTriggerStateStore, type TriggerStateStore } from './trigger-state-store.js';
import { createWorkflowStore, type RelaisWorkflowStore } from './workflow-store.js';

export type { AccountStore, ApiKeyRecord, UserRecord } from './account-store.js';
export type { AuditQuery, AuditRecord, AuditStore } from './audit-store.js';
export type { CredentialRecord, CredentialStore } from './credential-store.js';
export type { Page } from './cursor.js';
export { InvalidCursorError } from './cursor.js';
export type { EmailTemplateRecord, EmailTemplateStore } from './email-template-store.js';
export type { IdempotencyStore, StoredResponse } from './idempotency-store.js';
export { byDueTime, type NewTimer, type TimerRecord, type TimerStore } from './ports-timers.js';
export type { DropLevel, RetentionStore, WorkflowOverCount } from './retention-store.js';
export type {
  ConcurrencyGroup,
  HeldRun,
  RunPosition,
  RunSlotQueries,
  WaitWithoutTimer,
} from './run-slots.js';
export type { RelaisRunStore, RunListQuery } from './run-store.js';
export type { Database } from './schema.js';
export type { DataTableRecord, StoredIndex, TableStore } from './table-store.js';
export type { EventWait, KeyCandidate, TriggerState, TriggerStateStore } from './trigger-state-store.js';
export type { RelaisWorkflowStore, WorkflowListQuery } from './workflow-store.js';

/** Accepts pino and console alike. */
export interface StoreLogger {
  info(message: string): void;
  error(message: string): void;
}

export interface StoreOptions {
  /** postgres:// or postgresql:// selects PostgreSQL; absent or empty selects SQLite. */
  databaseUrl?: string;
  /** Directory of the SQLite file `relais.db` (created if missing). Default: `./data`. */
  dataDir?: string;
  /** In-memory SQLite, gone at `close()` (throw-away runs of `relais run`, tests). */
  memory?: boolean;
  /** PostgreSQL only: keep every table in this schema (created if missing). Tests use one per run. */
  schema?: string;
  /** PostgreSQL only: pool size (default 10). */
  poolSize?: number;
  logger?: StoreLogger;
}

export interface Store {
  dialect: DialectName;
  /** For code inside src/store and tooling (CLI `migrate`, maintenance); the engine uses the ports. */
  db: Kysely<Database>;
  runs: RelaisRunStore;
  workflows: RelaisWorkflowStore;
  timers: TimerStore;
  /** Users, sessions and API keys (hashes only: src/server/auth hashes). */
  accounts: AccountStore;
  audit: AuditStore;
  /** Ciphertext only: encryption happens in src/server/credentials. */
  credentials: CredentialStore;
  /** Webhook idempotency keys and recently seen HMAC signatures. */
  idempotency: IdempotencyStore;
  /** Schedule/poll trigger state and timers, poll dedup keys, event idempotency keys and event waits. */
  triggers: TriggerStateStore;
  /** The data-table catalog and the untyped access src/tables uses for the user tables. */
  tables: TableStore;
  /** saveData of finished runs and pruning by age and count. */
  retention: RetentionStore;
  /** E-mail templates (Handlebars); the defaults are inserted by their migration. */
  emailTemplates: EmailTemplateStore;
  /** Remove Duplicates' history across runs (the node reaches it as the DEDUP_HISTORY service). */
  dedup: DedupHistory;
  /** Returns pages freed by pruning to the file system (SQLite incremental vacuum; no-op on PostgreSQL). */
  reclaimSpace(): Promise<void>;
  close(): Promise<void>;
}

export async function openStore(opts: StoreOptions = {}): Promise<Store> {
  const dialect = await openDialect(opts);
  try {
    await migrate(dialect, opts.logger);
  } catch (error) {
    await dialect.db.destroy();
    throw error;
  }
  return {
    dialect: dialect.name,
    db: dialect.db,
    runs: createRunStore(dialect),
    workflows: createWorkflowStore(dialect),
    timers: createTimerStore(dialect),
    accounts: createAccountStore(dialect),
    audit: createAuditStore(dialect),
    credentials: createCredentialStore(dialect),
    idempotency: createIdempotencyStore(dialect),
    triggers: createTriggerStateStore(dialect),
    retention: createRetentionStore(dialect),
    tables: createTableStore(dialect),
    emailTemplates: createEmailTemplateStore(dialect),
    dedup: createDedupStore(dialect),
    reclaimSpace: () => dialect.reclaimSpace(),
    close: () => dialect.db.destroy(),
  };
}

async function openDialect(opts: StoreOptions): Promise<StoreDialect> {
  const url = opts.databaseUrl?.trim();
  if (url && /^postgres(ql)?:\/\//.test(url)) {
    return openPostgres({
      databaseUrl: url,
      schema: opts.schema,
      poolSize: opts.poolSize,
      onPoolError: (error) =>
        opts.logger?.error(`store: idle PostgreSQL connection failed: ${error.message}`),
    });
  }
  // Never echo the URL: it may hold a password.
  if (url) throw new RangeError('unsupported databaseUrl: expected postgres:// or postgresql://');
  return openSqlite({ dataDir: opts.dataDir, memory: opts.memory });
}

/** Applies pending migrations; a no-op when the schema is current, so every start may call it. */
async function migrate(dialect: StoreDialect, logger: StoreLogger | undefined): Promise<void> {
  const migrator = new Migrator({
    db: dialect.db,
    provider: migrationProvider(dialect.caps),
    ...dialect.migratorProps,
  });
  await dialect.withMigrationLock(async () => {
    const { error, results } = await migrator.migrateToLatest();
    for (const result of results ?? []) {
      if (result.status === 'Success') logger?.info(`store: applied migration ${result.migrationName}`);
      if (result.status === 'Error') logger?.error(`store: migration ${result.migrationName} failed`);
    }
    if (error) throw error instanceof Error ? error : new Error(`store migration failed: ${String(error)}`);
  });
}
