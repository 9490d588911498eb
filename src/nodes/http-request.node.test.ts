import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { NonRetryableError } from '../engine/errors.js';
import { runNode } from '../testing/run-node.js';
import { multipart, type Reply, startServer, type TestServer } from './http-request/test-server.js';
import { httpRequestNode } from './http-request.node.js';

let server: TestServer;
before(async () => {
  server = await startServer((req): Reply => {
    switch (req.path) {
      case '/list':
        return { body: [{ id: 1 }, { id: 2 }, 3, null] };
      case '/empty-list':
        return { body: [] };
      default:
        return { headers: { 'x-seen': 'yes' }, body: { ok: true, method: req.method } };
    }
  });
});
after(() => server.close());

const last = () => server.requests[server.requests.length - 1];

async function run(parameters: Record<string, unknown>, items: unknown[] = [{}], extra = {}) {
  return runNode(httpRequestNode, { parameters, items, ...extra });
}

test('GET by default: one request per item, JSON object → one item paired with its input', async () => {
  const start = server.requests.length;
  const { outputs } = await run({ url: `={{ "${server.url}/orders/" + $json.id }}` }, [{ id: 7 }, { id: 8 }]);
  const sent = server.requests.slice(start);
  assert.deepEqual(
    sent.map((r) => [r.method, r.url]),
    [
      ['GET', '/orders/7'],
      ['GET', '/orders/8'],
    ],
  );
  assert.equal(
    sent[0].headers.accept,
    'application/json,text/html,application/xhtml+xml,application/xml,text/*;q=0.9, image/*;q=0.8, */*;q=0.7',
  );
  assert.equal(sent[0].headers['user-agent'], 'relais');
  assert.deepEqual(outputs, [
    [
      { json: { ok: true, method: 'GET' }, pairedItem: { item: 0 } },
      { json: { ok: true, method: 'GET' }, pairedItem: { item: 1 } },
    ],
  ]);
});

test('no input items: no request', async () => {
  const start = server.requests.length;
  assert.deepEqual((await run({ url: `${server.url}/x` }, [])).json, [[]]);
  assert.equal(server.requests.length, start);
});

test('a JSON array becomes one item per element; non-objects are wrapped; [] gives no item', async () => {
  assert.deepEqual((await run({ url: `${server.url}/list` })).json, [
    [{ id: 1 }, { id: 2 }, { data: 3 }, {}],
  ]);
  assert.deepEqual((await run({ url: `${server.url}/empty-list` })).json, [[]]);
});

test('query: fields (repeated names collected), JSON with arrays in each array format', async () => {
  await run({
    url: `${server.url}/q?fixed=1`,
    sendQuery: true,
    queryParameters: {
      parameters: [
        { name: 'tag', value: 'a b' },
        { name: 'tag', value: 'c&d' },
        { name: '', value: 'ignored' },
        { name: 'é', value: 'ü' },
      ],
    },
  });
  assert.equal(last().url, '/q?fixed=1&tag%5B%5D=a%20b&tag%5B%5D=c%26d&%C3%A9=%C3%BC');
  const json = { ids: [1, 2], filter: { status: 'open' } };
  for (const [format, expected] of [
    [undefined, 'ids%5B%5D=1&ids%5B%5D=2&filter%5Bstatus%5D=open'],
    ['brackets', 'ids%5B%5D=1&ids%5B%5D=2&filter%5Bstatus%5D=open'],
    ['indices', 'ids%5B0%5D=1&ids%5B1%5D=2&filter%5Bstatus%5D=open'],
    ['repeat', 'ids=1&ids=2&filter%5Bstatus%5D=open'],
  ] as const) {
    await run({
      url: `${server.url}/q`,
      sendQuery: true,
      specifyQuery: 'json',
      jsonQuery: JSON.stringify(json),
      options: format ? { queryParameterArrays: format } : {},
    });
    assert.equal(last().url, `/q?${expected}`, format);
  }
});

test('headers: fields and JSON, names case-insensitive on the wire', async () => {
  await run({
    url: `${server.url}/h`,
    sendHeaders: true,
    headerParameters: {
      parameters: [
        { name: 'X-Tenant', value: 'acme' },
        { name: '', value: 'x' },
        { name: 'Accept', value: 'text/csv' },
      ],
    },
  });
  assert.equal(last().headers['x-tenant'], 'acme');
  assert.equal(last().headers.accept, 'text/csv');
  await run({
    url: `${server.url}/h`,
    sendHeaders: true,
    specifyHeaders: 'json',
    jsonHeaders: '{"X-Trace": 12}',
  });
  assert.equal(last().headers['x-trace'], '12');
  await assert.rejects(
    run({ url: `${server.url}/h`, sendHeaders: true, specifyHeaders: 'json', jsonHeaders: '{oops' }),
    (e: Error) =>
      e instanceof NonRetryableError &&
      e.message === 'The value in the "JSON Headers" field is not valid JSON',
  );
  await assert.rejects(
    run({
      url: `${server.url}/h`,
      sendHeaders: true,
      headerParameters: { parameters: [{ name: 'Bad Name', value: 1 }] },
    }),
    /Invalid header name 'Bad Name'/,
  );
});

test('JSON body from fields (dotted names nest, values keep their types, prototype keys are dropped) or from JSON', async () => {
  await run(
    {
      method: 'POST',
      url: `${server.url}/b`,
      sendBody: true,
      bodyParameters: {
        parameters: [
          { name: 'customer.email', value: '={{ $json.email }}' },
          { name: 'total', value: '={{ $json.total }}' },
          { name: 'tags[0]', value: 'vip' },
          // lodash's `set` (n8n's) writes nothing under a prototype key; neither does Relais.
          { name: '__proto__.admin', value: 'yes' },
        ],
      },
    },
    [{ email: 'a@b.fr', total: 12.5 }],
  );
  assert.equal(last().method, 'POST');
  assert.equal(last().headers['content-type'], 'application/json');
  assert.deepEqual(JSON.parse(last().body.toString()), {
    customer: { email: 'a@b.fr' },
    total: 12.5,
    tags: ['vip'],
  });
  assert.equal(({} as { admin?: string }).admin, undefined);
  await run(
    {
      method: 'PUT',
      url: `${server.url}/b`,
      sendBody: true,
      specifyBody: 'json',
      jsonBody: '={{ JSON.stringify({ n: $json.n }) }}',
    },
    [{ n: 3 }],
  );
  assert.deepEqual(JSON.parse(last().body.toString()), { n: 3 });
  await assert.rejects(
    run({ method: 'POST', url: `${server.url}/b`, sendBody: true, specifyBody: 'json', jsonBody: '{"a":' }),
    (e: Error) => e instanceof NonRetryableError && /"JSON Body" field is not valid JSON/.test(e.message),
  );
});

test('urlencoded body: fields or a single string', async () => {
  await run({
    method: 'POST',
    url: `${server.url}/f`,
    sendBody: true,
    contentType: 'form-urlencoded',
    bodyParameters: {
      parameters: [
        { name: 'grant', value: 'a b' },
        { name: 'x', value: 1 },
        { name: 'x', value: 2 },
      ],
    },
  });
  assert.equal(last().headers['content-type'], 'application/x-www-form-urlencoded');
  assert.equal(last().body.toString(), 'grant=a%20b&x=1&x=2');
  await run({
    method: 'POST',
    url: `${server.url}/f`,
    sendBody: true,
    contentType: 'form-urlencoded',
    specifyBody: 'string',
    body: 'a=1&b=two',
  });
  assert.equal(last().body.toString(), 'a=1&b=two');
});

test('multipart: text fields and a file from the item binary data', async () => {
  const file = {
    data: Buffer.from('col1;col2\n1;2').toString('base64'),
    mimeType: 'text/csv',
    fileName: 'export.csv',
  };
  await run(
    {
      method: 'POST',
      url: `${server.url}/upload`,
      sendBody: true,
      contentType: 'multipart-form-data',
      bodyParameters: {
        parameters: [
          { parameterType: 'formData', name: 'kind', value: 'patients' },
          { parameterType: 'formBinaryData', name: 'file', inputDataFieldName: 'data' },
        ],
      },
    },
    [{ json: {}, binary: { data: file } }],
  );
  assert.match(String(last().headers['content-type']), /^multipart\/form-data; boundary=/);
  const form = await multipart(last());
  assert.equal(form.get('kind'), 'patients');
  const part = form.get('file') as File;
  assert.equal(part.name, 'export.csv');
  assert.equal(part.type, 'text/csv');
  assert.equal(await part.text(), 'col1;col2\n1;2');
  await assert.rejects(
    run(
      {
        method: 'POST',
        url: `${server.url}/upload`,
        sendBody: true,
        contentType: 'multipart-form-data',
        bodyParameters: {
          parameters: [{ parameterType: 'formBinaryData', name: 'file', inputDataFieldName: 'data' }],
        },
      },
      [{ json: {}, binary: {} }],
    ),
    /expects the node's input data to contain a binary file 'data'/,
  );
});

test('binary file body and raw body', async () => {
  const bytes = Buffer.from([0, 1, 2, 255]);
  await run(
    {
      method: 'PUT',
      url: `${server.url}/blob`,
      sendBody: true,
      contentType: 'binaryData',
      inputDataFieldName: 'img',
    },
    [{ json: {}, binary: { img: { data: bytes.toString('base64'), mimeType: 'image/png' } } }],
  );
  assert.equal(last().headers['content-type'], 'image/png');
  assert.equal(last().headers['content-length'], '4');
  assert.ok(last().body.equals(bytes));
  await run({
    method: 'POST',
    url: `${server.url}/raw`,
    sendBody: true,
    contentType: 'raw',
    rawContentType: 'text/xml',
    body: '<a>1</a>',
  });
  assert.equal(last().headers['content-type'], 'text/xml');
  assert.equal(last().body.toString(), '<a>1</a>');
});

test('bad parameters: n8n messages, not retryable', async () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ url: 42 }, /^URL parameter must be a string, got number$/],
    [{ url: '  ' }, /^URL parameter cannot be empty$/],
    [{ url: 'ftp://x' }, /^Invalid URL: ftp:\/\/x\. URL must start with "http" or "https"\.$/],
    [{ url: `${server.url}/x`, method: 'FETCH' }, /^Invalid parameter 'method'/],
    [
      { url: `${server.url}/x`, sendBody: true, bodyParameters: { parameters: [{ name: 'a', value: 1 }] } },
      /A GET request cannot have a body/,
    ],
  ];
  for (const [parameters, message] of cases) {
    await assert.rejects(
      run(parameters),
      (e: Error) => e instanceof NonRetryableError && message.test(e.message),
    );
  }
  // n8n's default empty body row is no body: a GET with it is fine.
  await run({
    url: `${server.url}/x`,
    sendBody: true,
    bodyParameters: { parameters: [{ name: '', value: '' }] },
  });
  assert.equal(last().body.length, 0);
});

test('continue on fail: an item whose parameters do not evaluate becomes an error item, others run', async () => {
  const { json } = await run(
    { url: `${server.url}/x`, options: { timeout: '={{ $json.t }}' } },
    [{ t: 'soon' }, { t: 5000 }],
    { onError: 'continue' },
  );
  assert.equal(json[0].length, 2);
  assert.match(String(json[0][0].error), /Invalid parameter 'options.timeout'/);
  assert.deepEqual(json[0][1], { ok: true, method: 'GET' });
  await assert.rejects(
    run({ url: `${server.url}/x`, options: { timeout: '={{ $json.t }}' } }, [{ t: 'soon' }]),
    (e: NonRetryableError) => e.itemIndex === 0 && /options.timeout/.test(e.message),
  );
});
