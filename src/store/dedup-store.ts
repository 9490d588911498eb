/**
 * The deduplication history of Remove Duplicates (src/dedup/port.ts) on the store (migration 0012).
 *
 * `update` holds the scope's row for the whole transaction. On PostgreSQL the row is first made to
 * exist (INSERT ... ON CONFLICT DO NOTHING, with a NULL document) and then locked (SELECT ... FOR
 * UPDATE): locking a row that does not exist yet would let two first runs both see "no history".
 * On SQLite the process's single connection runs one transaction at a time, which holds it as well.
 */
import type { Kysely, Transaction } from 'kysely';
import type { DedupDocument, DedupHistory, DedupScope } from '../dedup/port.js';
import type { StoreDialect } from './dialects/types.js';
import type { Database, DbDate, DbJson } from './schema.js';

export interface DedupHistoryTable {
  workflow_id: string;
  context: string;
  document: DbJson | null;
  updated_at: DbDate;
}

type Db = Kysely<{ dedup_history: DedupHistoryTable }>;

export function createDedupStore(dialect: StoreDialect, now: () => Date = () => new Date()): DedupHistory {
  // The table is this repository's alone: typed here rather than in the shared Database type.
  const db = dialect.db.withTables<{ dedup_history: DedupHistoryTable }>() as unknown as Db;
  const { codec, caps } = dialect;
  const lockRows = caps.supportsSkipLocked;

  return {
    update(scope, change) {
      return db.transaction().execute(async (trx) => {
        if (lockRows) {
          await trx
            .insertInto('dedup_history')
            .values({
              workflow_id: scope.workflowId,
              context: scope.context,
              document: null,
              updated_at: codec.date(now()),
            })
            .onConflict((oc) => oc.columns(['workflow_id', 'context']).doNothing())
            .execute();
        }
        const row = await trx
          .selectFrom('dedup_history')
          .select('document')
          .where('workflow_id', '=', scope.workflowId)
          .where('context', '=', scope.context)
          .$if(lockRows, (q) => q.forUpdate())
          .executeTakeFirst();
        const stored = row?.document == null ? undefined : codec.readJson<DedupDocument>(row.document);
        const { doc, result } = change(stored);
        if (doc !== undefined) {
          const values = { document: codec.json(doc), updated_at: codec.date(now()) };
          await trx
            .insertInto('dedup_history')
            .values({ workflow_id: scope.workflowId, context: scope.context, ...values })
            .onConflict((oc) => oc.columns(['workflow_id', 'context']).doUpdateSet(values))
            .execute();
        }
        return result;
      });
    },

    async clear(scope: DedupScope) {
      await db
        .deleteFrom('dedup_history')
        .where('workflow_id', '=', scope.workflowId)
        .where('context', '=', scope.context)
        .execute();
    },
  };
}

/** Deletes every history of a workflow (in the transaction that deletes the workflow). */
export async function deleteDedupHistory(trx: Transaction<Database>, workflowId: string): Promise<void> {
  await trx
    .withTables<{ dedup_history: DedupHistoryTable }>()
    .deleteFrom('dedup_history')
    .where('workflow_id', '=', workflowId)
    .execute();
}
