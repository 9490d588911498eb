/**
 * Pagination (option "Pagination", n8n's `requestWithAuthenticationPaginated` in
 * `packages/core/.../request-helper-functions.ts` and the setup in `HttpRequestV3.node.ts`):
 * - `updateAParameterInEachRequest`: query, header or body parameters re-evaluated before every
 *   request (`={{ $pageCount + 1 }}`, `={{ $response.body.cursor }}`); an `undefined` value is
 *   not sent (the first page, where `$response` is `{}`);
 * - `responseContainsNextURL`: the request goes to `nextURL` (`={{ $response.body.next }}`),
 *   still with the configured query;
 * - complete when the response is empty (`[]`, `''`: not `{}`), when a status code in the list
 *   arrives, or when `completeExpression` is true; optionally at most `maxRequests` pages;
 *   `requestInterval` ms between pages;
 * - a non-2xx page after which pagination would continue fails the item (even with Never Error);
 *   three identical pages in a row stop with n8n's "identical 5x" error.
 * Every page (the last included) becomes items.
 */
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { NonRetryableError } from '../../engine/errors.js';
import type { JsonObject } from '../../engine/items.js';
import type { NodeContext } from '../sdk.js';
import { httpStatusError } from './errors.js';
import { evaluateWithPagination, type PaginationGlobals } from './pagination-expr.js';
import { describeRequest, type RequestSpec, setHeader } from './request.js';
import { type Page, pageBody } from './response.js';

/** Pages fetched at most when "Limit Pages Fetched" is off: a misconfigured loop still ends. */
export const MAX_PAGES = 10_000;

type ParamType = 'qs' | 'body' | 'headers';

export interface PaginationConfig {
  mode: 'updateAParameterInEachRequest' | 'responseContainsNextURL';
  nextURL: unknown;
  parameters: { type: ParamType; name: string; value: unknown }[];
  completeWhen: 'responseIsEmpty' | 'receiveSpecificStatusCodes' | 'other';
  statusCodes: number[];
  /** For `other`: n8n's continue expression built from `completeExpression`. */
  continueExpression?: string;
  /** Raw (may be an expression); undefined when pages are not limited. */
  maxRequests?: unknown;
  requestInterval: unknown;
}

function fail(message: string): NonRetryableError {
  return new NonRetryableError(message, { code: 'INVALID_PARAMETER' });
}

/** Reads the raw `options.pagination` block (undefined when pagination is off). */
export function paginationConfig(
  ctx: NodeContext<unknown>,
  raw: unknown,
  neverError: boolean,
): PaginationConfig | undefined {
  const block = (raw as { pagination?: Record<string, unknown> } | undefined)?.pagination;
  if (block === undefined || block === null || typeof block !== 'object') return undefined;
  // These options take no expression in n8n; evaluate them plainly if someone wrote one anyway.
  const plain = (key: string, fallback: unknown): unknown => {
    const v = block[key];
    return v === undefined ? fallback : ctx.evaluate(v, 0, `options.pagination.pagination.${key}`);
  };
  const mode = plain('paginationMode', 'updateAParameterInEachRequest');
  if (mode === 'off') return undefined;
  if (mode !== 'updateAParameterInEachRequest' && mode !== 'responseContainsNextURL') {
    throw fail(`Invalid parameter 'options.pagination.pagination.paginationMode': '${String(mode)}'`);
  }
  const completeWhen = plain('paginationCompleteWhen', 'responseIsEmpty');
  if (
    completeWhen !== 'responseIsEmpty' &&
    completeWhen !== 'receiveSpecificStatusCodes' &&
    completeWhen !== 'other'
  ) {
    throw fail(
      `Invalid parameter 'options.pagination.pagination.paginationCompleteWhen': '${String(completeWhen)}'`,
    );
  }
  const config: PaginationConfig = {
    mode,
    nextURL: block.nextURL ?? '',
    parameters: [],
    completeWhen,
    statusCodes: [],
    requestInterval: block.requestInterval ?? 0,
  };
  if (completeWhen === 'receiveSpecificStatusCodes') {
    config.statusCodes = String(plain('statusCodesWhenComplete', ''))
      .split(',')
      .map((code) => Number.parseInt(code.trim(), 10))
      .filter((code) => Number.isFinite(code));
  } else if (completeWhen === 'other') {
    const expression = typeof block.completeExpression === 'string' ? block.completeExpression : '';
    if (!expression.length || expression[0] !== '=') throw fail('Invalid or empty Complete Expression');
    const inner = expression.trim().slice(3, -2);
    config.continueExpression = neverError
      ? `={{ !(${inner}) }}`
      : `={{ !(${inner}) || ($response.statusCode < 200 || $response.statusCode >= 300) }}`;
  }
  if (plain('limitPagesFetched', false) === true) config.maxRequests = block.maxRequests ?? 100;
  if (mode === 'updateAParameterInEachRequest') {
    const list = (block.parameters as { parameters?: unknown[] } | undefined)?.parameters ?? [
      { type: 'qs', name: '', value: '' },
    ];
    const entries = list.map((e) => (e ?? {}) as { type?: unknown; name?: unknown; value?: unknown });
    if (entries.length === 1 && (entries[0].name ?? '') === '' && (entries[0].value ?? '') === '') {
      throw fail(
        "At least one entry with 'Name' and 'Value' filled must be included in 'Parameters' to use 'Update a Parameter in Each Request' mode ",
      );
    }
    entries.forEach((e, i) => {
      const name = String(e.name ?? '');
      if (name === '')
        throw fail(`Parameter name must be set for parameter [${i + 1}] in pagination settings`);
      const type = e.type ?? 'qs';
      if (type !== 'qs' && type !== 'body' && type !== 'headers') {
        throw fail(
          `Parameter type must be one of: body, headers, qs for parameter [${i + 1}] in pagination settings`,
        );
      }
      if (e.value === undefined || e.value === '') {
        throw fail(
          `Some value must be provided for parameter [${i + 1}] in pagination settings, omitting it will result in an infinite loop`,
        );
      }
      config.parameters.push({ type, name, value: e.value });
    });
  }
  return config;
}

/** The request of the next page: the item's request with the evaluated pagination values. */
function nextRequest(
  ctx: NodeContext<unknown>,
  cfg: PaginationConfig,
  spec: RequestSpec,
  itemIndex: number,
  globals: PaginationGlobals,
): RequestSpec {
  const next: RequestSpec = { ...spec, query: { ...spec.query }, headers: { ...spec.headers } };
  if (cfg.mode === 'responseContainsNextURL') {
    const url = evaluateWithPagination(
      ctx,
      cfg.nextURL,
      itemIndex,
      globals,
      'options.pagination.pagination.nextURL',
    );
    if (url === undefined) return next;
    try {
      next.url = new URL(String(url), spec.url);
      if (next.url.protocol !== 'http:' && next.url.protocol !== 'https:') throw new TypeError();
    } catch {
      throw new NonRetryableError(`'${String(url)}' is not a valid URL.`, {
        code: 'INVALID_PARAMETER',
        description: 'Make sure the "Next URL" parameter evaluates to a valid URL.',
      });
    }
    return next;
  }
  let body = spec.body;
  cfg.parameters.forEach((p, i) => {
    const value = evaluateWithPagination(
      ctx,
      p.value,
      itemIndex,
      globals,
      `options.pagination.pagination.parameters.parameters[${i}].value`,
    );
    if (value === undefined) return;
    if (p.type === 'qs') next.query[p.name] = value;
    else if (p.type === 'headers') setHeader(next.headers, p.name, value);
    else if (body.kind === 'json') {
      const base = body.value !== null && typeof body.value === 'object' ? body.value : {};
      body = { kind: 'json', value: { ...base, [p.name]: value } };
    } else if (body.kind === 'form') body = { kind: 'form', fields: { ...body.fields, [p.name]: value } };
    else if (body.kind === 'multipart') {
      const parts = body.parts.filter((part) => part.name !== p.name);
      body = { kind: 'multipart', parts: [...parts, { name: p.name, value: String(value) }] };
    } else if (body.kind === 'none') body = { kind: 'json', value: { [p.name]: value } };
  });
  next.body = body;
  return next;
}

function shouldContinue(
  ctx: NodeContext<unknown>,
  cfg: PaginationConfig,
  itemIndex: number,
  globals: PaginationGlobals,
): boolean {
  const { body, statusCode } = globals.$response as { body: unknown; statusCode: number };
  if (cfg.completeWhen === 'responseIsEmpty') return Array.isArray(body) ? body.length > 0 : !!body;
  if (cfg.completeWhen === 'receiveSpecificStatusCodes') return !cfg.statusCodes.includes(statusCode);
  const value = evaluateWithPagination(
    ctx,
    cfg.continueExpression,
    itemIndex,
    globals,
    'options.pagination.pagination.completeExpression',
  );
  return !!value;
}

function number(
  ctx: NodeContext<unknown>,
  raw: unknown,
  itemIndex: number,
  globals: PaginationGlobals,
  name: string,
): number {
  const v = Number(
    evaluateWithPagination(ctx, raw, itemIndex, globals, `options.pagination.pagination.${name}`),
  );
  return Number.isFinite(v) && v > 0 ? v : 0;
}

/** Fetches every page of item `itemIndex`. `send` performs one request and reads its page. */
export async function paginate(
  ctx: NodeContext<unknown>,
  cfg: PaginationConfig,
  spec: RequestSpec,
  itemIndex: number,
  send: (spec: RequestSpec) => Promise<Page>,
): Promise<Page[]> {
  const globals: PaginationGlobals = { $response: {}, $pageCount: 0, $request: describeRequest(spec) };
  const pages: Page[] = [];
  const seen = { identical: 0, length: 0, hash: '' };
  for (;;) {
    const page = await send(nextRequest(ctx, cfg, spec, itemIndex, globals));
    if (page.format !== 'file' || page.headers.etag) {
      const length = Number.parseInt(String(page.headers['content-length'] ?? ''), 10) || 0;
      if (seen.length === length) {
        const etag = page.headers.etag;
        const hash = etag
          ? String(etag)
          : createHash('md5')
              .update(page.bytes ?? '')
              .digest('base64');
        if (seen.hash === hash) {
          seen.identical += 1;
          if (seen.identical > 2) {
            throw new NonRetryableError('The returned response was identical 5x, so requests got stopped', {
              code: 'PAGINATION_LOOP',
              itemIndex,
              description: 'Check if "Pagination Completed When" has been configured correctly.',
            });
          }
        } else seen.identical = 0;
        seen.hash = hash;
      } else seen.identical = 0;
      seen.length = length;
    }
    pages.push(page);
    globals.$response = {
      body: pageBody(page),
      headers: page.headers,
      statusCode: page.status,
    } as JsonObject;
    globals.$pageCount += 1;
    if (cfg.maxRequests !== undefined) {
      const max = number(ctx, cfg.maxRequests, itemIndex, globals, 'maxRequests');
      if (max && globals.$pageCount >= max) break;
    }
    if (!shouldContinue(ctx, cfg, itemIndex, globals)) break;
    if (globals.$pageCount >= MAX_PAGES) {
      throw new NonRetryableError(`Pagination stopped after ${MAX_PAGES} requests`, {
        code: 'PAGINATION_LIMIT',
        itemIndex,
        description: "Turn on 'Limit Pages Fetched' to set how many pages to fetch.",
      });
    }
    const interval = number(ctx, cfg.requestInterval, itemIndex, globals, 'requestInterval');
    if (interval > 0) await sleep(interval, undefined, { signal: ctx.signal });
    if (page.status < 200 || page.status >= 300) {
      const text = page.bytes ? page.bytes.toString('utf8') : '';
      throw httpStatusError(page.status, text, itemIndex);
    }
  }
  return pages;
}
