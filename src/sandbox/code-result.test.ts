/**
 * How the Code node words what goes wrong, checked against n8n's own texts: results of the wrong
 * shape (nodes-base/nodes/Code/result-validation.ts) and errors thrown by the code (the task
 * runner's ExecutionError: message, "[line N]", error name as description).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NodeError, NonRetryableError } from '../engine/errors.js';
import { codeNode } from '../nodes/code.node.js';
import { type RunNodeOptions, runNode } from '../testing/run-node.js';

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

test('all items: n8n wording for results of the wrong shape', async () => {
  const hint = "Code doesn't return items properly";
  await rejects(all('return 5', { items: [{}] }), hint, NonRetryableError);
  await rejects(all('const x = 1', { items: [{}] }), hint, NonRetryableError);
  await rejects(all('return "text"', { items: [{}] }), hint, NonRetryableError);
  await rejects(all('return [1, 2]', { items: [{}] }), hint, NonRetryableError);
  await rejects(all('return [[{ a: 1 }]]', { items: [{}] }), hint, NonRetryableError);
  await rejects(all('return [new Date(0)]', { items: [{}] }), hint, NonRetryableError);
  await rejects(
    all('return [{ json: { a: 1 }, extra: 2 }]', { items: [{}] }),
    'Invalid output format [item 0]',
    NonRetryableError,
  );
  await rejects(
    all('return [{ json: {} }, { a: 1 }]', { items: [{}] }),
    'Unknown top-level item key: a [item 1]',
    NonRetryableError,
  );
  await rejects(
    all("return [{ json: 'x' }]", { items: [{}] }),
    "A 'json' property isn't an object [item 0]",
    NonRetryableError,
  );
  await rejects(
    all('return [{ json: [1] }]', { items: [{}] }),
    "A 'json' property isn't an object [item 0]",
    NonRetryableError,
  );
  await rejects(
    all('return [{ json: {}, binary: 5 }]', { items: [{}] }),
    "A 'binary' property isn't an object [item 0]",
    NonRetryableError,
  );
  await rejects(
    all('return [{ json: {} }, { binary: {} }]', { items: [{}] }),
    'Inconsistent item format',
    NonRetryableError,
  );
  await rejects(
    all('return [{ binary: {}, a: 1 }]', { items: [{}] }),
    'Invalid output format [item 0]',
    NonRetryableError,
  );
});

test('each item: values that are not objects are refused with n8n wording', async () => {
  await rejects(
    each('return "text"', { items: [{}] }),
    "A 'json' property isn't an object [item 0]",
    NonRetryableError,
  );
  await rejects(
    each('return [{ a: 1 }]', { items: [{}, {}] }),
    "A 'json' property isn't an object [item 0]",
    NonRetryableError,
  );
  await rejects(
    each('return $itemIndex ? { json: 5 } : {}', { items: [{}, {}] }),
    "A 'json' property isn't an object [item 1]",
    NonRetryableError,
  );
});

test('each item: $input.all() and friends are refused before running, as in n8n', async () => {
  await rejects(
    each('const x = 1;\nreturn $input.all()[0]', { items: [{}] }),
    "Can't use .all() here [line 2, for item 0]",
    NonRetryableError,
  );
  await rejects(
    each('return $input.first()', { items: [{}] }),
    "Can't use .first() here [line 1, for item 0]",
    NonRetryableError,
  );
});

test('thrown values: line of named functions, native error wording, non-Error values', async () => {
  await rejects(
    all('function check(x) {\n  throw new Error("in check");\n}\ncheck(1);', { items: [{}] }),
    'in check [line 2]',
  );
  await rejects(
    all('[1].map(() => {\n throw new Error("in arrow") })', { items: [{}] }),
    'in arrow [line 1]',
  );
  await rejects(all('await null;\n\nthrow new Error("later")', { items: [{}] }), 'later [line 3]');
  await rejects(all('return [{ json: { v: nope } }]', { items: [{}] }), 'nope is not defined [line 1]');
  await rejects(
    all('const o = null;\nreturn o.x', { items: [{}] }),
    "Cannot read properties of null (reading 'x') [line 2]",
  );
  await rejects(all('throw "boom"', { items: [{}] }), '"boom"');
  await rejects(all('throw { message: "plain object" }', { items: [{}] }), 'plain object');
  await rejects(all('throw { code: 1 }', { items: [{}] }), '{"code":1}');
  await rejects(all('throw new Error("")', { items: [{}] }), 'Unknown error [line 1]');
  // The error is built inside the (named) constructor: V8 and QuickJS both put that frame first.
  await assert.rejects(
    all(
      'class MyError extends Error { constructor(m) { super(m); this.name = "MyError"; } }\nthrow new MyError("custom")',
      { items: [{}] },
    ),
    (e: NodeError) => {
      assert.equal(e.message, 'custom [line 1]');
      assert.equal(e.description, 'MyError');
      return true;
    },
  );
});

test('syntax errors name the line; with continue-on-fail every item carries the error', async () => {
  await rejects(all('const a = 1;\nconst x = ;', { items: [{}] }), /\[line 2\]$/, NonRetryableError);
  const { json } = await each('return {', { items: [{}, {}], onError: 'continue' });
  assert.equal(json[0].length, 2);
  assert.match(String(json[0][1].error), /\[line 1\]$/);
});

test('each item: a throw stops the node naming the item, unless continue-on-fail', async () => {
  await assert.rejects(
    each('if ($itemIndex === 1) throw new TypeError("bad");\nreturn $json', { items: [{}, {}, {}] }),
    (e: NodeError) => {
      assert.equal(e.message, 'bad [line 1]');
      assert.equal(e.description, 'TypeError');
      assert.equal(e.itemIndex, 1);
      return true;
    },
  );
});
