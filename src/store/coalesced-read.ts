/**
 * Reads by key that arrive during the same turn of the event loop share one query: when a batch of
 * timers falls due, a hundred runs are read, then their steps, each by its own caller; one
 * `WHERE key IN (...)` serves them all (the read-side sibling of group-commit.ts). A read waits at
 * most for the end of the turn (`setImmediate`).
 *
 * Every caller gets its own value, converted from the row for it, so callers never share (and
 * never mutate each other's) records.
 */

/** Keys per statement: within every driver's bound-parameter limit. */
const MAX_KEYS = 256;

export function coalescedRead<K, R, V>(
  readMany: (keys: readonly K[]) => Promise<Map<K, R>>,
  convert: (row: R) => V,
): (key: K) => Promise<V | undefined> {
  let batch: Map<K, Waiter<V>[]> | undefined;

  async function flush(waiting: Map<K, Waiter<V>[]>): Promise<void> {
    const keys = [...waiting.keys()];
    for (let i = 0; i < keys.length; i += MAX_KEYS) {
      const chunk = keys.slice(i, i + MAX_KEYS);
      try {
        const rows = await readMany(chunk);
        for (const key of chunk) {
          const row = rows.get(key);
          for (const waiter of waiting.get(key)!)
            waiter.resolve(row === undefined ? undefined : convert(row));
        }
      } catch (error) {
        for (const key of chunk) for (const waiter of waiting.get(key)!) waiter.reject(error);
      }
    }
  }

  return (key) =>
    new Promise<V | undefined>((resolve, reject) => {
      if (!batch) {
        const mine = new Map<K, Waiter<V>[]>();
        batch = mine;
        setImmediate(() => {
          batch = undefined;
          void flush(mine);
        });
      }
      const waiters = batch.get(key);
      if (waiters) waiters.push({ resolve, reject });
      else batch.set(key, [{ resolve, reject }]);
    });
}

interface Waiter<V> {
  resolve(value: V | undefined): void;
  reject(error: unknown): void;
}

/**
 * `keys` padded with copies of its last key to the next power of two: an IN list of any length
 * then compiles to one of a few SQL texts, which stay prepared (see dialects/sqlite.ts).
 */
export function paddedKeys<K>(keys: readonly K[]): K[] {
  let size = 1;
  while (size < keys.length) size *= 2;
  const padded = [...keys];
  while (padded.length < size) padded.push(keys[keys.length - 1]);
  return padded;
}
