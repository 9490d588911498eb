/**
 * The nodes' settings go from the configuration, loaded and checked at start, to the nodes through
 * the runtime's NODE_SETTINGS service: the Read/Write Files node writes into RELAIS_FILES_DIR (or
 * `files` in the data directory), the Code node gets RELAIS_CODE_TIMEOUT_MS and reads the server's
 * clock, RELAIS_HTTP_DENY guards the HTTP Request node. The environment is not read while runs go.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { ManualClock } from '../../src/engine/clock.js';
import { startTestServer, type TestServer } from '../../src/testing/server.js';

type Doc = Record<string, unknown>;
const start = { id: 'start', name: 'Start', type: 'manualTrigger', position: [0, 0] };

/** Manual trigger → Code (an item with a text file and the time it read) → Write `name`. */
function writeWorkflow(name: string): Doc {
  return {
    name: `Write ${name}`,
    nodes: [
      start,
      {
        id: 'code',
        name: 'Make',
        type: 'code',
        typeVersion: 2,
        position: [220, 0],
        parameters: {
          jsCode: `return [{ json: { at: new Date().toISOString(), now: Date.now() },
            binary: { data: { data: 'aGVsbG8gZnJvbSBSZWxhaXM=', mimeType: 'text/plain', fileName: 'x.txt' } } }];`,
        },
      },
      {
        id: 'write',
        name: 'Write',
        type: 'readWriteFile',
        position: [440, 0],
        parameters: { operation: 'write', fileName: name },
      },
    ],
    connections: [
      { from: 'Start', to: 'Make' },
      { from: 'Make', to: 'Write' },
    ],
  };
}

/** Manual trigger → one node. */
function oneNode(name: string, node: Doc): Doc {
  return {
    name,
    nodes: [start, { id: 'only', name: 'Only', position: [220, 0], ...node }],
    connections: [{ from: 'Start', to: 'Only' }],
  };
}

async function runOnce(
  server: TestServer,
  doc: Doc,
): Promise<{ status: string; error?: { message: string }; outputs: Record<string, unknown[]> }> {
  const created = await server.request('POST', '/api/automations', { as: 'editor', json: doc });
  assert.equal(created.status, 201, created.text);
  const run = await server.request('POST', `/api/automations/${created.body.id}/run`, { as: 'editor' });
  assert.equal(run.status, 200, run.text);
  const outputs: Record<string, unknown[]> = {};
  for (const step of run.body.executionLog as { nodeName: string; output: { json: unknown }[][] | null }[]) {
    outputs[step.nodeName] = (step.output?.[0] ?? []).map((item) => item.json);
  }
  return { status: run.body.status, error: run.body.error, outputs };
}

describe('node settings through the real server', () => {
  const dirs: string[] = [];
  const tempDir = (prefix: string) => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    dirs.push(dir);
    return dir;
  };
  after(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('the Read/Write Files node writes into RELAIS_FILES_DIR; the Code node reads the server clock', async () => {
    const filesDir = tempDir('relais-configured-files-');
    const elsewhere = tempDir('relais-env-files-');
    const saved = process.env.RELAIS_FILES_DIR;
    const clock = new ManualClock('2030-01-02T03:04:05.000Z');
    const server = await startTestServer({
      clock,
      config: { filesDir: loadConfig({ RELAIS_FILES_DIR: filesDir }).filesDir },
    });
    // Changing the environment once the server runs changes nothing: it was read at start.
    process.env.RELAIS_FILES_DIR = elsewhere;
    try {
      const run = await runOnce(server, writeWorkflow('out/hello.txt'));
      assert.equal(run.status, 'succeeded', run.error?.message);
      assert.equal(readFileSync(join(filesDir, 'out', 'hello.txt'), 'utf8'), 'hello from Relais');
      assert.equal(existsSync(join(elsewhere, 'out')), false);
      assert.equal(existsSync(join(server.config.dataDir, 'files', 'out')), false);
      assert.deepEqual(run.outputs.Make, [
        { at: '2030-01-02T03:04:05.000Z', now: Date.parse('2030-01-02T03:04:05.000Z') },
      ]);
    } finally {
      if (saved === undefined) delete process.env.RELAIS_FILES_DIR;
      else process.env.RELAIS_FILES_DIR = saved;
      await server.stop();
    }
  });

  it('without RELAIS_FILES_DIR the folder is files/ in the data directory', async () => {
    const server = await startTestServer();
    try {
      assert.equal(server.config.filesDir, undefined);
      const run = await runOnce(server, writeWorkflow('default.txt'));
      assert.equal(run.status, 'succeeded', run.error?.message);
      assert.equal(
        readFileSync(join(server.config.dataDir, 'files', 'default.txt'), 'utf8'),
        'hello from Relais',
      );
    } finally {
      await server.stop();
    }
  });

  it('RELAIS_CODE_TIMEOUT_MS and RELAIS_HTTP_DENY reach the nodes', async () => {
    const config = loadConfig({ RELAIS_CODE_TIMEOUT_MS: '200', RELAIS_HTTP_DENY: 'loopback' });
    const server = await startTestServer({
      config: { codeLimits: config.codeLimits, httpDeny: config.httpDeny },
    });
    try {
      const endless = await runOnce(
        server,
        oneNode('Endless', { type: 'code', typeVersion: 2, parameters: { jsCode: 'while (true) {}' } }),
      );
      assert.equal(endless.status, 'failed');
      assert.equal(endless.error?.message, 'Code execution timed out after 200 ms');
      const local = await runOnce(
        server,
        oneNode('Local', {
          type: 'httpRequest',
          typeVersion: 4.2,
          parameters: { url: `${server.url}/healthz` },
        }),
      );
      assert.equal(local.status, 'failed');
      assert.match(local.error?.message ?? '', /was refused: .* is in a denied range/);
    } finally {
      await server.stop();
    }
  });
});
