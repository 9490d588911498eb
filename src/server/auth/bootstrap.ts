/**
 * The first owner, from RELAIS_OWNER_EMAIL + RELAIS_OWNER_PASSWORD: created at start while no
 * user exists, so every later start is a no-op (the owner may change the password through the
 * API without a restart undoing it). The other ways in: `relais user create`, `POST /api/setup`.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '../../engine/clock.js';
import { type AccountStore, normalizeEmail } from '../../store/account-store.js';
import { hashPassword } from './passwords.js';

export async function ensureFirstOwner(
  accounts: AccountStore,
  owner: { email: string; password: string } | undefined,
  clock: Clock,
  logger: Pick<Logger, 'info' | 'warn'>,
): Promise<void> {
  if (!owner) {
    if ((await accounts.countUsers()) === 0) {
      logger.warn(
        'no user yet: create the owner with `relais user create`, POST /api/setup, or RELAIS_OWNER_EMAIL/PASSWORD',
      );
    }
    return;
  }
  // Cheap check first: hashing costs ~50 ms, and almost every start has users already.
  if ((await accounts.countUsers()) > 0) {
    if (!(await accounts.findUserByEmail(owner.email))) {
      logger.warn({ email: normalizeEmail(owner.email) }, 'RELAIS_OWNER_EMAIL ignored: users already exist');
    }
    return;
  }
  const created = await accounts.createFirstOwner({
    id: randomUUID(),
    email: owner.email,
    passwordHash: await hashPassword(owner.password),
    now: clock.now(),
  });
  if (created) logger.info({ email: created.email }, 'owner account created from RELAIS_OWNER_EMAIL');
}
