import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { ManualClock } from '../engine/clock.js';
import { Engine } from '../engine/engine.js';
import { nodeOutputs } from '../engine/graph.js';
import { type WorkflowInput, workflowSchema } from '../engine/workflow.js';
import { EmbeddedQueue } from '../queue/embedded.js';
import { resumeTimer } from '../queue/resume-timer.js';
import { TimerLoop } from '../queue/timer-loop.js';
import { openStore, type Store } from '../store/index.js';
import { runNode } from '../testing/run-node.js';
import { createRegistry } from './registry.js';
import type { NodeCommand } from './sdk.js';
import { awaitedEvent, parseInstant, waitNode } from './wait.node.js';

const NOW = '2026-03-28T10:00:00.000Z';

async function command(
  parameters: Record<string, unknown>,
  opts: { items?: unknown[]; timezone?: string } = {},
) {
  const result = await runNode(waitNode, {
    parameters,
    items: opts.items ?? [{ a: 1 }],
    now: NOW,
    timezone: opts.timezone,
  });
  return { outcome: result.outcome as NodeCommand | unknown[][], logs: result.logs };
}

function waitOf(outcome: unknown): Extract<NodeCommand, { kind: 'wait' }> {
  assert.ok(!Array.isArray(outcome) && (outcome as NodeCommand).kind === 'wait', 'expected a wait command');
  return outcome as Extract<NodeCommand, { kind: 'wait' }>;
}

const outputsOf = (parameters: Record<string, unknown>) =>
  nodeOutputs(
    {
      id: 'w',
      name: 'Wait',
      type: 'wait',
      typeVersion: 1.1,
      position: [0, 0],
      parameters,
      disabled: false,
      onError: 'stop',
      alwaysOutputData: false,
      executeOnce: false,
    },
    waitNode,
  );

describe('wait node: time', () => {
  test('v1.1 defaults: 5 seconds, items handed on unchanged', async () => {
    const wait = waitOf((await command({})).outcome);
    assert.equal(wait.until?.toISOString(), '2026-03-28T10:00:05.000Z');
    assert.deepEqual(
      wait.items.map((i) => i.json),
      [{ a: 1 }],
    );
    assert.equal(wait.webhook, undefined);
    assert.deepEqual(outputsOf({}), ['main']);
  });

  test('every unit, fractional amounts, amounts given as text', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ amount: 30, unit: 'seconds' }, '2026-03-28T10:00:30.000Z'],
      [{ amount: 1.5, unit: 'minutes' }, '2026-03-28T10:01:30.000Z'],
      [{ amount: 2, unit: 'hours' }, '2026-03-28T12:00:00.000Z'],
      [{ amount: '7', unit: 'days' }, '2026-04-04T10:00:00.000Z'],
    ];
    for (const [parameters, due] of cases) {
      assert.equal(
        waitOf((await command(parameters)).outcome).until?.toISOString(),
        due,
        JSON.stringify(parameters),
      );
    }
  });

  test('a zero wait, or a date already past, hands the items on at once', async () => {
    assert.deepEqual((await command({ amount: 0 })).outcome, [[{ json: { a: 1 }, pairedItem: { item: 0 } }]]);
    const past = (await command({ resume: 'specificTime', dateTime: '2026-03-01T00:00:00Z' }))
      .outcome as unknown[][];
    assert.equal(past[0].length, 1);
  });

  test('specificTime: read in the workflow time zone when it has no offset, as given otherwise', async () => {
    const paris = waitOf(
      (
        await command(
          { resume: 'specificTime', dateTime: '2026-04-02T09:00:00' },
          { timezone: 'Europe/Paris' },
        )
      ).outcome,
    );
    assert.equal(paris.until?.toISOString(), '2026-04-02T07:00:00.000Z', 'CEST is UTC+2');
    const offset = waitOf(
      (
        await command(
          { resume: 'specificTime', dateTime: '2026-04-02T09:00:00+05:00' },
          { timezone: 'Europe/Paris' },
        )
      ).outcome,
    );
    assert.equal(offset.until?.toISOString(), '2026-04-02T04:00:00.000Z');
    const sql = waitOf((await command({ resume: 'specificTime', dateTime: '2026-04-02 09:00:00' })).outcome);
    assert.equal(sql.until?.toISOString(), '2026-04-02T09:00:00.000Z');
    const expr = waitOf(
      (await command({ resume: 'specificTime', dateTime: '={{ $now.plus({ days: 2 }) }}' })).outcome,
    );
    assert.equal(expr.until?.toISOString(), '2026-03-30T10:00:00.000Z');
  });

  test('specificTime: a missing or invalid date fails naming the parameter', async () => {
    await assert.rejects(command({ resume: 'specificTime' }), /Invalid parameter 'dateTime'/);
    await assert.rejects(
      command({ resume: 'specificTime', dateTime: 'next tuesday' }),
      /Invalid parameter 'dateTime'/,
    );
    await assert.rejects(command({ amount: -1 }), /Invalid parameter 'amount'/);
    await assert.rejects(command({ unit: 'weeks' }), /Invalid parameter 'unit'/);
  });

  test('parseInstant accepts dates, DateTimes and epoch milliseconds', () => {
    assert.equal(
      parseInstant(new Date('2026-01-01T00:00:00Z'), 'UTC')?.toISOString(),
      '2026-01-01T00:00:00.000Z',
    );
    assert.equal(parseInstant(0, 'UTC')?.toISOString(), '1970-01-01T00:00:00.000Z');
    assert.equal(parseInstant('', 'UTC'), undefined);
    assert.equal(parseInstant(null, 'UTC'), undefined);
    assert.equal(parseInstant(new Date('x'), 'UTC'), undefined);
  });
});

describe('wait node: webhook and event', () => {
  test('webhook without a limit waits for its URL only; with a limit it has a due time', async () => {
    const open = waitOf((await command({ resume: 'webhook' })).outcome);
    assert.deepEqual([open.webhook, open.until, open.timeoutOutput], [true, undefined, undefined]);
    const limited = waitOf(
      (await command({ resume: 'webhook', limitWaitTime: true, resumeAmount: 2, resumeUnit: 'days' }))
        .outcome,
    );
    assert.equal(limited.until?.toISOString(), '2026-03-30T10:00:00.000Z');
    assert.equal(limited.timeoutOutput, undefined, "n8n's timed-out webhook wait goes on through main");
    assert.deepEqual(outputsOf({ resume: 'webhook', limitWaitTime: true }), ['main']);
    const branched = { resume: 'webhook', limitWaitTime: true, timeoutBranch: true };
    assert.equal(waitOf((await command(branched)).outcome).timeoutOutput, 1);
    assert.deepEqual(outputsOf(branched), ['main', 'timeout']);
    const at = waitOf(
      (
        await command(
          {
            resume: 'webhook',
            limitWaitTime: true,
            limitType: 'atSpecifiedTime',
            maxDateAndTime: '2026-04-01T12:00:00',
          },
          { timezone: 'Europe/Paris' },
        )
      ).outcome,
    );
    assert.equal(at.until?.toISOString(), '2026-04-01T10:00:00.000Z');
    await assert.rejects(
      command({ resume: 'webhook', limitWaitTime: true, limitType: 'atSpecifiedTime' }),
      /Invalid parameter 'maxDateAndTime'/,
    );
  });

  test('event: type and key (an expression on the item), a timeout branch when limited', async () => {
    const { outcome, logs } = await command(
      {
        resume: 'event',
        eventType: 'order.paid',
        eventKey: '={{ $json.orderId }}',
        limitWaitTime: true,
        resumeAmount: 7,
        resumeUnit: 'days',
      },
      { items: [{ orderId: 42 }] },
    );
    const wait = waitOf(outcome);
    assert.deepEqual(wait.event, { type: 'order.paid', key: '42' });
    assert.equal(wait.until?.toISOString(), '2026-04-04T10:00:00.000Z');
    assert.equal(wait.timeoutOutput, 1);
    assert.deepEqual(awaitedEvent(logs), { type: 'order.paid', key: '42' });
    assert.deepEqual(outputsOf({ resume: 'event', eventType: 'x', limitWaitTime: true }), [
      'main',
      'timeout',
    ]);
    assert.deepEqual(outputsOf({ resume: 'event', eventType: 'x' }), ['main']);

    const anyKey = await command({ resume: 'event', eventType: 'invoice.created' });
    assert.deepEqual(waitOf(anyKey.outcome).event, { type: 'invoice.created' });
    assert.deepEqual(awaitedEvent(anyKey.logs), { type: 'invoice.created', key: null });
    assert.equal(waitOf(anyKey.outcome).until, undefined);
    assert.equal(awaitedEvent(['other line']), undefined);
  });

  test('event without a type, and form resume, fail naming the parameter', async () => {
    await assert.rejects(command({ resume: 'event' }), /Invalid parameter 'eventType'/);
    await assert.rejects(command({ resume: 'form' }), /Invalid parameter 'resume'/);
  });
});

const stores: Store[] = [];
after(async () => {
  for (const s of stores) await s.close();
});

describe('wait node in the engine, with the store', () => {
  const doc = (typeVersion: number, parameters: Record<string, unknown>): WorkflowInput => ({
    name: 'reminder',
    nodes: [
      { id: '1', name: 'Start', type: 'manualTrigger' },
      { id: '2', name: 'Wait', type: 'wait', typeVersion, position: [200, 0], parameters },
      { id: '3', name: 'After', type: 'noOp', position: [400, 0] },
    ],
    connections: [
      { from: 'Start', to: 'Wait' },
      { from: 'Wait', to: 'After' },
    ],
  });

  test('v1 defaults to one hour; the wait survives a restart and resumes after the wait, once', async () => {
    const store = await openStore({ memory: true });
    stores.push(store);
    const clock = new ManualClock(NOW);
    const registry = createRegistry();
    const workflow = workflowSchema.parse(doc(1, {}));
    await store.workflows.saveWorkflow('wf-wait', workflow);
    const first = new Engine({ runs: store.runs, registry, clock, timers: store.timers });
    const { run } = await first.start({
      workflow,
      workflowId: 'wf-wait',
      mode: 'manual',
      triggerItems: [{ id: 7 }],
    });
    assert.equal(run.status, 'waiting');
    assert.equal(run.waitTill?.toISOString(), '2026-03-28T11:00:00.000Z');
    assert.equal(await store.timers.countPending(), 1, 'even a short wait is a timer row');

    // "Restart": a new engine, queue and timer loop on the same store.
    const engine = new Engine({ runs: store.runs, registry, clock, timers: store.timers });
    const queue = new EmbeddedQueue({ engine, runs: store.runs, workflows: store.workflows });
    const loop = new TimerLoop({
      timers: store.timers,
      clock,
      handlers: {
        resume: resumeTimer((job) => queue.submit(job)),
      },
    });
    clock.advance(59 * 60_000);
    assert.equal(await loop.tick(), 0);
    clock.advance(60_000);
    assert.equal(await loop.tick(), 1);
    const done = await store.runs.getRun(run.id);
    assert.equal(done?.status, 'succeeded');
    const steps = await store.runs.listSteps(run.id);
    assert.deepEqual(
      steps.map((s) => `${s.nodeName}:${s.status}`),
      ['Start:succeeded', 'Wait:waiting', 'Wait:succeeded', 'After:succeeded'],
    );
    assert.deepEqual(
      steps[3].output?.[0].map((i) => i.json),
      [{ id: 7 }],
    );
    assert.equal(await loop.tick(), 0);
  });
});
