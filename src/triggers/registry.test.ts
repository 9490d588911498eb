import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { NodeRegistry } from '../engine/registry.js';
import type { Workflow, WorkflowNode } from '../engine/workflow.js';
import { manualTriggerNode } from '../nodes/manual-trigger.node.js';
import { noOpNode } from '../nodes/no-op.node.js';
import { defineNode } from '../nodes/sdk.js';
import type { ActiveWorkflow, TriggerKind } from './contract.js';
import { storedActiveWorkflows, TriggerRegistry } from './registry.js';

const trigger = (type: string) =>
  defineNode({
    type,
    version: 1,
    displayName: type,
    description: type,
    group: 'trigger',
    params: z.object({}).loose(),
    inputs: 0,
    outputs: ['main'],
    execute: () => [[]],
  });

const nodes = new NodeRegistry([
  manualTriggerNode,
  noOpNode,
  trigger('hook'),
  trigger('cron'),
  trigger('poll'),
]);

function node(name: string, type: string, disabled = false): WorkflowNode {
  return {
    id: name,
    name,
    type,
    typeVersion: 1,
    position: [0, 0],
    parameters: {},
    disabled,
    onError: 'stop',
    alwaysOutputData: false,
    executeOnce: false,
  };
}

function active(id: string, ...list: WorkflowNode[]): ActiveWorkflow {
  const workflow: Workflow = {
    name: id,
    nodes: list,
    connections: [],
    settings: { saveData: 'all', executionOrder: 'v1' },
  };
  return { id, version: 1, workflow };
}

/** A kind that records calls and refuses nodes named in `refuse`. */
function fakeKind(types: string[], opts: { refuse?: string[]; failActivate?: boolean } = {}) {
  const registered = new Map<string, string[]>();
  const kind: TriggerKind & { registered: typeof registered } = {
    nodeTypes: types,
    registered,
    async check(_a, n) {
      return opts.refuse?.includes(n.name) ? [`path of '${n.name}' is taken`] : [];
    },
    async activate(a, n) {
      if (opts.failActivate) throw new Error('bind failed');
      registered.set(a.id, [...(registered.get(a.id) ?? []), n.name]);
    },
    async deactivate(id) {
      registered.delete(id);
    },
  };
  return kind;
}

describe('TriggerRegistry', () => {
  it('refuses two kinds for one node type', () => {
    const triggers = new TriggerRegistry(nodes).register(fakeKind(['hook']));
    assert.throws(() => triggers.register(fakeKind(['cron', 'hook'])), /two trigger kinds/);
    assert.ok(triggers.kindFor('hook'));
    assert.equal(triggers.kindFor('cron'), undefined);
  });

  it('names every reason a workflow cannot be activated', async () => {
    const triggers = new TriggerRegistry(nodes).register(fakeKind(['hook'], { refuse: ['Taken'] }));
    assert.deepEqual(await triggers.checkActivation(active('a', node('Step', 'noOp'))), [
      { message: 'the workflow has no enabled trigger node' },
    ]);
    assert.deepEqual(
      await triggers.checkActivation(active('a', node('Off', 'hook', true), node('Start', 'manualTrigger'))),
      [
        {
          message:
            'the workflow only starts by hand (manual trigger): add a webhook, schedule or event trigger to activate it',
        },
      ],
    );
    assert.deepEqual(
      await triggers.checkActivation(
        active(
          'a',
          node('Taken', 'hook'),
          node('Cron', 'cron'),
          node('Slack', 'n8n-nodes-base.slack'),
          node('Old', 'gone', true),
        ),
      ),
      [
        { node: 'Slack', message: "node type 'n8n-nodes-base.slack' is not one Relais can run" },
        { node: 'Taken', message: "path of 'Taken' is taken" },
        { node: 'Cron', message: "trigger type 'cron' cannot be activated yet" },
      ],
    );
    assert.deepEqual(
      await triggers.checkActivation(active('a', node('Hook', 'hook'), node('Start', 'manualTrigger'))),
      [],
    );
    const placeholder = {
      ...node('Sheets', 'unsupported'),
      parameters: { n8nType: 'n8n-nodes-base.googleSheets' },
    };
    const [problem] = await triggers.checkActivation(active('a', node('Hook', 'hook'), placeholder));
    assert.equal(problem.node, 'Sheets');
    assert.match(problem.message, /'n8n-nodes-base\.googleSheets'.*replace it before activating/);
    assert.deepEqual(
      await triggers.checkActivation(active('a', node('Hook', 'hook'), { ...placeholder, disabled: true })),
      [],
    );
  });

  it('activates every automatic trigger, all or nothing, and deactivates through every kind', async () => {
    const hooks = fakeKind(['hook']);
    const crons = fakeKind(['cron'], { failActivate: true });
    const triggers = new TriggerRegistry(nodes).register(hooks).register(crons);
    await triggers.activate(
      active('a', node('H1', 'hook'), node('H2', 'hook'), node('Start', 'manualTrigger')),
    );
    assert.deepEqual(hooks.registered.get('a'), ['H1', 'H2']);
    await triggers.deactivate('a');
    assert.equal(hooks.registered.size, 0);
    await assert.rejects(triggers.activate(active('b', node('H', 'hook'), node('C', 'cron'))), /bind failed/);
    assert.equal(hooks.registered.has('b'), false, 'what was registered before the failure is removed');
  });

  it('activates the stored active workflows at start, logging those that cannot be', async () => {
    const hooks = fakeKind(['hook'], { refuse: ['Taken'] });
    const triggers = new TriggerRegistry(nodes).register(hooks);
    const logged: unknown[] = [];
    const result = await triggers.activateAll(
      [active('ok', node('H', 'hook')), active('bad', node('Taken', 'hook'))],
      { warn: () => {}, error: (data) => logged.push(data) },
    );
    assert.deepEqual(result, {
      activated: ['ok'],
      failed: [{ id: 'bad', problems: [{ node: 'Taken', message: "path of 'Taken' is taken" }] }],
    });
    assert.equal(logged.length, 1);
    assert.deepEqual([...hooks.registered.keys()], ['ok']);
  });

  it('reads the stored active workflows page by page', async () => {
    const pages = [
      { items: [{ id: 'a', version: 1, workflow: active('a').workflow }], nextCursor: 'p2' },
      { items: [{ id: 'b', version: 3, workflow: active('b').workflow }], nextCursor: null },
    ];
    const queries: unknown[] = [];
    const seen: string[] = [];
    for await (const w of storedActiveWorkflows({
      listWorkflows: async (q) => {
        queries.push(q);
        return pages[queries.length - 1];
      },
    }))
      seen.push(`${w.id}@${w.version}`);
    assert.deepEqual(seen, ['a@1', 'b@3']);
    assert.deepEqual(queries, [
      { limit: 200, cursor: null, active: true },
      { limit: 200, cursor: 'p2', active: true },
    ]);
  });
});
