/**
 * Connection pools of the SQL nodes, kept across executions and shared by every node using the
 * same credential (and connection options): opening a PostgreSQL or MySQL connection costs
 * several round trips, an item should not. Pools are keyed by a hash of the connection settings
 * (the password never sits in a key), at most 32 are kept (the least recently used is closed),
 * and `closeSqlPools()` closes them all at shutdown — the runtime calls it when it stops.
 */
import { createHash } from 'node:crypto';

export interface ClosablePool {
  end(): Promise<void>;
}

const MAX_POOLS = 32;

export class PoolCache<P extends ClosablePool> {
  private readonly pools = new Map<string, P>();

  /** The pool for these settings, created by `create` the first time. */
  get(settings: unknown, create: () => P): P {
    const key = createHash('sha256').update(JSON.stringify(settings)).digest('hex');
    const found = this.pools.get(key);
    if (found) {
      // Most recently used last: Map keeps insertion order.
      this.pools.delete(key);
      this.pools.set(key, found);
      return found;
    }
    const pool = create();
    this.pools.set(key, pool);
    if (this.pools.size > MAX_POOLS) {
      const [oldestKey, oldest] = this.pools.entries().next().value as [string, P];
      this.pools.delete(oldestKey);
      void oldest.end().catch(() => {});
    }
    return pool;
  }

  get size(): number {
    return this.pools.size;
  }

  async closeAll(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.allSettled(pools.map((p) => p.end()));
  }
}

const caches = new Set<PoolCache<ClosablePool>>();

/** A process-wide cache (one per driver), registered so `closeSqlPools` reaches it. */
export function sharedPoolCache<P extends ClosablePool>(): PoolCache<P> {
  const cache = new PoolCache<P>();
  caches.add(cache as unknown as PoolCache<ClosablePool>);
  return cache;
}

/** Closes every pool of every SQL node (graceful shutdown; tests). */
export async function closeSqlPools(): Promise<void> {
  await Promise.all([...caches].map((c) => c.closeAll()));
}
