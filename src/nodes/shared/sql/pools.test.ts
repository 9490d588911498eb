/** The SQL nodes' pool cache: one pool per settings, least recently used closed past 32, all closed at shutdown. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { closeSqlPools, PoolCache, sharedPoolCache } from './pools.js';

class FakePool {
  ended = false;
  async end(): Promise<void> {
    this.ended = true;
  }
}

describe('SQL pool cache', () => {
  it('reuses the pool of the same settings and keys them without keeping them', () => {
    const cache = new PoolCache<FakePool>();
    const a = cache.get({ host: 'db', password: 'secret' }, () => new FakePool());
    assert.equal(
      cache.get({ host: 'db', password: 'secret' }, () => new FakePool()),
      a,
    );
    assert.notEqual(
      cache.get({ host: 'db', password: 'rotated' }, () => new FakePool()),
      a,
    );
    assert.equal(cache.size, 2);
  });

  it('closes the least recently used pool beyond 32', () => {
    const cache = new PoolCache<FakePool>();
    const pools = Array.from({ length: 32 }, (_, i) => cache.get({ i }, () => new FakePool()));
    cache.get({ i: 0 }, () => new FakePool()); // used again: now the most recent
    cache.get({ i: 32 }, () => new FakePool());
    assert.equal(cache.size, 32);
    assert.equal(pools[0].ended, false);
    assert.equal(pools[1].ended, true);
  });

  it('closes every shared pool at shutdown', async () => {
    const cache = sharedPoolCache<FakePool>();
    const pool = cache.get({ x: 1 }, () => new FakePool());
    await closeSqlPools();
    assert.equal(pool.ended, true);
    assert.equal(cache.size, 0);
  });
});
