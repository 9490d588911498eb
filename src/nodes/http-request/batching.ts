/**
 * Items in flight at once, and the rate limit across items (option "Batching": `batchSize` items
 * per batch, `batchInterval` ms between batch starts).
 *
 * n8n starts every item's request at once, sleeping `batchInterval` before each new batch. Relais
 * bounds the requests in flight: with an interval, a batch starts when the previous one has ended
 * and at least `batchInterval` ms after it started (so at most `batchSize` requests per interval,
 * and never more than `batchSize` at once); without an interval, up to `batchSize` requests run
 * side by side and the next item starts as soon as one ends. Without the option, at most
 * DEFAULT_CONCURRENCY run at once (n8n has no bound).
 *
 * The waits between batches are short in-memory sleeps, as n8n's, bounded by the node's abort
 * signal: rate limits of minutes belong to a Wait node or to retries, which live in the store.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { HttpOptions } from './params.js';

export const DEFAULT_CONCURRENCY = 100;

export interface BatchPlan {
  /** Requests in flight at most. */
  size: number;
  /** Minimum ms between the starts of two batches (0: a sliding window of `size`). */
  intervalMs: number;
}

export function batchPlan(options: HttpOptions): BatchPlan {
  const batch = options.batching?.batch;
  if (batch === undefined || batch.batchSize === -1) return { size: DEFAULT_CONCURRENCY, intervalMs: 0 };
  return { size: Math.max(1, batch.batchSize), intervalMs: batch.batchInterval };
}

/**
 * Runs `fn` for indexes 0..count-1 under the plan and returns the results in index order. When
 * one fails, no further item starts; those in flight finish, and the failure of the lowest index
 * is thrown (n8n reports failures in item order).
 */
export async function runBatched<T>(
  count: number,
  plan: BatchPlan,
  signal: AbortSignal,
  fn: (index: number) => Promise<T>,
): Promise<T[]> {
  const results = new Array<T>(count);
  const failures = new Map<number, unknown>();
  const run = async (index: number): Promise<void> => {
    try {
      results[index] = await fn(index);
    } catch (error) {
      failures.set(index, error);
    }
  };
  const firstFailure = (): unknown => failures.get(Math.min(...failures.keys()));

  if (plan.intervalMs > 0) {
    for (let start = 0; start < count; start += plan.size) {
      const began = Date.now();
      const batch: Promise<void>[] = [];
      for (let i = start; i < Math.min(count, start + plan.size); i++) batch.push(run(i));
      await Promise.all(batch);
      if (failures.size > 0) throw firstFailure();
      const wait = began + plan.intervalMs - Date.now();
      if (start + plan.size < count && wait > 0) await sleep(wait, undefined, { signal });
    }
    return results;
  }

  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count && failures.size === 0 && !signal.aborted) await run(next++);
  };
  await Promise.all(Array.from({ length: Math.min(plan.size, count) }, worker));
  if (failures.size > 0) throw firstFailure();
  signal.throwIfAborted();
  return results;
}
