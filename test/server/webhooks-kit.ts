/**
 * Shared pieces of the webhook tests: a real server (startTestServer), automations created and
 * activated through the API, raw HTTP calls to `/webhook/...`, and run rows read from the store.
 */
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { startTestServer, type TestServer, type TestServerOptions } from '../../src/testing/server.js';

export async function withServer(
  fn: (server: TestServer) => Promise<void>,
  opts: TestServerOptions = {},
): Promise<void> {
  const server = await startTestServer(opts);
  try {
    await fn(server);
  } finally {
    await server.stop();
  }
}

type Params = Record<string, unknown>;

/** Webhook → (nodes...) with straight connections; node 0 is the webhook. */
export function webhookFlow(
  webhook: Params,
  rest: { name: string; type: string; parameters?: Params }[] = [],
  extra: { credentials?: Record<string, { name: string }>; webhookId?: string; name?: string } = {},
): Record<string, unknown> {
  const nodes = [
    {
      id: 'n0',
      name: 'Webhook',
      type: 'webhook',
      position: [0, 0],
      parameters: webhook,
      ...(extra.credentials && { credentials: extra.credentials }),
      ...(extra.webhookId && { webhookId: extra.webhookId }),
    },
    ...rest.map((n, i) => ({ id: `n${i + 1}`, position: [200 * (i + 1), 0], parameters: {}, ...n })),
  ];
  const connections = rest.map((n, i) => ({ from: i === 0 ? 'Webhook' : rest[i - 1].name, to: n.name }));
  return { name: extra.name ?? `webhook ${String(webhook.path)}`, nodes, connections };
}

/** A Respond to Webhook node's entry for `webhookFlow`. */
export const respondNode = (parameters: Params = {}) => ({
  name: 'Respond',
  type: 'respondToWebhook',
  parameters,
});

/** A Set node writing `name = value` (expressions allowed), keeping the other fields. */
export const setNode = (name: string, field: string, value: unknown) => ({
  name,
  type: 'set',
  parameters: {
    includeOtherFields: true,
    assignments: {
      assignments: [{ id: field, name: field, type: typeof value === 'number' ? 'number' : 'string', value }],
    },
  },
});

/** Creates the automation and activates it (asserting both worked); returns its id. */
export async function deploy(
  server: TestServer,
  doc: Record<string, unknown>,
  activate = true,
): Promise<string> {
  const created = await server.request('POST', '/api/automations', { as: 'editor', json: doc });
  assert.equal(created.status, 201, `create: ${created.text}`);
  const id = created.body.id as string;
  if (activate) {
    const toggled = await server.request('PATCH', `/api/automations/${id}/toggle`, {
      as: 'editor',
      json: { isActive: true },
    });
    assert.equal(toggled.status, 200, `activate: ${toggled.text}`);
  }
  return id;
}

/** Creates a credential; returns false when this server does not know the type (then the test skips). */
export async function credential(
  server: TestServer,
  type: string,
  name: string,
  data: Params,
): Promise<boolean> {
  const res = await server.request('POST', '/api/credentials', { as: 'admin', json: { type, name, data } });
  if (
    res.status === 400 &&
    /type/i.test(res.text) &&
    !/data/.test(res.body?.error?.details?.[0]?.field ?? '')
  ) {
    return false;
  }
  assert.equal(res.status, 201, `credential: ${res.text}`);
  return true;
}

export interface CallResult {
  status: number;
  headers: Headers;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary reply shapes.
  body: any;
}

/** A raw request (no Relais authentication). */
export async function call(
  server: TestServer,
  method: string,
  path: string,
  init: {
    body?: string | Uint8Array | Buffer | FormData;
    headers?: Record<string, string>;
    json?: unknown;
  } = {},
): Promise<CallResult> {
  const headers = { ...init.headers };
  let body = init.body;
  if (init.json !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = JSON.stringify(init.json);
  }
  const res = await fetch(`${server.url}${path}`, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  if ((res.headers.get('content-type') ?? '').includes('json') && text !== '') parsed = JSON.parse(text);
  return { status: res.status, headers: res.headers, text, body: parsed };
}

/** Run rows of an automation (all modes). */
export async function runsOf(server: TestServer, workflowId: string) {
  return server.runtime.store.db
    .selectFrom('runs')
    .select(['id', 'status', 'mode', 'is_test', 'trigger_items'])
    .where('workflow_id', '=', workflowId)
    .execute();
}

export async function runCount(server: TestServer): Promise<number> {
  const row = await sql<{ n: number | string }>`select count(*) as n from runs`.execute(
    server.runtime.store.db,
  );
  return Number(row.rows[0].n);
}

/** Waits (polling, at most ~3 s of real time) until a run reaches a final status. */
export async function finished(server: TestServer, runId: string) {
  for (let i = 0; i < 600; i++) {
    const run = await server.runtime.store.runs.getRun(runId);
    if (run && ['succeeded', 'failed', 'canceled'].includes(run.status)) return run;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`run ${runId} did not finish`);
}

/** Start → Link (the resume URL) → Wait (webhook) → After (reads the body). */
export function approvalFlow(
  wait: Record<string, unknown>,
  credentials?: Record<string, { name: string }>,
): Record<string, unknown> {
  return {
    name: 'approval',
    nodes: [
      { id: 'm', name: 'Start', type: 'manualTrigger', parameters: {} },
      { id: 'l', position: [200, 0], ...setNode('Link', 'url', '={{ $execution.resumeUrl }}') },
      {
        id: 'w',
        name: 'Wait',
        type: 'wait',
        position: [400, 0],
        parameters: { resume: 'webhook', ...wait },
        ...(credentials ? { credentials } : {}),
      },
      { id: 'a', position: [600, 0], ...setNode('After', 'approved', '={{ $json.body.approved }}') },
      { id: 't', name: 'Timed out', type: 'noOp', position: [600, 200], parameters: {} },
    ],
    connections: [
      { from: 'Start', to: 'Link' },
      { from: 'Link', to: 'Wait' },
      { from: 'Wait', output: 'main', to: 'After' },
      ...(wait.timeoutBranch ? [{ from: 'Wait', output: 'timeout', to: 'Timed out' }] : []),
    ],
  };
}
