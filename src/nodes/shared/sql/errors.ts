/**
 * Database failures as node errors. What a retry can fix (refused or lost connections, timeouts,
 * deadlocks, lock waits) stays a NodeError, so the engine's retry rules apply; what it cannot
 * (authentication, unknown database, SQL errors, constraint violations) is a NonRetryableError.
 * SQL errors say where: PostgreSQL's `position` becomes a line and column with the line's text;
 * MySQL's message already names the line. The failed statement goes into the description.
 */
import { NodeError, NonRetryableError } from '../../../engine/errors.js';

interface DriverError {
  code?: string;
  errno?: number;
  message?: string;
  position?: string;
  detail?: string;
  hint?: string;
  sqlMessage?: string;
  sqlState?: string;
  address?: string;
  port?: number;
}

const NETWORK: Record<string, string> = {
  ECONNREFUSED: 'Connection refused',
  ENOTFOUND: 'Host not found',
  EAI_AGAIN: 'Host not found',
  ETIMEDOUT: 'Connection timed out',
  ECONNRESET: 'Connection reset by the server',
  EHOSTUNREACH: 'Host unreachable',
  PROTOCOL_CONNECTION_LOST: 'Connection lost',
};

function where(target: { host: string; port: number }): string {
  return `${target.host}:${target.port}`;
}

/** Line and column of a 1-based character position in `text`, with that line. */
export function locate(text: string, position: number): { line: number; column: number; source: string } {
  const before = text.slice(0, Math.max(0, position - 1));
  const lines = before.split('\n');
  const line = lines.length;
  const column = lines[lines.length - 1].length + 1;
  return { line, column, source: text.split('\n')[line - 1] ?? '' };
}

function failedQuery(statement: string | undefined): string | undefined {
  return statement
    ? `Failed query: ${statement.length > 2000 ? `${statement.slice(0, 2000)}…` : statement}`
    : undefined;
}

export function postgresError(
  error: unknown,
  target: { host: string; port: number },
  statement?: string,
  itemIndex?: number,
): NodeError {
  if (error instanceof NodeError) return error;
  const e = (error ?? {}) as DriverError;
  const message = e.message ?? String(error);
  const network = e.code ? NETWORK[e.code] : undefined;
  if (network)
    return new NodeError(network, { code: e.code, description: where(target), itemIndex, cause: error });
  if (/timeout/i.test(message) && !e.code) {
    return new NodeError('Connection timed out', {
      code: 'ETIMEDOUT',
      description: where(target),
      itemIndex,
      cause: error,
    });
  }
  const sqlState = typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) ? e.code : undefined;
  if (sqlState === '28P01' || sqlState === '28000') {
    return new NonRetryableError(`Authentication failed: ${message}`, {
      code: 'AUTH_FAILED',
      description: where(target),
      itemIndex,
    });
  }
  if (sqlState && /^(08|40|53|57)/.test(sqlState)) {
    return new NodeError(message, {
      code: sqlState,
      description: e.detail ?? failedQuery(statement),
      itemIndex,
      cause: error,
    });
  }
  let text = message;
  if (sqlState && e.position && statement) {
    const at = locate(statement, Number(e.position));
    text = `${message} (line ${at.line}, column ${at.column}: ${at.source.trim()})`;
  }
  const description = [e.detail, e.hint, failedQuery(statement)].filter(Boolean).join(' — ') || undefined;
  if (!sqlState) return new NodeError(text, { description, itemIndex, cause: error });
  return new NonRetryableError(text, { code: sqlState, description, itemIndex, cause: error });
}

const MYSQL_RETRYABLE = new Set([
  'ER_LOCK_DEADLOCK',
  'ER_LOCK_WAIT_TIMEOUT',
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
]);
const MYSQL_AUTH = new Set([
  'ER_ACCESS_DENIED_ERROR',
  'ER_DBACCESS_DENIED_ERROR',
  'ER_ACCESS_DENIED_NO_PASSWORD_ERROR',
]);

export function mysqlError(
  error: unknown,
  target: { host: string; port: number },
  statement?: string,
  itemIndex?: number,
): NodeError {
  if (error instanceof NodeError) return error;
  const e = (error ?? {}) as DriverError;
  const message = e.sqlMessage ?? e.message ?? String(error);
  const network = e.code ? NETWORK[e.code] : undefined;
  if (network)
    return new NodeError(network, { code: e.code, description: where(target), itemIndex, cause: error });
  if (e.code && MYSQL_AUTH.has(e.code)) {
    return new NonRetryableError(`Authentication failed: ${message}`, {
      code: 'AUTH_FAILED',
      description: where(target),
      itemIndex,
    });
  }
  if (e.code && MYSQL_RETRYABLE.has(e.code)) {
    return new NodeError(message, {
      code: e.code,
      description: failedQuery(statement),
      itemIndex,
      cause: error,
    });
  }
  if (e.sqlState || e.errno) {
    return new NonRetryableError(message, {
      code: e.code,
      description: failedQuery(statement),
      itemIndex,
      cause: error,
    });
  }
  return new NodeError(message, {
    code: e.code,
    description: failedQuery(statement),
    itemIndex,
    cause: error,
  });
}
