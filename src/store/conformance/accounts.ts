/** AccountStore conformance: users and the owner invariants, sessions and rotation, API keys. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { DuplicateEmailError, LAST_OWNER, type NewUser } from '../account-store.js';
import { InvalidCursorError } from '../cursor.js';
import { at, T0 } from './builders.js';
import { type StoreFixture, withStore } from './fixtures.js';

function newUser(id: string, overrides: Partial<NewUser> = {}): NewUser {
  return {
    id,
    email: `${id}@example.com`,
    passwordHash: `hash-${id}`,
    role: 'editor',
    now: T0,
    ...overrides,
  };
}

export function accountTests(fixture: StoreFixture): void {
  it('creates users with e-mails unique whatever their case', () =>
    withStore(fixture, async ({ accounts }) => {
      const alice = await accounts.createUser(newUser('u1', { email: '  Alice@Example.COM ' }));
      assert.deepEqual(alice, {
        id: 'u1',
        email: 'alice@example.com',
        role: 'editor',
        disabled: false,
        createdAt: T0,
        updatedAt: T0,
      });
      await assert.rejects(
        accounts.createUser(newUser('u2', { email: 'ALICE@example.com' })),
        DuplicateEmailError,
      );
      const found = await accounts.findUserByEmail('alice@EXAMPLE.com');
      assert.deepEqual(found, { user: alice, passwordHash: 'hash-u1' });
      assert.equal(await accounts.findUserByEmail('bob@example.com'), null);
      assert.equal(await accounts.getPasswordHash('u1'), 'hash-u1');
      assert.equal(await accounts.countUsers(), 1);
    }));

  it('creates the first owner only while no user exists, even when asked twice at once', () =>
    withStore(fixture, async ({ accounts }) => {
      const results = await Promise.all([
        accounts.createFirstOwner(newUser('a')),
        accounts.createFirstOwner(newUser('b')),
      ]);
      assert.equal(results.filter((r) => r !== null).length, 1);
      assert.equal(results.find((r) => r !== null)?.role, 'owner');
      assert.equal(await accounts.countUsers(), 1);
      assert.equal(await accounts.createFirstOwner(newUser('c')), null);
    }));

  it('updates role, flag and password hash, and never removes the last enabled owner', () =>
    withStore(fixture, async ({ accounts }) => {
      await accounts.createUser(newUser('o1', { role: 'owner' }));
      await accounts.createUser(newUser('e1'));
      assert.equal(await accounts.updateUser('o1', { role: 'admin', now: at(1) }), LAST_OWNER);
      assert.equal(await accounts.updateUser('o1', { disabled: true, now: at(1) }), LAST_OWNER);
      assert.equal(await accounts.deleteUser('o1'), LAST_OWNER);

      const promoted = await accounts.updateUser('e1', { role: 'owner', passwordHash: 'new', now: at(2) });
      assert.ok(promoted && promoted !== LAST_OWNER);
      assert.deepEqual(
        { role: promoted.role, updatedAt: promoted.updatedAt },
        { role: 'owner', updatedAt: at(2) },
      );
      assert.equal(await accounts.getPasswordHash('e1'), 'new');
      const demoted = await accounts.updateUser('o1', { role: 'viewer', now: at(3) });
      assert.equal(demoted !== null && demoted !== LAST_OWNER && demoted.role, 'viewer');
      assert.equal(await accounts.deleteUser('e1'), LAST_OWNER);
      assert.equal(await accounts.deleteUser('o1'), true);
      assert.equal(await accounts.deleteUser('o1'), false);
      assert.equal(await accounts.updateUser('missing', { role: 'viewer', now: at(4) }), null);
    }));

  it('never lets two concurrent demotions remove both owners', (t) =>
    withStore(fixture, async (first, database) => {
      if (!database.parallelTransactions) return t.skip('SQLite runs one writer at a time (see fixtures.ts)');
      await first.accounts.createUser(newUser('o1', { role: 'owner' }));
      await first.accounts.createUser(newUser('o2', { role: 'owner' }));
      const second = await database.open();
      const results = await Promise.all([
        first.accounts.updateUser('o1', { role: 'admin', now: at(1) }),
        second.accounts.updateUser('o2', { role: 'admin', now: at(1) }),
      ]);
      assert.equal(results.filter((r) => r === LAST_OWNER).length, 1);
    }));

  it('pages through users newest first', () =>
    withStore(fixture, async ({ accounts }) => {
      for (const [i, ms] of [0, 1, 1, 2].entries())
        await accounts.createUser(newUser(`u${i}`, { now: at(ms) }));
      const first = await accounts.listUsers({ limit: 3 });
      assert.deepEqual(
        first.items.map((u) => u.id),
        ['u3', 'u2', 'u1'],
      );
      const second = await accounts.listUsers({ limit: 3, cursor: first.nextCursor });
      assert.deepEqual(
        second.items.map((u) => u.id),
        ['u0'],
      );
      assert.equal(second.nextCursor, null);
      await assert.rejects(accounts.listUsers({ limit: 3, cursor: 'nope' }), InvalidCursorError);
    }));

  it('rotates refresh tokens once, and revokes the session when a rotated token comes back', () =>
    withStore(fixture, async ({ accounts }) => {
      await accounts.createUser(newUser('u'));
      await accounts.createSession({ id: 's', userId: 'u', tokenHash: 'h1', expiresAt: at(1000), now: T0 });
      assert.equal((await accounts.getSessionUser('s', 'u'))?.id, 'u');
      assert.equal(await accounts.getSessionUser('s', 'other'), null);

      assert.deepEqual(
        await accounts.rotateRefreshToken('h1', { tokenHash: 'h2', expiresAt: at(2000), now: at(10) }),
        {
          ok: true,
          sessionId: 's',
          userId: 'u',
        },
      );
      assert.equal(await accounts.sessionOfRefreshToken('h2'), 's');
      assert.deepEqual(
        await accounts.rotateRefreshToken('unknown', { tokenHash: 'x', expiresAt: at(1), now: at(1) }),
        {
          ok: false,
          reason: 'unknown',
        },
      );
      const reused = await accounts.rotateRefreshToken('h1', {
        tokenHash: 'h3',
        expiresAt: at(3000),
        now: at(20),
      });
      assert.deepEqual(reused, { ok: false, reason: 'reused', sessionId: 's', userId: 'u' });
      assert.equal(await accounts.getSessionUser('s', 'u'), null, 'the whole family is revoked');
      const after = await accounts.rotateRefreshToken('h2', {
        tokenHash: 'h4',
        expiresAt: at(3000),
        now: at(30),
      });
      assert.equal(after.ok === false && after.reason, 'revoked');
    }));

  it('lets only one of two concurrent rotations of one token win', () =>
    withStore(fixture, async ({ accounts }) => {
      await accounts.createUser(newUser('u'));
      await accounts.createSession({ id: 's', userId: 'u', tokenHash: 'h1', expiresAt: at(1000), now: T0 });
      const results = await Promise.all(
        ['a', 'b'].map((n) =>
          accounts.rotateRefreshToken('h1', { tokenHash: n, expiresAt: at(2000), now: at(1) }),
        ),
      );
      assert.equal(results.filter((r) => r.ok).length, 1);
    }));

  it('refuses expired refresh tokens, revokes and prunes sessions', () =>
    withStore(fixture, async ({ accounts }) => {
      await accounts.createUser(newUser('u'));
      await accounts.createSession({ id: 's1', userId: 'u', tokenHash: 'h1', expiresAt: at(100), now: T0 });
      await accounts.createSession({ id: 's2', userId: 'u', tokenHash: 'h2', expiresAt: at(500), now: T0 });
      await accounts.createSession({ id: 's3', userId: 'u', tokenHash: 'h3', expiresAt: at(500), now: T0 });
      const expired = await accounts.rotateRefreshToken('h1', {
        tokenHash: 'n',
        expiresAt: at(900),
        now: at(100),
      });
      assert.equal(expired.ok === false && expired.reason, 'expired');
      assert.equal(await accounts.revokeSession('s2', at(1)), true);
      assert.equal(await accounts.revokeSession('s2', at(2)), false);
      assert.equal(await accounts.revokeUserSessions('u', at(3)), 2);
      assert.equal(await accounts.pruneSessions(at(200)), 1);
      assert.equal(await accounts.sessionOfRefreshToken('h1'), null, 'tokens go with their session');
      assert.equal(await accounts.sessionOfRefreshToken('h2'), 's2');
    }));

  it('deletes a user with its sessions', () =>
    withStore(fixture, async ({ accounts }) => {
      await accounts.createUser(newUser('u'));
      await accounts.createSession({ id: 's', userId: 'u', tokenHash: 'h', expiresAt: at(100), now: T0 });
      assert.equal(await accounts.deleteUser('u'), true);
      assert.equal(await accounts.sessionOfRefreshToken('h'), null);
    }));

  it('stores API keys by hash, lists, touches and revokes them', () =>
    withStore(fixture, async ({ accounts }) => {
      const key = await accounts.createApiKey({
        id: 'k1',
        name: 'CRM',
        prefix: 'rls_abcd',
        keyHash: 'kh1',
        role: 'editor',
        createdBy: 'u',
        expiresAt: null,
        now: T0,
      });
      assert.deepEqual(key, {
        id: 'k1',
        name: 'CRM',
        prefix: 'rls_abcd',
        role: 'editor',
        createdBy: 'u',
        createdAt: T0,
        expiresAt: null,
        lastUsedAt: null,
        revokedAt: null,
      });
      await accounts.createApiKey({ ...key, id: 'k2', keyHash: 'kh2', expiresAt: at(50), now: at(1) });
      assert.deepEqual(await accounts.findApiKeyByHash('kh1'), key);
      assert.equal(await accounts.findApiKeyByHash('nope'), null);
      await accounts.touchApiKey('k1', at(5));
      assert.deepEqual((await accounts.getApiKey('k1'))?.lastUsedAt, at(5));
      assert.deepEqual((await accounts.getApiKey('k2'))?.expiresAt, at(50));
      assert.deepEqual(
        (await accounts.listApiKeys({ limit: 10 })).items.map((k) => k.id),
        ['k2', 'k1'],
      );
      assert.deepEqual((await accounts.revokeApiKey('k1', at(7)))?.revokedAt, at(7));
      assert.deepEqual(
        (await accounts.revokeApiKey('k1', at(9)))?.revokedAt,
        at(7),
        'the first revocation stays',
      );
      assert.equal(await accounts.revokeApiKey('missing', at(9)), null);
    }));
}
