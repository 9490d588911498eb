import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { NodeError, NonRetryableError } from '../engine/errors.js';
import { runNode } from '../testing/run-node.js';
import { STOP_AND_ERROR_CODE, stopAndErrorNode, stopErrorFrom } from './stop-and-error.node.js';

const cases = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'n8n-conformance');

async function thrown(parameters: Record<string, unknown>, items: unknown[] = [{}]): Promise<NodeError> {
  try {
    await runNode(stopAndErrorNode, { parameters, items });
  } catch (error) {
    assert.ok(error instanceof NodeError, 'a NodeError');
    return error;
  }
  assert.fail('the node did not throw');
}

test('conformance pipeline-import-invalid: Fail stops the run with the given message', async () => {
  const workflow = JSON.parse(readFileSync(join(cases, 'pipeline-import-invalid', 'workflow.json'), 'utf8'));
  const expected = JSON.parse(readFileSync(join(cases, 'pipeline-import-invalid', 'expected.json'), 'utf8'));
  const node = workflow.nodes.find((n: { name: string }) => n.name === 'Fail');
  const error = await thrown(node.parameters, expected.nodes['Has valid'][1]);
  assert.equal(error.message, expected.error.message);
  assert.equal(error.message, 'Aucune donnée valide');
});

test('errorMessage (the default type) is thrown as a non-retryable error with its code', async () => {
  const error = await thrown({ errorMessage: 'Import refusé' });
  assert.ok(error instanceof NonRetryableError);
  assert.equal(error.message, 'Import refusé');
  assert.equal(error.code, STOP_AND_ERROR_CODE);
});

test('an empty or missing message gives an empty message, as in n8n', async () => {
  assert.equal((await thrown({})).message, '');
  assert.equal((await thrown({ errorMessage: '   ' })).message, '   ');
});

test('the node throws even with zero input items', async () => {
  assert.equal((await thrown({ errorMessage: 'stop' }, [])).message, 'stop');
});

test('errorObject: message, then description, then error, then the JSON', () => {
  assert.equal(
    stopErrorFrom('errorObject', '', '{"message":"M","description":"D","error":"E"}').message,
    'M',
  );
  assert.equal(stopErrorFrom('errorObject', '', '{"description":"D","error":"E"}').message, 'D');
  assert.equal(stopErrorFrom('errorObject', '', '{"error":"E","code":"400"}').message, 'E');
  assert.equal(
    stopErrorFrom('errorObject', '', '{"code":"404","status":"not found"}').message,
    'Error: {"code":"404","status":"not found"}',
  );
  assert.equal(stopErrorFrom('errorObject', '', '{}').message, 'Error: {}');
  assert.equal(
    stopErrorFrom('errorObject', '', '{"message":"","description":"fallback"}').message,
    'fallback',
  );
  assert.equal(stopErrorFrom('errorObject', '', '{"message":"  ","description":"fallback"}').message, '  ');
});

test('errorObject: description and type are kept; non-strings are ignored', () => {
  const full = stopErrorFrom(
    'errorObject',
    '',
    '{"message":"Main","description":"Details","type":"ValidationError"}',
  );
  assert.deepEqual(full, { message: 'Main', description: 'Details', type: 'ValidationError' });
  const odd = stopErrorFrom('errorObject', '', '{"message":"Test","description":null}');
  assert.equal(odd.description, undefined);
});

test('errorObject from an object value (an expression result) and through the node', async () => {
  assert.equal(
    stopErrorFrom('errorObject', '', { description: 'La ressource est introuvable' }).message,
    'La ressource est introuvable',
  );
  const error = await thrown({
    errorType: 'errorObject',
    errorObject: '{"code":"404","description":"Not fetched"}',
  });
  assert.equal(error.message, 'Not fetched');
  assert.equal(error.description, 'Not fetched');
});

test('an invalid error object names the parameter', async () => {
  await assert.rejects(
    runNode(stopAndErrorNode, {
      parameters: { errorType: 'errorObject', errorObject: '{invalid json}' },
      items: [{}],
    }),
    /Invalid parameter 'errorObject'/,
  );
  await assert.rejects(
    runNode(stopAndErrorNode, {
      parameters: { errorType: 'errorObject', errorObject: '[1,2]' },
      items: [{}],
    }),
    /Invalid parameter 'errorObject': expected a JSON object/,
  );
  await assert.rejects(
    runNode(stopAndErrorNode, { parameters: { errorType: 'wrong' }, items: [{}] }),
    /Invalid parameter 'errorType'/,
  );
});

test('the node has no outputs', () => {
  assert.deepEqual(stopAndErrorNode.outputs, []);
  assert.equal(stopAndErrorNode.type, 'stopAndError');
});
