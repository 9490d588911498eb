/**
 * One HTTP exchange with Node's fetch (undici): redirects followed by hand (`redirect: 'manual'`)
 * so that every hop is checked against the SSRF policy and credentials are not sent to another
 * origin; one timeout covering the whole exchange (redirects and body included, as n8n's request
 * timeout does); cancellation through the node's abort signal; failures turned into NodeErrors
 * with n8n's messages.
 *
 * A dispatcher (an undici Agent) is only created when the execution needs one — for
 * "Ignore SSL Issues" or a deny policy (its `lookup` refuses denied addresses at connection time);
 * otherwise fetch's shared pool keeps connections warm across executions.
 */
import { NodeError } from '../../engine/errors.js';
import { connectionError, timeoutError } from './errors.js';
import { checkUrl, type DenyPolicy, guardedLookup } from './ssrf.js';

export interface WireRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body?: string | Uint8Array | FormData | URLSearchParams;
  /** Header names (lower case) carrying credentials: dropped when a redirect leaves the origin. */
  secretHeaders: readonly string[];
}

export interface TransportSettings {
  timeoutMs: number;
  followRedirects: boolean;
  maxRedirects: number;
  sendCredentialsOnCrossOriginRedirect: boolean;
  policy: DenyPolicy;
  dispatcher?: Dispatcher;
  /** The node execution's signal (run cancelled). */
  signal: AbortSignal;
}

/** The part of an undici Agent the node uses. */
export interface Dispatcher {
  close(): Promise<void>;
  destroy(): Promise<void>;
}

type AgentClass = new (options: { connect: Record<string, unknown> }) => Dispatcher;

const GLOBAL_DISPATCHER = Symbol.for('undici.globalDispatcher.1');

/**
 * undici's Agent class, taken from fetch's own global dispatcher (Node bundles undici without
 * exporting it). A `data:` fetch makes Node create that dispatcher without any network access.
 */
async function agentClass(): Promise<AgentClass> {
  const read = () => (globalThis as Record<symbol, unknown>)[GLOBAL_DISPATCHER] as object | undefined;
  if (read() === undefined) await fetch('data:,');
  const ctor = read()?.constructor as AgentClass | undefined;
  if (typeof ctor !== 'function' || ctor.name !== 'Agent') {
    throw new NodeError('The HTTP client of this Node.js version cannot apply TLS or address restrictions', {
      code: 'UNSUPPORTED_RUNTIME',
    });
  }
  return ctor;
}

/** An Agent for this execution, or undefined when fetch's shared pool will do. */
export async function createDispatcher(opts: {
  rejectUnauthorized: boolean;
  policy: DenyPolicy;
}): Promise<Dispatcher | undefined> {
  if (opts.rejectUnauthorized && opts.policy.rules.length === 0) return undefined;
  const Agent = await agentClass();
  const connect: Record<string, unknown> = { rejectUnauthorized: opts.rejectUnauthorized };
  if (opts.policy.rules.length > 0) connect.lookup = guardedLookup(opts.policy);
  return new Agent({ connect });
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

class Timeout extends Error {}

/**
 * Sends `request` (following redirects) and hands the final response to `consume`, all under the
 * timeout. Returns what `consume` returns.
 */
export async function exchange<T>(
  request: WireRequest,
  settings: TransportSettings,
  consume: (response: Response, url: URL) => Promise<T>,
  itemIndex?: number,
): Promise<T> {
  // One controller per exchange, aborted by the timeout or by the execution's signal (cheaper
  // than AbortSignal.any, which matters at thousands of requests per second).
  const controller = new AbortController();
  const signal = controller.signal;
  let timedOut = false;
  const handle = setTimeout(() => {
    timedOut = true;
    controller.abort(new Timeout());
  }, settings.timeoutMs);
  handle.unref?.();
  const cancel = () => controller.abort(settings.signal.reason);
  if (settings.signal.aborted) cancel();
  else settings.signal.addEventListener('abort', cancel, { once: true });
  let current = request;
  try {
    for (let hop = 0; ; hop++) {
      await checkUrl(settings.policy, current.url);
      const init: RequestInit = {
        method: current.method,
        headers: current.headers,
        body: current.body,
        redirect: 'manual',
        signal,
      };
      // `dispatcher` is undici's extension of RequestInit (absent from the DOM typing).
      if (settings.dispatcher) Object.assign(init, { dispatcher: settings.dispatcher });
      const response = await fetch(current.url, init);
      const location = response.headers.get('location');
      if (!settings.followRedirects || !REDIRECTS.has(response.status) || location === null) {
        return await consume(response, current.url);
      }
      await response.body?.cancel().catch(() => {});
      if (hop >= settings.maxRedirects) {
        throw new NodeError('Maximum number of redirects exceeded', {
          code: 'ERR_FR_TOO_MANY_REDIRECTS',
          description: `More than ${settings.maxRedirects} redirects (option 'Max Redirects'); the last one pointed to ${location}`,
          itemIndex,
        });
      }
      current = redirected(current, response.status, location, settings, itemIndex);
    }
  } catch (error) {
    if (timedOut && !settings.signal.aborted) throw timeoutError(settings.timeoutMs, current.url, itemIndex);
    if (settings.signal.aborted) {
      throw new NodeError('The request was canceled', { code: 'CANCELED', itemIndex, cause: error });
    }
    if (error instanceof NodeError) throw error;
    throw connectionError(error, current.url, itemIndex);
  } finally {
    clearTimeout(handle);
    settings.signal.removeEventListener('abort', cancel);
  }
}

/** The next hop: method and body per RFC 9110 (and follow-redirects), credentials per origin. */
function redirected(
  previous: WireRequest,
  status: number,
  location: string,
  settings: TransportSettings,
  itemIndex?: number,
): WireRequest {
  let url: URL;
  try {
    url = new URL(location, previous.url);
  } catch {
    throw new NodeError(`The server redirected to an invalid URL: ${location}`, {
      code: 'INVALID_REDIRECT',
      itemIndex,
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new NodeError(`The server redirected to an unsupported URL: ${url.protocol}`, {
      code: 'INVALID_REDIRECT',
      itemIndex,
    });
  }
  const toGet =
    (status === 303 && previous.method !== 'HEAD') ||
    ((status === 301 || status === 302) && previous.method === 'POST');
  const headers = { ...previous.headers };
  if (toGet) {
    for (const name of ['content-type', 'content-length', 'transfer-encoding']) delete headers[name];
  }
  const crossOrigin = url.origin !== previous.url.origin;
  if (crossOrigin && !settings.sendCredentialsOnCrossOriginRedirect) {
    for (const name of [...previous.secretHeaders, 'authorization', 'cookie', 'proxy-authorization']) {
      delete headers[name];
    }
  }
  return {
    method: toGet ? 'GET' : previous.method,
    url,
    headers,
    body: toGet ? undefined : previous.body,
    secretHeaders: previous.secretHeaders,
  };
}
