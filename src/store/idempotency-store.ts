/**
 * Idempotency keys and recently seen signatures for webhooks (migration 0004). `claim` is one
 * INSERT ... ON CONFLICT DO NOTHING: of two concurrent requests with the same key exactly one gets
 * `claimed: true` (the primary key decides, on SQLite and PostgreSQL alike); the other reads the
 * first one's row. An expired row is deleted and the claim retried once.
 */
import type { Kysely, Selectable } from 'kysely';
import type { StoreDialect, ValueCodec } from './dialects/types.js';
import type { DbDate, DbJson } from './schema.js';

export interface WebhookKeysTable {
  scope: string;
  key: string;
  run_id: string | null;
  response: DbJson | null;
  created_at: DbDate;
  expires_at: DbDate;
}

/** The answer given to the first request, replayed to duplicates. */
export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  /** Base64 of the body bytes. */
  body: string;
}

export interface IdempotencyRecord {
  scope: string;
  key: string;
  runId: string | null;
  response: StoredResponse | null;
  createdAt: Date;
  expiresAt: Date;
}

export type ClaimResult = { claimed: true } | { claimed: false; existing: IdempotencyRecord };

export interface IdempotencyStore {
  /** Takes `key` in `scope` until `expiresAt`, or returns who holds it. */
  claim(
    scope: string,
    key: string,
    opts: { runId?: string | null; response?: StoredResponse | null; now: Date; expiresAt: Date },
  ): Promise<ClaimResult>;
  /** Records the answer of the request holding the key. */
  complete(scope: string, key: string, response: StoredResponse): Promise<void>;
  /** Gives a key back (the request holding it failed before starting a run). */
  release(scope: string, key: string): Promise<void>;
  /** Deletes expired keys; returns how many. */
  pruneExpired(now: Date): Promise<number>;
}

type Db = Kysely<{ webhook_keys: WebhookKeysTable }>;

export function createIdempotencyStore(dialect: StoreDialect): IdempotencyStore {
  // The table is this repository's alone: typed here rather than in the shared Database type.
  const db = dialect.db.withTables<{ webhook_keys: WebhookKeysTable }>() as unknown as Db;
  const { codec } = dialect;

  async function insert(
    scope: string,
    key: string,
    opts: { runId?: string | null; response?: StoredResponse | null; now: Date; expiresAt: Date },
  ): Promise<boolean> {
    const row = await db
      .insertInto('webhook_keys')
      .values({
        scope,
        key,
        run_id: opts.runId ?? null,
        response: opts.response ? codec.json(opts.response) : null,
        created_at: codec.date(opts.now),
        expires_at: codec.date(opts.expiresAt),
      })
      .onConflict((oc) => oc.columns(['scope', 'key']).doNothing())
      .returning('key')
      .executeTakeFirst();
    return row !== undefined;
  }

  async function read(scope: string, key: string): Promise<IdempotencyRecord | null> {
    const row = await db
      .selectFrom('webhook_keys')
      .selectAll()
      .where('scope', '=', scope)
      .where('key', '=', key)
      .executeTakeFirst();
    return row ? fromRow(codec, row) : null;
  }

  return {
    async claim(scope, key, opts) {
      for (let attempt = 0; attempt < 2; attempt++) {
        if (await insert(scope, key, opts)) return { claimed: true };
        const existing = await read(scope, key);
        if (existing && existing.expiresAt.getTime() > opts.now.getTime())
          return { claimed: false, existing };
        // Expired (or deleted meanwhile): clear it, then try once more. A concurrent claimer may
        // win the retry; it then holds the key and this one reads its row.
        await db
          .deleteFrom('webhook_keys')
          .where('scope', '=', scope)
          .where('key', '=', key)
          .where('expires_at', '<=', codec.date(opts.now))
          .execute();
      }
      const holder = await read(scope, key);
      if (holder) return { claimed: false, existing: holder };
      return (await insert(scope, key, opts))
        ? { claimed: true }
        : { claimed: false, existing: (await read(scope, key))! };
    },

    async complete(scope, key, response) {
      await db
        .updateTable('webhook_keys')
        .set({ response: codec.json(response) })
        .where('scope', '=', scope)
        .where('key', '=', key)
        .execute();
    },

    async release(scope, key) {
      await db.deleteFrom('webhook_keys').where('scope', '=', scope).where('key', '=', key).execute();
    },

    async pruneExpired(now) {
      const result = await db
        .deleteFrom('webhook_keys')
        .where('expires_at', '<=', codec.date(now))
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

function fromRow(codec: ValueCodec, row: Selectable<WebhookKeysTable>): IdempotencyRecord {
  return {
    scope: row.scope,
    key: row.key,
    runId: row.run_id,
    response: row.response === null ? null : codec.readJson<StoredResponse>(row.response),
    createdAt: codec.readDate(row.created_at),
    expiresAt: codec.readDate(row.expires_at),
  };
}
