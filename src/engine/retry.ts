/**
 * Retry policy as data (STYLE: BullMQ's backoffs): whether a failed attempt is retried, and after
 * how long. The wait itself is a timer in the store, never a sleep in memory.
 */
import { NonRetryableError } from './errors.js';
import type { RetrySettings } from './workflow.js';

/**
 * Milliseconds to wait before attempt `failedAttempts + 1`, or undefined when the error is final
 * (non-retryable, not in `on`, or no tries left). `random` is injectable for deterministic tests.
 */
export function retryDelay(
  retry: RetrySettings | undefined,
  error: unknown,
  failedAttempts: number,
  random: () => number = Math.random,
): number | undefined {
  if (!retry || failedAttempts >= retry.maxTries) return undefined;
  if (error instanceof NonRetryableError) return undefined;
  if (retry.on && !matches(retry.on, error)) return undefined;
  let delay = retry.backoff === 'exponential' ? retry.delayMs * 2 ** (failedAttempts - 1) : retry.delayMs;
  if (retry.maxDelayMs !== undefined) delay = Math.min(delay, retry.maxDelayMs);
  if (retry.jitter > 0) delay += delay * retry.jitter * (random() * 2 - 1);
  return Math.max(0, Math.round(delay));
}

function matches(on: readonly (string | number)[], error: unknown): boolean {
  const e = error as { code?: unknown; httpStatus?: unknown; name?: unknown };
  return on.some((rule) => rule === e.code || rule === e.httpStatus || rule === e.name);
}
