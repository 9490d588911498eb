/**
 * n8n conformance: every case under test/fixtures/n8n-conformance/ (copied from the cases real n8n
 * 2.41.1 executed) runs through `relais run --json`, and each node's outputs must equal n8n's:
 * same items in the same order on each output; key order and trailing empty outputs do not matter.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { Io } from '../src/cli/io.js';
import { main } from '../src/cli/main.js';

const root = join(import.meta.dirname, 'fixtures', 'n8n-conformance');
const cases = readdirSync(root, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

interface Expected {
  status: string;
  error?: { message: string; node?: string };
  nodes: Record<string, unknown[][]>;
}

async function relaisRun(dir: string): Promise<{ code: number; result: Expected; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (l) => out.push(l), err: (l) => err.push(l) };
  const args = ['run', join(dir, 'workflow.json'), '--json'];
  if (existsSync(join(dir, 'input.json'))) args.push('--input', `@${join(dir, 'input.json')}`);
  const code = await main(args, io);
  return {
    code,
    result: out.length ? JSON.parse(out.join('\n')) : { status: '(none)', nodes: {} },
    stderr: err.join('\n'),
  };
}

function trimTrailingEmpty(outputs: unknown[][]): unknown[][] {
  const copy = [...outputs];
  while (copy.length > 0 && copy[copy.length - 1].length === 0) copy.pop();
  return copy;
}

describe('n8n conformance', () => {
  for (const name of cases) {
    test(name, async () => {
      const dir = join(root, name);
      const expected: Expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8'));
      const { code, result, stderr } = await relaisRun(dir);
      assert.equal(result.status, expected.status, `status (stderr: ${stderr})`);
      assert.equal(code, expected.status === 'failed' ? 1 : 0);
      for (const [node, outputs] of Object.entries(expected.nodes)) {
        assert.ok(node in result.nodes, `node '${node}' did not run`);
        assert.deepEqual(
          trimTrailingEmpty(result.nodes[node]),
          trimTrailingEmpty(outputs),
          `outputs of '${node}'`,
        );
      }
      if (expected.error) {
        assert.equal(result.error?.message, expected.error.message);
        if (expected.error.node) assert.equal(result.error?.node, expected.error.node);
      }
    });
  }
});
