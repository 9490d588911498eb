/**
 * `relais user create|list|set-password`: accounts on the store of the configuration
 * (RELAIS_DATA_DIR or RELAIS_DATABASE_URL; `--data-dir` overrides), with no server running.
 * The way in for a fresh install, and the way back for an owner who lost their password.
 * Exit 0 = done, 1 = refused (duplicate, unknown user), 2 = bad arguments or configuration.
 */
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config.js';
import { systemClock } from '../engine/clock.js';
import { createAuditSink } from '../server/auth/audit.js';
import { ROLES } from '../server/auth/contract.js';
import { hashPassword, passwordSchema } from '../server/auth/passwords.js';
import { isRole } from '../server/auth/service.js';
import { DuplicateEmailError } from '../store/account-store.js';
import { openStore, type Store } from '../store/index.js';
import type { Io } from './io.js';

const USAGE = `usage: relais user create --email EMAIL --password PASSWORD [--role ${ROLES.join('|')}] [--data-dir DIR]
       relais user list [--data-dir DIR]
       relais user set-password --email EMAIL --password PASSWORD [--data-dir DIR]`;

export async function userCommand(args: string[], io: Io): Promise<number> {
  const [sub, ...rest] = args;
  let values: { email?: string; password?: string; role?: string; 'data-dir'?: string };
  try {
    values = parseArgs({
      args: rest,
      options: {
        email: { type: 'string' },
        password: { type: 'string' },
        role: { type: 'string' },
        'data-dir': { type: 'string' },
      },
    }).values;
  } catch (error) {
    io.err(`relais user: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (sub !== 'create' && sub !== 'list' && sub !== 'set-password') {
    io.err(`relais user: unknown subcommand '${sub ?? ''}'\n${USAGE}`);
    return 2;
  }
  if (sub !== 'list') {
    const problem = checkCredentials(values.email, values.password);
    if (problem) {
      io.err(`relais user ${sub}: ${problem}\n${USAGE}`);
      return 2;
    }
  }
  const role = values.role ?? 'owner';
  if (!isRole(role)) {
    io.err(`relais user create: --role must be one of ${ROLES.join(', ')}`);
    return 2;
  }
  let store: Store;
  try {
    const config = loadConfig();
    store = await openStore({
      databaseUrl: config.databaseUrl,
      dataDir: values['data-dir'] ? resolve(values['data-dir']) : config.dataDir,
    });
  } catch (error) {
    if (!(error instanceof ConfigError) && !(error instanceof RangeError)) throw error;
    io.err(error.message);
    return 2;
  }
  try {
    if (sub === 'list') return await list(store, io);
    if (sub === 'create') return await create(store, io, values.email!, values.password!, role);
    return await setPassword(store, io, values.email!, values.password!);
  } finally {
    await store.close();
  }
}

function checkCredentials(email: string | undefined, password: string | undefined): string | undefined {
  if (!email || !/^[^\s@]+@[^\s@]+$/.test(email.trim())) return '--email must be an e-mail address';
  if (!password) return '--password is required';
  const checked = passwordSchema.safeParse(password);
  return checked.success ? undefined : `--password: ${checked.error.issues[0].message}`;
}

async function create(store: Store, io: Io, email: string, password: string, role: string): Promise<number> {
  try {
    const user = await store.accounts.createUser({
      id: randomUUID(),
      email,
      passwordHash: await hashPassword(password),
      role,
      now: systemClock.now(),
    });
    await createAuditSink(store.audit, systemClock, { error: (m: unknown) => io.err(String(m)) }).record(
      undefined,
      '',
      {
        action: 'user.created',
        entityType: 'user',
        entityId: user.id,
        details: { email: user.email, role, via: 'cli' },
      },
    );
    io.out(`created ${user.role} ${user.email} (${user.id})`);
    return 0;
  } catch (error) {
    if (!(error instanceof DuplicateEmailError)) throw error;
    io.err(`relais user create: a user with the e-mail ${email.trim().toLowerCase()} already exists`);
    return 1;
  }
}

async function list(store: Store, io: Io): Promise<number> {
  let cursor: string | null = null;
  do {
    const page: Awaited<ReturnType<Store['accounts']['listUsers']>> = await store.accounts.listUsers({
      limit: 200,
      cursor,
    });
    for (const u of page.items) io.out(`${u.id}\t${u.email}\t${u.role}${u.disabled ? '\tdisabled' : ''}`);
    cursor = page.nextCursor;
  } while (cursor);
  return 0;
}

async function setPassword(store: Store, io: Io, email: string, password: string): Promise<number> {
  const found = await store.accounts.findUserByEmail(email);
  if (!found) {
    io.err(`relais user set-password: no user with the e-mail ${email.trim().toLowerCase()}`);
    return 1;
  }
  const now = systemClock.now();
  await store.accounts.updateUser(found.user.id, { passwordHash: await hashPassword(password), now });
  await store.accounts.revokeUserSessions(found.user.id, now);
  await createAuditSink(store.audit, systemClock, { error: (m: unknown) => io.err(String(m)) }).record(
    undefined,
    '',
    {
      action: 'user.password_changed',
      entityType: 'user',
      entityId: found.user.id,
      details: { via: 'cli' },
    },
  );
  io.out(`password changed for ${found.user.email}; their sessions have ended`);
  return 0;
}
