/**
 * The poll trigger against a local CMS (seeds/002): `GET /api/orders?updatedSince=&limit=` behind a
 * Bearer token, answering `{ data: [...] }`. One run per new id+status, exactly once, across
 * restarts and crashes; failures back off and show in the trigger's state.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it, test } from 'node:test';
import type { JsonObject } from '../engine/items.js';
import type { WorkflowInput } from '../engine/workflow.js';
import { itemsAt, pollTriggerNode, queryPairs, withCursor } from '../nodes/poll-trigger.node.js';
import { runNode } from '../testing/run-node.js';
import { PollTrigger } from './poll.js';
import { type Harness, harness, triggerFixtures } from './test-harness.js';

interface Order {
  _id: string;
  status: string;
  total: number;
  updatedAt: string;
}

/** The CMS: orders, a token, a switch to fail, and the requests it saw. */
class Cms {
  orders: Order[] = [];
  failWith = 0;
  /** Answer every order whatever `updatedSince` says (a sloppy API: dedup must cope). */
  ignoreSince = false;
  requests: { auth?: string; updatedSince: string | null; limit: string | null }[] = [];
  private server: Server | undefined;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      this.requests.push({
        auth: req.headers.authorization,
        updatedSince: url.searchParams.get('updatedSince'),
        limit: url.searchParams.get('limit'),
      });
      if (req.headers.authorization !== 'Bearer service-workflow-2025') {
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"unauthorized"}');
        return;
      }
      if (this.failWith) {
        res.writeHead(this.failWith).end('CMS down');
        return;
      }
      const since = url.searchParams.get('updatedSince');
      const data = this.orders
        .filter((o) => this.ignoreSince || !since || o.updatedAt >= since)
        .slice(0, Number(url.searchParams.get('limit') ?? 100));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data }));
    });
    const server = this.server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  upsert(_id: string, status: string, at: Date): void {
    const order = { _id, status, total: 120, updatedAt: at.toISOString() };
    const i = this.orders.findIndex((o) => o._id === _id);
    if (i >= 0) this.orders[i] = order;
    else this.orders.push(order);
  }
}

const cms = new Cms();
before(() => cms.start());
after(() => cms.stop());

const credential = async (): Promise<JsonObject> => ({ token: 'service-workflow-2025' });

function doc(extra: Record<string, unknown> = {}): WorkflowInput {
  return {
    name: 'cms orders',
    nodes: [
      {
        id: 'poll',
        name: 'CMS orders',
        type: 'pollTrigger',
        parameters: {
          url: `${cms.url}/api/orders`,
          authentication: 'httpBearerAuth',
          intervalSeconds: 60,
          query: { updatedSince: '{{ $cursor }}', limit: 100 },
          itemsPath: 'data',
          dedupKey: '={{ $json._id }}:{{ $json.status }}',
          ...extra,
        },
        credentials: { httpBearerAuth: { name: 'CMS service token' } },
      },
      { id: 'mail', name: 'Thank you', type: 'noOp', position: [200, 0] },
    ],
    connections: [{ from: 'CMS orders', to: 'Thank you' }],
  };
}

async function setup(h: Harness, id: string, extra: Record<string, unknown> = {}) {
  const saved = await h.save(id, doc(extra));
  const kind = new PollTrigger(h.proc.services, { credentials: credential });
  const node = saved.workflow.nodes[0];
  assert.deepEqual(await kind.check(saved, node), []);
  await kind.activate(saved, node);
  return { kind, saved, node, loop: h.proc.loop({ poll: kind.handle }) };
}

async function pollAt(h: Harness, loop: { tick(): Promise<number> }, advanceMs: number): Promise<number> {
  h.clock.advance(advanceMs);
  const n = await loop.tick();
  await h.settle();
  return n;
}

const fired = async (h: Harness, id: string) =>
  (await h.runs(id)).map((r) => `${r.triggerItems[0].json._id}:${r.triggerItems[0].json.status}`).sort();

for (const fixture of triggerFixtures()) {
  if (fixture.skip) {
    test(`poll trigger: ${fixture.name}`, (t) => t.skip(fixture.skip));
    continue;
  }
  describe(`poll trigger: ${fixture.name}`, () => {
    it('one run per new id+status; first poll records; restarts never refire; the cursor advances', async () => {
      const h = await harness(fixture, '2026-03-28T10:00:00.000Z');
      cms.orders = [];
      cms.requests = [];
      cms.ignoreSince = false;
      try {
        cms.upsert('A', 'pending', new Date('2026-03-28T09:00:00Z'));
        cms.upsert('B', 'paid', new Date('2026-03-28T09:30:00Z'));
        const { saved, node, loop } = await setup(h, 'wf-p');
        assert.equal(await pollAt(h, loop, 0), 1, 'activation polls at once');
        assert.deepEqual(await fired(h, 'wf-p'), [], 'existing orders are recorded, not fired');
        assert.deepEqual(cms.requests[0], {
          auth: 'Bearer service-workflow-2025',
          updatedSince: '2026-03-27T10:00:00.000Z',
          limit: '100',
        });

        cms.upsert('C', 'pending', new Date('2026-03-28T10:00:30Z'));
        cms.upsert('A', 'paid', new Date('2026-03-28T10:00:40Z'));
        assert.equal(await pollAt(h, loop, 60_000), 1);
        assert.equal(
          cms.requests[1].updatedSince,
          '2026-03-28T10:00:00.000Z',
          'the cursor is the last poll start',
        );
        assert.deepEqual(await fired(h, 'wf-p'), ['A:paid', 'C:pending']);
        const run = (await h.runs('wf-p'))[0];
        assert.equal(run.mode, 'poll');
        assert.equal(run.status, 'succeeded');

        cms.ignoreSince = true;
        assert.equal(await pollAt(h, loop, 60_000), 1);
        assert.equal((await fired(h, 'wf-p')).length, 2, 'seen id+status pairs do not fire again');

        // Restart: a new process activates the stored workflow again.
        h.restart();
        const again = new PollTrigger(h.proc.services, { credentials: credential });
        await again.activate(saved, node);
        assert.equal(await h.store.timers.countPending(), 1);
        const loop2 = h.proc.loop({ poll: again.handle });
        assert.equal(await pollAt(h, loop2, 60_000), 1);
        assert.equal((await fired(h, 'wf-p')).length, 2, 'a restart does not refire');

        cms.upsert('A', 'shipped', h.clock.now());
        assert.equal(await pollAt(h, loop2, 60_000), 1);
        assert.deepEqual(await fired(h, 'wf-p'), ['A:paid', 'A:shipped', 'C:pending']);
        const state = (await h.store.triggers.get('wf-p', 'poll'))?.state;
        assert.equal(state?.cursor, h.clock.now().toISOString());
        assert.equal(state?.lastNew, 1);
        assert.equal(await h.store.triggers.countKeys('wf-p', 'poll'), 5);
      } finally {
        await h.dispose();
      }
    });

    it('failures back off exponentially and show in the state; success resets them', async () => {
      const h = await harness(fixture, '2026-03-28T10:00:00.000Z');
      cms.orders = [];
      cms.ignoreSince = true;
      try {
        const { loop } = await setup(h, 'wf-f', { fireOnFirstPoll: true });
        cms.failWith = 500;
        assert.equal(await pollAt(h, loop, 0), 1);
        let state = (await h.store.triggers.get('wf-f', 'poll'))?.state;
        assert.equal(state?.consecutiveFailures, 1);
        assert.match(String(state?.lastError), /HTTP 500/);
        assert.equal(state?.nextPollAt, '2026-03-28T10:01:00.000Z');
        assert.equal(await pollAt(h, loop, 60_000), 1);
        state = (await h.store.triggers.get('wf-f', 'poll'))?.state;
        assert.equal(state?.consecutiveFailures, 2);
        assert.equal(state?.nextPollAt, '2026-03-28T10:03:00.000Z', 'then 2 intervals');
        assert.equal(await pollAt(h, loop, 60_000), 0, 'not before the back-off ends');
        assert.equal(await pollAt(h, loop, 60_000), 1);
        state = (await h.store.triggers.get('wf-f', 'poll'))?.state;
        assert.equal(state?.nextPollAt, '2026-03-28T10:07:00.000Z', 'then 4');

        cms.failWith = 0;
        cms.upsert('X', 'paid', h.clock.now());
        assert.equal(await pollAt(h, loop, 240_000), 1);
        state = (await h.store.triggers.get('wf-f', 'poll'))?.state;
        assert.deepEqual([state?.consecutiveFailures, state?.lastError], [0, null]);
        assert.deepEqual(await fired(h, 'wf-f'), ['X:paid'], 'fireOnFirstPoll: the first success fires');
      } finally {
        await h.dispose();
      }
    });

    it('a crash between recording keys and starting runs: the next poll starts them, once', async () => {
      const h = await harness(fixture, '2026-03-28T10:00:00.000Z');
      cms.orders = [];
      cms.ignoreSince = true;
      try {
        const { loop } = await setup(h, 'wf-c');
        assert.equal(await pollAt(h, loop, 0), 1);
        cms.upsert('D', 'paid', h.clock.now());
        cms.upsert('E', 'paid', h.clock.now());

        // The process dies right after the keys are committed: its first run creation fails.
        const create = h.proc.services.engine.create.bind(h.proc.services.engine);
        let calls = 0;
        const dying = new PollTrigger(
          {
            ...h.proc.services,
            engine: {
              create: (input) => (++calls === 1 ? Promise.reject(new Error('killed')) : create(input)),
            },
          },
          { credentials: credential },
        );
        h.clock.advance(60_000);
        const [due] = await h.store.timers.claimDue(h.clock.now(), 10, 'dying', 1000);
        await assert.rejects(dying.handle(due), /killed/);
        assert.equal((await h.store.triggers.pendingKeys('wf-c', 'poll', 10)).length, 2);

        h.restart();
        const kind = new PollTrigger(h.proc.services, { credentials: credential });
        assert.equal(await pollAt(h, h.proc.loop({ poll: kind.handle }), 60_000), 1);
        assert.deepEqual(await fired(h, 'wf-c'), ['D:paid', 'E:paid']);
        assert.equal((await h.store.triggers.pendingKeys('wf-c', 'poll', 10)).length, 0);
      } finally {
        await h.dispose();
      }
    });

    it('maxItemsPerPoll holds the rest for the next poll, with the cursor kept', async () => {
      const h = await harness(fixture, '2026-03-28T10:00:00.000Z');
      cms.orders = [];
      cms.ignoreSince = false;
      cms.requests = [];
      try {
        const { loop } = await setup(h, 'wf-m', { maxItemsPerPoll: 2 });
        assert.equal(await pollAt(h, loop, 0), 1);
        for (const id of ['F', 'G', 'H']) cms.upsert(id, 'paid', new Date('2026-03-28T10:00:10Z'));
        assert.equal(await pollAt(h, loop, 60_000), 1);
        assert.equal((await fired(h, 'wf-m')).length, 2);
        assert.equal(await pollAt(h, loop, 60_000), 1);
        assert.equal(
          cms.requests[2].updatedSince,
          '2026-03-28T10:00:00.000Z',
          'capped: asked again from the same cursor',
        );
        assert.deepEqual(await fired(h, 'wf-m'), ['F:paid', 'G:paid', 'H:paid']);
      } finally {
        await h.dispose();
      }
    });

    it('activation checks: a missing credential, a bad URL', async () => {
      const h = await harness(fixture);
      try {
        const kind = new PollTrigger(h.proc.services, { credentials: credential });
        const noCred = await h.save('wf-x', doc());
        const node = { ...noCred.workflow.nodes[0], credentials: undefined };
        assert.deepEqual(await kind.check(noCred, node), ["select a 'httpBearerAuth' credential"]);
        const bad = await h.save('wf-y', doc({ url: 'not a url' }));
        assert.match((await kind.check(bad, bad.workflow.nodes[0]))[0], /Invalid parameter 'url'/);
      } finally {
        await h.dispose();
      }
    });
  });
}

describe('poll request helpers', () => {
  test('items at a path, or the answer (or its data)', () => {
    assert.deepEqual(itemsAt({ data: { orders: [{ a: 1 }] } }, 'data.orders'), [{ a: 1 }]);
    assert.deepEqual(itemsAt([{ a: 1 }, 2], ''), [{ a: 1 }, { value: 2 }]);
    assert.deepEqual(itemsAt({ data: [{ a: 1 }] }, ''), [{ a: 1 }]);
    assert.deepEqual(itemsAt({ one: true }, ''), [{ one: true }]);
    assert.throws(() => itemsAt({ data: [] }, 'orders.list'), /Invalid parameter 'itemsPath'/);
  });

  test('query as an object or a list, with the cursor', () => {
    assert.equal(withCursor('since {{$cursor}} / {{ $cursor }}', 'C'), 'since C / C');
    assert.deepEqual(queryPairs({ updatedSince: '{{ $cursor }}', limit: '100' }, 'C'), [
      ['updatedSince', 'C'],
      ['limit', '100'],
    ]);
    assert.deepEqual(queryPairs({ parameters: [{ name: 'since', value: '{{ $cursor }}' }] }, 'C'), [
      ['since', 'C'],
    ]);
  });

  test('run by hand, the node polls once and returns the items; in a run, its item', async () => {
    cms.orders = [{ _id: 'M', status: 'paid', total: 1, updatedAt: '2026-01-01T00:00:00Z' }];
    cms.failWith = 0;
    cms.ignoreSince = true;
    const manual = await runNode(pollTriggerNode, {
      parameters: {
        url: `${cms.url}/api/orders`,
        authentication: 'httpBearerAuth',
        query: { since: '={{ $cursor }}' },
      },
      credentials: { httpBearerAuth: { token: 'service-workflow-2025' } },
      now: '2026-03-28T10:00:00Z',
    });
    assert.deepEqual(manual.json, [[cms.orders[0]]]);
    const inRun = await runNode(pollTriggerNode, {
      parameters: { url: 'http://x.invalid' },
      items: [{ _id: 'Z' }],
    });
    assert.deepEqual(inRun.json, [[{ _id: 'Z' }]]);
  });
});
