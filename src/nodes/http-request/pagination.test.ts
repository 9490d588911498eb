import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type NodeError, NonRetryableError } from '../../engine/errors.js';
import { runNode } from '../../testing/run-node.js';
import { httpRequestNode } from '../http-request.node.js';
import { rewriteExpression } from './pagination-expr.js';
import { type Recorded, startServer, type TestServer } from './test-server.js';

/** 7 contacts, served 3 per page in several styles. */
const CONTACTS = Array.from({ length: 7 }, (_, i) => ({ id: i + 1 }));
const PER_PAGE = 3;
const slice = (page: number) => CONTACTS.slice((page - 1) * PER_PAGE, page * PER_PAGE);

let server: TestServer;
before(async () => {
  server = await startServer((req: Recorded) => {
    const page = Number(req.query.get('page') ?? 1);
    switch (req.path) {
      case '/by-page': // an empty array after the last page
        return { body: slice(page) };
      case '/next-url': {
        const next = page * PER_PAGE < CONTACTS.length ? `${server.url}/next-url?page=${page + 1}` : null;
        return { body: { data: slice(page), next } };
      }
      case '/relative-next': {
        const next = page * PER_PAGE < CONTACTS.length ? `/relative-next?page=${page + 1}` : null;
        return { body: { data: slice(page), next } };
      }
      case '/until-404':
        return page <= 2 ? { body: slice(page) } : { status: 404, body: { message: 'no more pages' } };
      case '/cursor': {
        const cursor = Number(JSON.parse(req.body.toString() || '{}').cursor ?? 0);
        const data = CONTACTS.slice(cursor, cursor + PER_PAGE);
        const next = cursor + PER_PAGE < CONTACTS.length ? cursor + PER_PAGE : null;
        return { body: { data, cursor: next } };
      }
      case '/header-page': {
        const p = Number(req.headers['x-page'] ?? 1);
        return { body: slice(p) };
      }
      case '/same':
        return { body: { data: [1] } };
      case '/broken':
        return page === 1 ? { body: slice(1) } : { status: 500, body: 'boom' };
      default:
        return { status: 404 };
    }
  });
});
after(() => server.close());

const since = (start: number) => server.requests.slice(start);

function paginated(url: string, pagination: Record<string, unknown>, rest: Record<string, unknown> = {}) {
  return { url: `${server.url}${url}`, ...rest, options: { pagination: { pagination } } };
}

test('update a parameter: page = $pageCount + 1, until the response is empty', async () => {
  const start = server.requests.length;
  const { outputs } = await runNode(httpRequestNode, {
    parameters: paginated('/by-page', {
      parameters: { parameters: [{ type: 'qs', name: 'page', value: '={{ $pageCount + 1 }}' }] },
    }),
    items: [{}],
  });
  assert.deepEqual(
    since(start).map((r) => r.url),
    ['/by-page?page=1', '/by-page?page=2', '/by-page?page=3', '/by-page?page=4'],
  );
  assert.deepEqual(
    outputs[0].map((i) => i.json),
    CONTACTS,
  );
  assert.ok(outputs[0].every((i) => (i.pairedItem as { item: number }).item === 0));
});

test('pagination expressions see the item too ($json, $itemIndex) beside $pageCount', async () => {
  const start = server.requests.length;
  const { outputs } = await runNode(httpRequestNode, {
    parameters: paginated('/by-page', {
      parameters: {
        parameters: [{ type: 'qs', name: 'page', value: '={{ $json.first + $itemIndex + $pageCount }}' }],
      },
    }),
    items: [{ first: 2 }],
  });
  assert.deepEqual(
    since(start).map((r) => r.url),
    ['/by-page?page=2', '/by-page?page=3', '/by-page?page=4'],
  );
  assert.deepEqual(
    outputs[0].map((i) => i.json),
    CONTACTS.slice(PER_PAGE),
  );
});

test('next URL from the body, complete when an expression says so; the query stays', async () => {
  const start = server.requests.length;
  const { json } = await runNode(httpRequestNode, {
    parameters: paginated(
      '/next-url',
      {
        paginationMode: 'responseContainsNextURL',
        nextURL: '={{ $response.body.next }}',
        paginationCompleteWhen: 'other',
        completeExpression: '={{ !$response.body.next }}',
      },
      { sendQuery: true, queryParameters: { parameters: [{ name: 'limit', value: '3' }] } },
    ),
    items: [{}],
  });
  assert.deepEqual(
    since(start).map((r) => r.url),
    ['/next-url?limit=3', '/next-url?page=2&limit=3', '/next-url?page=3&limit=3'],
  );
  assert.deepEqual(
    json[0].map((j) => (j.data as unknown[]).length),
    [3, 3, 1],
  );
});

test('a relative next URL resolves against the current one', async () => {
  const { json } = await runNode(httpRequestNode, {
    parameters: paginated('/relative-next', {
      paginationMode: 'responseContainsNextURL',
      nextURL: '={{ $response.body.next }}',
      paginationCompleteWhen: 'other',
      completeExpression: '={{ $response.body.next === null }}',
    }),
    items: [{}],
  });
  assert.equal(json[0].length, 3);
});

test('complete on a status code: the last page is kept, as in n8n', async () => {
  const start = server.requests.length;
  const { json } = await runNode(httpRequestNode, {
    parameters: paginated('/until-404', {
      parameters: { parameters: [{ type: 'qs', name: 'page', value: '={{ $pageCount + 1 }}' }] },
      paginationCompleteWhen: 'receiveSpecificStatusCodes',
      statusCodesWhenComplete: '404, 410',
    }),
    items: [{}],
  });
  assert.equal(since(start).length, 3);
  assert.deepEqual(json[0], [...slice(1), ...slice(2), { message: 'no more pages' }]);
});

test('max pages stops early', async () => {
  const start = server.requests.length;
  const { json } = await runNode(httpRequestNode, {
    parameters: paginated('/by-page', {
      parameters: { parameters: [{ type: 'qs', name: 'page', value: '={{ $pageCount + 1 }}' }] },
      limitPagesFetched: true,
      maxRequests: 2,
    }),
    items: [{}],
  });
  assert.equal(since(start).length, 2);
  assert.deepEqual(json[0], [...slice(1), ...slice(2)]);
});

test('a cursor in the JSON body, undefined on the first page; items of every input item paginate', async () => {
  const start = server.requests.length;
  const { outputs } = await runNode(httpRequestNode, {
    parameters: paginated(
      '/cursor',
      {
        parameters: { parameters: [{ type: 'body', name: 'cursor', value: '={{ $response.body.cursor }}' }] },
        paginationCompleteWhen: 'other',
        completeExpression: '={{ $response.body.cursor === null }}',
      },
      {
        method: 'POST',
        sendBody: true,
        bodyParameters: { parameters: [{ name: 'owner', value: '={{ $json.owner }}' }] },
      },
    ),
    items: [{ owner: 'a' }, { owner: 'b' }],
  });
  // Items run side by side: look at each item's requests.
  const bodies = since(start).map((r) => JSON.parse(r.body.toString()));
  assert.deepEqual(
    bodies.filter((b) => b.owner === 'a'),
    [{ owner: 'a' }, { owner: 'a', cursor: 3 }, { owner: 'a', cursor: 6 }],
  );
  assert.equal(bodies.length, 6);
  assert.deepEqual(
    outputs[0].map((i) => (i.pairedItem as { item: number }).item),
    [0, 0, 0, 1, 1, 1],
  );
});

test('a header parameter, and $request in expressions', async () => {
  const start = server.requests.length;
  const { json } = await runNode(httpRequestNode, {
    parameters: paginated('/header-page', {
      parameters: {
        parameters: [
          { type: 'headers', name: 'X-Page', value: '={{ $pageCount + 1 }}' },
          { type: 'qs', name: 'm', value: '={{ $request.method }}' },
        ],
      },
    }),
    items: [{}],
  });
  assert.deepEqual(
    since(start).map((r) => [r.headers['x-page'], r.query.get('m')]),
    [
      ['1', 'GET'],
      ['2', 'GET'],
      ['3', 'GET'],
      ['4', 'GET'],
    ],
  );
  assert.equal(json[0].length, 7);
});

test('identical pages stop with n8n error; a failing page while continuing fails the item', async () => {
  await assert.rejects(
    runNode(httpRequestNode, {
      parameters: paginated('/same', {
        parameters: { parameters: [{ type: 'qs', name: 'p', value: '={{ $pageCount }}' }] },
      }),
      items: [{}],
    }),
    (e: Error) =>
      e instanceof NonRetryableError &&
      e.message === 'The returned response was identical 5x, so requests got stopped',
  );
  await assert.rejects(
    runNode(httpRequestNode, {
      parameters: paginated('/broken', {
        parameters: { parameters: [{ type: 'qs', name: 'page', value: '={{ $pageCount + 1 }}' }] },
      }),
      items: [{}],
    }),
    (e: NodeError) =>
      e.httpStatus === 500 && e.message === 'The service was not able to process your request',
  );
});

test('pagination settings are checked with n8n messages', async () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{}, /At least one entry with 'Name' and 'Value' filled/],
    [
      {
        parameters: {
          parameters: [
            { type: 'qs', name: '', value: '1' },
            { name: 'b', value: 2 },
          ],
        },
      },
      /Parameter name must be set for parameter \[1\]/,
    ],
    [
      { parameters: { parameters: [{ type: 'cookie', name: 'a', value: '1' }] } },
      /Parameter type must be one of: body, headers, qs for parameter \[1\]/,
    ],
    [
      { parameters: { parameters: [{ type: 'qs', name: 'a', value: '' }] } },
      /Some value must be provided for parameter \[1\]/,
    ],
    [
      {
        paginationMode: 'responseContainsNextURL',
        paginationCompleteWhen: 'other',
        completeExpression: 'true',
      },
      /Invalid or empty Complete Expression/,
    ],
    [
      { paginationMode: 'responseContainsNextURL', nextURL: 'mailto:a@b.fr' },
      /'mailto:a@b.fr' is not a valid URL\./,
    ],
  ];
  for (const [pagination, message] of cases) {
    await assert.rejects(
      runNode(httpRequestNode, { parameters: paginated('/by-page', pagination), items: [{}] }),
      message,
      JSON.stringify(pagination),
    );
  }
  // Off: one plain request.
  const start = server.requests.length;
  await runNode(httpRequestNode, {
    parameters: paginated('/by-page', { paginationMode: 'off' }),
    items: [{}],
  });
  assert.equal(since(start).length, 1);
});

test('the rewrite touches only the pagination globals', () => {
  assert.equal(
    rewriteExpression('={{ $response.body.next }}'),
    '={{ $vars["relais:http-pagination"].$response.body.next }}',
  );
  assert.equal(
    rewriteExpression('=page {{ $pageCount + 1 }} of {{ $json.total }}'),
    '=page {{ $vars["relais:http-pagination"].$pageCount + 1 }} of {{ $json.total }}',
  );
  const untouched = [
    '={{ $json.$response }}',
    '={{ "$response" }}',
    '={{ { $response: 1 }.$response }}',
    '={{ $json.a?.$request }}',
    '=plain $response text',
  ];
  for (const expression of untouched) assert.equal(rewriteExpression(expression), expression);
  assert.equal(
    // biome-ignore lint/suspicious/noTemplateCurlyInString: an expression holding a template literal
    rewriteExpression('={{ `${$pageCount}` }}'),
    // biome-ignore lint/suspicious/noTemplateCurlyInString: an expression holding a template literal
    '={{ `${$vars["relais:http-pagination"].$pageCount}` }}',
  );
});
