/**
 * HTTP calls of the nodes that talk to one provider's API (SMS, push): the HTTP Request node's
 * transport (src/nodes/http-request/transport.ts) — one timeout over the whole exchange, the run's
 * cancellation, the `RELAIS_HTTP_DENY` address policy, "Ignore SSL Issues", connection failures as
 * retryable NodeErrors carrying their system code — and one rule for HTTP statuses.
 */
import { NodeError, NonRetryableError } from '../../engine/errors.js';
import { truncate } from '../http-request/errors.js';
import type { DenyPolicy } from '../http-request/ssrf.js';
import {
  createDispatcher,
  type Dispatcher,
  exchange,
  type TransportSettings,
} from '../http-request/transport.js';

export interface ApiRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body?: string;
  /** Header names (lower case) carrying secrets: dropped on a redirect to another origin. */
  secretHeaders?: string[];
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed as JSON, when it is JSON. */
  json?: unknown;
}

export interface ApiClient {
  call(request: ApiRequest, itemIndex?: number): Promise<ApiResponse>;
  /** Releases the connection pool created for "Ignore SSL Issues" or an address policy. */
  close(): Promise<void>;
}

export interface ApiClientOptions {
  signal: AbortSignal;
  timeoutMs: number;
  allowUnauthorizedCerts?: boolean;
  /** RELAIS_HTTP_DENY, from the node's settings (`nodeSettings(ctx).httpDeny`). */
  policy: DenyPolicy;
}

export async function apiClient(opts: ApiClientOptions): Promise<ApiClient> {
  const policy = opts.policy;
  const dispatcher: Dispatcher | undefined = await createDispatcher({
    rejectUnauthorized: !opts.allowUnauthorizedCerts,
    policy,
  });
  const settings: TransportSettings = {
    timeoutMs: opts.timeoutMs,
    followRedirects: true,
    maxRedirects: 5,
    sendCredentialsOnCrossOriginRedirect: false,
    policy,
    dispatcher,
    signal: opts.signal,
  };
  return {
    call(request, itemIndex) {
      return exchange(
        {
          method: request.method,
          url: request.url,
          headers: request.headers,
          body: request.body,
          secretHeaders: request.secretHeaders ?? ['authorization'],
        },
        settings,
        async (response) => {
          const text = await response.text();
          let json: unknown;
          if (text !== '' && /json/i.test(response.headers.get('content-type') ?? '')) {
            try {
              json = JSON.parse(text);
            } catch {
              // a body that says JSON and is not stays text
            }
          }
          return { status: response.status, headers: response.headers, text, json };
        },
        itemIndex,
      );
    },
    async close() {
      await dispatcher?.close().catch(() => {});
    },
  };
}

/** 4xx answers that a retry cannot change (bad request, bad credentials, unknown resource...). */
const FINAL = new Set([400, 401, 403, 404, 405, 410, 413, 414, 415, 422]);

/**
 * A non-2xx answer as an error: NonRetryableError for the answers a retry cannot change, otherwise
 * (408, 429, 5xx...) a NodeError the engine's retry rules match by `httpStatus`.
 */
export function statusError(
  status: number,
  message: string,
  opts: { code: string; body: string; itemIndex?: number; description?: string },
): NodeError {
  const ErrorType = FINAL.has(status) ? NonRetryableError : NodeError;
  return new ErrorType(message, {
    code: opts.code,
    httpStatus: status,
    itemIndex: opts.itemIndex,
    description:
      opts.description ?? `${status} - ${truncate(opts.body.trim() === '' ? '(empty body)' : opts.body)}`,
  });
}
