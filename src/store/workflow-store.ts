/**
 * WorkflowStore on Kysely. A save is an upsert that bumps `version` plus a `workflow_versions` row,
 * in one transaction: runs keep the version they started on (ARCHITECTURE decision 2).
 * Documents are stored as given; validating them (zod) is the caller's job, before the write.
 */
import type { Selectable } from 'kysely';
import type { WorkflowHead, WorkflowRecord, WorkflowStore } from '../engine/ports.js';
import type { Workflow } from '../engine/workflow.js';
import { coalescedRead, paddedKeys } from './coalesced-read.js';
import { oneParameterQuery } from './compiled-query.js';
import { InvalidCursorError, type Page, pageSize, readPage } from './cursor.js';
import { deleteDedupHistory } from './dedup-store.js';
import type { StoreDialect, ValueCodec } from './dialects/types.js';
import type { WorkflowsTable } from './schema.js';
import { nameContains } from './search.js';

export interface WorkflowListQuery {
  limit: number;
  /** From a previous page's `nextCursor`. */
  cursor?: string | null;
  /** Only active (true) or inactive (false) workflows. */
  active?: boolean;
  /** Case-insensitive substring of the name. */
  search?: string;
}

/** One saved version of a workflow, as a version list shows it. */
export interface WorkflowVersionInfo {
  version: number;
  createdAt: Date;
}

/** The engine's WorkflowStore plus what the API's CRUD needs. */
export interface RelaisWorkflowStore extends WorkflowStore {
  /** Workflows newest first (by creation, so pages stay stable while workflows are edited). */
  listWorkflows(query: WorkflowListQuery): Promise<Page<WorkflowRecord>>;
  /** Deletes the workflow and its versions; its runs stay as history. False when it did not exist. */
  deleteWorkflow(id: string): Promise<boolean>;
  /** Turns triggers on or off; not a new version of the document. Null when it does not exist. */
  setActive(id: string, active: boolean, opts?: { now?: Date }): Promise<WorkflowRecord | null>;
  /** Names of the given workflows that exist (for run lists: one query per page). */
  getNames(ids: readonly string[]): Promise<Map<string, string>>;
  /** Saved versions, newest first. */
  listVersions(
    id: string,
    query: { limit: number; cursor?: string | null },
  ): Promise<Page<WorkflowVersionInfo>>;
  /** One saved version with when it was saved. */
  getVersionRecord(
    id: string,
    version: number,
  ): Promise<(WorkflowVersionInfo & { workflow: Workflow }) | null>;
}

export function createWorkflowStore(dialect: StoreDialect): RelaisWorkflowStore {
  const { db, codec } = dialect;
  const workflowById = oneParameterQuery((id) => db.selectFrom('workflows').selectAll().where('id', '=', id));
  // Each queued or resumed run asks; the asks of one turn share a query (coalesced-read.ts).
  const readHead = coalescedRead(
    async (ids: readonly string[]) => {
      const rows = await db
        .selectFrom('workflows')
        .select(['id', 'name', 'version', 'active', 'created_at', 'updated_at'])
        .where('id', 'in', paddedKeys(ids))
        .execute();
      return new Map(rows.map((row) => [row.id, row]));
    },
    (row): WorkflowHead => ({
      id: row.id,
      name: row.name,
      version: row.version,
      active: codec.readBool(row.active),
      createdAt: codec.readDate(row.created_at),
      updatedAt: codec.readDate(row.updated_at),
    }),
  );

  return {
    async saveWorkflow(id: string, workflow: Workflow, opts?: { now?: Date }): Promise<WorkflowRecord> {
      const now = codec.date(opts?.now ?? new Date());
      const document = codec.json(workflow);
      return db.transaction().execute(async (trx) => {
        // One statement decides the version, so concurrent saves get distinct versions (the second
        // waits on the first's row lock) instead of racing on a read-then-write.
        const row = await trx
          .insertInto('workflows')
          .values({
            id,
            name: workflow.name,
            active: codec.bool(false),
            version: 1,
            document,
            created_at: now,
            updated_at: now,
          })
          .onConflict((oc) =>
            oc.column('id').doUpdateSet((eb) => ({
              name: eb.ref('excluded.name'),
              document: eb.ref('excluded.document'),
              updated_at: eb.ref('excluded.updated_at'),
              version: eb('workflows.version', '+', 1),
            })),
          )
          .returning(['version', 'active', 'created_at', 'updated_at'])
          .executeTakeFirstOrThrow();
        await trx
          .insertInto('workflow_versions')
          .values({ workflow_id: id, version: row.version, document, created_at: now })
          .execute();
        return {
          id,
          name: workflow.name,
          version: row.version,
          active: codec.readBool(row.active),
          workflow,
          createdAt: codec.readDate(row.created_at),
          updatedAt: codec.readDate(row.updated_at),
        };
      });
    },

    async getWorkflow(id: string): Promise<WorkflowRecord | null> {
      const [row] = (await db.executeQuery(workflowById(id))).rows;
      return row ? workflowFromRow(codec, row) : null;
    },

    async getWorkflowHead(id: string): Promise<WorkflowHead | null> {
      return (await readHead(id)) ?? null;
    },

    async getWorkflowVersion(id: string, version: number): Promise<Workflow | null> {
      const row = await db
        .selectFrom('workflow_versions')
        .select('document')
        .where('workflow_id', '=', id)
        .where('version', '=', version)
        .executeTakeFirst();
      return row ? codec.readJson<Workflow>(row.document) : null;
    },

    async listWorkflows(query: WorkflowListQuery): Promise<Page<WorkflowRecord>> {
      const rows = db
        .selectFrom('workflows')
        .selectAll()
        .$if(query.active !== undefined, (q) => q.where('active', '=', codec.bool(query.active!)))
        .$if(!!query.search, (q) => q.where(nameContains('name', query.search!)));
      return readPage(rows, codec, query, (row) => workflowFromRow(codec, row));
    },

    async deleteWorkflow(id: string): Promise<boolean> {
      // workflow_versions rows go by ON DELETE CASCADE; the deduplication history has no key to
      // cascade from (migration 0012 says why).
      return db.transaction().execute(async (trx) => {
        await deleteDedupHistory(trx, id);
        const result = await trx.deleteFrom('workflows').where('id', '=', id).executeTakeFirst();
        return result.numDeletedRows > 0n;
      });
    },

    async setActive(id: string, active: boolean, opts?: { now?: Date }): Promise<WorkflowRecord | null> {
      const row = await db
        .updateTable('workflows')
        .set({ active: codec.bool(active), updated_at: codec.date(opts?.now ?? new Date()) })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst();
      return row ? workflowFromRow(codec, row) : null;
    },

    async getNames(ids: readonly string[]): Promise<Map<string, string>> {
      if (ids.length === 0) return new Map();
      const rows = await db
        .selectFrom('workflows')
        .select(['id', 'name'])
        .where('id', 'in', [...new Set(ids)])
        .execute();
      return new Map(rows.map((row) => [row.id, row.name]));
    },

    async listVersions(id, query): Promise<Page<WorkflowVersionInfo>> {
      const limit = pageSize(query.limit);
      const before = query.cursor ? decodeVersionCursor(query.cursor) : undefined;
      const rows = await db
        .selectFrom('workflow_versions')
        .select(['version', 'created_at'])
        .where('workflow_id', '=', id)
        .$if(before !== undefined, (q) => q.where('version', '<', before!))
        .orderBy('version', 'desc')
        .limit(limit + 1)
        .execute();
      const items = rows.slice(0, limit).map((row) => ({
        version: row.version,
        createdAt: codec.readDate(row.created_at),
      }));
      const more = rows.length > limit;
      return { items, nextCursor: more ? encodeVersionCursor(items[items.length - 1].version) : null };
    },

    async getVersionRecord(id: string, version: number) {
      const row = await db
        .selectFrom('workflow_versions')
        .select(['version', 'created_at', 'document'])
        .where('workflow_id', '=', id)
        .where('version', '=', version)
        .executeTakeFirst();
      if (!row) return null;
      return {
        version: row.version,
        createdAt: codec.readDate(row.created_at),
        workflow: codec.readJson<Workflow>(row.document),
      };
    },
  };
}

/** Versions page by number (unique per workflow), so the cursor is the last version seen. */
function encodeVersionCursor(version: number): string {
  return Buffer.from(JSON.stringify({ v: version })).toString('base64url');
}

function decodeVersionCursor(cursor: string): number {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { v?: unknown };
    if (Number.isInteger(value?.v)) return value.v as number;
  } catch {
    // falls through to the named error
  }
  throw new InvalidCursorError();
}

function workflowFromRow(codec: ValueCodec, row: Selectable<WorkflowsTable>): WorkflowRecord {
  return {
    id: row.id,
    name: row.name,
    version: row.version,
    active: codec.readBool(row.active),
    workflow: codec.readJson<Workflow>(row.document),
    createdAt: codec.readDate(row.created_at),
    updatedAt: codec.readDate(row.updated_at),
  };
}
