/**
 * HTTP Request (n8n `httpRequest` v4.2, `HttpRequest/V3/HttpRequestV3.node.ts` + `V3/Description.ts`):
 * one request per input item, with n8n's parameters and defaults — method, URL, query, headers,
 * body (JSON, urlencoded, multipart with files, a binary file, raw), credentials (basic, header,
 * query, bearer, OAuth2 client credentials), timeout, redirects, response as JSON, text, file or
 * full response, "Never Error", pagination, and batching as a rate limit across items.
 *
 * Failures are NodeErrors carrying the HTTP status (`httpStatus`) or the system code
 * (ECONNREFUSED, ETIMEDOUT...), so the engine's retry rules decide about retries; the node never
 * retries by itself (one exception: an OAuth2 token the API rejects is fetched again once).
 * `RELAIS_HTTP_DENY` restricts the addresses it may reach (see `http-request/ssrf.ts`).
 *
 * Differences from n8n, on purpose: at most 100 requests in flight without the batching option;
 * header names are sent lower-case; a GET with a non-empty body is refused (fetch cannot send it);
 * JSON values that are not objects become `{ data: value }` items; credentials are not sent across
 * origins on redirects (n8n 4.4's default).
 */
import { getBinaryAccess } from '../binary/access.js';
import { NodeError } from '../engine/errors.js';
import type { Item } from '../engine/items.js';
import { authenticatorFor, credentialType } from './http-request/auth.js';
import { batchPlan, runBatched } from './http-request/batching.js';
import { sharedTokenCache, type TokenPost } from './http-request/oauth2.js';
import { paginate, paginationConfig } from './http-request/pagination.js';
import { type HttpParams, httpRequestParams, paramsReader, splitRaw } from './http-request/params.js';
import { buildRequest, type RequestSpec, toWire } from './http-request/request.js';
import { type Page, pageItems, type ResponseSettings, receive } from './http-request/response.js';
import {
  createDispatcher,
  type Dispatcher,
  exchange,
  type TransportSettings,
} from './http-request/transport.js';
import { defineNode, errorItem, type NodeContext } from './sdk.js';
import { nodeSettings } from './settings.js';

/** n8n's timeout when the option is not set: 5 minutes. */
const DEFAULT_TIMEOUT_MS = 300_000;

function responseSettings(p: HttpParams): ResponseSettings {
  const r = p.options.response?.response;
  return {
    format: r?.responseFormat ?? 'autodetect',
    fullResponse: r?.fullResponse ?? false,
    neverError: r?.neverError ?? false,
    outputPropertyName: r?.outputPropertyName ?? 'data',
  };
}

function transportSettings(
  p: HttpParams,
  ctx: NodeContext<unknown>,
  dispatcher: Dispatcher | undefined,
  policy: TransportSettings['policy'],
): TransportSettings {
  const redirect = p.options.redirect?.redirect;
  return {
    timeoutMs: p.options.timeout ?? DEFAULT_TIMEOUT_MS,
    followRedirects: redirect?.followRedirects ?? true,
    maxRedirects: redirect?.maxRedirects ?? 21,
    sendCredentialsOnCrossOriginRedirect: p.options.sendCredentialsOnCrossOriginRedirect,
    policy,
    dispatcher,
    signal: ctx.signal,
  };
}

async function execute(ctx: NodeContext<unknown>): Promise<Item[][]> {
  const items = ctx.items;
  if (items.length === 0) return [[]];
  const paramsFor = paramsReader(ctx);
  // n8n reads these once, from the first item: authentication, response handling, pagination, batching.
  const first = firstParams(ctx, paramsFor);
  const policy = nodeSettings(ctx).httpDeny;
  const dispatcher = await createDispatcher({
    rejectUnauthorized: !first.options.allowUnauthorizedCerts,
    policy,
  });
  const binary = getBinaryAccess(ctx);
  const settings = responseSettings(first);
  const pagination = paginationConfig(ctx, splitRaw(ctx.node.parameters).pagination, settings.neverError);
  const base = transportSettings(first, ctx, dispatcher, policy);
  const post: TokenPost = (url, headers, body) =>
    exchange({ method: 'POST', url, headers, body, secretHeaders: ['authorization'] }, base, async (res) => ({
      status: res.status,
      text: await res.text(),
    }));
  const auth = authenticatorFor(ctx, credentialType(first), { cache: sharedTokenCache, post });

  /** One request read into a page, with a second chance when the API rejects an OAuth2 token. */
  const send = async (spec: RequestSpec, t: TransportSettings, i: number, paged: boolean): Promise<Page> => {
    // Paginated requests keep non-2xx pages (a status code can end the pagination).
    const opts = { keepErrors: paged, bufferFiles: paged, itemIndex: i };
    const attempt = () =>
      exchange(toWire(spec), t, (res, url) => receive(res, url, settings, binary, opts), i);
    try {
      const page = await attempt();
      if (page.status !== 401 || !(await auth.rejected(spec))) return page;
    } catch (error) {
      if (!(error instanceof NodeError && error.httpStatus === 401 && (await auth.rejected(spec))))
        throw error;
    }
    await auth.apply(spec);
    return attempt();
  };

  const one = async (i: number): Promise<Item[]> => {
    try {
      const p = paramsFor(i);
      const spec = await buildRequest(p, items[i], i, binary);
      await auth.apply(spec);
      const t = transportSettings(p, ctx, dispatcher, policy);
      const pages = pagination
        ? await paginate(ctx, pagination, spec, i, async (pageSpec) => {
            await auth.apply(pageSpec);
            return send(pageSpec, t, i, true);
          })
        : [await send(spec, t, i, false)];
      const out: Item[] = [];
      for (const page of pages) out.push(...(await pageItems(page, settings, items[i], i, binary)));
      return out;
    } catch (error) {
      if (!ctx.continueOnFail) throw withItem(error, i);
      return [errorItem(error, i)];
    }
  };

  try {
    const results = await runBatched(items.length, batchPlan(first.options), ctx.signal, one);
    return [results.flat()];
  } finally {
    await dispatcher?.close().catch(() => {});
  }
}

/**
 * The parameters of the first item whose parameters evaluate. When item 0 fails and the node
 * continues on fail, that item becomes an error item later; the others still need settings.
 */
function firstParams(ctx: NodeContext<unknown>, paramsFor: (i: number) => HttpParams): HttpParams {
  for (let i = 0; i < ctx.items.length; i++) {
    try {
      return paramsFor(i);
    } catch (error) {
      if (!ctx.continueOnFail) throw withItem(error, i);
    }
  }
  return httpRequestParams.parse({});
}

/** Like `mapItems`: the error names the item it failed on. */
function withItem(error: unknown, itemIndex: number): unknown {
  if (error instanceof NodeError && error.itemIndex === undefined) {
    try {
      (error as { itemIndex?: number }).itemIndex = itemIndex;
    } catch {
      // a frozen error keeps its own shape
    }
  }
  return error;
}

export const httpRequestNode = defineNode({
  type: 'httpRequest',
  version: 4.2,
  displayName: 'HTTP Request',
  description: 'Makes an HTTP request and returns the response data',
  group: 'action',
  params: httpRequestParams,
  inputs: 1,
  outputs: ['main'],
  credentials: [
    { name: 'httpBasicAuth' },
    { name: 'httpHeaderAuth' },
    { name: 'httpQueryAuth' },
    { name: 'httpBearerAuth' },
    { name: 'oAuth2Api' },
  ],
  execute: (ctx) => execute(ctx as NodeContext<unknown>),
});
