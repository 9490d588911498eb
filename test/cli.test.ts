/** `relais run`, `relais validate` and `relais schema` as a user calls them: arguments, output, exit codes. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { Io } from '../src/cli/io.js';
import { main } from '../src/cli/main.js';

const dir = mkdtempSync(join(tmpdir(), 'relais-cli-'));
const hello = join(import.meta.dirname, '..', 'examples', 'hello.workflow.json');

function file(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

async function relais(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (l) => out.push(l), err: (l) => err.push(l) };
  const code = await main(args, io);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const failing = {
  name: 'fails',
  nodes: [
    { id: '1', name: 'Start', type: 'manualTrigger' },
    {
      id: '2',
      name: 'Fail',
      type: 'stopAndError',
      position: [200, 0],
      parameters: { errorMessage: 'Aucune donnée' },
    },
  ],
  connections: [{ from: 'Start', to: 'Fail' }],
};

describe('relais run', () => {
  test('--json prints one object with every node’s outputs; exit 0', async () => {
    const { code, out } = await relais('run', hello, '--input', '{"name":"Ada"}', '--json');
    assert.equal(code, 0);
    assert.deepEqual(JSON.parse(out), {
      status: 'succeeded',
      nodes: {
        Start: [[{ name: 'Ada' }]],
        Greet: [[{ name: 'Ada', greeting: 'Hello Ada!', nameLength: 3 }]],
      },
    });
  });

  test('without --input the trigger emits one empty item; an array gives several items; @file reads a file', async () => {
    assert.deepEqual(JSON.parse((await relais('run', hello, '--json')).out).nodes.Start, [[{}]]);
    const many = JSON.parse(
      (await relais('run', hello, '--json', '--input', '[{"name":"A"},{"name":"B"}]')).out,
    );
    assert.deepEqual(
      many.nodes.Greet[0].map((i: { greeting: string }) => i.greeting),
      ['Hello A!', 'Hello B!'],
    );
    const input = file('input.json', { name: 'Zoé' });
    assert.equal(
      JSON.parse((await relais('run', hello, '--json', '--input', `@${input}`)).out).nodes.Greet[0][0]
        .greeting,
      'Hello Zoé!',
    );
  });

  test('a failed run exits 1 and says which node failed', async () => {
    const { code, out } = await relais('run', file('fails.json', failing), '--json');
    assert.equal(code, 1);
    const result = JSON.parse(out);
    assert.equal(result.status, 'failed');
    assert.deepEqual(result.error, { message: 'Aucune donnée', node: 'Fail' });
    assert.deepEqual(result.nodes.Fail, []);
    const text = await relais('run', file('fails2.json', failing));
    assert.match(text.out, /error in 'Fail': Aucune donnée/);
  });

  test('bad arguments, unreadable or invalid files exit 2 with a clear message', async () => {
    const cases: [string[], RegExp][] = [
      [['run'], /exactly one workflow file/],
      [['run', hello, '--nope'], /Unknown option/],
      [['run', join(dir, 'missing.json')], /cannot read/],
      [['run', file('bad.json', '{ nope')], /not valid JSON/],
      [['run', hello, '--input', '[1,2]'], /expected a JSON object or an array of objects/],
      [['run', hello, '--input', '{oops'], /not valid JSON/],
      [
        ['run', file('unknown.json', { name: 'x', nodes: [{ id: '1', name: 'A', type: 'teleport' }] })],
        /node 'A', type: unknown node type 'teleport'/,
      ],
    ];
    for (const [args, message] of cases) {
      const { code, err } = await relais(...args);
      assert.equal(code, 2, args.join(' '));
      assert.match(err, message, args.join(' '));
    }
  });

  test('the configuration is checked first: an invalid node setting is exit 2, naming the variable', async () => {
    const saved = process.env.RELAIS_CODE_MEMORY_MB;
    process.env.RELAIS_CODE_MEMORY_MB = 'lots';
    try {
      const { code, err } = await relais('run', hello, '--json');
      assert.equal(code, 2);
      assert.match(err, /^relais run: Invalid configuration:\n {2}RELAIS_CODE_MEMORY_MB: /);
    } finally {
      if (saved === undefined) delete process.env.RELAIS_CODE_MEMORY_MB;
      else process.env.RELAIS_CODE_MEMORY_MB = saved;
    }
  });

  test('--data-dir keeps the run in a SQLite file there', async () => {
    const dataDir = join(dir, 'data');
    assert.equal((await relais('run', hello, '--data-dir', dataDir)).code, 0);
    assert.ok(readdirSync(dataDir).includes('relais.db'));
  });

  test('the installed command works end to end (bin → bundle)', () => {
    const bin = join(import.meta.dirname, '..', 'bin', 'relais.js');
    const result = spawnSync(process.execPath, [bin, 'run', hello, '--json', '--input', '{"name":"Bo"}'], {
      encoding: 'utf8',
    });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(JSON.parse(result.stdout).nodes.Greet[0][0].greeting, 'Hello Bo!');
  });
});

describe('relais validate and schema', () => {
  test('validate lists each problem with node and field; exit 0 only when all files are valid', async () => {
    const broken = file('broken.json', {
      name: 'broken',
      nodes: [
        { id: '1', name: 'Start', type: 'manualTrigger' },
        { id: '1', name: 'Start', type: 'limit', parameters: { maxItems: 'many' } },
      ],
      connections: [{ from: 'Start', to: 'Nowhere' }],
    });
    const ok = await relais('validate', hello);
    assert.equal(ok.code, 0);
    assert.match(ok.out, /hello.workflow.json: ok \(2 nodes\)/);
    const bad = await relais('validate', hello, broken);
    assert.equal(bad.code, 1);
    assert.match(bad.out, /node 'Start', name: duplicate node name/);
    assert.match(bad.out, /node 'Start', id: duplicate node id '1'/);
    assert.match(bad.out, /node 'Start', parameters.maxItems: /);
    assert.match(bad.out, /connections.0.to: no node named 'Nowhere'/);
    assert.equal((await relais('validate')).code, 2);
  });

  test('schema prints the workflow JSON Schema', async () => {
    const { code, out } = await relais('schema');
    assert.equal(code, 0);
    const schema = JSON.parse(out);
    assert.equal(schema.type, 'object');
    assert.ok(schema.properties.nodes);
  });

  test('unknown commands exit 2 with the usage', async () => {
    const { code, err } = await relais('frobnicate');
    assert.equal(code, 2);
    assert.match(err, /unknown command 'frobnicate'/);
  });
});
