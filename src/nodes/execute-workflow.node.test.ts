import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runNode } from '../testing/run-node.js';
import { executeWorkflowNode } from './execute-workflow.node.js';
import { executeWorkflowTriggerNode } from './execute-workflow-trigger.node.js';
import { SUBWORKFLOWS, type SubworkflowRequest, type SubworkflowResult } from './subworkflow-port.js';

/** A runner that records requests and answers with the given result. */
function fakeRunner(answer: (r: SubworkflowRequest) => Partial<SubworkflowResult> = () => ({})) {
  const requests: SubworkflowRequest[] = [];
  const runner = {
    async run(request: SubworkflowRequest): Promise<SubworkflowResult> {
      requests.push(request);
      return { runId: 'child-1', status: 'succeeded', workflowName: 'Child', items: [], ...answer(request) };
    },
  };
  return { requests, services: { [SUBWORKFLOWS.name]: runner } };
}

test('n8n defaults: source database, mode once, wait for the child; items go without pairing', async () => {
  const fake = fakeRunner(() => ({ items: [{ json: { done: true } }] }));
  const { outputs } = await runNode(executeWorkflowNode, {
    parameters: { workflowId: { __rl: true, value: 'wf-1', mode: 'list', cachedResultName: 'Child' } },
    items: [{ a: 1 }],
    services: fake.services,
  });
  assert.deepEqual(outputs[0], [{ json: { done: true }, pairedItem: { item: 0 } }]);
  assert.equal(fake.requests.length, 1);
  assert.equal(fake.requests[0].workflowId, 'wf-1');
  assert.equal(fake.requests[0].wait, true);
  assert.equal(fake.requests[0].parentRunId, 'run-test');
  assert.deepEqual(fake.requests[0].items, [{ json: { a: 1 } }]);
});

test('once: a result of another length pairs with every input item; continue on fail gives one error item', async () => {
  const fake = fakeRunner(() => ({ items: [{ json: { total: 2 } }] }));
  const { outputs } = await runNode(executeWorkflowNode, {
    parameters: { workflowId: 'x' },
    items: [{ a: 1 }, { a: 2 }],
    services: fake.services,
  });
  assert.deepEqual(outputs[0], [{ json: { total: 2 }, pairedItem: [{ item: 0 }, { item: 1 }] }]);
  const failing = fakeRunner(() => ({ status: 'failed', error: { message: 'boom' } }));
  const { outputs: failed } = await runNode(executeWorkflowNode, {
    parameters: { workflowId: 'x' },
    items: [{ a: 1 }, { a: 2 }],
    onError: 'continue',
    services: failing.services,
  });
  assert.deepEqual(failed[0], [
    { json: { error: "Sub-workflow 'Child' failed: boom" }, pairedItem: [{ item: 0 }, { item: 1 }] },
  ]);
});

test('workflowInputs (v1.2): values merged over each item, removed fields dropped', async () => {
  const fake = fakeRunner();
  await runNode(executeWorkflowNode, {
    parameters: {
      workflowId: 'x',
      workflowInputs: {
        mappingMode: 'defineBelow',
        value: { email: '={{ $json.mail }}', source: 'web' },
        schema: [{ id: 'mail', displayName: 'mail', removed: true }],
      },
    },
    items: [
      { mail: 'a@b.ch', n: 1 },
      { mail: 'c@d.ch', n: 2 },
    ],
    services: fake.services,
  });
  assert.deepEqual(fake.requests[0].items, [
    { json: { n: 1, email: 'a@b.ch', source: 'web' } },
    { json: { n: 2, email: 'c@d.ch', source: 'web' } },
  ]);
});

test('per-item expressions in each mode pick the workflow per item', async () => {
  const fake = fakeRunner((r) => ({ items: [{ json: { from: r.workflowId } }] }));
  const { json } = await runNode(executeWorkflowNode, {
    parameters: { workflowId: '={{ $json.target }}', mode: 'each' },
    items: [{ target: 'a' }, { target: 'b' }],
    services: fake.services,
  });
  assert.deepEqual(json, [[{ from: 'a' }, { from: 'b' }]]);
});

test('no wait: the input passes through', async () => {
  const fake = fakeRunner();
  const { json } = await runNode(executeWorkflowNode, {
    parameters: { workflowId: '7', options: { waitForSubWorkflow: false } },
    items: [{ a: 1 }, { a: 2 }],
    services: fake.services,
  });
  assert.deepEqual(json, [[{ a: 1 }, { a: 2 }]]);
  assert.equal(fake.requests[0].wait, false);
});

test('a child failure names the workflow, node and run; continue on fail turns it into an item (each)', async () => {
  const fake = fakeRunner(() => ({ status: 'failed', error: { message: 'boom', node: 'Send' } }));
  await assert.rejects(
    runNode(executeWorkflowNode, { parameters: { workflowId: 'x' }, items: [{}], services: fake.services }),
    (e: Error & { description?: string }) =>
      /Sub-workflow 'Child' failed at node 'Send': boom/.test(e.message) &&
      e.description === 'Child run child-1',
  );
  const { json } = await runNode(executeWorkflowNode, {
    parameters: { workflowId: 'x', mode: 'each' },
    items: [{}],
    onError: 'continue',
    services: fake.services,
  });
  assert.match(String(json[0][0].error), /failed at node 'Send'/);
});

test('bad parameters and a missing service are clear errors; no items, no child', async () => {
  const fake = fakeRunner();
  await assert.rejects(
    runNode(executeWorkflowNode, { parameters: {}, items: [{}], services: fake.services }),
    /'workflowId'/,
  );
  await assert.rejects(
    runNode(executeWorkflowNode, {
      parameters: { source: 'parameter' },
      items: [{}],
      services: fake.services,
    }),
    /'workflowJson' is required/,
  );
  await assert.rejects(
    runNode(executeWorkflowNode, { parameters: { source: 'url' }, items: [{}], services: fake.services }),
    /'source' value 'url' is not supported/,
  );
  await assert.rejects(
    runNode(executeWorkflowNode, { parameters: { workflowId: 'x' }, items: [{}] }),
    /subworkflows/,
  );
  const empty = await runNode(executeWorkflowNode, {
    parameters: { workflowId: 'x' },
    items: [],
    services: fake.services,
  });
  assert.deepEqual(empty.json, [[]]);
  assert.equal(fake.requests.length, 0);
});

test('Execute Workflow Trigger: passthrough emits the items sent, one empty item when run by hand', async () => {
  const passthrough = { inputSource: 'passthrough' };
  assert.deepEqual(
    (await runNode(executeWorkflowTriggerNode, { parameters: passthrough, items: [{ a: 1 }, { b: 2 }] }))
      .json,
    [[{ a: 1 }, { b: 2 }]],
  );
  assert.deepEqual((await runNode(executeWorkflowTriggerNode, { parameters: passthrough })).json, [[{}]]);
});

test('Execute Workflow Trigger: declared fields (n8n default workflowInputs, jsonExample) keep only those', async () => {
  const declared = await runNode(executeWorkflowTriggerNode, {
    parameters: { workflowInputs: { values: [{ name: 'email' }, { name: 'name', type: 'string' }] } },
    items: [{ email: 'a@b.ch', extra: 1 }],
  });
  assert.deepEqual(declared.json, [[{ email: 'a@b.ch', name: null }]]);
  const none = await runNode(executeWorkflowTriggerNode, { items: [{ a: 1 }] });
  assert.deepEqual(none.json, [[{}]]);
  const example = await runNode(executeWorkflowTriggerNode, {
    parameters: { inputSource: 'jsonExample', jsonExample: '{ "id": 1, "tags": [] }' },
    items: [{ id: 7, other: true }],
  });
  assert.deepEqual(example.json, [[{ id: 7, tags: null }]]);
  await assert.rejects(
    runNode(executeWorkflowTriggerNode, {
      parameters: { inputSource: 'jsonExample', jsonExample: '[1]' },
      items: [{}],
    }),
    /'jsonExample'/,
  );
});
