/**
 * Deduplication history kept across runs (the store-backed operations of Remove Duplicates, n8n's
 * `processed_data`): one JSON document per workflow and context, changed only inside a transaction
 * that holds it, so two runs deduplicating at once never both take the same value for new.
 *
 *   const history = ctx.service(DEDUP_HISTORY);
 *   const kept = await history.update({ workflowId, context }, (doc) => ({ doc: next, result }));
 *
 * What the document holds is the node's business (src/nodes/remove-duplicates/history.ts); the
 * store keeps it as it is. The runtime provides the store's implementation under this key.
 */
import { serviceKey } from '../nodes/sdk.js';

/** Whose history: a workflow's, shared by its nodes (`context` ''), or one node's (`n:<node id>`). */
export interface DedupScope {
  workflowId: string;
  context: string;
}

/** The document as the node wrote it: plain JSON. */
export type DedupDocument = Record<string, unknown>;

export interface DedupChange<T> {
  /** The document to write; `undefined` leaves the stored one (or its absence) as it was. */
  doc?: DedupDocument;
  result: T;
}

export interface DedupHistory {
  /**
   * Reads the scope's document (`undefined` when there is none), lets `change` decide, writes what
   * it returns: all in one transaction, which holds the document against any other `update` or
   * `clear` of the same scope until it ends. A `change` that throws writes nothing.
   */
  update<T>(scope: DedupScope, change: (doc: DedupDocument | undefined) => DedupChange<T>): Promise<T>;
  /** Forgets the scope's document. */
  clear(scope: DedupScope): Promise<void>;
}

export const DEDUP_HISTORY = serviceKey<DedupHistory>('dedupHistory');
