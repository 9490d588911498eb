import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { n8nWorkflow, outputsOf, runN8n } from '../../test/helpers/n8n.js';
import { validateWorkflow } from '../engine/validate.js';
import { createRegistry } from '../nodes/registry.js';
import { convertN8nWorkflow, isN8nWorkflow } from './convert.js';
import { n8nWorkflowsIn } from './documents.js';
import type { N8nWorkflow } from './types.js';

const registry = createRegistry();
const hasType = (t: string) => registry.get(t) !== undefined;

function convert(source: N8nWorkflow) {
  return convertN8nWorkflow(source, { hasType });
}

describe('convertN8nWorkflow: nodes and flags', () => {
  const source: N8nWorkflow = {
    id: 'wf-1',
    name: 'Flags',
    nodes: [
      { id: 'a', name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0] },
      {
        id: 'b',
        name: 'Call',
        type: 'n8n-nodes-base.noOp',
        typeVersion: 1,
        position: [200, 0],
        retryOnFail: true,
        maxTries: 4,
        waitBetweenTries: 2500,
        alwaysOutputData: true,
        executeOnce: true,
        disabled: true,
        notes: 'a note',
        onError: 'continueErrorOutput',
        credentials: { httpHeaderAuth: { id: '7', name: 'Stripe' } },
      },
      { name: 'Legacy', type: 'n8n-nodes-base.noOp', position: [400, 0], continueOnFail: true },
    ],
    connections: { Start: { main: [[{ node: 'Call', type: 'main', index: 0 }]] } },
    settings: {
      timezone: 'Europe/Paris',
      errorWorkflow: 'err-1',
      saveDataSuccessExecution: 'none',
      executionOrder: 'v1',
    },
    pinData: { Start: [{ json: {} }] },
  };

  it('keeps names, ids, retry, error handling, flags, notes and credential references', () => {
    const { workflow, report } = convert(source);
    assert.equal(workflow.id, 'wf-1');
    const call = workflow.nodes.find((n) => n.name === 'Call');
    assert.deepEqual(call?.retry, { maxTries: 4, backoff: 'fixed', delayMs: 2500, jitter: 0 });
    assert.equal(call?.onError, 'errorOutput');
    assert.equal(call?.alwaysOutputData, true);
    assert.equal(call?.executeOnce, true);
    assert.equal(call?.disabled, true);
    assert.equal(call?.notes, 'a note');
    assert.equal(call?.typeVersion, 1);
    assert.deepEqual(call?.credentials, { httpHeaderAuth: { id: '7', name: 'Stripe' } });
    // Old exports: continueOnFail, no id.
    const legacy = workflow.nodes.find((n) => n.name === 'Legacy');
    assert.equal(legacy?.onError, 'continue');
    assert.equal(legacy?.id, 'Legacy');
    assert.deepEqual(report.credentials, [{ node: 'Call', type: 'httpHeaderAuth', name: 'Stripe' }]);
    assert.deepEqual(workflow.settings, {
      timezone: 'Europe/Paris',
      errorWorkflow: 'err-1',
      saveData: 'errors',
      executionOrder: 'v1',
    });
    assert.ok(report.ignored.some((i) => i.what.startsWith('pinned data')));
    assert.equal(validateWorkflow(workflow, registry).ok, true);
  });

  it('reports the workflow settings it cannot keep', () => {
    const { workflow, report } = convert({
      ...source,
      settings: { timezone: 'Mars/Olympus', executionOrder: 'v0', executionTimeout: 60, callerPolicy: 'any' },
    });
    assert.equal(workflow.settings?.timezone, undefined);
    assert.ok(report.warnings.some((w) => w.message.includes('Mars/Olympus')));
    assert.ok(report.changed.some((c) => c.parameter === 'settings.executionOrder'));
    assert.ok(report.ignored.some((i) => i.parameter === 'settings.executionTimeout'));
    assert.ok(!report.ignored.some((i) => i.parameter === 'settings.callerPolicy'));
  });
});

describe('convertN8nWorkflow: unsupported nodes', () => {
  const source: N8nWorkflow = {
    name: 'Sheets',
    nodes: [
      {
        name: 'Hook',
        type: 'n8n-nodes-base.telegramTrigger',
        typeVersion: 1.1,
        parameters: { updates: ['message'] },
      },
      {
        name: 'Sheet',
        type: 'n8n-nodes-base.googleSheets',
        typeVersion: 4.5,
        parameters: { operation: 'append', documentId: { __rl: true, value: 'x' } },
        credentials: { googleSheetsOAuth2Api: { id: '1', name: 'Drive' } },
        onError: 'continueErrorOutput',
      },
      { name: 'Agent', type: '@n8n/n8n-nodes-langchain.agent', typeVersion: 1.7 },
      { name: 'Model', type: '@n8n/n8n-nodes-langchain.lmChatOpenAi', typeVersion: 1 },
      { name: 'Ok', type: 'n8n-nodes-base.noOp' },
      { name: 'Failed', type: 'n8n-nodes-base.noOp' },
      { name: 'Off', type: 'n8n-nodes-base.slack', disabled: true },
    ],
    connections: {
      Hook: { main: [[{ node: 'Sheet', type: 'main', index: 0 }]] },
      Sheet: {
        main: [[{ node: 'Agent', type: 'main', index: 0 }], [{ node: 'Failed', type: 'main', index: 0 }]],
      },
      Agent: { main: [[{ node: 'Ok', type: 'main', index: 0 }]] },
      Model: { ai_languageModel: [[{ node: 'Agent', type: 'ai_languageModel', index: 0 }]] },
    },
  };

  it('keeps them as placeholders with their n8n type, parameters, inputs and outputs', () => {
    const { workflow, report } = convert(source);
    const sheet = workflow.nodes.find((n) => n.name === 'Sheet');
    assert.equal(sheet?.type, 'unsupported');
    assert.deepEqual(sheet?.parameters, {
      n8nType: 'n8n-nodes-base.googleSheets',
      n8nTypeVersion: 4.5,
      parameters: { operation: 'append', documentId: { __rl: true, value: 'x' } },
      inputs: 1,
      outputs: 1,
    });
    assert.equal(workflow.nodes.find((n) => n.name === 'Hook')?.parameters?.inputs, 0);
    // The error output of an unsupported node keeps its connection.
    assert.ok(
      workflow.connections?.some((c) => c.from === 'Sheet' && c.output === 'error' && c.to === 'Failed'),
    );
    assert.deepEqual(
      report.unsupported.map((u) => u.type),
      [
        'n8n-nodes-base.telegramTrigger',
        'n8n-nodes-base.googleSheets',
        '@n8n/n8n-nodes-langchain.agent',
        '@n8n/n8n-nodes-langchain.lmChatOpenAi',
        'n8n-nodes-base.slack',
      ],
    );
    assert.ok(report.ignored.some((i) => i.node === 'Model' && i.what.includes('ai_languageModel')));
    assert.equal(report.activatable, false);
    assert.deepEqual(report.credentials, [{ node: 'Sheet', type: 'googleSheetsOAuth2Api', name: 'Drive' }]);
  });

  it('still validates, so the workflow can be saved', () => {
    const { workflow } = convert(source);
    const checked = validateWorkflow(workflow, registry);
    assert.equal(checked.ok, true, JSON.stringify(!checked.ok && checked.problems));
  });

  it('makes a node unsupported when its Relais type is not registered', () => {
    const { workflow, report } = convertN8nWorkflow(
      { name: 'x', nodes: [{ name: 'Set', type: 'n8n-nodes-base.set', typeVersion: 3.4 }], connections: {} },
      { hasType: () => false },
    );
    assert.equal(workflow.nodes[0].type, 'unsupported');
    assert.deepEqual(report.unsupported, [{ node: 'Set', type: 'n8n-nodes-base.set' }]);
  });

  it('fails at run time with an error naming the n8n type', async () => {
    const run = await runN8n(
      n8nWorkflow(
        [{ a: 1 }],
        [{ name: 'Sheet', type: 'n8n-nodes-base.googleSheets', typeVersion: 4 }],
        [['Fixture', 0, 'Sheet']],
      ),
    );
    assert.equal(run.status, 'failed');
    assert.match(run.error ?? '', /'n8n-nodes-base.googleSheets' \(v4\), which Relais does not support yet/);
  });

  it('a workflow with only disabled unsupported nodes stays activatable', () => {
    const { report } = convert({
      name: 'x',
      nodes: [{ name: 'Off', type: 'n8n-nodes-base.slack', disabled: true }],
      connections: {},
    });
    assert.equal(report.activatable, true);
  });
});

describe('convertN8nWorkflow: sticky notes, warnings', () => {
  it('keeps sticky notes as notes, not as mapped nodes', () => {
    const { workflow, report } = convert({
      name: 'notes',
      nodes: [
        {
          name: 'Note',
          type: 'n8n-nodes-base.stickyNote',
          parameters: { content: '## {{ hello }}', width: 300, color: 4 },
        },
      ],
      connections: {},
    });
    assert.deepEqual(workflow.nodes[0].parameters, { content: '## {{ hello }}', width: 300, color: 4 });
    assert.equal(workflow.nodes[0].type, 'stickyNote');
    assert.deepEqual(report.mapped, []);
    assert.deepEqual(report.warnings, []);
  });

  it('never executes a sticky note', async () => {
    const run = await runN8n(
      n8nWorkflow(
        [{ a: 1 }],
        [{ name: 'Note', type: 'n8n-nodes-base.stickyNote', parameters: { content: 'x' } }],
        [],
      ),
    );
    assert.equal(run.status, 'succeeded');
    assert.equal(run.nodes.Note, undefined);
    assert.deepEqual(outputsOf(run, 'Fixture'), [[{ a: 1 }]]);
  });

  it('drops connections to or from a sticky note (hand-edited exports), reporting them', () => {
    const { workflow, report } = convert({
      name: 'notes',
      nodes: [
        { name: 'Start', type: 'n8n-nodes-base.manualTrigger' },
        { name: 'Note', type: 'n8n-nodes-base.stickyNote', parameters: { content: 'x' } },
      ],
      connections: { Start: { main: [[{ node: 'Note', type: 'main', index: 0 }]] } },
    });
    assert.deepEqual(workflow.connections, []);
    assert.match(report.ignored[0].what, /sticky notes have no inputs or outputs/);
    assert.equal(validateWorkflow(workflow, registry).ok, true);
  });

  it('warns about expression features Relais refuses and literal {{ }} text', () => {
    const { report } = convert({
      name: 'w',
      nodes: [
        {
          name: 'Set',
          type: 'n8n-nodes-base.set',
          typeVersion: 3.4,
          parameters: {
            assignments: {
              assignments: [
                { name: 'a', value: '={{ $env.API_KEY }}', type: 'string' },
                { name: 'b', value: '={{ $jmespath($json, "a") }}', type: 'string' },
                { name: 'c', value: 'Hello {{ $json.name }}', type: 'string' },
              ],
            },
          },
        },
        {
          name: 'Code',
          type: 'n8n-nodes-base.code',
          typeVersion: 2,
          parameters: { jsCode: 'const s = $getWorkflowStaticData("global");\nreturn $input.all();' },
        },
      ],
      connections: {},
    });
    const messages = report.warnings.map((w) => `${w.node}: ${w.message}`);
    assert.ok(messages.some((m) => m.startsWith('Set: assignments.assignments[0].value: $env')));
    assert.ok(messages.some((m) => m.includes('$jmespath')));
    assert.ok(messages.some((m) => m.includes("no leading '='")));
    assert.ok(messages.some((m) => m.startsWith('Code: jsCode: workflow static data')));
  });
});

describe('n8n documents', () => {
  const one = { name: 'One', nodes: [], connections: {} };
  it('finds workflows in exports, arrays, API pages and n8n.io templates', () => {
    assert.equal(isN8nWorkflow(one), true);
    assert.deepEqual(n8nWorkflowsIn(one), [one]);
    assert.equal(n8nWorkflowsIn([one, one, 3]).length, 2);
    assert.equal(n8nWorkflowsIn({ data: [one] }).length, 1);
    assert.equal(n8nWorkflowsIn({ workflows: [one] }).length, 1);
    const template = { workflow: { id: 12, name: 'Template', workflow: { nodes: [], connections: {} } } };
    assert.deepEqual(n8nWorkflowsIn(template), [{ nodes: [], connections: {}, name: 'Template', id: 12 }]);
    assert.deepEqual(n8nWorkflowsIn({ name: 'relais', nodes: [], connections: [] }), []);
    assert.deepEqual(n8nWorkflowsIn('nope'), []);
  });
});

describe('convertN8nWorkflow: connections of nodes whose outputs change', () => {
  it('routes a Filter error output to the error output, not to the discarded items', async () => {
    const { workflow } = convert(
      n8nWorkflow(
        [{ a: 1 }],
        [
          { name: 'Filter', type: 'n8n-nodes-base.filter', typeVersion: 2.2, onError: 'continueErrorOutput' },
          { name: 'Kept' },
          { name: 'Oops' },
        ],
        [
          ['Fixture', 0, 'Filter'],
          ['Filter', 0, 'Kept'],
          ['Filter', 1, 'Oops'],
        ],
      ),
    );
    const conns = workflow.connections?.filter((c) => c.from === 'Filter');
    assert.deepEqual(
      conns?.map((c) => [c.output, c.to]),
      [
        [0, 'Kept'],
        ['error', 'Oops'],
      ],
    );
  });

  it('runs a legacy IF v1 → Set v1 chain like n8n', async () => {
    const run = await runN8n(
      n8nWorkflow(
        [{ a: 1 }, { a: 5 }],
        [
          {
            name: 'IF',
            type: 'n8n-nodes-base.if',
            typeVersion: 1,
            parameters: {
              conditions: { number: [{ value1: '={{ $json.a }}', operation: 'larger', value2: 2 }] },
            },
          },
          {
            name: 'Set',
            type: 'n8n-nodes-base.set',
            typeVersion: 1,
            parameters: { values: { string: [{ name: 'b', value: '={{ $json.a }}' }] } },
          },
        ],
        [
          ['Fixture', 0, 'IF'],
          ['IF', 0, 'Set'],
        ],
      ),
    );
    assert.deepEqual(outputsOf(run, 'IF'), [[{ a: 5 }], [{ a: 1 }]]);
    assert.deepEqual(outputsOf(run, 'Set'), [[{ a: 5, b: 5 }]]);
  });
});
