/**
 * `/api/automations` over HTTP on a real server (SQLite, and PostgreSQL when
 * RELAIS_TEST_DATABASE_URL is set): CRUD with versions, validation naming node and field, n8n
 * import, activation with its 422 reasons, test and manual runs, stats, pagination and filters.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import type { ManualClock } from '../../src/engine/clock.js';
import { startTestServer, type TestServer, testDatabases } from '../../src/testing/server.js';
import {
  allPages,
  auditActions,
  createAutomation,
  expectStatus,
  failingWorkflow,
  greetWorkflow,
  settledRun,
  webhookWorkflow,
} from './api-kit.js';

for (const database of testDatabases()) {
  describe(`automations API (${database})`, () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer({ database });
    });
    after(() => server.stop());

    it('creates an automation, shows it with isActive, version, timestamps and zero stats, and audits it', async () => {
      const res = await server.request('POST', '/api/automations', {
        as: 'editor',
        json: greetWorkflow('Bonjour'),
      });
      expectStatus(res, 201);
      const a = res.body;
      assert.equal(typeof a.id, 'string');
      assert.equal(a.name, 'Bonjour');
      assert.equal(a.isActive, false);
      assert.equal(a.version, 1);
      assert.equal(a.createdAt, '2026-01-01T00:00:00.000Z');
      assert.deepEqual(a.stats, {
        totalRuns: 0,
        successfulRuns: 0,
        failedRuns: 0,
        lastRunAt: null,
        lastError: null,
      });
      assert.deepEqual(a.warnings, []);
      assert.deepEqual(
        a.nodes.map((n: { name: string }) => n.name),
        ['Start', 'Greet'],
      );
      assert.deepEqual(a.connections, [{ from: 'Start', output: 0, to: 'Greet', input: 0 }]);

      const got = await server.request('GET', `/api/automations/${a.id}`, { as: 'viewer' });
      expectStatus(got, 200);
      const { warnings: _w, ...shown } = a;
      assert.deepEqual(got.body, shown);
      assert.deepEqual(await auditActions(server, a.id), ['automation.created']);
    });

    it('refuses an invalid document with 400 and problems naming the node and the field', async () => {
      const doc = greetWorkflow();
      (doc.nodes as Record<string, unknown>[])[1].parameters = { includeOtherFields: 'yes' };
      (doc.connections as unknown[]).push({ from: 'Start', to: 'Nowhere' });
      const res = await server.request('POST', '/api/automations', { as: 'editor', json: doc });
      expectStatus(res, 400);
      assert.equal(res.body.error.code, 'invalid_request');
      const details = res.body.error.details as { node?: string; field: string; message: string }[];
      assert.ok(
        details.some((d) => d.node === 'Greet' && d.field === 'parameters.includeOtherFields'),
        res.text,
      );
      assert.ok(
        details.some((d) => d.field === 'connections.1.to' && /Nowhere/.test(d.message)),
        res.text,
      );

      const schema = await server.request('POST', '/api/automations', {
        as: 'editor',
        json: { name: 'x', nodes: [{ id: '1', name: 'A', type: 'noOp', position: 'left' }] },
      });
      expectStatus(schema, 400);
      assert.deepEqual(
        schema.body.error.details.map((d: { node?: string; field: string }) => [d.node, d.field]),
        [['A', 'position']],
      );
      expectStatus(
        await server.request('POST', '/api/automations', { as: 'editor', json: [greetWorkflow()] }),
        400,
      );
      expectStatus(
        await server.request('POST', '/api/automations', { as: 'editor', json: { nodes: [] } }),
        400,
      );
      const broken = await server.request('POST', '/api/automations', {
        as: 'editor',
        body: '{"name": ',
        headers: { 'content-type': 'application/json' },
      });
      expectStatus(broken, 400);
    });

    it('imports an n8n export, reporting what it converted, and keeps unknown node types as warnings', async () => {
      const n8n = JSON.parse(
        await readFile('test/fixtures/n8n-conformance/noop-chain/workflow.json', 'utf8'),
      );
      const res = await server.request('POST', '/api/automations', { as: 'editor', json: n8n });
      expectStatus(res, 201);
      assert.equal(res.body.import.format, 'n8n');
      assert.deepEqual(res.body.import.unsupported, []);
      assert.deepEqual(
        res.body.nodes.map((n: { type: string }) => n.type),
        ['manualTrigger', 'code', 'noOp'],
      );
      assert.deepEqual(res.body.import.mapped, ['Start', 'Fixture', 'Nothing']);
      const run = await server.request('POST', `/api/automations/${res.body.id}/run`, { as: 'editor' });
      expectStatus(run, 200);
      assert.equal(run.body.status, 'succeeded');

      n8n.nodes.push({
        id: 'slack',
        name: 'Tell Slack',
        type: 'n8n-nodes-base.slack',
        typeVersion: 2,
        position: [660, 300],
        parameters: {},
      });
      n8n.connections.Nothing = { main: [[{ node: 'Tell Slack', type: 'main', index: 0 }]] };
      const partial = await server.request('POST', '/api/automations', { as: 'editor', json: n8n });
      expectStatus(partial, 201);
      assert.deepEqual(partial.body.import.unsupported, [
        { node: 'Tell Slack', type: 'n8n-nodes-base.slack' },
      ]);
      assert.equal(partial.body.import.activatable, false);
      assert.equal(partial.body.warnings.length, 1);
      assert.deepEqual(
        [partial.body.warnings[0].node, partial.body.warnings[0].field],
        ['Tell Slack', 'type'],
      );
      assert.match(partial.body.warnings[0].message, /n8n-nodes-base\.slack/);
      const refused = await server.request('PATCH', `/api/automations/${partial.body.id}/toggle`, {
        as: 'editor',
      });
      expectStatus(refused, 422);
      assert.ok(refused.body.error.details.some((d: { node?: string }) => d.node === 'Tell Slack'));
      // Saved, but it cannot run or be activated until the node is replaced.
      const cannotRun = await server.request('POST', `/api/automations/${partial.body.id}/run`, {
        as: 'editor',
      });
      expectStatus(cannotRun, 422);
      assert.match(cannotRun.body.error.details[0].message, /n8n-nodes-base\.slack/);
      assert.equal(cannotRun.body.error.details[0].node, 'Tell Slack');
    });

    it('saves a Relais document with a node type it does not have, wired from any output, as a warning', async () => {
      const doc = {
        name: 'Future',
        nodes: [
          { id: '1', name: 'Start', type: 'manualTrigger' },
          { id: '2', name: 'Mystery', type: 'aiAgent' },
          { id: '3', name: 'Pass', type: 'noOp' },
        ],
        connections: [
          { from: 'Start', to: 'Mystery' },
          { from: 'Mystery', output: 1, to: 'Pass' },
        ],
      };
      const saved = await server.request('POST', '/api/automations', { as: 'editor', json: doc });
      expectStatus(saved, 201);
      assert.deepEqual(saved.body.warnings, [
        { node: 'Mystery', field: 'type', message: "unknown node type 'aiAgent'" },
      ]);
      const twice = { ...doc, nodes: [...doc.nodes, { id: '4', name: 'Mystery', type: 'noOp' }] };
      const refused = await server.request('POST', '/api/automations', { as: 'editor', json: twice });
      expectStatus(refused, 400);
      assert.ok(refused.body.error.details.some((d: { field: string }) => d.field === 'name'));
    });

    it('keeps a version per save, lists them, serves an old one, and takes a GET reply back as a PUT body', async () => {
      const id = await createAutomation(server, greetWorkflow('V1'));
      const current = (await server.request('GET', `/api/automations/${id}`, { as: 'viewer' })).body;
      (server.clock as ManualClock).advance(60_000);
      const put = await server.request('PUT', `/api/automations/${id}`, {
        as: 'editor',
        json: { ...current, name: 'V2', description: 'second' },
      });
      expectStatus(put, 200);
      assert.equal(put.body.version, 2);
      assert.equal(put.body.name, 'V2');
      assert.equal(put.body.createdAt, current.createdAt);
      assert.equal(put.body.updatedAt, '2026-01-01T00:01:00.000Z');

      const versions = await server.request('GET', `/api/automations/${id}/versions`, { as: 'viewer' });
      expectStatus(versions, 200);
      assert.deepEqual(versions.body, {
        items: [
          { version: 2, createdAt: '2026-01-01T00:01:00.000Z', current: true },
          { version: 1, createdAt: current.createdAt, current: false },
        ],
        nextCursor: null,
      });
      const paged = await server.request('GET', `/api/automations/${id}/versions?limit=1`, { as: 'viewer' });
      assert.equal(paged.body.items.length, 1);
      assert.ok(paged.body.nextCursor);
      const v1 = await server.request('GET', `/api/automations/${id}/versions/1`, { as: 'viewer' });
      expectStatus(v1, 200);
      assert.equal(v1.body.name, 'V1');
      assert.equal(v1.body.version, 1);
      assert.equal(v1.body.description, undefined);
      expectStatus(await server.request('GET', `/api/automations/${id}/versions/9`, { as: 'viewer' }), 404);
      expectStatus(
        await server.request('GET', `/api/automations/${id}/versions/zero`, { as: 'viewer' }),
        400,
      );
      assert.deepEqual(await auditActions(server, id), ['automation.created', 'automation.updated']);
    });

    it('answers 404 for an unknown automation on every route, and 409 for an id taken', async () => {
      for (const [method, path] of [
        ['GET', '/api/automations/nope'],
        ['PUT', '/api/automations/nope'],
        ['DELETE', '/api/automations/nope'],
        ['PATCH', '/api/automations/nope/toggle'],
        ['POST', '/api/automations/nope/run'],
        ['POST', '/api/automations/nope/test'],
        ['GET', '/api/automations/nope/runs'],
        ['GET', '/api/automations/nope/versions'],
      ]) {
        const json = method === 'PUT' ? greetWorkflow() : undefined;
        const res = await server.request(method, path, { as: 'owner', json });
        expectStatus(res, 404);
        assert.equal(res.body.error.code, 'not_found');
      }
      const first = await server.request('POST', '/api/automations', {
        as: 'editor',
        json: { ...greetWorkflow(), id: 'import-crm-01' },
      });
      expectStatus(first, 201);
      assert.equal(first.body.id, 'import-crm-01');
      const again = await server.request('POST', '/api/automations', {
        as: 'editor',
        json: { ...greetWorkflow(), id: 'import-crm-01' },
      });
      expectStatus(again, 409);
      expectStatus(
        await server.request('POST', '/api/automations', {
          as: 'editor',
          json: { ...greetWorkflow(), id: '../x' },
        }),
        400,
      );
    });

    it('activates only what can run unattended (422 with every reason) and deactivates', async () => {
      const manual = await createAutomation(server, greetWorkflow('By hand'));
      const refused = await server.request('PATCH', `/api/automations/${manual}/toggle`, {
        as: 'editor',
        json: { isActive: true },
      });
      expectStatus(refused, 422);
      assert.equal(refused.body.error.code, 'unprocessable');
      assert.match(refused.body.error.details[0].message, /manual trigger/);

      const noTrigger = await createAutomation(server, {
        name: 'No trigger',
        nodes: [{ id: 'x', name: 'Alone', type: 'noOp', position: [0, 0] }],
      });
      const none = await server.request('PATCH', `/api/automations/${noTrigger}/toggle`, { as: 'editor' });
      expectStatus(none, 422);
      assert.deepEqual(none.body.error.details, [{ message: 'the workflow has no enabled trigger node' }]);

      const hook = await createAutomation(server, webhookWorkflow('crm-action'));
      const on = await server.request('PATCH', `/api/automations/${hook}/toggle`, { as: 'editor' });
      expectStatus(on, 200);
      assert.equal(on.body.isActive, true);
      assert.equal(on.body.version, 1, 'activation is not a new version');
      const called = await server.request('POST', '/webhook/crm-action', { json: { action: 'relance' } });
      assert.ok(called.status < 300, `webhook answered ${called.status}: ${called.text}`);

      // A second automation cannot take the same path while the first holds it.
      const twin = await createAutomation(server, webhookWorkflow('crm-action', 'Twin'));
      const clash = await server.request('PATCH', `/api/automations/${twin}/toggle`, {
        as: 'editor',
        json: { isActive: true },
      });
      expectStatus(clash, 422);
      assert.equal(clash.body.error.details[0].node, 'Hook');

      // An active automation keeps a version that can be activated.
      const manualOnly = await server.request('PUT', `/api/automations/${hook}`, {
        as: 'editor',
        json: greetWorkflow(),
      });
      expectStatus(manualOnly, 422);
      assert.equal(
        (await server.request('GET', `/api/automations/${hook}`, { as: 'viewer' })).body.version,
        1,
      );
      const renamed = await server.request('PUT', `/api/automations/${hook}`, {
        as: 'editor',
        json: webhookWorkflow('crm-action', 'Renamed'),
      });
      expectStatus(renamed, 200);
      assert.equal(renamed.body.isActive, true);
      assert.ok((await server.request('POST', '/webhook/crm-action', { json: {} })).status < 300);

      const off = await server.request('PATCH', `/api/automations/${hook}/toggle`, { as: 'editor' });
      expectStatus(off, 200);
      assert.equal(off.body.isActive, false);
      expectStatus(await server.request('POST', '/webhook/crm-action', { json: {} }), 404);
      assert.deepEqual(await auditActions(server, hook), [
        'automation.created',
        'automation.activated',
        'automation.updated',
        'automation.deactivated',
      ]);
      expectStatus(
        await server.request('PATCH', `/api/automations/${hook}/toggle`, {
          as: 'editor',
          json: { isActive: 'yes' },
        }),
        400,
      );
      expectStatus(await server.request('PATCH', `/api/automations/${hook}/toggle`, { as: 'viewer' }), 403);
    });

    it('runs by hand and as a test, waits for the end, and returns the execution log', async () => {
      const id = await createAutomation(server, greetWorkflow('Runner'));
      const run = await server.request('POST', `/api/automations/${id}/run`, {
        as: 'editor',
        json: { items: [{ name: 'Ada' }, { name: 'Grace' }] },
      });
      expectStatus(run, 200);
      assert.equal(run.body.status, 'succeeded');
      assert.equal(run.body.mode, 'manual');
      assert.equal(run.body.isTest, false);
      assert.equal(run.body.automationId, id);
      assert.equal(run.body.automationName, 'Runner');
      assert.deepEqual(run.body.triggerData, [{ json: { name: 'Ada' } }, { json: { name: 'Grace' } }]);
      const [trigger, greet] = run.body.executionLog;
      assert.deepEqual(
        [trigger.nodeName, trigger.nodeType, trigger.status, trigger.runIndex],
        ['Start', 'manualTrigger', 'succeeded', 0],
      );
      assert.deepEqual(
        trigger.input[0].map((i: { json: unknown }) => i.json),
        [{ name: 'Ada' }, { name: 'Grace' }],
      );
      assert.deepEqual(greet.input, trigger.output, 'a step input is the output of the step before');
      assert.deepEqual(
        greet.output[0].map((i: { json: unknown }) => i.json),
        [
          { name: 'Ada', greeting: 'Hello Ada' },
          { name: 'Grace', greeting: 'Hello Grace' },
        ],
      );
      assert.equal(greet.completedAt, server.clock.now().toISOString());

      const test = await server.request('POST', `/api/automations/${id}/test`, {
        as: 'editor',
        json: { items: { name: 'Test' } },
      });
      expectStatus(test, 200);
      assert.equal(test.body.isTest, true);
      assert.equal(test.body.mode, 'test');
      assert.equal(test.body.executionLog[1].output[0][0].json.greeting, 'Hello Test');

      const background = await server.request('POST', `/api/automations/${id}/run?wait=false`, {
        as: 'editor',
      });
      expectStatus(background, 202);
      assert.deepEqual(background.body.executionLog, []);
      const settled = await settledRun(server, background.body.id);
      assert.equal(settled.body.status, 'succeeded');

      expectStatus(
        await server.request('POST', `/api/automations/${id}/run`, {
          as: 'editor',
          json: { trigger: 'Greet' },
        }),
        400,
      );
      expectStatus(
        await server.request('POST', `/api/automations/${id}/run`, { as: 'editor', json: { extra: 1 } }),
        400,
      );
      expectStatus(await server.request('POST', `/api/automations/${id}/run`, { as: 'viewer' }), 403);

      const runs = await server.request('GET', `/api/automations/${id}/runs`, { as: 'viewer' });
      expectStatus(runs, 200);
      assert.equal(runs.body.items.length, 3);
      const onlyTests = await server.request('GET', `/api/automations/${id}/runs?status=succeeded&limit=1`, {
        as: 'viewer',
      });
      assert.equal(onlyTests.body.items.length, 1);
      assert.ok(onlyTests.body.nextCursor);
    });

    it('shows run stats per automation without test runs, and the last error', async () => {
      const id = await createAutomation(server, failingWorkflow('Fichier CSV illisible'));
      for (let i = 0; i < 2; i++) {
        (server.clock as ManualClock).advance(1000);
        const res = await server.request('POST', `/api/automations/${id}/run`, { as: 'editor' });
        expectStatus(res, 200);
        assert.equal(res.body.status, 'failed');
        assert.equal(res.body.error.message, 'Fichier CSV illisible');
        assert.equal(res.body.error.node, 'Stop');
        assert.equal(res.body.error.stack, undefined, 'no stack traces in replies');
        const failedStep = res.body.executionLog.at(-1);
        assert.equal(failedStep.status, 'failed');
        assert.equal(failedStep.input[0].length, 1, 'a failed step keeps its input');
      }
      expectStatus(await server.request('POST', `/api/automations/${id}/test`, { as: 'editor' }), 200);
      const a = (await server.request('GET', `/api/automations/${id}`, { as: 'viewer' })).body;
      assert.deepEqual(a.stats, {
        totalRuns: 2,
        successfulRuns: 0,
        failedRuns: 2,
        lastRunAt: (server.clock as ManualClock).now().toISOString(),
        lastError: 'Fichier CSV illisible',
      });
    });

    it('pages through automations with cursors and filters by active flag and name', async () => {
      const mine: string[] = [];
      for (let i = 0; i < 5; i++) {
        (server.clock as ManualClock).advance(1000);
        mine.push(await createAutomation(server, greetWorkflow(`Paged ZQX ${i}`)));
      }
      const { ids, pages } = await allPages(server, '/api/automations?search=zqx', 2);
      assert.deepEqual(ids, [...mine].reverse());
      assert.equal(pages, 3);
      const lower = await server.request('GET', '/api/automations?search=paged%20zqx%203', { as: 'viewer' });
      assert.deepEqual(
        lower.body.items.map((a: { id: string }) => a.id),
        [mine[3]],
      );
      const active = await server.request('GET', '/api/automations?active=true&limit=200', { as: 'viewer' });
      assert.ok(active.body.items.every((a: { isActive: boolean }) => a.isActive));
      const inactive = await server.request('GET', '/api/automations?active=false&search=zqx', {
        as: 'viewer',
      });
      assert.equal(inactive.body.items.length, 5);
      for (const bad of ['limit=0', 'limit=201', 'cursor=garbage', 'active=maybe']) {
        const res = await server.request('GET', `/api/automations?${bad}`, { as: 'viewer' });
        expectStatus(res, 400);
      }
      const defaults = await server.request('GET', '/api/automations', { as: 'viewer' });
      assert.ok(defaults.body.items.length <= 50);
    });

    it('deletes an automation (its runs stay as history)', async () => {
      const id = await createAutomation(server, greetWorkflow('Doomed'));
      const run = await server.request('POST', `/api/automations/${id}/run`, { as: 'editor' });
      expectStatus(run, 200);
      expectStatus(await server.request('DELETE', `/api/automations/${id}`, { as: 'viewer' }), 403);
      const del = await server.request('DELETE', `/api/automations/${id}`, { as: 'editor' });
      expectStatus(del, 204);
      assert.equal(del.text, '');
      expectStatus(await server.request('GET', `/api/automations/${id}`, { as: 'viewer' }), 404);
      const kept = await server.request('GET', `/api/automation-runs/${run.body.id}`, { as: 'viewer' });
      expectStatus(kept, 200);
      assert.equal(kept.body.automationName, null);
      assert.deepEqual(await auditActions(server, id), ['automation.created', 'automation.deleted']);
    });
  });
}
