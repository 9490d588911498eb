/**
 * Accounts: users, login sessions with their refresh tokens, API keys, and the audit log.
 * Secrets are never stored: passwords as argon2id hashes, refresh tokens and API keys as SHA-256.
 */
import type { Kysely, Migration } from 'kysely';
import type { DialectCapabilities } from '../dialects/types.js';

export function accounts(caps: DialectCapabilities): Migration {
  const json = caps.jsonColumnType;
  const date = caps.dateColumnType;
  const bool = caps.boolColumnType;
  return {
    // biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on today's Database type.
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        // Normalised (trimmed, lower case) by the store: this constraint is case-insensitive.
        .addColumn('email', 'text', (c) => c.notNull().unique())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('disabled', bool, (c) => c.notNull())
        .addColumn('created_at', date, (c) => c.notNull())
        .addColumn('updated_at', date, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('users_created').on('users').columns(['created_at', 'id']).execute();

      await db.schema
        .createTable('sessions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('created_at', date, (c) => c.notNull())
        .addColumn('expires_at', date, (c) => c.notNull())
        .addColumn('revoked_at', date)
        .execute();
      await db.schema
        .createIndex('sessions_user')
        .on('sessions')
        .columns(['user_id', 'expires_at'])
        .execute();

      await db.schema
        .createTable('refresh_tokens')
        .addColumn('token_hash', 'text', (c) => c.primaryKey())
        .addColumn('session_id', 'text', (c) => c.notNull().references('sessions.id').onDelete('cascade'))
        .addColumn('created_at', date, (c) => c.notNull())
        .addColumn('expires_at', date, (c) => c.notNull())
        .addColumn('used_at', date)
        .execute();
      await db.schema
        .createIndex('refresh_tokens_session')
        .on('refresh_tokens')
        .column('session_id')
        .execute();

      // No foreign key on created_by: a key outlives the user who made it (an application keeps working).
      await db.schema
        .createTable('api_keys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('prefix', 'text', (c) => c.notNull())
        .addColumn('key_hash', 'text', (c) => c.notNull().unique())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text')
        .addColumn('created_at', date, (c) => c.notNull())
        .addColumn('expires_at', date)
        .addColumn('last_used_at', date)
        .addColumn('revoked_at', date)
        .execute();
      await db.schema.createIndex('api_keys_created').on('api_keys').columns(['created_at', 'id']).execute();

      // History: no foreign keys, entries outlive the users, keys and automations they name.
      await db.schema
        .createTable('audit_log')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('created_at', date, (c) => c.notNull())
        .addColumn('actor_type', 'text', (c) => c.notNull())
        .addColumn('actor_id', 'text')
        .addColumn('actor_label', 'text')
        .addColumn('ip', 'text')
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('entity_type', 'text', (c) => c.notNull())
        .addColumn('entity_id', 'text')
        .addColumn('details', json)
        .execute();
      // Each filter the API offers, ending in the page order so a filtered page is one index range.
      await db.schema.createIndex('audit_created').on('audit_log').columns(['created_at', 'id']).execute();
      await db.schema
        .createIndex('audit_actor')
        .on('audit_log')
        .columns(['actor_id', 'created_at', 'id'])
        .execute();
      await db.schema
        .createIndex('audit_action')
        .on('audit_log')
        .columns(['action', 'created_at', 'id'])
        .execute();
      await db.schema
        .createIndex('audit_entity')
        .on('audit_log')
        .columns(['entity_type', 'entity_id', 'created_at', 'id'])
        .execute();
    },
  };
}
