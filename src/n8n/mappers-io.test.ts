/**
 * Trigger and action mappers (Manual/Start, Cron, Interval, Schedule, Wait, Webhook, Respond to
 * Webhook, HTTP Request, Send Email, Execute Workflow, Postgres, MySQL, XML/HTML, Sticky Note):
 * real-shaped n8n parameters of each typeVersion → the latest version's shape. HTTP Request v1/v2/3
 * also run against a local server and send the same request as the 4.2 form.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { n8nWorkflow, outputsOf, runN8n } from '../../test/helpers/n8n.js';
import { mapOne } from '../../test/helpers/n8n-map.js';
import { validateWorkflow } from '../engine/validate.js';
import { createRegistry } from '../nodes/registry.js';
import { convertN8nWorkflow } from './convert.js';

describe('Manual Trigger, Start, Error Trigger, No Op, Stop and Error, Crypto', () => {
  it('legacy Start is a manual trigger; the others keep their parameters', () => {
    assert.deepEqual(mapOne('start', 1, {}).node.type, 'manualTrigger');
    assert.equal(mapOne('manualTrigger', 1, {}).node.type, 'manualTrigger');
    assert.equal(mapOne('errorTrigger', 1, {}).node.type, 'errorTrigger');
    const stop = mapOne('stopAndError', 1, { errorType: 'errorMessage', errorMessage: 'boom' });
    assert.deepEqual(stop.node.parameters, { errorType: 'errorMessage', errorMessage: 'boom' });
    const crypto = { action: 'hash', type: 'SHA256', value: '={{ $json.a }}', dataPropertyName: 'h' };
    assert.deepEqual(mapOne('crypto', 1, crypto).node.parameters, crypto);
    assert.deepEqual(mapOne('crypto', 2, crypto).node.parameters, crypto);
  });

  it('Crypto v2 hmac/sign keep their secret in an n8n credential: unsupported, with the reason', () => {
    const { node, report } = mapOne(
      'crypto',
      2,
      { action: 'hmac', value: 'x' },
      { credentials: { crypto: { id: '9', name: 'Keys' } } },
    );
    assert.equal(node.type, 'unsupported');
    assert.match(report.warnings[0].message, /'crypto' credential/);
    assert.equal(mapOne('crypto', 1, { action: 'hmac', value: 'x', secret: 's' }).node.type, 'crypto');
  });
});

describe('Cron, Interval, Schedule Trigger → Schedule Trigger rules', () => {
  it('Cron: each trigger time becomes a rule, with the Cron node defaults', () => {
    const { node, report } = mapOne('cron', 1, {
      triggerTimes: {
        item: [
          {}, // everyDay at 14:00
          { mode: 'everyHour', minute: 15 },
          { mode: 'everyX', value: 10, unit: 'minutes' },
          { mode: 'everyWeek', hour: 9, weekday: '5' },
          { mode: 'everyMonth', dayOfMonth: 15, hour: 8, minute: 30 },
          { mode: 'custom', cronExpression: '0 */5 * * * *' },
          { mode: 'everyMinute' },
        ],
      },
    });
    assert.equal(node.type, 'scheduleTrigger');
    assert.deepEqual(node.parameters, {
      rule: {
        interval: [
          { field: 'days', daysInterval: 1, triggerAtHour: 14, triggerAtMinute: 0 },
          { field: 'hours', hoursInterval: 1, triggerAtMinute: 15 },
          { field: 'minutes', minutesInterval: 10 },
          { field: 'weeks', weeksInterval: 1, triggerAtDay: [5], triggerAtHour: 9, triggerAtMinute: 0 },
          {
            field: 'months',
            monthsInterval: 1,
            triggerAtDayOfMonth: 15,
            triggerAtHour: 8,
            triggerAtMinute: 30,
          },
          { field: 'cronExpression', expression: '0 */5 * * * *' },
          { field: 'minutes', minutesInterval: 1 },
        ],
      },
    });
    assert.deepEqual(report.changed, []);
  });

  it('Interval: seconds/minutes/hours; counted from activation in n8n, clock-aligned here', () => {
    assert.deepEqual(mapOne('interval', 1, {}).node.parameters, {
      rule: { interval: [{ field: 'seconds', secondsInterval: 1 }] },
    });
    assert.deepEqual(mapOne('interval', 1, { interval: 5, unit: 'minutes' }).node.parameters, {
      rule: { interval: [{ field: 'minutes', minutesInterval: 5 }] },
    });
    const odd = mapOne('interval', 1, { interval: 90, unit: 'minutes' });
    assert.deepEqual(odd.node.parameters, {
      rule: { interval: [{ field: 'hours', hoursInterval: 2, triggerAtMinute: 0 }] },
    });
    assert.equal(odd.report.changed.length, 2);
  });

  it('Schedule Trigger 1–1.2 keeps its shape', () => {
    const parameters = { rule: { interval: [{ field: 'hours', hoursInterval: 2 }] } };
    assert.deepEqual(mapOne('scheduleTrigger', 1.2, parameters).node.parameters, parameters);
  });
});

describe('Wait v1/v1.1', () => {
  it('writes each version’s default amount and unit', () => {
    assert.deepEqual(mapOne('wait', 1, {}).node.parameters, { amount: 1, unit: 'hours' });
    assert.deepEqual(mapOne('wait', 1.1, {}).node.parameters, { amount: 5, unit: 'seconds' });
    assert.deepEqual(mapOne('wait', 1.1, { amount: 2 }).node.parameters, { amount: 2, unit: 'seconds' });
    const webhook = mapOne('wait', 1.1, { resume: 'webhook', options: {} }, { webhookId: 'w-1' });
    assert.equal(webhook.node.webhookId, 'w-1');
    assert.equal(mapOne('wait', 1.1, { resume: 'form' }).report.changed[0].parameter, 'resume');
  });
});

describe('Webhook v1–2.1 and Respond to Webhook', () => {
  it('v1: the response code moves into options; path and webhookId are kept', () => {
    const { node } = mapOne(
      'webhook',
      1,
      { httpMethod: 'POST', path: 'orders', responseCode: 201, options: { rawBody: true } },
      { webhookId: '5b1f8c1e-aaaa-bbbb-cccc-000000000001' },
    );
    assert.deepEqual(node.parameters, {
      httpMethod: 'POST',
      path: 'orders',
      options: { rawBody: true, responseCode: { values: { responseCode: 201 } } },
    });
    assert.equal(node.webhookId, '5b1f8c1e-aaaa-bbbb-cccc-000000000001');
    const custom = mapOne('webhook', 1.1, { path: 'x', responseCode: 418 });
    assert.deepEqual(custom.node.parameters.options, {
      responseCode: { values: { responseCode: 'customCode', customCode: 418 } },
    });
    const respond = mapOne('webhook', 1, { path: 'x', responseCode: 201, responseMode: 'responseNode' });
    assert.deepEqual(respond.node.parameters.options, {});
  });

  it('v1: options.binaryData is dropped (files are always received)', () => {
    const { node, report } = mapOne('webhook', 1, {
      path: 'x',
      options: { binaryData: true, binaryPropertyName: 'file' },
    });
    assert.deepEqual(node.parameters.options, { binaryPropertyName: 'file' });
    assert.equal(report.ignored[0].parameter, 'options.binaryData');
  });

  it('v2/v2.1 are kept; Respond to Webhook keeps its shape', () => {
    const v2 = { httpMethod: 'GET', path: 'p', options: { responseCode: { values: { responseCode: 204 } } } };
    assert.deepEqual(mapOne('webhook', 2, v2).node.parameters, v2);
    const respond = { respondWith: 'json', responseBody: '={{ $json }}', options: { responseCode: 202 } };
    assert.deepEqual(mapOne('respondToWebhook', 1.1, respond).node.parameters, respond);
  });
});

describe('HTTP Request v1/v2/v3/4.x → 4.2', () => {
  let server: Server;
  let base = '';
  const seen: { method?: string; url?: string; headers: IncomingMessage['headers']; body: string }[] = [];

  before(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        seen.push({ method: req.method, url: req.url, headers: req.headers, body });
        if (req.url?.startsWith('/moved')) {
          res.writeHead(302, { location: '/target' }).end();
          return;
        }
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ ok: true, path: req.url }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  async function request(typeVersion: number, parameters: Record<string, unknown>) {
    seen.length = 0;
    const run = await runN8n(
      n8nWorkflow(
        [{ id: 7 }],
        [{ name: 'HTTP', type: 'n8n-nodes-base.httpRequest', typeVersion, parameters }],
        [['Fixture', 0, 'HTTP']],
      ),
    );
    assert.equal(run.status, 'succeeded', run.error);
    const req = seen[0];
    return {
      out: outputsOf(run, 'HTTP')[0],
      method: req.method,
      url: req.url,
      contentType: req.headers['content-type'],
      header: req.headers['x-api'],
      body: req.body,
      report: run.report,
    };
  }

  it('v1 fields (query, headers, body) send what 4.2 sends', async () => {
    const v1 = await request(1, {
      requestMethod: 'POST',
      url: `${base}/orders`,
      queryParametersUi: { parameter: [{ name: 'q', value: '={{ $json.id }}' }] },
      headerParametersUi: { parameter: [{ name: 'x-api', value: 'k' }] },
      bodyParametersUi: { parameter: [{ name: 'name', value: 'n' }] },
    });
    const v42 = await request(4.2, {
      method: 'POST',
      url: `${base}/orders`,
      sendQuery: true,
      queryParameters: { parameters: [{ name: 'q', value: '={{ $json.id }}' }] },
      sendHeaders: true,
      headerParameters: { parameters: [{ name: 'x-api', value: 'k' }] },
      sendBody: true,
      bodyParameters: { parameters: [{ name: 'name', value: 'n' }] },
      options: {},
    });
    assert.deepEqual(
      [v1.method, v1.url, v1.header, v1.contentType, JSON.parse(v1.body)],
      ['POST', '/orders?q=7', 'k', 'application/json', { name: 'n' }],
    );
    assert.deepEqual(
      [v42.method, v42.url, v42.header, JSON.parse(v42.body)],
      [v1.method, v1.url, v1.header, JSON.parse(v1.body)],
    );
    assert.deepEqual(v1.out, [{ ok: true, path: '/orders?q=7' }]);
    assert.deepEqual(v1.out, v42.out);
  });

  it('v1 JSON parameters and form bodies', async () => {
    const json = await request(1, {
      requestMethod: 'PUT',
      url: `${base}/j`,
      jsonParameters: true,
      bodyParametersJson: '={{ JSON.stringify({ id: $json.id }) }}',
      headerParametersJson: '{"x-api": "h"}',
    });
    assert.deepEqual([json.method, json.header, JSON.parse(json.body)], ['PUT', 'h', { id: 7 }]);
    const form = await request(1, {
      requestMethod: 'POST',
      url: `${base}/f`,
      bodyParametersUi: { parameter: [{ name: 'a', value: '1' }] },
      options: { bodyContentType: 'form-urlencoded' },
    });
    assert.equal(form.contentType, 'application/x-www-form-urlencoded');
    assert.equal(form.body, 'a=1');
  });

  it('v1/v2 mapping: authentication, response format, timeout, redirects', () => {
    const { node, report } = mapOne(
      'httpRequest',
      1,
      {
        url: 'https://x',
        authentication: 'headerAuth',
        responseFormat: 'string',
        dataPropertyName: 'page',
        options: { timeout: 5000 },
      },
      { credentials: { httpHeaderAuth: { id: '3', name: 'Key' } } },
    );
    assert.deepEqual(node.parameters, {
      method: 'GET',
      url: 'https://x',
      authentication: 'genericCredentialType',
      genericAuthType: 'httpHeaderAuth',
      options: {
        response: { response: { responseFormat: 'text', outputPropertyName: 'page' } },
        timeout: 5000,
        redirect: { redirect: { followRedirects: true } },
      },
    });
    assert.deepEqual(node.credentials, { httpHeaderAuth: { id: '3', name: 'Key' } });
    assert.deepEqual(report.credentials, [{ node: 'Node', type: 'httpHeaderAuth', name: 'Key' }]);
    const v2 = mapOne('httpRequest', 2, {
      url: 'https://x',
      authentication: 'predefinedCredentialType',
      nodeCredentialType: 'githubApi',
    });
    assert.equal(v2.node.parameters.nodeCredentialType, 'githubApi');
    assert.equal((v2.node.parameters.options as { timeout: number }).timeout, 3_600_000);
    assert.ok(v2.report.changed.some((c) => c.parameter === 'options.splitIntoItems'));
  });

  it('v3 does not follow redirects unless told; 4.x does', async () => {
    const v3 = await runN8n(
      n8nWorkflow(
        [{}],
        [
          {
            name: 'HTTP',
            type: 'n8n-nodes-base.httpRequest',
            typeVersion: 3,
            parameters: { url: `${base}/moved`, options: {} },
          },
        ],
        [['Fixture', 0, 'HTTP']],
      ),
    );
    assert.equal(v3.status, 'failed');
    assert.match(v3.error ?? '', /302/);
    const v4 = await request(4.1, { url: `${base}/moved`, options: {} });
    assert.deepEqual(v4.out, [{ ok: true, path: '/target' }]);
  });
});

describe('Send Email v1/v2 → 2.1', () => {
  it('v1: text and/or HTML choose the format; cc/bcc/attachments move to options; no attribution', () => {
    const { node } = mapOne('emailSend', 1, {
      fromEmail: 'a@x.test',
      toEmail: 'b@x.test',
      ccEmail: 'c@x.test',
      subject: 'Hi',
      text: 'plain',
      html: '<b>rich</b>',
      attachments: 'data',
    });
    assert.deepEqual(node.parameters, {
      fromEmail: 'a@x.test',
      toEmail: 'b@x.test',
      subject: 'Hi',
      text: 'plain',
      html: '<b>rich</b>',
      operation: 'send',
      emailFormat: 'both',
      options: { appendAttribution: false, ccEmail: 'c@x.test', attachments: 'data' },
    });
    assert.equal(mapOne('emailSend', 1, { text: 'x' }).node.parameters.emailFormat, 'text');
  });

  it('v2: text by default, no attribution; 2.1 kept', () => {
    assert.deepEqual(mapOne('emailSend', 2, { text: 'x', options: {} }).node.parameters, {
      text: 'x',
      emailFormat: 'text',
      options: { appendAttribution: false },
    });
    const latest = { emailFormat: 'html', html: '<p/>', options: {} };
    assert.deepEqual(mapOne('emailSend', 2.1, latest).node.parameters, latest);
  });
});

describe('Execute Workflow and Execute Workflow Trigger', () => {
  it('v1 workflowId becomes a resource locator and is reported', () => {
    const { node, report } = mapOne('executeWorkflow', 1, { workflowId: '42' });
    assert.deepEqual(node.parameters.workflowId, { __rl: true, mode: 'id', value: '42' });
    assert.match(report.warnings[0].message, /calls workflow '42'/);
    const v12 = {
      workflowId: { __rl: true, mode: 'list', value: 'abc' },
      options: { waitForSubWorkflow: false },
    };
    assert.deepEqual(mapOne('executeWorkflow', 1.2, v12).node.parameters, v12);
    assert.deepEqual(
      mapOne('executeWorkflow', 1, { source: 'parameter', workflowJson: '{}' }).node.parameters,
      {
        source: 'parameter',
        workflowJson: '{}',
      },
    );
  });

  it('Trigger v1 passes its input through', () => {
    assert.deepEqual(mapOne('executeWorkflowTrigger', 1, {}).node.parameters, { inputSource: 'passthrough' });
    const v11 = {
      inputSource: 'workflowInputs',
      workflowInputs: { values: [{ name: 'id', type: 'number' }] },
    };
    assert.deepEqual(mapOne('executeWorkflowTrigger', 1.1, v11).node.parameters, v11);
  });
});

describe('Postgres and MySQL v1 → v2', () => {
  it('Postgres v1 executeQuery with query parameters', () => {
    const { node } = mapOne('postgres', 1, {
      operation: 'executeQuery',
      query: 'select * from t where id = $1 and name = $2',
      additionalFields: { queryParams: 'id, name', mode: 'transaction' },
    });
    assert.deepEqual(node.parameters, {
      operation: 'executeQuery',
      query: 'select * from t where id = $1 and name = $2',
      options: { queryBatching: 'transaction', queryReplacement: '={{ [$json["id"], $json["name"]] }}' },
    });
  });

  it('Postgres v1 insert (the default operation) and update', () => {
    assert.deepEqual(mapOne('postgres', 1, { table: 'users', columns: 'name,age:int' }).node.parameters, {
      operation: 'insert',
      schema: { __rl: true, mode: 'list', value: 'public' },
      table: { __rl: true, mode: 'list', value: 'users' },
      columns: {
        mappingMode: 'defineBelow',
        value: { name: '={{ $json["name"] }}', age: '={{ $json["age"] }}' },
        matchingColumns: [],
        schema: [],
      },
      options: {},
    });
    const update = mapOne('postgres', 1, {
      operation: 'update',
      table: 'users',
      columns: 'name',
      returnFields: 'id',
    });
    assert.deepEqual((update.node.parameters.columns as { matchingColumns: string[] }).matchingColumns, [
      'id',
    ]);
    assert.deepEqual((update.node.parameters.options as { outputColumns: string[] }).outputColumns, ['id']);
    assert.equal(mapOne('postgres', 2.5, { operation: 'select' }).node.parameters.operation, 'select');
  });

  it('Postgres 2.0/2.1 dataMode, valuesToSend, columnToMatchOn → the 2.2 columns mapper', () => {
    const table = { __rl: true, mode: 'list', value: 'users' };
    assert.deepEqual(mapOne('postgres', 2, { table, options: {} }).node.parameters, {
      table,
      options: {},
      columns: { mappingMode: 'autoMapInputData', value: {}, matchingColumns: [], schema: [] },
    });
    const update = mapOne('postgres', 2.1, {
      operation: 'update',
      table,
      dataMode: 'defineBelow',
      columnToMatchOn: 'id',
      valueToMatchOn: '={{ $json.id }}',
      valuesToSend: { values: [{ column: 'name', value: '={{ $json.name }}' }] },
    });
    assert.deepEqual(update.node.parameters, {
      operation: 'update',
      table,
      columns: {
        mappingMode: 'defineBelow',
        value: { name: '={{ $json.name }}', id: '={{ $json.id }}' },
        matchingColumns: ['id'],
        schema: [],
      },
    });
  });

  it('MySQL v1: executeQuery maps, insert/update stay unsupported with the reason', () => {
    assert.deepEqual(mapOne('mySql', 1, { operation: 'executeQuery', query: 'select 1' }).node.parameters, {
      operation: 'executeQuery',
      query: 'select 1',
      options: {},
    });
    const insert = mapOne('mySql', 1, { table: 't', columns: 'a' });
    assert.equal(insert.node.type, 'unsupported');
    assert.match(insert.report.warnings[0].message, /no faithful v2 form/);
  });
});

describe('XML, HTML, HTML Extract, Sticky Note', () => {
  it('HTML keeps the text extraction of its version; HTML Extract is HTML 1.0’s extract operation', () => {
    assert.equal(mapOne('html', 1, { operation: 'extractHtmlContent' }).node.parameters.textVersion, 1);
    assert.equal(mapOne('html', 1.2, { operation: 'extractHtmlContent' }).node.parameters.textVersion, 1.2);
    assert.deepEqual(
      mapOne('htmlExtract', 1, {
        dataPropertyName: 'body',
        extractionValues: { values: [{ key: 't', cssSelector: 'h1' }] },
      }).node.parameters,
      {
        dataPropertyName: 'body',
        extractionValues: { values: [{ key: 't', cssSelector: 'h1' }] },
        operation: 'extractHtmlContent',
        textVersion: 1,
      },
    );
    assert.deepEqual(mapOne('xml', 1, { mode: 'jsonToxml' }).node.parameters, { mode: 'jsonToxml' });
  });

  it('Sticky notes keep content, size and colour only', () => {
    const { node, report } = mapOne('stickyNote', 1, {
      content: '# Hi',
      height: 200,
      width: 300,
      color: 5,
      extra: 1,
    });
    assert.deepEqual(node.parameters, { content: '# Hi', height: 200, width: 300, color: 5 });
    assert.deepEqual(report.mapped, []);
  });
});

describe('mapped parameters validate against the Relais node schemas', () => {
  it('old versions of every mapped type give documents the registry accepts', () => {
    const registry = createRegistry();
    const nodes: [string, number, Record<string, unknown>][] = [
      [
        'cron',
        1,
        {
          triggerTimes: {
            item: [
              { mode: 'everyWeek', weekday: '3' },
              { mode: 'custom', cronExpression: '0 0 * * * *' },
            ],
          },
        },
      ],
      ['interval', 1, { interval: 5, unit: 'minutes' }],
      ['webhook', 1, { path: 'x', responseCode: 201, options: { binaryData: true } }],
      ['wait', 1, {}],
      [
        'httpRequest',
        1,
        {
          requestMethod: 'POST',
          url: 'https://x',
          jsonParameters: true,
          bodyParametersJson: '{"a":1}',
          options: { timeout: 1000 },
        },
      ],
      ['httpRequest', 2, { url: 'https://x', queryParametersUi: { parameter: [{ name: 'a', value: '1' }] } }],
      ['httpRequest', 3, { url: 'https://x', options: {} }],
      ['executeWorkflow', 1, { workflowId: '42' }],
      ['executeWorkflowTrigger', 1, {}],
      ['postgres', 1, { table: 'users', columns: 'name,age' }],
      [
        'postgres',
        1,
        { operation: 'executeQuery', query: 'select $1', additionalFields: { queryParams: 'id' } },
      ],
      [
        'postgres',
        2.1,
        { operation: 'update', table: { __rl: true, mode: 'list', value: 't' }, columnToMatchOn: 'id' },
      ],
      ['mySql', 1, { operation: 'executeQuery', query: 'select 1' }],
      ['emailSend', 1, { fromEmail: 'a@x.test', toEmail: 'b@x.test', text: 'hi' }],
      [
        'html',
        1,
        { operation: 'extractHtmlContent', extractionValues: { values: [{ key: 'a', cssSelector: 'p' }] } },
      ],
      ['htmlExtract', 1, { extractionValues: { values: [{ key: 'a', cssSelector: 'p' }] } }],
      ['dateTime', 1, { value: '={{ $json.d }}', toFormat: 'YYYY' }],
      ['itemLists', 1, { fieldToSplitOut: 'a' }],
      ['removeDuplicates', 1, {}],
      ['crypto', 2, { action: 'generate' }],
    ];
    for (const [type, version, parameters] of nodes) {
      const { workflow, report } = convertN8nWorkflow(
        {
          name: type,
          nodes: [{ name: 'Node', type: `n8n-nodes-base.${type}`, typeVersion: version, parameters }],
          connections: {},
        },
        { hasType: (t) => registry.get(t) !== undefined },
      );
      const node = workflow.nodes[0];
      if (node.type === 'unsupported') {
        // Only node types Relais does not have yet may stay placeholders.
        assert.equal(
          registry.get(MAPPED_TYPE[type] ?? type),
          undefined,
          `${type} v${version}: ${JSON.stringify(report.warnings)}`,
        );
        continue;
      }
      const checked = validateWorkflow(workflow, registry);
      assert.equal(
        checked.ok,
        true,
        `${type} v${version}: ${JSON.stringify(!checked.ok && checked.problems)}`,
      );
    }
  });
});

const MAPPED_TYPE: Record<string, string> = {
  cron: 'scheduleTrigger',
  interval: 'scheduleTrigger',
  htmlExtract: 'html',
  itemLists: 'splitOut',
};
