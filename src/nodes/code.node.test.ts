import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ManualClock } from '../engine/clock.js';
import { Engine } from '../engine/engine.js';
import { NodeError, NonRetryableError } from '../engine/errors.js';
import { type WorkflowNode, workflowSchema } from '../engine/workflow.js';
import { MemoryRunStore } from '../testing/memory-run-store.js';
import { type RunNodeOptions, runNode } from '../testing/run-node.js';
import { codeNode } from './code.node.js';
import { createRegistry } from './registry.js';
import { isErrorItem } from './sdk.js';
import { NODE_SETTINGS } from './settings.js';

const all = (jsCode: string, opts: RunNodeOptions = {}) =>
  runNode(codeNode, { ...opts, parameters: { jsCode } });
const each = (jsCode: string, opts: RunNodeOptions = {}) =>
  runNode(codeNode, { ...opts, parameters: { mode: 'runOnceForEachItem', jsCode } });

async function rejects(
  promise: Promise<unknown>,
  message: string | RegExp,
  type: typeof NodeError = NodeError,
) {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof type, `expected ${type.name}, got ${String(error)}`);
    if (typeof message === 'string') assert.equal((error as Error).message, message);
    else assert.match((error as Error).message, message);
    return true;
  });
}

// ---------------------------------------------------------------- n8n conformance

interface N8nWorkflow {
  nodes: (Pick<WorkflowNode, 'name' | 'type' | 'parameters'> & { onError?: string })[];
  connections: Record<string, { main: { node: string }[][] }>;
}

const casesRoot = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'n8n-conformance');
const cases = readdirSync(casesRoot, { withFileTypes: true }).filter((d) => d.isDirectory());

describe('n8n conformance: every Code node of every case (Fixture, Code, Risky, Validate...)', () => {
  for (const { name: caseName } of cases) {
    const dir = join(casesRoot, caseName);
    const workflow: N8nWorkflow = JSON.parse(readFileSync(join(dir, 'workflow.json'), 'utf8'));
    const expected: { nodes: Record<string, unknown[][]> } = JSON.parse(
      readFileSync(join(dir, 'expected.json'), 'utf8'),
    );
    for (const node of workflow.nodes.filter((n) => n.type === 'n8n-nodes-base.code')) {
      if (!expected.nodes[node.name]) continue;
      test(`${caseName} › ${node.name}`, async () => {
        const parent = Object.entries(workflow.connections).find(([, c]) =>
          c.main.some((targets) => targets?.some((t) => t.node === node.name)),
        )?.[0];
        const items = parent ? (expected.nodes[parent]?.[0] ?? [{}]) : [{}];
        const onError = node.onError === 'continueRegularOutput' ? 'continue' : undefined;
        const { json } = await runNode(codeNode, {
          name: node.name,
          parameters: node.parameters,
          items,
          onError,
        });
        assert.deepEqual(json, expected.nodes[node.name]);
      });
    }
  }
});

test('continue-on-fail: the failing item becomes { error } paired with it, the others pass', async () => {
  const code =
    "if ($json.age < 18) throw new Error('mineur: ' + $json.prenom);\nreturn { json: { ok: $json.prenom } };";
  const { outputs } = await each(code, {
    items: [
      { age: 34, prenom: 'Marie' },
      { age: 17, prenom: 'Juliette' },
    ],
    onError: 'continue',
  });
  assert.deepEqual(outputs[0], [
    { json: { ok: 'Marie' }, pairedItem: { item: 0 } },
    { json: { error: 'mineur: Juliette [line 1]' }, pairedItem: { item: 1 } },
  ]);
  assert.ok(isErrorItem(outputs[0][1]), 'marked for the error output');
  assert.ok(!isErrorItem(outputs[0][0]));
});

// ---------------------------------------------------------------- parameters

test('defaults: mode runOnceForAllItems, language javaScript', async () => {
  const { json } = await runNode(codeNode, {
    parameters: { jsCode: 'return [{ json: { n: items.length } }]' },
    items: [{}, {}],
  });
  assert.deepEqual(json, [[{ n: 2 }]]);
});

test('python is refused with an error naming the parameter', async () => {
  for (const language of ['python', 'pythonNative']) {
    await rejects(
      runNode(codeNode, { parameters: { language, pythonCode: 'return items' }, items: [{}] }),
      /^Parameter 'language'/,
      NonRetryableError,
    );
  }
});

test('bad parameters are named', async () => {
  await rejects(
    runNode(codeNode, { parameters: { mode: 'sometimes', jsCode: 'return []' } }),
    /'mode'/,
    NonRetryableError,
  );
  await rejects(runNode(codeNode, { parameters: { jsCode: 42 } }), /'jsCode'/, NonRetryableError);
  await rejects(runNode(codeNode, { parameters: {}, items: [{}] }), 'No code to execute', NonRetryableError);
});

// ---------------------------------------------------------------- run once for all items

test('all items: $input.all/first/last, items, $json (the first item) and $input.item', async () => {
  const code = `return [{ json: {
    n: $input.all().length, first: $input.first().json.a, last: $input.last().json.a,
    legacy: items.map(i => i.json.a), json: $json.a, item: $input.item.json.a, index: $itemIndex,
    paired: items[1].pairedItem,
  } }];`;
  const { json } = await all(code, { items: [{ a: 1 }, { a: 2 }, { a: 3 }] });
  assert.deepEqual(json, [
    [{ n: 3, first: 1, last: 3, legacy: [1, 2, 3], json: 1, item: 1, index: 0, paired: { item: 1 } }],
  ]);
});

test('all items: plain objects, a single object and { json } are normalised to items', async () => {
  assert.deepEqual((await all('return [{ a: 1 }, { b: 2 }]', { items: [{}] })).json, [[{ a: 1 }, { b: 2 }]]);
  assert.deepEqual((await all('return { a: 1 }', { items: [{}] })).json, [[{ a: 1 }]]);
  assert.deepEqual((await all('return { json: { a: 1 } }', { items: [{}] })).json, [[{ a: 1 }]]);
  assert.deepEqual((await all('return null', { items: [{}] })).json, [[]]);
  assert.deepEqual((await all('return []', { items: [{}] })).json, [[]]);
  assert.deepEqual(
    (await all('return [{ binary: { f: { mimeType: "text/plain" } } }]', { items: [{}] })).outputs[0],
    [{ json: {}, binary: { f: { mimeType: 'text/plain' } }, pairedItem: { item: 0 } }],
  );
});

test('all items: mutating items in place and returning them keeps their pairing', async () => {
  const input = [{ a: 1 }, { a: 2 }, { a: 3 }];
  const { outputs } = await all(
    'for (const item of items) item.json.b = item.json.a * 10; return items.filter(i => i.json.a !== 2)',
    {
      items: input,
    },
  );
  assert.deepEqual(outputs[0], [
    { json: { a: 1, b: 10 }, pairedItem: { item: 0 } },
    { json: { a: 3, b: 30 }, pairedItem: { item: 2 } },
  ]);
  assert.deepEqual(input, [{ a: 1 }, { a: 2 }, { a: 3 }], 'the input items are not touched');
});

test('all items: new items are paired like n8n pairs them (same count, one input, folded into one)', async () => {
  const same = await all('return items.map(i => ({ x: i.json.a }))', { items: [{ a: 1 }, { a: 2 }] });
  assert.deepEqual(
    same.outputs[0].map((i) => i.pairedItem),
    [{ item: 0 }, { item: 1 }],
  );
  const folded = await all('return [{ n: items.length }]', { items: [{}, {}, {}] });
  assert.deepEqual(folded.outputs[0][0].pairedItem, { item: 0 });
  const fromOne = await all('return [{ a: 1 }, { a: 2 }]', { items: [{}] });
  assert.deepEqual(
    fromOne.outputs[0].map((i) => i.pairedItem),
    [{ item: 0 }, { item: 0 }],
  );
  const unclear = await all('return [{ a: 1 }, { a: 2 }, { a: 3 }]', { items: [{}, {}] });
  assert.deepEqual(
    unclear.outputs[0].map((i) => i.pairedItem),
    [undefined, undefined, undefined],
  );
  const explicit = await all(
    'return [{ json: {}, pairedItem: 1 }, { json: {}, pairedItem: [{ item: 0 }, { item: 1 }] }]',
    {
      items: [{}, {}],
    },
  );
  assert.deepEqual(
    explicit.outputs[0].map((i) => i.pairedItem),
    [{ item: 1 }, [{ item: 0 }, { item: 1 }]],
  );
});

test('all items: a throw fails the node with n8n wording, or gives one { error } item with continue-on-fail', async () => {
  await rejects(all("const a = 1;\nthrow new Error('boom')", { items: [{}] }), 'boom [line 2]');
  const { outputs } = await all("throw new Error('boom')", { items: [{}, {}], onError: 'continue' });
  assert.deepEqual(outputs[0], [{ json: { error: 'boom [line 1]' }, pairedItem: { item: 0 } }]);
  assert.ok(isErrorItem(outputs[0][0]));
});

test('all items with no input items: the code still runs; $input then throws like n8n', async () => {
  assert.deepEqual((await all('return [{ a: 1 }]', { items: [] })).json, [[{ a: 1 }]]);
  assert.deepEqual((await all('return [{ n: items.length, j: typeof $json }]', { items: [] })).json, [
    [{ n: 0, j: 'undefined' }],
  ]);
  await rejects(all('return $input.all()', { items: [] }), 'No execution data available');
});

// ---------------------------------------------------------------- run once for each item

test('each item: $json, item, $input.item, $itemIndex; objects and { json } both become the item', async () => {
  const code =
    'return $itemIndex === 0 ? { a: $json.a, i: $itemIndex } : { json: { a: item.json.a + $input.item.json.a, i: $itemIndex } }';
  const { outputs } = await each(code, { items: [{ a: 1 }, { a: 2 }] });
  assert.deepEqual(outputs[0], [
    { json: { a: 1, i: 0 }, pairedItem: { item: 0 } },
    { json: { a: 4, i: 1 }, pairedItem: { item: 1 } },
  ]);
});

test('each item: null and other falsy results drop the item; keys beside json are ignored', async () => {
  const { outputs } = await each(
    'return [null, undefined, 0, "", { json: { k: 1 }, extra: true }][$itemIndex]',
    {
      items: [{}, {}, {}, {}, {}],
    },
  );
  assert.deepEqual(outputs[0], [{ json: { k: 1 }, pairedItem: { item: 4 } }]);
  const { json } = await each('if ($json.skip) return; return $json', { items: [{ skip: true }, { a: 1 }] });
  assert.deepEqual(json, [[{ a: 1 }]]);
});

test('each item: variables declared in the code are fresh per item, globals persist', async () => {
  const { json } = await each(
    'let n = 0; n++; globalThis.seen = (globalThis.seen || 0) + 1; return { n, seen }',
    { items: [{}, {}, {}] },
  );
  assert.deepEqual(json, [
    [
      { n: 1, seen: 1 },
      { n: 1, seen: 2 },
      { n: 1, seen: 3 },
    ],
  ]);
});

// ---------------------------------------------------------------- errors worded like n8n

// ---------------------------------------------------------------- what the code can read

test('$("Node"), $node["Node"], $items(): other nodes, copied, with n8n errors', async () => {
  const nodeOutputs = { Source: [{ k: 1 }, { k: 2 }], Other: [{ o: true }] };
  const code = `return [{ json: {
    first: $('Source').first().json.k, last: $('Source').last().json.k, all: $('Source').all().length,
    legacy: $node['Source'].json.k, items: $items('Source').length, executed: $('Other').isExecuted,
    params: typeof $('Source').params,
  } }];`;
  const { json } = await all(code, { items: [{}], nodeOutputs });
  assert.deepEqual(json, [
    [{ first: 1, last: 2, all: 2, legacy: 1, items: 2, executed: true, params: 'object' }],
  ]);
  await rejects(
    all("return [{ json: $('Nope').first().json }]", { items: [{}], nodeOutputs }),
    "Referenced node doesn't exist",
  );
  await rejects(
    all("return [{ json: $node['Nope'].json }]", { items: [{}], nodeOutputs }),
    "Referenced node doesn't exist",
  );
  await rejects(
    all('return [{ json: $() }]', { items: [{}], nodeOutputs }),
    'When calling $(), please specify a node',
  );
});

test('$("Node").item follows pairedItem back to that node', async () => {
  const { json } = await each("return { src: $('Source').item.json.k }", {
    items: [{ x: 1 }, { x: 2 }],
    nodeOutputs: { Source: [{ k: 'a' }, { k: 'b' }] },
  });
  assert.deepEqual(json, [[{ src: 'a' }, { src: 'b' }]]);
});

test('mutating data read from another node does not change that node', async () => {
  const nodeOutputs = { Source: [{ k: 1 }] };
  const { json } = await all("$('Source').first().json.k = 99; return [{ k: $('Source').first().json.k }]", {
    items: [{}],
    nodeOutputs,
  });
  assert.deepEqual(json, [[{ k: 99 }]], 'the same copy within the run, as in n8n');
  const again = await all("return [{ k: $('Source').first().json.k }]", { items: [{}], nodeOutputs });
  assert.deepEqual(again.json, [[{ k: 1 }]], 'the host data is untouched');
});

test('$workflow, $execution, $vars, $runIndex, $prevNode, $parameter, $mode', async () => {
  const code = `return [{ json: {
    wf: $workflow.id, exec: $execution.id, mode: $execution.mode, vars: $vars.REGION, run: $runIndex,
    prev: $prevNode.name, param: $parameter.jsCode.length > 0, runMode: $mode,
  } }];`;
  const { json } = await all(code, {
    items: [{}],
    vars: { REGION: 'eu' },
    runIndex: 2,
    nodeOutputs: { Up: [{}] },
  });
  assert.deepEqual(json, [
    [
      {
        wf: 'wf-test',
        exec: 'run-test',
        mode: 'test',
        vars: 'eu',
        run: 2,
        prev: 'Up',
        param: true,
        runMode: 'manual',
      },
    ],
  ]);
});

test('$env, $jmespath and static data are refused with a clear message', async () => {
  await rejects(all('return [{ v: $env.HOME }]', { items: [{}] }), 'access to env vars denied');
  await rejects(
    all('return [{ v: $getWorkflowStaticData("global") }]', { items: [{}] }),
    /not supported by Relais/,
  );
  await rejects(all('return [{ v: $jmespath({}, "a") }]', { items: [{}] }), /not supported by Relais/);
});

test('dates become ISO strings and undefined fields disappear, as through n8n JSON', async () => {
  const { json } = await all(
    'return [{ d: new Date(Date.UTC(2026, 0, 2)), u: undefined, n: null, nested: { d: new Date(0), u: undefined } }]',
    {
      items: [{}],
    },
  );
  assert.deepEqual(json, [
    [{ d: '2026-01-02T00:00:00.000Z', n: null, nested: { d: '1970-01-01T00:00:00.000Z' } }],
  ]);
  await rejects(
    all('return [{ big: 10n }]', { items: [{}] }),
    /cannot be turned into JSON/,
    NonRetryableError,
  );
  await rejects(
    all('const o = {}; o.self = o; return [o]', { items: [{}] }),
    /cannot be turned into JSON/,
    NonRetryableError,
  );
});

test('$now, $today and DateTime use the run clock and the workflow time zone', async () => {
  const code = `return [{ json: {
    now: $now.toISO(), today: $today.toISO(), zone: $now.zoneName,
    parsed: DateTime.fromISO('2026-03-29T01:30:00Z').toFormat('yyyy-LL-dd HH:mm ZZ'),
    plus: $now.plus({ days: 1 }).toISODate(), dur: Duration.fromObject({ hours: 2 }).as('minutes'),
    newYork: DateTime.fromMillis(0, { zone: 'America/New_York' }).toISO(),
    asJson: $now,
  } }];`;
  const { json } = await all(code, {
    items: [{}],
    now: '2026-07-01T10:00:00.000Z',
    timezone: 'Europe/Paris',
  });
  assert.deepEqual(json, [
    [
      {
        now: '2026-07-01T12:00:00.000+02:00',
        today: '2026-07-01T00:00:00.000+02:00',
        zone: 'Europe/Paris',
        parsed: '2026-03-29 03:30 +02:00',
        plus: '2026-07-02',
        dur: 120,
        newYork: '1969-12-31T19:00:00.000-05:00',
        asJson: '2026-07-01T12:00:00.000+02:00',
      },
    ],
  ]);
});

test('Date.now(), new Date(), Date() and DateTime.now() read the engine clock (a ManualClock), not real time', async () => {
  const clock = new ManualClock('2030-01-02T03:04:05.000Z');
  const engine = new Engine({ runs: new MemoryRunStore(), registry: createRegistry(), clock });
  const workflow = workflowSchema.parse({
    name: 'code-clock',
    nodes: [
      { id: 'Start', name: 'Start', type: 'manualTrigger', position: [0, 0] },
      {
        id: 'Code',
        name: 'Code',
        type: 'code',
        typeVersion: 2,
        position: [200, 0],
        parameters: {
          jsCode: `return [{ json: {
            now: Date.now(), date: new Date().toISOString(), called: Date(),
            luxon: DateTime.now().toISO(), local: DateTime.local().toMillis(), utc: DateTime.utc().toISO(),
            dollarNow: $now.toISO(), today: $today.toISO(),
          } }];`,
        },
      },
    ],
    connections: [{ from: 'Start', to: 'Code' }],
  });
  const { run, runData } = await engine.start({
    workflow,
    workflowId: 'wf',
    mode: 'manual',
    triggerItems: [{}],
  });
  assert.equal(run.status, 'succeeded', run.error?.message);
  const at = Date.parse('2030-01-02T03:04:05.000Z');
  assert.deepEqual(runData.output('Code')[0].json, {
    now: at,
    date: '2030-01-02T03:04:05.000Z',
    called: 'Wed Jan 02 2030 03:04:05 GMT+0000',
    luxon: '2030-01-02T03:04:05.000Z',
    local: at,
    utc: '2030-01-02T03:04:05.000Z',
    dollarNow: '2030-01-02T03:04:05.000Z',
    today: '2030-01-02T00:00:00.000Z',
  });
});

test('the code clock: dates with arguments are unchanged, Date stays Date, virtual timers move it', async () => {
  const code = `class Stamp extends Date {}
const before = Date.now();
await new Promise((r) => setTimeout(r, 1500));
return [{ json: {
  zero: new Date(0).toISOString(), epoch: new Date(0).getTime(),
  parts: new Date(2020, 0, 2, 3, 4, 5).toISOString(), text: new Date('2021-05-06T07:08:09Z').getTime(),
  utc: Date.UTC(2020, 0, 1), parse: Date.parse('2020-01-01T00:00:00Z'),
  isDate: new Date() instanceof Date, sameConstructor: new Date().constructor === Date,
  subclass: new Stamp() instanceof Stamp && new Stamp(0).getTime() === 0,
  tag: Object.prototype.toString.call(new Date()), name: Date.name, length: Date.length,
  slept: Date.now() - before, after: new Date().toISOString(),
  relative: DateTime.fromISO('2030-01-05T04:00:00Z').toRelative(),
  calendar: DateTime.fromISO('2030-01-03T12:00:00Z').toRelativeCalendar(),
} }];`;
  const { json } = await all(code, { items: [{}], now: '2030-01-02T03:04:05.000Z' });
  assert.deepEqual(json, [
    [
      {
        zero: '1970-01-01T00:00:00.000Z',
        epoch: 0,
        parts: '2020-01-02T03:04:05.000Z',
        text: Date.parse('2021-05-06T07:08:09Z'),
        utc: Date.UTC(2020, 0, 1),
        parse: Date.parse('2020-01-01T00:00:00Z'),
        isDate: true,
        sameConstructor: true,
        subclass: true,
        tag: '[object Date]',
        name: 'Date',
        length: 7,
        slept: 1500,
        after: '2030-01-02T03:04:06.500Z',
        relative: 'in 3 days',
        calendar: 'tomorrow',
      },
    ],
  ]);
});

test('the code clock: a loop waiting for Date.now() to move is stopped by the real-time limit', async () => {
  const started = Date.now();
  await rejects(
    all('const t = Date.now(); while (Date.now() - t < 10) {} return [];', {
      items: [{}],
      services: { [NODE_SETTINGS.name]: { codeLimits: { timeoutMs: 200, memoryMb: 64 } } },
    }),
    'Code execution timed out after 200 ms',
    NonRetryableError,
  );
  assert.ok(Date.now() - started < 5000);
});

test('console.log/info/warn/error go to the step log, formatted like Node', async () => {
  const code = `console.log('text', 42, { a: [1, 'x'], b: null }, undefined);
console.info('info');
console.warn('careful');
console.error(new Error('bad'));
return [];`;
  const { logs } = await all(code, { items: [{}] });
  assert.equal(logs[0], "text 42 { a: [ 1, 'x' ], b: null } undefined");
  assert.equal(logs[1], 'info');
  assert.equal(logs[2], '[warn] careful');
  assert.match(logs[3], /^\[error\] Error: bad\n {4}at /);
});

test('console output is bounded', async () => {
  const { logs } = await all(
    "for (let i = 0; i < 1500; i++) console.log('line', i); console.log('x'.repeat(20000)); return [];",
    {
      items: [{}],
    },
  );
  assert.equal(logs.length, 1001);
  assert.equal(logs[1000], '[console] output truncated after 1000 lines');
});

test('top-level await, promises and (virtual) timers', async () => {
  const code = `const order = [];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
setTimeout(() => order.push('t200'), 200);
await sleep(100); order.push('slept');
await Promise.all([sleep(300), Promise.resolve().then(() => order.push('micro'))]);
return [{ order }];`;
  const started = Date.now();
  const { json } = await all(code, { items: [{}] });
  assert.deepEqual(json, [[{ order: ['slept', 'micro', 't200'] }]]);
  assert.ok(Date.now() - started < 1000, 'timers do not wait for real');
});
