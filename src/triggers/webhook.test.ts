import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../engine/clock.js';
import { type Workflow, workflowSchema } from '../engine/workflow.js';
import { publicPath, WebhookConflictError, WebhookTrigger } from './webhook.js';

function flow(
  name: string,
  hooks: { name: string; parameters: Record<string, unknown>; webhookId?: string }[],
): Workflow {
  return workflowSchema.parse({
    name,
    nodes: hooks.map((h, i) => ({
      id: `n${i}`,
      name: h.name,
      type: 'webhook',
      parameters: h.parameters,
      webhookId: h.webhookId,
    })),
  });
}

const active = (id: string, workflow: Workflow, version = 1) => ({ id, version, workflow });

test('paths: slashes trimmed, empty → webhookId, parameters under the webhookId, bad paths refused', () => {
  assert.deepEqual(publicPath('/crm-action/'), { segments: ['crm-action'] });
  assert.deepEqual(publicPath('', 'abc'), { segments: ['abc'] });
  assert.deepEqual(publicPath('users/:id', 'abc'), { segments: ['abc', 'users', ':id'] });
  assert.deepEqual(publicPath('users/:id'), { segments: ['users', ':id'] });
  assert.match((publicPath('') as { problem: string }).problem, /'path' is required/);
  assert.match((publicPath('a/../b') as { problem: string }).problem, /not a valid path/);
  assert.match((publicPath('a b') as { problem: string }).problem, /not a valid path/);
  assert.match((publicPath('x/:id/:id') as { problem: string }).problem, /appears twice/);
  assert.match((publicPath('x/:bad$') as { problem: string }).problem, /invalid parameter name/);
});

test('matching: literal paths first, then the most literal pattern; other methods are reported', async () => {
  const trigger = new WebhookTrigger();
  const wf = flow('w', [
    { name: 'ById', parameters: { path: 'users/:id' } },
    { name: 'Me', parameters: { path: 'users/me' } },
    { name: 'Post', parameters: { path: 'users/:id', httpMethod: 'POST' } },
  ]);
  for (const node of wf.nodes) {
    assert.deepEqual(await trigger.check(active('w', wf), node), []);
    await trigger.activate(active('w', wf), node);
  }
  const me = trigger.match('GET', ['users', 'me']);
  assert.equal(me.kind === 'found' && me.match.registration.node.name, 'Me');
  const byId = trigger.match('GET', ['users', '7']);
  assert.equal(byId.kind === 'found' && byId.match.registration.node.name, 'ById');
  assert.deepEqual(byId.kind === 'found' && byId.match.params, { id: '7' });
  assert.equal(trigger.match('POST', ['users', '7']).kind, 'found');
  const postMe = trigger.match('POST', ['users', 'me']);
  assert.equal(
    postMe.kind === 'found' && postMe.match.registration.node.name,
    'Post',
    'a pattern takes the methods the literal path lacks',
  );
  assert.deepEqual(trigger.match('PUT', ['users', '7']), { kind: 'method', methods: ['GET', 'POST'] });
  assert.deepEqual(trigger.match('GET', ['users']), { kind: 'none' });
  await trigger.deactivate('w');
  assert.deepEqual(trigger.match('GET', ['users', 'me']), { kind: 'none' });
});

test('conflicts: another workflow, a sibling node, same shape with other parameter names', async () => {
  const trigger = new WebhookTrigger();
  const a = flow('A', [{ name: 'H', parameters: { path: 'orders/:id', httpMethod: 'POST' } }]);
  await trigger.activate(active('a', a), a.nodes[0]);
  const b = flow('B', [{ name: 'H', parameters: { path: 'orders/:orderId', httpMethod: ['GET', 'POST'] } }]);
  const problems = await trigger.check(active('b', b), b.nodes[0]);
  assert.equal(problems.length, 1);
  assert.match(problems[0], /POST \/orders\/:orderId is already used by workflow 'A' \(a\)/);
  await assert.rejects(trigger.activate(active('b', b), b.nodes[0]), WebhookConflictError);
  const twins = flow('T', [
    { name: 'One', parameters: { path: 'x' } },
    { name: 'Two', parameters: { path: 'x' } },
  ]);
  assert.match((await trigger.check(active('t', twins), twins.nodes[0]))[0], /also used by node 'Two'/);
});

test('a new version of the same workflow replaces its registrations', async () => {
  const trigger = new WebhookTrigger();
  const v1 = flow('W', [{ name: 'Old', parameters: { path: 'p' } }]);
  await trigger.activate(active('w', v1, 1), v1.nodes[0]);
  const v2 = flow('W', [{ name: 'New', parameters: { path: 'p' } }]);
  assert.deepEqual(await trigger.check(active('w', v2, 2), v2.nodes[0]), []);
  await trigger.activate(active('w', v2, 2), v2.nodes[0]);
  const found = trigger.match('GET', ['p']);
  assert.equal(found.kind === 'found' && found.match.registration.node.name, 'New');
  assert.equal(trigger.registrations('w').length, 1);
});

test('settings that cannot be served are refused with reasons', async () => {
  const trigger = new WebhookTrigger();
  const bad = flow('B', [
    { name: 'Expr', parameters: { path: '={{ $json.x }}' } },
    { name: 'Stream', parameters: { path: 's', responseMode: 'streaming' } },
    { name: 'Auth', parameters: { path: 'a', authentication: 'jwtAuth' } },
    { name: 'Method', parameters: { path: 'm', httpMethod: 'BREW' } },
  ]);
  const reasons = await Promise.all(bad.nodes.map((n) => trigger.check(active('b', bad), n)));
  assert.match(reasons[0][0], /must be fixed values/);
  assert.match(reasons[1][0], /'streaming' response mode is not supported/);
  assert.match(reasons[2][0], /needs a 'jwtAuth' credential/);
  assert.match(reasons[3][0], /parameters\.httpMethod/);
});

test('test listeners: one call, 120 s, per workflow; conflicts between workflows refused', () => {
  const clock = new ManualClock();
  const trigger = new WebhookTrigger({ clock });
  const wf = flow('W', [{ name: 'H', parameters: { path: 'try' } }]);
  const { expiresAt } = trigger.listenForTest(active('w', wf));
  assert.deepEqual(expiresAt, new Date(clock.now().getTime() + 120_000));
  assert.equal(trigger.matchTest('GET', ['try']).kind, 'found');
  assert.equal(trigger.match('GET', ['try']).kind, 'none', 'production stays off');
  assert.throws(
    () => trigger.listenForTest(active('other', flow('O', [{ name: 'H', parameters: { path: 'try' } }]))),
    WebhookConflictError,
  );
  assert.equal(trigger.consumeTest('w'), true);
  assert.equal(trigger.consumeTest('w'), false, 'only the first call runs');
  trigger.listenForTest(active('w', wf));
  clock.advance(120_000);
  assert.equal(trigger.matchTest('GET', ['try']).kind, 'none');
  assert.throws(() => trigger.listenForTest(active('e', flow('E', []))), /no enabled Webhook node/);
});
