/** `relais user ...` on a data dir, then the account used over HTTP by a server on the same data. */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../engine/clock.js';
import { startTestServer } from '../testing/server.js';
import { main } from './main.js';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l: string) => void out.push(l), err: (l: string) => void err.push(l) }, out, err };
}

describe('relais user', () => {
  let dataDir: string;
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'relais-cli-user-'));
  });
  after(() => rm(dataDir, { recursive: true, force: true }));

  const run = async (...args: string[]) => {
    const c = capture();
    const code = await main(['user', ...args, '--data-dir', dataDir], c.io);
    return { code, out: c.out.join('\n'), err: c.err.join('\n') };
  };

  it('creates users, refuses duplicates and bad arguments, lists them', async () => {
    const created = await run('create', '--email', 'Boss@Example.com', '--password', 'a long password');
    assert.equal(created.code, 0, created.err);
    assert.match(created.out, /^created owner boss@example\.com \(/);
    const editor = await run(
      'create',
      '--email',
      'ed@example.com',
      '--password',
      'a long password',
      '--role',
      'editor',
    );
    assert.equal(editor.code, 0);
    assert.equal(
      (await run('create', '--email', 'boss@example.com', '--password', 'a long password')).code,
      1,
    );
    assert.equal((await run('create', '--email', 'x@example.com', '--password', 'short')).code, 2);
    assert.equal(
      (await run('create', '--email', 'x@example.com', '--password', 'a long password', '--role', 'god'))
        .code,
      2,
    );
    assert.equal((await run('create', '--email', 'not-an-email', '--password', 'a long password')).code, 2);
    assert.equal((await run('delete')).code, 2);
    const list = await run('list');
    assert.equal(list.code, 0);
    assert.match(list.out, /\tboss@example\.com\towner/);
    assert.match(list.out, /\ted@example\.com\teditor/);
    assert.ok(!list.out.includes('long password'));
  });

  it('sets a password; a server on the same data dir accepts it', async () => {
    assert.equal(
      (await run('set-password', '--email', 'nobody@example.com', '--password', 'whatever123')).code,
      1,
    );
    const set = await run('set-password', '--email', 'boss@example.com', '--password', 'the new password');
    assert.equal(set.code, 0, set.err);
    // The CLI writes on the system clock; the server's clock must come after it.
    const server = await startTestServer({
      seed: false,
      config: { dataDir },
      clock: new ManualClock(Date.now() + 60_000),
    });
    try {
      const login = (password: string) =>
        server.request('POST', '/api/auth/login', { json: { email: 'boss@example.com', password } });
      assert.equal((await login('a long password')).status, 401);
      const ok = await login('the new password');
      assert.equal(ok.status, 200);
      assert.equal(ok.body.user.role, 'owner');
      const audit = await server.request('GET', '/api/audit-log?entityType=user', {
        as: { token: ok.body.accessToken },
      });
      assert.deepEqual(
        audit.body.items.map((e: { action: string; details: { via?: string } | null }) => [
          e.action,
          e.details?.via,
        ]),
        [
          ['auth.login', undefined],
          ['auth.login_failed', undefined],
          ['user.password_changed', 'cli'],
          ['user.created', 'cli'],
          ['user.created', 'cli'],
        ],
      );
    } finally {
      await server.stop();
    }
  });
});
