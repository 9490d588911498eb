/**
 * AccountStore on Kysely: users, login sessions (refresh-token families) and API keys. It holds
 * hashes only; hashing, token formats and rules about who may do what live above it
 * (src/server/auth). The two invariants that need atomicity live here: there is at most one
 * "first owner", and the last active owner cannot be demoted, disabled or deleted.
 */
import { type Kysely, type Selectable, sql, type Transaction } from 'kysely';
import { type Page, readPage } from './cursor.js';
import type { StoreDialect, ValueCodec } from './dialects/types.js';
import type { ApiKeysTable, Database, UsersTable } from './schema.js';
import { isUniqueViolation } from './unique-violation.js';

export interface UserRecord {
  id: string;
  email: string;
  role: string;
  disabled: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface NewUser {
  id: string;
  email: string;
  passwordHash: string;
  role: string;
  now: Date;
}

export interface UserPatch {
  role?: string;
  disabled?: boolean;
  passwordHash?: string;
  now: Date;
}

export interface ApiKeyRecord {
  id: string;
  name: string;
  prefix: string;
  role: string;
  createdBy: string | null;
  createdAt: Date;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

export interface NewApiKey {
  id: string;
  name: string;
  prefix: string;
  keyHash: string;
  role: string;
  createdBy: string | null;
  expiresAt: Date | null;
  now: Date;
}

export interface NewSession {
  id: string;
  userId: string;
  tokenHash: string;
  expiresAt: Date;
  now: Date;
}

/** What presenting a refresh token did. `reused` means the token was already rotated: its session is now revoked. */
export type RotateResult =
  | { ok: true; sessionId: string; userId: string }
  | { ok: false; reason: 'unknown' | 'expired' | 'revoked' | 'reused'; sessionId?: string; userId?: string };

export interface PageQuery {
  limit: number;
  cursor?: string | null;
}

/** The change would leave no enabled owner. */
export const LAST_OWNER = 'last_owner' as const;

export class DuplicateEmailError extends Error {
  override readonly name = 'DuplicateEmailError';
  constructor() {
    super('a user with this e-mail already exists');
  }
}

export interface AccountStore {
  /** Throws DuplicateEmailError. */
  createUser(user: NewUser): Promise<UserRecord>;
  /** Creates an owner only while no user exists (setup, RELAIS_OWNER_*); null otherwise. */
  createFirstOwner(user: Omit<NewUser, 'role'>): Promise<UserRecord | null>;
  countUsers(): Promise<number>;
  getUser(id: string): Promise<UserRecord | null>;
  findUserByEmail(email: string): Promise<{ user: UserRecord; passwordHash: string } | null>;
  getPasswordHash(id: string): Promise<string | null>;
  listUsers(query: PageQuery): Promise<Page<UserRecord>>;
  /** Null when the user does not exist. */
  updateUser(id: string, patch: UserPatch): Promise<UserRecord | null | typeof LAST_OWNER>;
  deleteUser(id: string): Promise<boolean | typeof LAST_OWNER>;

  createSession(session: NewSession): Promise<void>;
  /** Marks `tokenHash` used and stores its successor, atomically; detects reuse of a rotated token. */
  rotateRefreshToken(
    tokenHash: string,
    next: { tokenHash: string; expiresAt: Date; now: Date },
  ): Promise<RotateResult>;
  /** The session the refresh token belongs to, if any (logout). */
  sessionOfRefreshToken(tokenHash: string): Promise<string | null>;
  /** The user of a live (not revoked) session; null otherwise. */
  getSessionUser(sessionId: string, userId: string): Promise<UserRecord | null>;
  revokeSession(sessionId: string, now: Date): Promise<boolean>;
  revokeUserSessions(userId: string, now: Date): Promise<number>;
  /** Deletes sessions whose last refresh token has expired. */
  pruneSessions(now: Date): Promise<number>;

  createApiKey(key: NewApiKey): Promise<ApiKeyRecord>;
  findApiKeyByHash(keyHash: string): Promise<ApiKeyRecord | null>;
  getApiKey(id: string): Promise<ApiKeyRecord | null>;
  listApiKeys(query: PageQuery): Promise<Page<ApiKeyRecord>>;
  /** Null when the key does not exist; revoking twice keeps the first time. */
  revokeApiKey(id: string, now: Date): Promise<ApiKeyRecord | null>;
  touchApiKey(id: string, now: Date): Promise<void>;
}

/** Trimmed and lower-cased: the form stored and compared, so uniqueness ignores case. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function createAccountStore(dialect: StoreDialect): AccountStore {
  const { db, codec, caps } = dialect;

  /**
   * Serialises owner-changing transactions. PostgreSQL runs concurrent transactions that could each
   * see "another owner remains" and both commit: a table lock orders them. SQLite already runs one
   * writer at a time. (The dialect flag for row-level locking doubles as the flag for this.)
   */
  async function lockUsers(trx: Transaction<Database>): Promise<void> {
    if (caps.supportsSkipLocked) await sql`lock table users in share row exclusive mode`.execute(trx);
  }

  async function activeOwnersOtherThan(trx: Kysely<Database>, id: string): Promise<number> {
    const row = await trx
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number | string | bigint>().as('n'))
      .where('role', '=', 'owner')
      .where('disabled', '=', codec.bool(false))
      .where('id', '<>', id)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async function insertUser(trx: Kysely<Database>, user: NewUser): Promise<UserRecord> {
    const now = codec.date(user.now);
    try {
      const row = await trx
        .insertInto('users')
        .values({
          id: user.id,
          email: normalizeEmail(user.email),
          password_hash: user.passwordHash,
          role: user.role,
          disabled: codec.bool(false),
          created_at: now,
          updated_at: now,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return userFromRow(codec, row);
    } catch (error) {
      if (isUniqueViolation(error)) throw new DuplicateEmailError();
      throw error;
    }
  }

  return {
    createUser: (user) => insertUser(db, user),

    createFirstOwner(user) {
      return db.transaction().execute(async (trx) => {
        await lockUsers(trx);
        const any = await trx.selectFrom('users').select('id').limit(1).executeTakeFirst();
        return any ? null : insertUser(trx, { ...user, role: 'owner' });
      });
    },

    async countUsers() {
      const row = await db
        .selectFrom('users')
        .select((eb) => eb.fn.countAll<number | string | bigint>().as('n'))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },

    async getUser(id) {
      const row = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? userFromRow(codec, row) : null;
    },

    async findUserByEmail(email) {
      const row = await db
        .selectFrom('users')
        .selectAll()
        .where('email', '=', normalizeEmail(email))
        .executeTakeFirst();
      return row ? { user: userFromRow(codec, row), passwordHash: row.password_hash } : null;
    },

    async getPasswordHash(id) {
      const row = await db
        .selectFrom('users')
        .select('password_hash')
        .where('id', '=', id)
        .executeTakeFirst();
      return row?.password_hash ?? null;
    },

    async listUsers(query) {
      const rows = db.selectFrom('users').selectAll();
      return readPage(rows, codec, query, (row) => userFromRow(codec, row));
    },

    updateUser(id, patch) {
      return db.transaction().execute(async (trx) => {
        const losesOwner = patch.role !== undefined || patch.disabled === true;
        if (losesOwner) await lockUsers(trx);
        const current = await trx.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
        if (!current) return null;
        const activeOwner = current.role === 'owner' && !codec.readBool(current.disabled);
        const stillActiveOwner =
          (patch.role ?? current.role) === 'owner' && !(patch.disabled ?? codec.readBool(current.disabled));
        if (activeOwner && !stillActiveOwner && (await activeOwnersOtherThan(trx, id)) === 0)
          return LAST_OWNER;
        const row = await trx
          .updateTable('users')
          .set({
            ...(patch.role !== undefined && { role: patch.role }),
            ...(patch.disabled !== undefined && { disabled: codec.bool(patch.disabled) }),
            ...(patch.passwordHash !== undefined && { password_hash: patch.passwordHash }),
            updated_at: codec.date(patch.now),
          })
          .where('id', '=', id)
          .returningAll()
          .executeTakeFirstOrThrow();
        return userFromRow(codec, row);
      });
    },

    deleteUser(id) {
      return db.transaction().execute(async (trx) => {
        await lockUsers(trx);
        const current = await trx.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
        if (!current) return false;
        const activeOwner = current.role === 'owner' && !codec.readBool(current.disabled);
        if (activeOwner && (await activeOwnersOtherThan(trx, id)) === 0) return LAST_OWNER;
        // Sessions and their refresh tokens go by ON DELETE CASCADE.
        await trx.deleteFrom('users').where('id', '=', id).execute();
        return true;
      });
    },

    async createSession(session) {
      await db.transaction().execute(async (trx) => {
        await trx
          .insertInto('sessions')
          .values({
            id: session.id,
            user_id: session.userId,
            created_at: codec.date(session.now),
            expires_at: codec.date(session.expiresAt),
            revoked_at: null,
          })
          .execute();
        await trx
          .insertInto('refresh_tokens')
          .values({
            token_hash: session.tokenHash,
            session_id: session.id,
            created_at: codec.date(session.now),
            expires_at: codec.date(session.expiresAt),
            used_at: null,
          })
          .execute();
      });
    },

    rotateRefreshToken(tokenHash, next) {
      return db.transaction().execute(async (trx): Promise<RotateResult> => {
        const row = await trx
          .selectFrom('refresh_tokens as t')
          .innerJoin('sessions as s', 's.id', 't.session_id')
          .select(['t.session_id', 't.expires_at', 't.used_at', 's.revoked_at', 's.user_id'])
          .where('t.token_hash', '=', tokenHash)
          .executeTakeFirst();
        if (!row) return { ok: false, reason: 'unknown' };
        const ids = { sessionId: row.session_id, userId: row.user_id };
        if (row.revoked_at !== null) return { ok: false, reason: 'revoked', ...ids };
        if (codec.readDate(row.expires_at) <= next.now) return { ok: false, reason: 'expired', ...ids };
        // The conditional update decides between two concurrent presentations of one token.
        const used = await trx
          .updateTable('refresh_tokens')
          .set({ used_at: codec.date(next.now) })
          .where('token_hash', '=', tokenHash)
          .where('used_at', 'is', null)
          .executeTakeFirst();
        if (row.used_at !== null || used.numUpdatedRows === 0n) {
          // A rotated token came back: whoever holds the family may have stolen it. End the session.
          await trx
            .updateTable('sessions')
            .set({ revoked_at: codec.date(next.now) })
            .where('id', '=', row.session_id)
            .execute();
          return { ok: false, reason: 'reused', ...ids };
        }
        await trx
          .insertInto('refresh_tokens')
          .values({
            token_hash: next.tokenHash,
            session_id: row.session_id,
            created_at: codec.date(next.now),
            expires_at: codec.date(next.expiresAt),
            used_at: null,
          })
          .execute();
        await trx
          .updateTable('sessions')
          .set({ expires_at: codec.date(next.expiresAt) })
          .where('id', '=', row.session_id)
          .execute();
        return { ok: true, ...ids };
      });
    },

    async sessionOfRefreshToken(tokenHash) {
      const row = await db
        .selectFrom('refresh_tokens')
        .select('session_id')
        .where('token_hash', '=', tokenHash)
        .executeTakeFirst();
      return row?.session_id ?? null;
    },

    async getSessionUser(sessionId, userId) {
      // One indexed join per authenticated request: role, disabled flag and logout take effect at once.
      const row = await db
        .selectFrom('sessions as s')
        .innerJoin('users as u', 'u.id', 's.user_id')
        .selectAll('u')
        .where('s.id', '=', sessionId)
        .where('s.user_id', '=', userId)
        .where('s.revoked_at', 'is', null)
        .executeTakeFirst();
      return row ? userFromRow(codec, row) : null;
    },

    async revokeSession(sessionId, now) {
      const result = await db
        .updateTable('sessions')
        .set({ revoked_at: codec.date(now) })
        .where('id', '=', sessionId)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async revokeUserSessions(userId, now) {
      const result = await db
        .updateTable('sessions')
        .set({ revoked_at: codec.date(now) })
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },

    async pruneSessions(now) {
      const result = await db
        .deleteFrom('sessions')
        .where('expires_at', '<=', codec.date(now))
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    async createApiKey(key) {
      const row = await db
        .insertInto('api_keys')
        .values({
          id: key.id,
          name: key.name,
          prefix: key.prefix,
          key_hash: key.keyHash,
          role: key.role,
          created_by: key.createdBy,
          created_at: codec.date(key.now),
          expires_at: key.expiresAt ? codec.date(key.expiresAt) : null,
          last_used_at: null,
          revoked_at: null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return apiKeyFromRow(codec, row);
    },

    async findApiKeyByHash(keyHash) {
      const row = await db
        .selectFrom('api_keys')
        .selectAll()
        .where('key_hash', '=', keyHash)
        .executeTakeFirst();
      return row ? apiKeyFromRow(codec, row) : null;
    },

    async getApiKey(id) {
      const row = await db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? apiKeyFromRow(codec, row) : null;
    },

    async listApiKeys(query) {
      const rows = db.selectFrom('api_keys').selectAll();
      return readPage(rows, codec, query, (row) => apiKeyFromRow(codec, row));
    },

    async revokeApiKey(id, now) {
      await db
        .updateTable('api_keys')
        .set({ revoked_at: codec.date(now) })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .execute();
      const row = await db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? apiKeyFromRow(codec, row) : null;
    },

    async touchApiKey(id, now) {
      await db
        .updateTable('api_keys')
        .set({ last_used_at: codec.date(now) })
        .where('id', '=', id)
        .execute();
    },
  };
}

function userFromRow(codec: ValueCodec, row: Selectable<UsersTable>): UserRecord {
  return {
    id: row.id,
    email: row.email,
    role: row.role,
    disabled: codec.readBool(row.disabled),
    createdAt: codec.readDate(row.created_at),
    updatedAt: codec.readDate(row.updated_at),
  };
}

function apiKeyFromRow(codec: ValueCodec, row: Selectable<ApiKeysTable>): ApiKeyRecord {
  const date = (raw: unknown) => (raw === null || raw === undefined ? null : codec.readDate(raw));
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    role: row.role,
    createdBy: row.created_by,
    createdAt: codec.readDate(row.created_at),
    expiresAt: date(row.expires_at),
    lastUsedAt: date(row.last_used_at),
    revokedAt: date(row.revoked_at),
  };
}
