import assert from 'node:assert/strict';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { binaryAccessFor } from '../binary/access.js';
import { BinaryStore } from '../binary/store.js';
import { loadConfig } from '../config.js';
import { NonRetryableError } from '../engine/errors.js';
import { binaryServices } from '../testing/binary-services.js';
import { type RunNodeOptions, runNode as runNodeWith } from '../testing/run-node.js';
import { globFiles, readWriteFileNode } from './read-write-file.node.js';
import type { AnyNodeDefinition } from './sdk.js';
import { defaultNodeSettings, NODE_SETTINGS, nodeSettingsFromConfig } from './settings.js';

const base = mkdtempSync(join(tmpdir(), 'relais-files-'));
const root = join(base, 'files');
const outside = join(base, 'outside');

before(() => {
  mkdirSync(join(root, 'imports', '2026'), { recursive: true });
  mkdirSync(outside, { recursive: true });
  writeFileSync(join(root, 'a.txt'), 'A');
  writeFileSync(join(root, 'b.txt'), 'BB');
  writeFileSync(join(root, 'c.md'), '# C');
  writeFileSync(join(root, '.hidden.txt'), 'secret');
  writeFileSync(join(root, 'imports', 'patients.csv'), 'id;nom\n1;Durand');
  writeFileSync(join(root, 'imports', '2026', 'rdv.csv'), 'id\n9');
  writeFileSync(join(outside, 'passwd'), 'root:x:0:0');
  symlinkSync(join(outside, 'passwd'), join(root, 'link-out.txt'));
  symlinkSync(outside, join(root, 'dir-out'));
  symlinkSync(join(root, 'a.txt'), join(root, 'link-in.txt'));
});
after(() => {
  rmSync(base, { recursive: true, force: true });
});

/** The folder reaches the node as the runtime gives it: the NODE_SETTINGS service. */
const runNode = (def: AnyNodeDefinition, opts: RunNodeOptions = {}) =>
  runNodeWith(def, { ...opts, services: { [NODE_SETTINGS.name]: { filesDir: root }, ...opts.services } });

const read = (fileSelector: string, options: Record<string, unknown> = {}) =>
  runNode(readWriteFileNode, { parameters: { fileSelector, options }, items: [{}] });

test('the folder: RELAIS_FILES_DIR, else files/ in the data directory, read at start', () => {
  const folder = (env: Record<string, string>) => nodeSettingsFromConfig(loadConfig(env)).filesDir;
  assert.equal(folder({ RELAIS_FILES_DIR: '/srv/relais-files' }), '/srv/relais-files');
  assert.equal(
    folder({ RELAIS_FILES_DIR: '/srv/relais-files', RELAIS_DATA_DIR: '/var/lib/relais' }),
    '/srv/relais-files',
  );
  assert.equal(folder({ RELAIS_DATA_DIR: '/var/lib/relais' }), '/var/lib/relais/files');
  assert.equal(folder({}), resolve('./data/files'));
  assert.equal(
    defaultNodeSettings().filesDir,
    resolve('./data/files'),
    'without the service: the same default',
  );
});

test('the node uses the folder of its settings service, not the environment at run time', async () => {
  const configured = mkdtempSync(join(tmpdir(), 'relais-files-configured-'));
  const saved = { files: process.env.RELAIS_FILES_DIR, data: process.env.RELAIS_DATA_DIR };
  process.env.RELAIS_FILES_DIR = outside;
  process.env.RELAIS_DATA_DIR = outside;
  try {
    const item = {
      json: {},
      binary: { data: { data: Buffer.from('here').toString('base64'), mimeType: 'text/plain' } },
    };
    await runNodeWith(readWriteFileNode, {
      parameters: { operation: 'write', fileName: 'configured.txt' },
      items: [item],
      services: { [NODE_SETTINGS.name]: { filesDir: configured } },
    });
    assert.equal(readFileSync(join(configured, 'configured.txt'), 'utf8'), 'here');
    assert.equal(existsSync(join(outside, 'configured.txt')), false);
    const { json } = await runNodeWith(readWriteFileNode, {
      parameters: { fileSelector: '*.txt' },
      items: [{}],
      services: { [NODE_SETTINGS.name]: { filesDir: configured } },
    });
    assert.deepEqual(
      json[0].map((j) => j.fileName),
      ['configured.txt'],
    );
  } finally {
    for (const [name, value] of [
      ['RELAIS_FILES_DIR', saved.files],
      ['RELAIS_DATA_DIR', saved.data],
    ] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    rmSync(configured, { recursive: true, force: true });
  }
});

test('read one file: binary data and n8n metadata', async () => {
  const { outputs } = await read('a.txt');
  assert.deepEqual(outputs, [
    [
      {
        json: {
          mimeType: 'text/plain',
          fileType: 'text',
          fileName: 'a.txt',
          fileExtension: 'txt',
          fileSize: 1,
        },
        binary: {
          data: {
            data: Buffer.from('A').toString('base64'),
            mimeType: 'text/plain',
            fileName: 'a.txt',
            fileExtension: 'txt',
            fileSize: 1,
          },
        },
        pairedItem: { item: 0 },
      },
    ],
  ]);
});

test('read with patterns: *, **, {a,b}, ?, [..]; dot files skipped; sorted; nothing found → no item', async () => {
  const names = async (selector: string) => (await read(selector)).json[0].map((j) => j.fileName);
  assert.deepEqual(await names('*.txt'), ['a.txt', 'b.txt', 'link-in.txt']);
  assert.deepEqual(await names('**/*.csv'), ['rdv.csv', 'patients.csv']);
  assert.deepEqual(await names('imports/**'), ['rdv.csv', 'patients.csv']);
  assert.deepEqual(await names('{a,c}.*'), ['a.txt', 'c.md']);
  assert.deepEqual(await names('?.txt'), ['a.txt', 'b.txt']);
  assert.deepEqual(await names('[ab].txt'), ['a.txt', 'b.txt']);
  assert.deepEqual(await names('.*.txt'), ['.hidden.txt']);
  assert.deepEqual(await names(`${root}/imports/*.csv`), ['patients.csv']);
  assert.deepEqual(await names('nothing-*.pdf'), []);
  assert.deepEqual(await globFiles(root, 'imports/2026/rdv.csv'), [join(root, 'imports', '2026', 'rdv.csv')]);
});

test('read options override the metadata and the output field', async () => {
  const { outputs } = await read('b.txt', {
    dataPropertyName: 'file',
    fileName: 'renamed.dat',
    mimeType: 'application/x-custom',
    fileExtension: 'dat',
  });
  const item = outputs[0][0];
  assert.deepEqual(Object.keys(item.binary ?? {}), ['file']);
  assert.deepEqual(item.json, {
    mimeType: 'application/x-custom',
    fileName: 'renamed.dat',
    fileExtension: 'dat',
    fileSize: 2,
  });
});

test('paths leaving the folder are refused: .., absolute paths, symbolic links', async () => {
  for (const selector of [
    '../outside/passwd',
    `${outside}/passwd`,
    '/etc/passwd',
    'imports/../../outside/*',
    'link-out.txt',
    'dir-out/passwd',
  ]) {
    await assert.rejects(read(selector), (e: Error) => {
      assert.ok(e instanceof NonRetryableError, selector);
      assert.match(e.message, /^Access to '.*' is not allowed$/);
      return true;
    });
  }
  // A link inside the folder is fine.
  assert.equal((await read('link-in.txt')).json[0][0].fileSize, 1);
});

test('write: creates folders, truncates, appends; the item passes on with fileName', async () => {
  const item = {
    json: { id: 1 },
    binary: { data: { data: Buffer.from('hello').toString('base64'), mimeType: 'text/plain' } },
  };
  const { outputs } = await runNode(readWriteFileNode, {
    parameters: { operation: 'write', fileName: 'exports/2026/out.txt' },
    items: [item],
  });
  assert.deepEqual(outputs[0][0], {
    json: { id: 1, fileName: 'exports/2026/out.txt' },
    binary: item.binary,
    pairedItem: { item: 0 },
  });
  assert.equal(readFileSync(join(root, 'exports', '2026', 'out.txt'), 'utf8'), 'hello');
  await runNode(readWriteFileNode, {
    parameters: { operation: 'write', fileName: 'exports/2026/out.txt' },
    items: [item],
  });
  assert.equal(readFileSync(join(root, 'exports', '2026', 'out.txt'), 'utf8'), 'hello');
  await runNode(readWriteFileNode, {
    parameters: { operation: 'write', fileName: `${root}/exports/2026/out.txt`, options: { append: true } },
    items: [item],
  });
  assert.equal(readFileSync(join(root, 'exports', '2026', 'out.txt'), 'utf8'), 'hellohello');
});

test('write refuses targets outside the folder, through .. or links', async () => {
  const item = { json: {}, binary: { data: { data: 'eA==', mimeType: 'text/plain' } } };
  for (const fileName of [
    '../escape.txt',
    `${outside}/x.txt`,
    'link-out.txt',
    'dir-out/new.txt',
    'dir-out/sub/new.txt',
    '.',
  ]) {
    await assert.rejects(
      runNode(readWriteFileNode, { parameters: { operation: 'write', fileName }, items: [item] }),
      (e: Error) => e instanceof NonRetryableError && /is not allowed/.test(e.message),
      fileName,
    );
  }
  assert.equal(readFileSync(join(outside, 'passwd'), 'utf8'), 'root:x:0:0');
  assert.equal(existsSync(join(outside, 'new.txt')), false);
  assert.equal(existsSync(join(outside, 'sub')), false);
});

test('write errors: missing binary property, empty file name, a folder as target; continue on fail', async () => {
  await assert.rejects(
    runNode(readWriteFileNode, {
      parameters: { operation: 'write', fileName: 'x.txt' },
      items: [{ json: {}, binary: {} }],
    }),
    /expects the node's input data to contain a binary file 'data'/,
  );
  await assert.rejects(
    runNode(readWriteFileNode, {
      parameters: { operation: 'write', fileName: ' ' },
      items: [{ json: {}, binary: { data: { data: '', mimeType: 'text/plain' } } }],
    }),
    /Invalid parameter 'fileName'/,
  );
  await assert.rejects(
    runNode(readWriteFileNode, {
      parameters: { operation: 'write', fileName: 'imports' },
      items: [{ json: {}, binary: { data: { data: 'eA==', mimeType: 'text/plain' } } }],
    }),
    /The file path expected but a given path is a directory/,
  );
  const { json } = await runNode(readWriteFileNode, {
    parameters: { operation: 'write', fileName: 'ok.txt' },
    items: [{ json: {} }, { json: {}, binary: { data: { data: 'eA==', mimeType: 'text/plain' } } }],
    onError: 'continue',
  });
  assert.deepEqual(json, [[{ error: 'No binary data exists on item!' }, { fileName: 'ok.txt' }]]);
});

test('large files go through the binary store both ways', async () => {
  const store = new BinaryStore({ dataDir: base, inlineLimit: 16 });
  const services = binaryServices(binaryAccessFor(store, 'run-files'));
  const big = Buffer.alloc(5000, 65);
  writeFileSync(join(root, 'big.bin'), big);
  const { outputs } = await runNode(readWriteFileNode, {
    parameters: { fileSelector: 'big.bin' },
    items: [{}],
    services,
  });
  const stored = outputs[0][0].binary?.data;
  assert.match(stored?.id ?? '', /^fs:run-files\//);
  assert.equal(stored?.fileSize, 5000);
  await runNode(readWriteFileNode, {
    parameters: { operation: 'write', fileName: 'copy.bin' },
    items: [outputs[0][0]],
    services,
  });
  assert.ok(readFileSync(join(root, 'copy.bin')).equals(big));
});

test('an empty selector is a parameter error', async () => {
  await assert.rejects(read(''), /Invalid parameter 'fileSelector'/);
});
