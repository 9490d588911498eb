/**
 * CredentialStore on Kysely. It stores and returns ciphertext only: encryption and decryption
 * happen above it (src/server/credentials), so neither this code nor the database ever holds a
 * secret in clear. `(type, name)` is unique: n8n workflows refer to credentials by type and name.
 */
import type { Selectable } from 'kysely';
import { type Page, readPage } from './cursor.js';
import type { StoreDialect, ValueCodec } from './dialects/types.js';
import type { CredentialsTable } from './schema.js';
import { nameContains } from './search.js';
import { isUniqueViolation } from './unique-violation.js';

export interface CredentialRecord {
  id: string;
  name: string;
  type: string;
  /** Ciphertext of the fields (opaque to the store). */
  data: string;
  /** Names of the fields that hold a value. */
  fields: string[];
  createdAt: Date;
  updatedAt: Date;
}

export interface NewCredential {
  id: string;
  name: string;
  type: string;
  data: string;
  fields: string[];
  now: Date;
}

export interface CredentialPatch {
  name?: string;
  type?: string;
  data?: string;
  fields?: string[];
  now: Date;
}

export interface CredentialListQuery {
  limit: number;
  cursor?: string | null;
  type?: string;
  /** Case-insensitive substring of the name. */
  search?: string;
}

/** Named outcome of a write: another credential has the same type and name, or the id is unknown. */
export type CredentialWriteResult =
  | { ok: true; credential: CredentialRecord }
  | { ok: false; reason: 'duplicate' | 'not_found' };

export interface CredentialStore {
  create(credential: NewCredential): Promise<CredentialWriteResult>;
  get(id: string): Promise<CredentialRecord | null>;
  findByTypeAndName(type: string, name: string): Promise<CredentialRecord | null>;
  /** Newest first, with an opaque cursor. */
  list(query: CredentialListQuery): Promise<Page<CredentialRecord>>;
  update(id: string, patch: CredentialPatch): Promise<CredentialWriteResult>;
  /** False when it did not exist. */
  delete(id: string): Promise<boolean>;
}

export function createCredentialStore(dialect: StoreDialect): CredentialStore {
  const { db, codec } = dialect;
  const get = async (id: string): Promise<CredentialRecord | null> => {
    const row = await db.selectFrom('credentials').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? credentialFromRow(codec, row) : null;
  };

  return {
    async create(credential: NewCredential): Promise<CredentialWriteResult> {
      const now = codec.date(credential.now);
      try {
        await db
          .insertInto('credentials')
          .values({
            id: credential.id,
            name: credential.name,
            type: credential.type,
            data: credential.data,
            fields: codec.json(credential.fields),
            created_at: now,
            updated_at: now,
          })
          .execute();
      } catch (error) {
        if (isUniqueViolation(error)) return { ok: false, reason: 'duplicate' };
        throw error;
      }
      const { now: at, ...rest } = credential;
      return { ok: true, credential: { ...rest, createdAt: at, updatedAt: at } };
    },

    get,

    async findByTypeAndName(type: string, name: string): Promise<CredentialRecord | null> {
      const row = await db
        .selectFrom('credentials')
        .selectAll()
        .where('type', '=', type)
        .where('name', '=', name)
        .executeTakeFirst();
      return row ? credentialFromRow(codec, row) : null;
    },

    async list(query: CredentialListQuery): Promise<Page<CredentialRecord>> {
      const rows = db
        .selectFrom('credentials')
        .selectAll()
        .$if(query.type !== undefined, (q) => q.where('type', '=', query.type!))
        .$if(!!query.search, (q) => q.where(nameContains('name', query.search!)));
      return readPage(rows, codec, query, (row) => credentialFromRow(codec, row));
    },

    async update(id: string, patch: CredentialPatch): Promise<CredentialWriteResult> {
      let row: Selectable<CredentialsTable> | undefined;
      try {
        row = await db
          .updateTable('credentials')
          .set({
            ...(patch.name !== undefined && { name: patch.name }),
            ...(patch.type !== undefined && { type: patch.type }),
            ...(patch.data !== undefined && { data: patch.data }),
            ...(patch.fields !== undefined && { fields: codec.json(patch.fields) }),
            updated_at: codec.date(patch.now),
          })
          .where('id', '=', id)
          .returningAll()
          .executeTakeFirst();
      } catch (error) {
        if (isUniqueViolation(error)) return { ok: false, reason: 'duplicate' };
        throw error;
      }
      return row
        ? { ok: true, credential: credentialFromRow(codec, row) }
        : { ok: false, reason: 'not_found' };
    },

    async delete(id: string): Promise<boolean> {
      const result = await db.deleteFrom('credentials').where('id', '=', id).executeTakeFirst();
      return result.numDeletedRows > 0n;
    },
  };
}

function credentialFromRow(codec: ValueCodec, row: Selectable<CredentialsTable>): CredentialRecord {
  return {
    id: row.id,
    name: row.name,
    type: row.type,
    data: row.data,
    fields: codec.readJson<string[]>(row.fields),
    createdAt: codec.readDate(row.created_at),
    updatedAt: codec.readDate(row.updated_at),
  };
}
