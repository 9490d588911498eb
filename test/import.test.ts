/**
 * Importing n8n workflows: `relais import` on a folder mixing supported workflows, unsupported
 * nodes, arrays, a template wrapper and a broken file (progress, summary ranking, output files,
 * `--json`, exit codes), and `POST /api/automations/import` on a real server (saved inactive,
 * reports, placeholders refused on activation, permission).
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { importCommand, type ProgressSink } from '../src/cli/import-command.js';
import type { Io } from '../src/cli/io.js';
import { validateWorkflow } from '../src/engine/validate.js';
import type { N8nNode, N8nWorkflow } from '../src/n8n/types.js';
import { createRegistry } from '../src/nodes/registry.js';
import { startTestServer, type TestServer } from '../src/testing/server.js';

function captureIo() {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (l) => out.push(l), err: (l) => err.push(l) };
  return { io, out, err };
}

function captureProgress(isTTY: boolean): ProgressSink & { text: string[] } {
  const text: string[] = [];
  return { isTTY, text, write: (t) => text.push(t) };
}

function node(name: string, type: string, extra: Partial<N8nNode> = {}): N8nNode {
  return {
    id: name,
    name,
    type: `n8n-nodes-base.${type}`,
    typeVersion: 1,
    position: [0, 0],
    parameters: {},
    ...extra,
  };
}

/** Start → the given nodes, chained. */
function chain(name: string, nodes: N8nNode[], id?: string): N8nWorkflow {
  const all = [node('Start', 'manualTrigger'), ...nodes];
  const connections: N8nWorkflow['connections'] = {};
  for (let i = 0; i < all.length - 1; i++)
    connections[all[i].name] = { main: [[{ node: all[i + 1].name, type: 'main', index: 0 }]] };
  return { ...(id ? { id } : {}), name, nodes: all, connections, settings: { executionOrder: 'v1' } };
}

const sheets = (name: string) =>
  node(name, 'googleSheets', {
    typeVersion: 4.5,
    credentials: { googleSheetsOAuth2Api: { id: '1', name: 'Team Drive' } },
  });
const slack = (name: string) =>
  node(name, 'slack', { typeVersion: 2.2, credentials: { slackApi: { id: '2', name: 'Bot' } } });

const supported = chain('Greeter', [
  node('Set', 'set', { parameters: { values: { string: [{ name: 'hello', value: 'world' }] } } }),
]);
supported.nodes.push(node('Note', 'stickyNote', { parameters: { content: 'hi' } }));
const withSheets = chain('Sheets sync', [sheets('Read'), sheets('Write'), sheets('Append'), slack('Tell')]);
const withSlack = chain('Alert', [slack('Notify')]);

describe('relais import', () => {
  let dir: string;
  let input: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'relais-import-'));
    input = join(dir, 'in');
    await mkdir(join(input, 'team'), { recursive: true });
    await writeFile(join(input, 'a-greeter.json'), JSON.stringify(supported));
    await writeFile(join(input, 'team', 'exports.json'), JSON.stringify([withSheets, supported]));
    await writeFile(
      join(input, 'template.json'),
      JSON.stringify({ id: 12, name: 'Template', workflow: withSlack }),
    );
    await writeFile(join(input, 'readme.txt'), 'not a workflow');
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('converts a folder: one line per file when not a terminal, a summary ranking unsupported types', async () => {
    const out = join(dir, 'out1');
    const { io, err } = captureIo();
    const progress = captureProgress(false);
    assert.equal(await importCommand([input, '-o', out], io, progress), 0);
    assert.deepEqual(progress.text, [
      '[1/3] a-greeter.json: ok: Greeter\n',
      '[2/3] team/exports.json: ok: Sheets sync (4 unsupported node(s)), Greeter\n',
      '[3/3] template.json: ok: Alert (1 unsupported node(s))\n',
    ]);
    const text = err.join('\n');
    assert.match(text, /4 workflow\(s\) imported\n {2}fully supported: {8}2\n {2}with unsupported nodes: 2/);
    // Ranked by node count: Google Sheets (3 nodes) before Slack (2 nodes in 2 workflows).
    assert.match(
      text,
      /unsupported node types \(nodes, workflows\):\n {2}3\t1\tn8n-nodes-base\.googleSheets\n {2}2\t2\tn8n-nodes-base\.slack/,
    );
    assert.match(
      text,
      /credentials to recreate \(type, name, workflows\):\n {2}googleSheetsOAuth2Api\tTeam Drive\t1\n {2}slackApi\tBot\t2/,
    );
    // The report of a workflow with unsupported nodes is shown; fully supported ones are not.
    assert.match(text, /Sheets sync: 1\/5 node\(s\) converted, cannot be activated/);
    assert.doesNotMatch(text, /Greeter: /);

    const registry = createRegistry();
    for (const file of [
      'a-greeter.json',
      'team/exports-1-sheets-sync.json',
      'team/exports-2-greeter.json',
      'template.json',
    ]) {
      const doc = JSON.parse(await readFile(join(out, file), 'utf8'));
      const checked = validateWorkflow(doc, registry);
      assert.equal(checked.ok, true, `${file}: ${JSON.stringify(!checked.ok && checked.problems)}`);
    }
    const greeter = JSON.parse(await readFile(join(out, 'a-greeter.json'), 'utf8'));
    assert.deepEqual(
      greeter.nodes.map((n: { type: string }) => n.type),
      ['manualTrigger', 'set', 'stickyNote'],
    );
  });

  it('draws a \\r-updated bar on a terminal', async () => {
    const { io } = captureIo();
    const progress = captureProgress(true);
    assert.equal(await importCommand([input, '-o', join(dir, 'out2')], io, progress), 0);
    assert.equal(progress.text.length, 4);
    assert.match(progress.text[0], /^\r\[#{8}\.{16}\] 1\/3 a-greeter\.json/);
    assert.match(progress.text[2], /^\r\[#{24}\] 3\/3 template\.json/);
    assert.equal(progress.text[3], '\n');
  });

  it('exits 1 when a file cannot be read as an n8n export, after converting the others', async () => {
    const broken = join(dir, 'broken');
    await mkdir(broken);
    await writeFile(join(broken, 'ok.json'), JSON.stringify(supported));
    await writeFile(join(broken, 'bad.json'), '{ "nodes": [');
    await writeFile(join(broken, 'other.json'), JSON.stringify({ hello: 'world' }));
    const { io, err } = captureIo();
    assert.equal(await importCommand([broken, '-o', join(dir, 'out3')], io, captureProgress(false)), 1);
    const text = err.join('\n');
    assert.match(text, /bad\.json: not valid JSON/);
    assert.match(text, /other\.json: no n8n workflow in this file/);
    assert.match(text, /1 workflow\(s\) imported, 2 file\(s\) failed/);
    await readFile(join(dir, 'out3', 'ok.json'), 'utf8');
  });

  it('one file without -o: the Relais workflow on stdout, the report on stderr', async () => {
    const { io, out, err } = captureIo();
    assert.equal(await importCommand([join(input, 'template.json')], io, captureProgress(false)), 0);
    const doc = JSON.parse(out.join('\n'));
    assert.equal(doc.name, 'Alert');
    assert.deepEqual(
      doc.nodes.map((n: { type: string }) => n.type),
      ['manualTrigger', 'unsupported'],
    );
    assert.match(err.join('\n'), /unsupported: 'Notify' \(n8n-nodes-base\.slack\)/);
    assert.match(err.join('\n'), /credential to recreate: slackApi 'Bot' \(used by Notify\)/);
  });

  it('--json: workflows, reports with credentials to recreate, summary', async () => {
    const { io, out } = captureIo();
    assert.equal(await importCommand([input, '--json'], io, captureProgress(false)), 0);
    const result = JSON.parse(out.join('\n'));
    assert.equal(result.workflows.length, 4);
    assert.deepEqual(result.failures, []);
    assert.equal(result.summary.withUnsupported, 2);
    const sheetsSync = result.workflows.find(
      (w: { report: { workflow: string } }) => w.report.workflow === 'Sheets sync',
    );
    assert.equal(sheetsSync.report.activatable, false);
    assert.deepEqual(sheetsSync.report.credentialsToRecreate, [
      { type: 'googleSheetsOAuth2Api', name: 'Team Drive', usedBy: ['Read', 'Write', 'Append'] },
      { type: 'slackApi', name: 'Bot', usedBy: ['Tell'] },
    ]);
    assert.equal(sheetsSync.workflow.nodes.length, 5);
  });

  it('exits 2 for bad arguments', async () => {
    for (const args of [[], [input, 'other'], ['--nope', input], [input], [join(dir, 'missing.json')]]) {
      const { io, err } = captureIo();
      assert.equal(await importCommand(args, io, captureProgress(false)), 2, args.join(' '));
      assert.match(err.join('\n'), /relais import/);
    }
  });
});

describe('POST /api/automations/import', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.stop());

  it('saves each workflow inactive and returns its report', async () => {
    const res = await server.request('POST', '/api/automations/import', {
      as: 'editor',
      json: { workflows: [supported, { ...withSlack, id: 'n8n-alert-1' }] },
    });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.body.created, 2);
    assert.equal(res.body.failed, 0);
    const [greeter, alert] = res.body.results;
    assert.equal(greeter.status, 'created');
    assert.equal(greeter.report.activatable, true);
    assert.deepEqual(greeter.report.mappedTypes, {
      'n8n-nodes-base.manualTrigger': 1,
      'n8n-nodes-base.set': 1,
    });
    assert.equal(alert.id, 'n8n-alert-1');
    assert.deepEqual(alert.report.unsupported, [{ node: 'Notify', type: 'n8n-nodes-base.slack' }]);
    assert.deepEqual(alert.report.credentialsToRecreate, [
      { type: 'slackApi', name: 'Bot', usedBy: ['Notify'] },
    ]);
    assert.deepEqual(res.body.summary.unsupportedTypes, [
      { type: 'n8n-nodes-base.slack', nodes: 1, workflows: 1 },
    ]);

    const shown = await server.request('GET', `/api/automations/${alert.id}`, { as: 'viewer' });
    assert.equal(shown.status, 200);
    assert.equal(shown.body.isActive, false);
    const notify = shown.body.nodes.find((n: { name: string }) => n.name === 'Notify');
    assert.equal(notify.type, 'unsupported');
    assert.equal(notify.parameters.n8nType, 'n8n-nodes-base.slack');
    assert.deepEqual(notify.credentials, { slackApi: { id: '2', name: 'Bot' } });

    // Cannot be activated until the placeholder is replaced.
    const toggle = await server.request('PATCH', `/api/automations/${alert.id}/toggle`, { as: 'editor' });
    assert.equal(toggle.status, 422, toggle.text);
    assert.ok(toggle.body.error.details.some((d: { node?: string }) => d.node === 'Notify'));
  });

  it("an imported, activated n8n webhook answers at n8n's URLs as n8n documents for its response mode", async () => {
    const n8nWebhook = (name: string, parameters: Record<string, unknown>, webhookId: string) => ({
      parameters,
      id: `${name}-id`,
      name,
      type: 'n8n-nodes-base.webhook',
      typeVersion: 2,
      position: [0, 0],
      webhookId,
    });
    const exportWith = (id: string, nodes: unknown[], connections: Record<string, unknown>) => ({
      id,
      name: id,
      nodes,
      connections,
      settings: { executionOrder: 'v1' },
    });
    const orders = exportWith(
      'n8n-orders',
      [
        n8nWebhook(
          'Order',
          { httpMethod: 'POST', path: 'orders/:orderId', responseMode: 'responseNode', options: {} },
          'f3a1c2d4-0000-4000-8000-000000000001',
        ),
        {
          parameters: {
            respondWith: 'json',
            responseBody: '={{ { "received": $json.params.orderId, "total": $json.body.total } }}',
            options: { responseCode: 201 },
          },
          id: 'respond-id',
          name: 'Respond',
          type: 'n8n-nodes-base.respondToWebhook',
          typeVersion: 1.1,
          position: [220, 0],
        },
      ],
      { Order: { main: [[{ node: 'Respond', type: 'main', index: 0 }]] } },
    );
    const ping = exportWith(
      'n8n-ping',
      [n8nWebhook('Ping', { path: 'ping', options: {} }, 'f3a1c2d4-0000-4000-8000-000000000002')],
      {},
    );
    const imported = await server.request('POST', '/api/automations/import', {
      as: 'editor',
      json: { workflows: [orders, ping] },
    });
    assert.equal(imported.status, 201, imported.text);
    for (const id of ['n8n-orders', 'n8n-ping']) {
      const toggle = await server.request('PATCH', `/api/automations/${id}/toggle`, {
        as: 'editor',
        json: { isActive: true },
      });
      assert.equal(toggle.status, 200, toggle.text);
    }
    // A path with parameters lives under the webhookId, as in n8n; the Respond node answers.
    const order = await fetch(`${server.url}/webhook/f3a1c2d4-0000-4000-8000-000000000001/orders/A-42`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ total: 99.5 }),
    });
    assert.equal(order.status, 201);
    assert.deepEqual(await order.json(), { received: 'A-42', total: 99.5 });
    // responseMode onReceived (n8n's default): 200 {"message":"Workflow was started"}; GET is the default method.
    const answer = await fetch(`${server.url}/webhook/ping`);
    assert.equal(answer.status, 200);
    assert.deepEqual(await answer.json(), { message: 'Workflow was started' });
  });

  it('takes one export, keeps a free n8n id, reports a taken one as a conflict', async () => {
    const one = await server.request('POST', '/api/automations/import', {
      as: 'editor',
      json: { ...supported, id: 'n8n-greeter' },
    });
    assert.equal(one.status, 201, one.text);
    assert.equal(one.body.results[0].id, 'n8n-greeter');
    const again = await server.request('POST', '/api/automations/import', {
      as: 'editor',
      json: [{ ...supported, id: 'n8n-greeter' }],
    });
    assert.equal(again.status, 200);
    assert.equal(again.body.results[0].status, 'conflict');
    assert.equal(again.body.failed, 1);
  });

  it('reports a workflow whose converted parameters are invalid, and saves the others', async () => {
    const bad = chain('Bad', [node('Wait', 'wait', { typeVersion: 1.1, parameters: { amount: 'soon' } })]);
    const res = await server.request('POST', '/api/automations/import', {
      as: 'editor',
      json: [bad, supported],
    });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(
      res.body.results.map((r: { status: string }) => r.status),
      ['invalid', 'created'],
    );
    assert.equal(res.body.results[0].problems[0].node, 'Wait');
  });

  it('refuses a body without a workflow (400) and callers without automations:write (403)', async () => {
    const empty = await server.request('POST', '/api/automations/import', {
      as: 'editor',
      json: { hello: 1 },
    });
    assert.equal(empty.status, 400);
    const viewer = await server.request('POST', '/api/automations/import', { as: 'viewer', json: supported });
    assert.equal(viewer.status, 403);
    const anonymous = await server.request('POST', '/api/automations/import', {
      as: 'anonymous',
      json: supported,
    });
    assert.equal(anonymous.status, 401);
  });
});
