/**
 * The errors of the HTTP Request node, with n8n's wording (`packages/workflow/src/errors/
 * node-api.error.ts` STATUS_CODE_MESSAGES, `abstract/node.error.ts` COMMON_ERRORS), so error
 * workflows and people reading runs see what n8n shows. HTTP failures carry `httpStatus` and
 * connection failures their system `code`, which the engine's retry rules (`on: [429, 503,
 * 'ECONNREFUSED']`) match. Both stay retryable; bad parameters are NonRetryableErrors.
 */
import { NodeError } from '../../engine/errors.js';

const STATUS_MESSAGES: Readonly<Record<string, string>> = {
  '4XX': 'Your request is invalid or could not be processed by the service',
  '400': 'Bad request - please check your parameters',
  '401': 'Authorization failed - please check your credentials',
  '402': 'Payment required - perhaps check your payment details?',
  '403': 'Forbidden - perhaps check your credentials?',
  '404': 'The resource you are requesting could not be found',
  '405': 'Method not allowed - please check you are using the right HTTP method',
  '429': 'The service is receiving too many requests from you',
  '5XX': 'The service failed to process your request',
  '500': 'The service was not able to process your request',
  '502': 'Bad gateway - the service failed to handle your request',
  '503':
    'Service unavailable - try again later or consider setting this node to retry automatically (in the node settings)',
  '504': 'Gateway timed out - perhaps try again later?',
};

/** n8n's messages for system error codes (its typos fixed). */
const CONNECTION_MESSAGES: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'The service refused the connection - perhaps it is offline',
  ECONNRESET:
    'The connection to the server was closed unexpectedly, perhaps it is offline. You can retry the request immediately or wait and retry later.',
  ENOTFOUND:
    'The connection cannot be established, this usually occurs due to an incorrect host (domain) value',
  ETIMEDOUT: "The connection timed out, consider setting the 'Retry on Fail' option in the node settings",
  ECONNABORTED: 'The connection was aborted, perhaps the server is offline',
  EHOSTUNREACH: 'The host is unreachable, perhaps the server is offline',
  EAI_AGAIN: 'The DNS server returned an error, perhaps the server is offline',
  EADDRNOTAVAIL: 'The address is not available, ensure that you have the right IP address',
  ENETUNREACH: 'The network is unreachable, perhaps the server is offline',
  EPIPE: 'The connection to the server was closed unexpectedly, perhaps it is offline',
};

/** How much of a response body an error description keeps. */
export const DESCRIPTION_LIMIT = 2000;

export function truncate(text: string, limit = DESCRIPTION_LIMIT): string {
  return text.length > limit ? `${text.slice(0, limit)}… (${text.length - limit} more characters)` : text;
}

export function statusMessage(status: number): string {
  const exact = STATUS_MESSAGES[String(status)];
  if (exact) return exact;
  if (status >= 400 && status < 500) return STATUS_MESSAGES['4XX'];
  if (status >= 500 && status < 600) return STATUS_MESSAGES['5XX'];
  return `Request failed with status code ${status}`;
}

/** A non-2xx answer: n8n's message for the status, the (truncated) body as description. */
export function httpStatusError(status: number, bodyText: string, itemIndex?: number): NodeError {
  const shown = `${status} - ${truncate(bodyText.trim() === '' ? '(empty body)' : bodyText)}`;
  const description =
    status === 429
      ? `Try spacing your requests out using the batching settings under 'Options'. ${shown}`
      : shown;
  return new NodeError(statusMessage(status), {
    code: 'HTTP_ERROR',
    httpStatus: status,
    description,
    itemIndex,
  });
}

/** Walks an error's `cause` chain for a system error code (undici wraps them in "fetch failed"). */
export function systemCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== null && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    // undici's "other side closed" and connect timeouts carry UND_ERR_* codes.
    if (code === 'UND_ERR_SOCKET' || code === 'UND_ERR_CLOSED') return 'ECONNRESET';
    if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT') return 'ETIMEDOUT';
    // System codes (ECONNREFUSED...) and OpenSSL's (DEPTH_ZERO_SELF_SIGNED_CERT, CERT_HAS_EXPIRED...).
    if (typeof code === 'string' && /^[A-Z][A-Z0-9_]+$/.test(code) && !code.startsWith('UND_ERR'))
      return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function innermostMessage(error: unknown): string {
  let current: unknown = error;
  let message = error instanceof Error ? error.message : String(error);
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    if (current.message) message = current.message;
    current = current.cause;
  }
  return message;
}

/** A connection failure (refused, reset, DNS, TLS...) as a retryable NodeError naming its code. */
export function connectionError(error: unknown, url: URL, itemIndex?: number): NodeError {
  // An error we raised on purpose (SSRF refusal inside the guarded lookup) surfaces as itself.
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    if (current instanceof NodeError) return current;
    current = current.cause;
  }
  const code = systemCode(error) ?? 'ECONNECTION';
  const detail = innermostMessage(error);
  const tls = /CERT|SELF_SIGNED|SSL|TLS/.test(code);
  const message =
    CONNECTION_MESSAGES[code] ??
    (tls
      ? "SSL Issue: consider using the 'Ignore SSL issues' option"
      : `The request to ${url.host} failed: ${detail}`);
  return new NodeError(message, {
    code,
    description: `${detail} (${url.origin})`,
    itemIndex,
    cause: error,
  });
}

export function timeoutError(ms: number, url: URL, itemIndex?: number): NodeError {
  return new NodeError(CONNECTION_MESSAGES.ETIMEDOUT, {
    code: 'ETIMEDOUT',
    description: `No complete response from ${url.origin} within ${ms} ms (option 'Timeout')`,
    itemIndex,
  });
}
