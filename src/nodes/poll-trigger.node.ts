/**
 * Poll Trigger (Relais' own; n8n has only service-specific pollers): asks an HTTP API every N seconds
 * for items — e.g. the CMS orders of seeds/002 with `updatedSince={{ $cursor }}` — and starts one run
 * per item whose dedup key (e.g. `={{ $json._id }}:{{ $json.status }}`) it has not seen. The polling,
 * the keys and the cursor live in src/triggers/poll.ts; this file holds the request itself (shared
 * with the node) and the node, which hands on its run's item — or, run by hand, polls once and
 * returns what the API answers now (no keys recorded).
 */
import { z } from 'zod';
import { NodeError, NonRetryableError } from '../engine/errors.js';
import type { JsonObject } from '../engine/items.js';
import { defineNode } from './sdk.js';

export const POLL_CREDENTIALS = [
  'httpBearerAuth',
  'httpHeaderAuth',
  'httpBasicAuth',
  'httpQueryAuth',
] as const;
export type PollCredentialType = (typeof POLL_CREDENTIALS)[number];

const toNumber = (v: unknown): unknown => (typeof v === 'string' && v.trim() !== '' ? Number(v) : v);
const scalar = z.union([z.string(), z.number(), z.boolean()]).transform(String);

export const pollParams = z
  .object({
    url: z.string().url(),
    method: z.enum(['GET', 'POST']).default('GET'),
    authentication: z.enum(['none', ...POLL_CREDENTIALS]).default('none'),
    intervalSeconds: z
      .preprocess(
        toNumber,
        z
          .number()
          .int()
          .min(1)
          .max(30 * 86_400),
      )
      .default(60),
    /**
     * Query parameters, as an object (`{ "updatedSince": "{{ $cursor }}" }`) or n8n's list
     * (`{ parameters: [{ name, value }] }`). `{{ $cursor }}` is the start of the last successful poll.
     */
    query: z
      .union([
        z
          .object({ parameters: z.array(z.object({ name: z.string().min(1), value: scalar }).loose()) })
          .loose(),
        z.record(z.string(), scalar),
      ])
      .default({}),
    /** Dotted path to the array of items in the JSON answer (`data.orders`); empty: the answer, or its `data`. */
    itemsPath: z.string().default(''),
    /** Expression evaluated per item; empty: the whole item, so any change is new. */
    dedupKey: z.string().default(''),
    /** Whether the first poll after activation starts runs for the items already there. */
    fireOnFirstPoll: z.boolean().default(false),
    /** New items started per poll; the rest wait for the next poll (the cursor stays). */
    maxItemsPerPoll: z.preprocess(toNumber, z.number().int().min(1).max(10_000)).default(100),
    /** How far back the very first poll's cursor reaches (the seed's poller: 24 hours). */
    initialLookbackSeconds: z.preprocess(toNumber, z.number().int().min(0)).default(86_400),
    timeoutSeconds: z.preprocess(toNumber, z.number().int().min(1).max(300)).default(30),
  })
  .loose();

export type PollParams = z.output<typeof pollParams>;

/** Query pairs with `{{ $cursor }}` replaced. */
export function queryPairs(query: PollParams['query'], cursor: string): [string, string][] {
  const pairs: [string, string][] =
    'parameters' in query && Array.isArray(query.parameters)
      ? query.parameters.map((p) => [p.name, p.value] as [string, string])
      : Object.entries(query as Record<string, string>);
  return pairs.map(([name, value]) => [name, withCursor(value, cursor)]);
}

/** Replaces `{{ $cursor }}` (any spacing) by the cursor, in a plain value or an expression's text. */
export function withCursor(text: string, cursor: string): string {
  return text.replace(/\{\{\s*\$cursor\s*\}\}/g, cursor);
}

function cursorInto(value: unknown, cursor: string): unknown {
  if (typeof value === 'string') return withCursor(value, cursor);
  if (Array.isArray(value)) return value.map((v) => cursorInto(v, cursor));
  if (isObject(value))
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, cursorInto(v, cursor)]));
  return value;
}

/**
 * The parameters of one poll: `{{ $cursor }}` put into the query first (so `={{ $cursor }}` works as
 * an expression too), then expressions evaluated by `evaluate` (no item: a poll has none yet), then
 * checked. `dedupKey` stays raw: it is evaluated per polled item.
 */
export function resolvePollParams(
  raw: Record<string, unknown>,
  cursor: string,
  evaluate: (value: unknown) => unknown,
): PollParams {
  const evaluated = evaluate({ ...raw, dedupKey: '', query: cursorInto(raw.query, cursor) });
  const parsed = pollParams.safeParse(evaluated);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new NonRetryableError(
      `Invalid parameter '${issue.path.map(String).join('.') || 'parameters'}': ${issue.message}`,
      {
        code: 'INVALID_PARAMETER',
      },
    );
  }
  return { ...parsed.data, dedupKey: typeof raw.dedupKey === 'string' ? raw.dedupKey : '' };
}

/** The request headers and query additions a credential makes. */
export function authFor(
  type: PollParams['authentication'],
  credential: JsonObject | undefined,
): {
  headers: Record<string, string>;
  query: [string, string][];
} {
  if (type === 'none') return { headers: {}, query: [] };
  const c = credential ?? {};
  const field = (name: string) => {
    const value = c[name];
    if (typeof value !== 'string' || value === '') {
      throw new NonRetryableError(`The ${type} credential has no '${name}'`, { code: 'CREDENTIAL_INVALID' });
    }
    return value;
  };
  switch (type) {
    case 'httpBearerAuth':
      return { headers: { authorization: `Bearer ${field('token')}` }, query: [] };
    case 'httpHeaderAuth':
      return { headers: { [field('name').toLowerCase()]: field('value') }, query: [] };
    case 'httpBasicAuth': {
      const user = typeof c.user === 'string' ? c.user : '';
      return {
        headers: { authorization: `Basic ${Buffer.from(`${user}:${field('password')}`).toString('base64')}` },
        query: [],
      };
    }
    case 'httpQueryAuth':
      return { headers: {}, query: [[field('name'), field('value')]] };
  }
}

/** The items at `path` in an answer: an array's objects (others wrapped as `{ value }`). */
export function itemsAt(body: unknown, path: string): JsonObject[] {
  let value: unknown = body;
  if (path.trim() === '') {
    if (!Array.isArray(value) && isObject(value) && Array.isArray(value.data)) value = value.data;
  } else {
    for (const part of path.split('.')) {
      if (!isObject(value) && !Array.isArray(value)) {
        throw new NonRetryableError(`Invalid parameter 'itemsPath': '${path}' is not in the answer`, {
          code: 'INVALID_PARAMETER',
        });
      }
      value = (value as Record<string, unknown>)[part];
    }
    if (value === undefined) {
      throw new NonRetryableError(`Invalid parameter 'itemsPath': '${path}' is not in the answer`, {
        code: 'INVALID_PARAMETER',
      });
    }
  }
  const list = Array.isArray(value) ? value : [value];
  return list.filter((v) => v !== null && v !== undefined).map((v) => (isObject(v) ? v : { value: v }));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export interface PollRequest {
  params: PollParams;
  cursor: string;
  credential?: JsonObject;
  signal?: AbortSignal;
  fetch?: typeof fetch;
}

/** One poll: the request, with its timeout, and the items of its answer. Failures are NodeErrors. */
export async function pollOnce(req: PollRequest): Promise<JsonObject[]> {
  const { params } = req;
  const auth = authFor(params.authentication, req.credential);
  const url = new URL(params.url);
  for (const [name, value] of [...queryPairs(params.query, req.cursor), ...auth.query])
    url.searchParams.append(name, value);
  const timeout = AbortSignal.timeout(params.timeoutSeconds * 1000);
  const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
  let response: Response;
  try {
    response = await (req.fetch ?? fetch)(url, {
      method: params.method,
      headers: { accept: 'application/json', ...auth.headers },
      signal,
    });
  } catch (error) {
    const reason = timeout.aborted ? `no answer within ${params.timeoutSeconds} s` : (error as Error).message;
    throw new NodeError(`Polling ${url.origin}${url.pathname} failed: ${reason}`, {
      code: 'POLL_FAILED',
      cause: error,
    });
  }
  const text = await response.text();
  if (!response.ok) {
    throw new NodeError(`Polling ${url.origin}${url.pathname} failed: HTTP ${response.status}`, {
      code: 'POLL_HTTP_ERROR',
      httpStatus: response.status,
      description: text.slice(0, 300),
    });
  }
  let body: unknown;
  try {
    body = text === '' ? [] : JSON.parse(text);
  } catch {
    throw new NodeError(`Polling ${url.origin}${url.pathname} failed: the answer is not JSON`, {
      code: 'POLL_NOT_JSON',
    });
  }
  return itemsAt(body, params.itemsPath);
}

export const pollTriggerNode = defineNode({
  type: 'pollTrigger',
  version: 1,
  displayName: 'Poll Trigger',
  description: 'Polls an HTTP API on an interval and starts one run per new item (deduplicated by a key)',
  group: 'trigger',
  params: pollParams,
  inputs: 0,
  outputs: ['main'],
  credentials: POLL_CREDENTIALS.map((name) => ({ name })),
  async execute(ctx) {
    if (ctx.items.length > 0) return [ctx.items.map((item) => ({ json: item.json }))];
    // Run by hand: one poll from the initial cursor, nothing recorded (n8n's manual poll shows data).
    const raw = ctx.node.parameters;
    const lookback =
      pollParams.shape.initialLookbackSeconds.safeParse(raw.initialLookbackSeconds).data ?? 86_400;
    const cursor = ctx.now().minus({ seconds: lookback }).toUTC().toISO() ?? '';
    const params = resolvePollParams(raw, cursor, (value) => ctx.evaluate(value, 0));
    const credential =
      params.authentication === 'none' ? undefined : await ctx.getCredentials(params.authentication);
    const items = await pollOnce({ params, cursor, credential, signal: ctx.signal });
    return [items.slice(0, params.maxItemsPerPoll).map((json) => ({ json }))];
  },
});
