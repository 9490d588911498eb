/**
 * The store-backed AuditSink (`deps.audit`). Any route records what it changed:
 *
 *   await deps.audit.record(request.principal, request.ip, {
 *     action: 'automation.activated', entityType: 'automation', entityId: id, details: { name },
 *   });
 *
 * A failed write is logged, not thrown: the change it describes has already happened, and
 * answering 500 for it would invite the caller to do it twice.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '../../engine/clock.js';
import type { AuditStore } from '../../store/audit-store.js';
import type { AuditEntry, AuditSink, Principal } from './contract.js';

export function createAuditSink(store: AuditStore, clock: Clock, logger: Pick<Logger, 'error'>): AuditSink {
  // Ids sort like the entries were written, even within one millisecond (pages are ordered by
  // time, then id): the millisecond, a counter within it, then randomness across processes.
  let lastMs = -1;
  let sequence = 0;
  const nextId = (at: Date): string => {
    const ms = at.getTime();
    sequence = ms === lastMs ? sequence + 1 : 0;
    lastMs = ms;
    return `${ms.toString(16).padStart(12, '0')}-${sequence.toString(16).padStart(6, '0')}-${randomBytes(6).toString('hex')}`;
  };
  return {
    async record(principal: Principal | undefined, ip: string, entry: AuditEntry): Promise<void> {
      const at = clock.now();
      try {
        await store.append({
          id: nextId(at),
          at,
          actorType: principal?.kind ?? 'anonymous',
          actorId: principal?.id ?? null,
          actorLabel: principal?.label ?? null,
          ip: ip || null,
          action: entry.action,
          entityType: entry.entityType,
          entityId: entry.entityId ?? null,
          details: entry.details ?? null,
        });
      } catch (error) {
        logger.error({ err: error, action: entry.action }, 'audit log write failed');
      }
    },
  };
}
