/**
 * A real Relais server for tests: `startRuntime` on 127.0.0.1:0 with a temp SQLite data dir (or a
 * fresh PostgreSQL schema), one user and one API key per role, and a request helper that logs in
 * as any of them.
 *
 *   const server = await startTestServer();
 *   const res = await server.request('GET', '/api/users', { as: 'admin' });       // access token
 *   await server.request('POST', '/api/x', { as: { apiKey: 'editor' }, json: {} }); // API key
 *   await server.stop();
 *
 * Rate limits are off unless `config.rateLimits` sets them. Loop over `testDatabases()` to run a
 * suite on PostgreSQL too when RELAIS_TEST_DATABASE_URL is set.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Logger } from 'pino';
import { type Config, loadConfig } from '../config.js';
import { type Clock, ManualClock } from '../engine/clock.js';
import { ROLES, type Role } from '../server/auth/contract.js';
import { hashPassword } from '../server/auth/passwords.js';
import type { App } from '../server/deps.js';
import { type Runtime, startRuntime } from '../server/runtime.js';
import type { UserRecord } from '../store/account-store.js';

export type TestDatabase = 'sqlite' | 'postgres';

/** SQLite always; PostgreSQL when RELAIS_TEST_DATABASE_URL is set. */
export function testDatabases(): TestDatabase[] {
  return process.env.RELAIS_TEST_DATABASE_URL ? ['sqlite', 'postgres'] : ['sqlite'];
}

/** Every seeded user has this password. */
export const TEST_PASSWORD = 'correct horse battery staple';

export interface TestServerOptions {
  database?: TestDatabase;
  /** Default: a ManualClock at 2026-01-01 (access tokens expire after 15 minutes of it). */
  clock?: Clock;
  /** Merged over the test defaults (silent logs, no rate limits, temp data dir). */
  config?: Partial<Config & { trustProxy: boolean }>;
  logger?: Logger;
  /** One user (`<role>@relais.test`) and one API key per role; default true. */
  seed?: boolean;
}

export interface TestUser {
  id: string;
  email: string;
  password: string;
  role: Role;
}

/** Who makes a request: a seeded user (fresh access token), a seeded role's API key, or raw credentials. */
export type Caller = Role | 'anonymous' | { apiKey: Role } | { token: string } | { key: string };

export interface RequestOptions {
  as?: Caller;
  /** Sent as JSON with `content-type: application/json`. */
  json?: unknown;
  /** Sent as is (set the content type in `headers`). */
  body?: string;
  headers?: Record<string, string>;
}

export interface TestResponse {
  status: number;
  headers: Headers;
  /** Parsed JSON when the reply is JSON, else the text ('' when empty). */
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary reply shapes.
  body: any;
  text: string;
}

export interface TestServer {
  url: string;
  /** The base of the URLs the server gives out: `config.publicUrl` when set, else `url`. */
  publicUrl: string;
  runtime: Runtime;
  app: App;
  config: Config;
  clock: Clock;
  /** Empty when `seed: false`. */
  users: Partial<Record<Role, TestUser>>;
  apiKeys: Partial<Record<Role, string>>;
  /** A fresh access token for a seeded role's user (a new session each time). */
  token(role: Role): Promise<string>;
  request(method: string, path: string, opts?: RequestOptions): Promise<TestResponse>;
  stop(): Promise<void>;
}

let seedHash: Promise<string> | undefined;

export async function startTestServer(opts: TestServerOptions = {}): Promise<TestServer> {
  const database = opts.database ?? 'sqlite';
  const databaseUrl = process.env.RELAIS_TEST_DATABASE_URL;
  if (database === 'postgres' && !databaseUrl) throw new Error('RELAIS_TEST_DATABASE_URL is not set');
  const dataDir = await mkdtemp(join(tmpdir(), 'relais-server-'));
  const schema = database === 'postgres' ? `relais_test_${randomBytes(6).toString('hex')}` : undefined;
  const config: Config & { trustProxy?: boolean } = {
    ...loadConfig({
      RELAIS_HOST: '127.0.0.1',
      RELAIS_PORT: '0',
      RELAIS_DATA_DIR: dataDir,
      RELAIS_LOG_LEVEL: 'silent',
    }),
    rateLimits: { login: 0, anonymous: 0, authenticated: 0 },
    databaseUrl: database === 'postgres' ? databaseUrl : undefined,
    ...opts.config,
  };
  const clock = opts.clock ?? new ManualClock();
  const runtime = await startRuntime(config, { clock, logger: opts.logger, databaseSchema: schema });
  const { app } = runtime;
  const accounts = runtime.store.accounts;

  const users: Partial<Record<Role, TestUser>> = {};
  const records: Partial<Record<Role, UserRecord>> = {};
  const apiKeys: Partial<Record<Role, string>> = {};
  if (opts.seed ?? true) {
    seedHash ??= hashPassword(TEST_PASSWORD);
    const passwordHash = await seedHash;
    for (const role of ROLES) {
      const email = `${role}@relais.test`;
      const user = await accounts.createUser({
        id: `user-${role}`,
        email,
        passwordHash,
        role,
        now: clock.now(),
      });
      records[role] = user;
      users[role] = { id: user.id, email, password: TEST_PASSWORD, role };
      const owner = {
        kind: 'user' as const,
        id: 'user-owner',
        role: 'owner' as const,
        label: 'owner@relais.test',
      };
      apiKeys[role] = (await app.auth.createApiKey(owner, { name: `${role} key`, role })).key;
    }
  }

  async function token(role: Role): Promise<string> {
    const user = records[role];
    if (!user) throw new Error(`no seeded ${role} user (seed: false?)`);
    return (await app.auth.startSession(user)).accessToken;
  }

  async function authorization(caller: Caller | undefined): Promise<Record<string, string>> {
    if (caller === undefined || caller === 'anonymous') return {};
    if (typeof caller === 'string') return { authorization: `Bearer ${await token(caller)}` };
    if ('token' in caller) return { authorization: `Bearer ${caller.token}` };
    if ('key' in caller) return { authorization: `Bearer ${caller.key}` };
    const key = apiKeys[caller.apiKey];
    if (!key) throw new Error(`no seeded ${caller.apiKey} API key (seed: false?)`);
    return { authorization: `Bearer ${key}` };
  }

  return {
    url: runtime.url,
    publicUrl: runtime.publicUrl,
    runtime,
    app,
    config,
    clock,
    users,
    apiKeys,
    token,
    async request(method, path, ro = {}) {
      const headers: Record<string, string> = { ...(await authorization(ro.as)), ...ro.headers };
      let body = ro.body;
      if (ro.json !== undefined) {
        headers['content-type'] ??= 'application/json';
        body = JSON.stringify(ro.json);
      }
      const res = await fetch(`${runtime.url}${path}`, { method, headers, body });
      const text = await res.text();
      const isJson = (res.headers.get('content-type') ?? '').includes('json') && text !== '';
      return { status: res.status, headers: res.headers, body: isJson ? JSON.parse(text) : text, text };
    },
    async stop() {
      await runtime.stop();
      await rm(dataDir, { recursive: true, force: true });
      if (schema) {
        const client = new pg.Client({ connectionString: databaseUrl });
        await client.connect();
        try {
          await client.query(`drop schema if exists "${schema}" cascade`);
        } finally {
          await client.end();
        }
      }
    },
  };
}
