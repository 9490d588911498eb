/** Workflow documents and helpers shared by the automation, run, stats and metrics API tests. */
import assert from 'node:assert/strict';
import type { TestResponse, TestServer } from '../../src/testing/server.js';

type Doc = Record<string, unknown>;

const start = { id: 'start', name: 'Start', type: 'manualTrigger', position: [0, 0] };

/** Manual trigger → Set `greeting = Hello <name>`. */
export function greetWorkflow(name = 'Greet'): Doc {
  return {
    name,
    nodes: [
      start,
      {
        id: 'greet',
        name: 'Greet',
        type: 'set',
        position: [220, 0],
        parameters: {
          includeOtherFields: true,
          assignments: {
            assignments: [{ id: 'a', name: 'greeting', type: 'string', value: '=Hello {{ $json.name }}' }],
          },
        },
      },
    ],
    connections: [{ from: 'Start', to: 'Greet' }],
  };
}

/** Manual trigger → Stop and Error with `message`. */
export function failingWorkflow(message: string, name = 'Fails'): Doc {
  return {
    name,
    nodes: [
      start,
      {
        id: 'stop',
        name: 'Stop',
        type: 'stopAndError',
        position: [220, 0],
        parameters: { errorMessage: message },
      },
    ],
    connections: [{ from: 'Start', to: 'Stop' }],
  };
}

/** Manual trigger → Wait one hour (the run pauses in `waiting` with a timer). */
export function waitingWorkflow(name = 'Waits'): Doc {
  return {
    name,
    nodes: [
      start,
      {
        id: 'wait',
        name: 'Wait',
        type: 'wait',
        typeVersion: 1.1,
        position: [220, 0],
        parameters: { resume: 'timeInterval', amount: 1, unit: 'hours' },
      },
    ],
    connections: [{ from: 'Start', to: 'Wait' }],
  };
}

/** Webhook trigger on `path` → Set. */
export function webhookWorkflow(path: string, name = `Hook ${path}`): Doc {
  return {
    name,
    nodes: [
      {
        id: 'hook',
        name: 'Hook',
        type: 'webhook',
        position: [0, 0],
        parameters: { path, httpMethod: 'POST' },
      },
      { id: 'noop', name: 'Pass', type: 'noOp', position: [220, 0] },
    ],
    connections: [{ from: 'Hook', to: 'Pass' }],
  };
}

export function expectStatus(res: TestResponse, status: number): void {
  assert.equal(res.status, status, `expected ${status}, got ${res.status}: ${res.text.slice(0, 500)}`);
}

/** Creates an automation as an editor; returns its id. */
export async function createAutomation(server: TestServer, doc: Doc): Promise<string> {
  const res = await server.request('POST', '/api/automations', { as: 'editor', json: doc });
  expectStatus(res, 201);
  return res.body.id;
}

/** Every page of a list, following `nextCursor`. */
export async function allPages(
  server: TestServer,
  path: string,
  limit: number,
): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const url: string = `${path}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const res = await server.request('GET', url, { as: 'viewer' });
    expectStatus(res, 200);
    assert.ok(res.body.items.length <= limit);
    ids.push(...res.body.items.map((i: { id: string }) => i.id));
    cursor = res.body.nextCursor;
    pages++;
  } while (cursor);
  return { ids, pages };
}

/** Polls a run (a few ms apart, bounded) until it leaves `queued`/`running`. */
export async function settledRun(server: TestServer, runId: string): Promise<TestResponse> {
  for (let i = 0; i < 500; i++) {
    const res = await server.request('GET', `/api/automation-runs/${runId}`, { as: 'viewer' });
    if (res.status === 200 && res.body.status !== 'queued' && res.body.status !== 'running') return res;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`run ${runId} did not settle`);
}

/** The audit log entries about an entity, oldest first. */
export async function auditActions(server: TestServer, entityId: string): Promise<string[]> {
  const res = await server.request('GET', `/api/audit-log?entityId=${encodeURIComponent(entityId)}`, {
    as: 'owner',
  });
  expectStatus(res, 200);
  return res.body.items.map((e: { action: string }) => e.action).reverse();
}
