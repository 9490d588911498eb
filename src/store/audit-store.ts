/**
 * AuditStore on Kysely: an append-only log of who did what to which entity, when and from where.
 * Pages are newest first with the store's opaque cursor; each filter has an index ending in the
 * page order.
 */
import type { Selectable } from 'kysely';
import { type Page, readPage } from './cursor.js';
import type { StoreDialect, ValueCodec } from './dialects/types.js';
import type { AuditLogTable } from './schema.js';

export type AuditActorType = 'user' | 'apiKey' | 'anonymous';

export interface AuditRecord {
  id: string;
  at: Date;
  actorType: AuditActorType;
  actorId: string | null;
  /** The user's e-mail or the key's name at the time: the log stays readable after they are deleted. */
  actorLabel: string | null;
  ip: string | null;
  action: string;
  entityType: string;
  entityId: string | null;
  details: Record<string, unknown> | null;
}

export interface AuditQuery {
  limit: number;
  cursor?: string | null;
  actorId?: string;
  action?: string;
  entityType?: string;
  entityId?: string;
  /** Inclusive. */
  from?: Date;
  /** Exclusive. */
  to?: Date;
}

export interface AuditStore {
  append(entry: AuditRecord): Promise<void>;
  list(query: AuditQuery): Promise<Page<AuditRecord>>;
  /** Deletes entries older than `before` (retention); returns how many. */
  prune(before: Date): Promise<number>;
}

export function createAuditStore(dialect: StoreDialect): AuditStore {
  const { db, codec } = dialect;
  return {
    async append(entry) {
      await db
        .insertInto('audit_log')
        .values({
          id: entry.id,
          created_at: codec.date(entry.at),
          actor_type: entry.actorType,
          actor_id: entry.actorId,
          actor_label: entry.actorLabel,
          ip: entry.ip,
          action: entry.action,
          entity_type: entry.entityType,
          entity_id: entry.entityId,
          details: entry.details ? codec.json(entry.details) : null,
        })
        .execute();
    },

    async list(query) {
      const rows = db
        .selectFrom('audit_log')
        .selectAll()
        .$if(query.actorId !== undefined, (q) => q.where('actor_id', '=', query.actorId!))
        .$if(query.action !== undefined, (q) => q.where('action', '=', query.action!))
        .$if(query.entityType !== undefined, (q) => q.where('entity_type', '=', query.entityType!))
        .$if(query.entityId !== undefined, (q) => q.where('entity_id', '=', query.entityId!))
        .$if(query.from !== undefined, (q) => q.where('created_at', '>=', codec.date(query.from!)))
        .$if(query.to !== undefined, (q) => q.where('created_at', '<', codec.date(query.to!)));
      return readPage(rows, codec, query, (row) => auditFromRow(codec, row));
    },

    async prune(before) {
      const result = await db
        .deleteFrom('audit_log')
        .where('created_at', '<', codec.date(before))
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

function auditFromRow(codec: ValueCodec, row: Selectable<AuditLogTable>): AuditRecord {
  return {
    id: row.id,
    at: codec.readDate(row.created_at),
    actorType: row.actor_type as AuditActorType,
    actorId: row.actor_id,
    actorLabel: row.actor_label,
    ip: row.ip,
    action: row.action,
    entityType: row.entity_type,
    entityId: row.entity_id,
    details: row.details === null ? null : codec.readJson<Record<string, unknown>>(row.details),
  };
}
