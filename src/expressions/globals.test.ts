/** The n8n data globals: `$json`, `$input`, `$('Node')`, `$node`, `$items`, `$item`, time, run info. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type DateTime, Duration, Interval } from 'luxon';
import { ExpressionError } from '../engine/errors.js';
import { evaluate, type FakeRun } from './fake-data.js';

const run: FakeRun = {
  input: [
    {
      json: { id: 1, name: 'Ana' },
      binary: { data: { data: 'aGVsbG8=', mimeType: 'text/plain', fileName: 'a.txt' } },
    },
    { json: { id: 2, name: 'Bo' } },
  ],
  itemIndex: 1,
  runIndex: 2,
  nodes: {
    Webhook: {
      outputs: [[{ json: { email: 'a@x.io' } }, { json: { email: 'b@x.io' } }], [{ json: { other: true } }]],
      params: { path: 'orders', method: '={{ "PO" + "ST" }}' },
    },
    Waiting: { params: {} },
  },
  params: { url: '=https://x.io/{{ $json.id }}', limit: 10, self: '={{ $parameter.self }}' },
  prevNode: { name: 'Webhook', outputIndex: 0, runIndex: 0 },
};
const ev = (expression: string, overrides: Partial<FakeRun> = {}) =>
  evaluate(expression, { ...run, ...overrides });

describe('current item', () => {
  it('reads $json, $data and $binary (without the content) of the current item', () => {
    assert.equal(ev('={{ $json.name }}'), 'Bo');
    assert.equal(ev('={{ $data.id }}'), 2);
    assert.deepEqual(ev('={{ $binary }}', { itemIndex: 0 }), {
      data: { mimeType: 'text/plain', fileName: 'a.txt' },
    });
    assert.deepEqual(ev('={{ $binary }}'), {});
  });

  it('gives {} for $json when there is no input', () => {
    assert.deepEqual(ev('={{ $json }}', { input: [] }), {});
    assert.equal(ev('={{ $json["phone"] ?? 0 }}', { input: [] }), 0);
  });

  it('reads $input.item, .all(), .first(), .last(), .params', () => {
    assert.equal(ev('={{ $input.item.json.name }}'), 'Bo');
    assert.deepEqual(ev('={{ $input.all().map(i => i.json.id) }}'), [1, 2]);
    assert.equal(ev('={{ $input.first().json.name }}'), 'Ana');
    assert.equal(ev('={{ $input.last().json.name }}'), 'Bo');
    assert.equal(ev('={{ $input.params.path }}'), 'orders');
    assert.throws(() => ev('={{ $input.first(1) }}'), /should have no arguments/);
    assert.throws(() => ev('={{ $input.all() }}', { input: [] }), /No execution data available/);
  });

  it('reads $itemIndex, $runIndex, $thisItem, $position', () => {
    assert.deepEqual(ev('={{ [$itemIndex, $runIndex, $position, $thisItem.json.id] }}'), [1, 2, 1, 2]);
  });
});

describe('other nodes', () => {
  it("reads $('Node').item by pairing, .all/.first/.last by output and run", () => {
    assert.equal(ev("={{ $('Webhook').item.json.email }}"), 'b@x.io');
    assert.equal(ev("={{ $('Webhook').itemMatching(0).json.email }}"), 'a@x.io');
    assert.equal(ev("={{ $('Webhook').pairedItem().json.email }}"), 'b@x.io');
    assert.deepEqual(ev("={{ $('Webhook').all().map(i => i.json.email) }}"), ['a@x.io', 'b@x.io']);
    assert.equal(ev("={{ $('Webhook').first().json.email }}"), 'a@x.io');
    assert.equal(ev("={{ $('Webhook').last().json.email }}"), 'b@x.io');
    assert.equal(ev("={{ $('Webhook').first(1).json.other }}"), true);
    assert.equal(ev("={{ $('Webhook').params.path }}"), 'orders');
    assert.equal(ev("={{ $('Webhook').isExecuted }}"), true);
    assert.equal(ev("={{ $('Waiting').isExecuted }}"), false);
    assert.equal(ev("={{ $if($('Waiting').isExecuted, $('Waiting').item.json.x, 'none') }}"), 'none');
  });

  it("reads several runs of a node with $('Node').all(0, run)", () => {
    const runs = { Loop: { runs: [[{ json: { n: 1 } }], [{ json: { n: 2 } }]] } };
    assert.equal(ev("={{ $('Loop').first().json.n }}", { nodes: runs }), 2);
    assert.equal(ev("={{ $('Loop').first(0, 0).json.n }}", { nodes: runs }), 1);
    assert.equal(ev("={{ $items('Loop', 0, 0)[0].json.n }}", { nodes: runs }), 1);
  });

  it('reads the legacy $node["Node"] with the same item index, and its parameters resolved', () => {
    assert.equal(ev('={{ $node["Webhook"].json.email }}'), 'b@x.io');
    assert.equal(ev('={{ $node.Webhook.data.email }}', { itemIndex: 0 }), 'a@x.io');
    assert.equal(ev('={{ $node["Webhook"].parameter.method }}'), 'POST');
    assert.throws(() => ev('={{ $node["Webhook"].json }}', { itemIndex: 5 }), /node has 2 item\(s\)/);
  });

  it('reads $items() and $item(i)', () => {
    assert.deepEqual(ev('={{ $items().length }}'), 2);
    assert.deepEqual(ev('={{ $items("Webhook").map(i => i.json.email) }}'), ['a@x.io', 'b@x.io']);
    assert.deepEqual(ev('={{ $items("Webhook", 1)[0].json }}'), { other: true });
    assert.equal(ev('={{ $item(0).$json.name }}'), 'Ana');
    assert.equal(ev('={{ $item(0).$node["Webhook"].json.email }}'), 'a@x.io');
  });

  it("fails clearly for unknown and unexecuted nodes (n8n's messages)", () => {
    assert.throws(
      () => ev("={{ $('Nope').item.json }}"),
      (e: unknown) => {
        assert.ok(e instanceof ExpressionError);
        assert.match(e.message, /^Referenced node doesn't exist/);
        return true;
      },
    );
    assert.throws(() => ev('={{ $node["Nope"].json }}'), /Referenced node doesn't exist/);
    assert.throws(() => ev("=x {{ $('Waiting').item.json }}"), /Referenced node is unexecuted/);
    assert.throws(() => ev("={{ $('Waiting').all() }}"), /Referenced node is unexecuted/);
    assert.throws(() => ev('={{ $items("Waiting") }}'), /Referenced node is unexecuted/);
    assert.throws(() => ev('={{ $() }}'), /please specify a node/);
    assert.throws(() => ev('={{ $.x }}'), /without calling it as a function/);
  });
});

describe('parameters and run information', () => {
  it('resolves $parameter expressions for the current item, and guards self-reference', () => {
    assert.equal(ev('={{ $parameter.url }}'), 'https://x.io/2');
    assert.equal(ev('={{ $parameter["limit"] + 1 }}'), 11);
    assert.equal(ev('={{ $parameter.self }}'), undefined);
    assert.equal(ev('={{ $rawParameter.url }}'), '=https://x.io/{{ $json.id }}');
  });

  it('reads $workflow, $execution, $vars, $prevNode', () => {
    assert.deepEqual(ev('={{ $workflow }}'), { id: 'wf-1', name: 'Orders', active: true });
    assert.equal(ev('={{ $execution.id + " " + $execution.mode }}'), 'run-1 production');
    assert.equal(ev('={{ $execution.resumeUrl }}'), 'http://localhost:5678/webhook-waiting/run-1');
    assert.equal(ev('={{ $vars.region }}'), 'eu');
    assert.deepEqual(ev('={{ $prevNode }}'), { name: 'Webhook', outputIndex: 0, runIndex: 0 });
    assert.throws(() => ev('={{ $env.HOME }}'), /access to env vars denied/);
  });

  it('reads node-specific globals given by the node (extraGlobals), never over built-in names', () => {
    const data = { extraGlobals: { $response: { body: { next: 'p2' } }, $pageCount: 1, $json: 'shadow' } };
    assert.equal(ev('={{ $response.body.next + $pageCount }}', data), 'p21');
    assert.equal(ev('={{ $json.name }}', data), 'Bo');
    assert.equal(ev('={{ $response }}'), undefined);
  });

  it('evaluates $evaluateExpression for this or another item', () => {
    assert.equal(ev('={{ $evaluateExpression("{{ $json.name }}") }}'), 'Bo');
    assert.equal(ev('={{ $evaluateExpression("{{ $json.name }}", 0) }}'), 'Ana');
  });
});

describe('time', () => {
  it('gives $now and $today from the run clock in the workflow zone', () => {
    const now = ev('={{ $now }}') as DateTime;
    assert.equal(now.toISO(), '2024-03-15T11:30:00.000+01:00');
    assert.equal(now.zoneName, 'Europe/Paris');
    assert.equal(ev('={{ $today.toISO() }}'), '2024-03-15T00:00:00.000+01:00');
    assert.equal(
      ev('={{ $now.toFormat("yyyy-LL-dd HH:mm") }}', { timezone: 'America/New_York' }),
      '2024-03-15 06:30',
    );
  });

  it('creates DateTime values in the workflow zone', () => {
    assert.equal(ev('={{ DateTime.now().toISO() }}'), '2024-03-15T11:30:00.000+01:00');
    assert.equal(ev('={{ DateTime.fromISO("2024-07-01T08:00").toISO() }}'), '2024-07-01T08:00:00.000+02:00');
    assert.equal(ev('={{ DateTime.fromISO("2024-07-01T08:00Z").toISO() }}'), '2024-07-01T10:00:00.000+02:00');
    assert.equal(ev('={{ DateTime.utc(2024, 1, 2).toISO() }}'), '2024-01-02T00:00:00.000Z');
    assert.equal(ev('={{ DateTime.local(2024, 1, 2).toISO() }}'), '2024-01-02T00:00:00.000+01:00');
    assert.equal(ev('={{ DateTime.fromMillis(0).zoneName }}'), 'Europe/Paris');
    assert.equal(
      ev('={{ DateTime.fromFormat("02/01/2024", "dd/LL/yyyy").toLocaleString(DateTime.DATE_FULL) }}'),
      'January 2, 2024',
    );
    assert.equal(ev('={{ $now.setZone("UTC").startOf("month").toISO() }}'), '2024-03-01T00:00:00.000Z');
    assert.equal(ev('={{ $now.plus({ days: 1 }).weekdayLong }}'), 'Saturday');
  });

  it('offers Duration and Interval', () => {
    assert.ok(ev('={{ Duration.fromMillis(100) }}') instanceof Duration);
    assert.equal(ev('={{ Duration.fromObject({ hours: 2 }).as("minutes") }}'), 120);
    assert.ok(ev('={{ Interval.after($now, { days: 2 }) }}') instanceof Interval);
    assert.equal(ev('={{ Interval.fromDateTimes($now, $now.plus({ days: 3 })).length("days") }}'), 3);
  });
});

describe('helper functions', () => {
  it('offers $if, $min, $max, $average, $not, $ifEmpty', () => {
    assert.equal(ev('={{ $if($json.id > 1, "big", "small") }}'), 'big');
    assert.equal(ev('={{ $if(false, "x") }}'), false);
    assert.throws(() => ev('={{ $if(true) }}'), /\$if requires at least 2 parameters/);
    assert.deepEqual(ev('={{ [$min(3, 1, 2), $max(3, 1, 2), $average(1, 2, 3), $not(0)] }}'), [
      1,
      3,
      2,
      true,
    ]);
    assert.deepEqual(
      ev('={{ [$ifEmpty("", "d"), $ifEmpty([], "d"), $ifEmpty({}, "d"), $ifEmpty(0, "d")] }}'),
      ['d', 'd', 'd', 0],
    );
    assert.throws(() => ev('={{ $ifEmpty(1) }}'), /expected two arguments/);
    assert.deepEqual(ev('={{ numberList(3, 1) }}'), [3, 2, 1]);
    assert.deepEqual(ev('={{ zip(["a", "b"], [1, 2]) }}'), { a: 1, b: 2 });
  });

  it('says clearly that $jmespath is not supported', () => {
    assert.throws(() => ev('={{ $jmespath($json, "name") }}'), /\$jmespath\(\) is not supported/);
  });
});
