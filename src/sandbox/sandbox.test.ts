/**
 * The sandbox's promises: nothing of the host is reachable, time and memory are bounded, a run that
 * fails in any way leaves the next one unaffected.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../config.js';
import { NonRetryableError } from '../engine/errors.js';
import { codeNode } from '../nodes/code.node.js';
import { NODE_SETTINGS, nodeSettingsFromConfig } from '../nodes/settings.js';
import { runNode } from '../testing/run-node.js';
import { runSandboxed, SandboxError, sandboxModulesLoaded } from './quickjs-sandbox.js';
import { type CodeLimits, DEFAULT_CODE_LIMITS } from './run-code.js';

/** Limits the Code node gets from its settings service (none: the defaults). */
let limits: Partial<CodeLimits> | undefined;

const run = (jsCode: string, mode = 'runOnceForAllItems') =>
  runNode(codeNode, {
    parameters: { mode, jsCode },
    items: [{ a: 1 }],
    services: limits && { [NODE_SETTINGS.name]: { codeLimits: { ...DEFAULT_CODE_LIMITS, ...limits } } },
  });

async function withLimits<T>(given: Partial<CodeLimits>, fn: () => Promise<T>): Promise<T> {
  limits = given;
  try {
    return await fn();
  } finally {
    limits = undefined;
  }
}

async function value(expression: string): Promise<unknown> {
  const { json } = await run(`return [{ json: { v: ${expression} } }]`);
  return json[0][0].v;
}

async function failsWith(promise: Promise<unknown>, message: string | RegExp): Promise<void> {
  await assert.rejects(promise, (error: Error) => {
    assert.ok(error instanceof NonRetryableError, `expected a NonRetryableError, got ${error}`);
    if (typeof message === 'string') assert.equal(error.message, message);
    else assert.match(error.message, message);
    return true;
  });
}

// ---------------------------------------------------------------- no door to the host

test('no require, process, Buffer, module, fetch, host bridge or Node globals', async () => {
  for (const name of [
    'process',
    'Buffer',
    'module',
    'exports',
    'global',
    'fetch',
    'XMLHttpRequest',
    'WebAssembly',
    'host',
    'std',
    'os',
  ]) {
    assert.equal(await value(`typeof ${name}`), 'undefined', name);
  }
  await assert.rejects(run("require('fs')"), /Module 'fs' is disallowed/);
  await assert.rejects(
    run("require('child_process').execSync('id')"),
    /Module 'child_process' is disallowed/,
  );
});

test('import() of any module is refused', async () => {
  await assert.rejects(run("await import('fs')"), /Module 'fs' is disallowed/);
  await assert.rejects(run("await import('node:child_process')"), /disallowed/);
  await assert.rejects(
    run("import fs from 'fs'"),
    /line 1/,
    'static import is a syntax error in a function body',
  );
});

test('globalThis holds only JavaScript built-ins and the documented n8n globals', async () => {
  const names = (await value('Object.getOwnPropertyNames(globalThis)')) as string[];
  const builtIns = new Set([
    'Object',
    'Function',
    'Array',
    'Number',
    'parseFloat',
    'parseInt',
    'Infinity',
    'NaN',
    'undefined',
    'Boolean',
    'String',
    'Symbol',
    'Date',
    'Promise',
    'RegExp',
    'Error',
    'AggregateError',
    'EvalError',
    'RangeError',
    'ReferenceError',
    'SyntaxError',
    'TypeError',
    'URIError',
    'InternalError',
    'globalThis',
    'JSON',
    'Math',
    'Intl',
    'ArrayBuffer',
    'SharedArrayBuffer',
    'Atomics',
    'Uint8Array',
    'Int8Array',
    'Uint16Array',
    'Int16Array',
    'Uint32Array',
    'Int32Array',
    'Float16Array',
    'Float32Array',
    'Float64Array',
    'Uint8ClampedArray',
    'BigUint64Array',
    'BigInt64Array',
    'DataView',
    'Map',
    'BigInt',
    'Set',
    'WeakMap',
    'WeakSet',
    'Proxy',
    'Reflect',
    'decodeURI',
    'decodeURIComponent',
    'encodeURI',
    'encodeURIComponent',
    'escape',
    'unescape',
    'eval',
    'isFinite',
    'isNaN',
    'WeakRef',
    'FinalizationRegistry',
    'Iterator',
  ]);
  const sandboxGlobals = new Set([
    'console',
    'setTimeout',
    'setInterval',
    'setImmediate',
    'clearTimeout',
    'clearInterval',
    'clearImmediate',
    'queueMicrotask',
    'require',
    '$input',
    '$json',
    '$data',
    '$binary',
    '$itemIndex',
    '$position',
    '$thisItemIndex',
    '$thisItem',
    'items',
    'item',
    '$runIndex',
    '$thisRunIndex',
    '$mode',
    '$workflow',
    '$vars',
    '$parameter',
    '$nodeId',
    '$nodeVersion',
    '$prevNode',
    '$execution',
    '$env',
    '$jmespath',
    '$jmesPath',
    '$getWorkflowStaticData',
    '$item',
    '$evaluateExpression',
    '$',
    '$node',
    '$items',
    'DateTime',
    'Duration',
    'Interval',
    '$now',
    '$today',
    'luxon',
  ]);
  const unexpected = names.filter((n) => !builtIns.has(n) && !sandboxGlobals.has(n));
  assert.deepEqual(unexpected, []);
});

test('the Function constructor and prototype walks only reach the sandbox itself', async () => {
  assert.equal(await value("(function () {}).constructor('return typeof process')()"), 'undefined');
  assert.equal(await value('console.log.constructor(\'return typeof require("fs")\')'), undefined);
  assert.equal(await value("$input.all.constructor.constructor('return this')() === globalThis"), true);
  assert.equal(await value('Object.getPrototypeOf($input.all()[0]) === Object.prototype'), true);
});

test('what the code changes in the sandbox does not reach the host or the next run', async () => {
  await run(
    'Object.prototype.polluted = true; Array.prototype.push = null; JSON.stringify = () => "[]"; return [];',
  );
  assert.equal(({} as { polluted?: boolean }).polluted, undefined);
  assert.equal(await value('({}).polluted === undefined && typeof Array.prototype.push'), 'function');
});

// ---------------------------------------------------------------- limits

test('limits come from the node settings (RELAIS_CODE_TIMEOUT_MS / RELAIS_CODE_MEMORY_MB at start), with defaults', async () => {
  assert.deepEqual(DEFAULT_CODE_LIMITS, { timeoutMs: 10_000, memoryMb: 128 });
  const limits = (env: Record<string, string>) => nodeSettingsFromConfig(loadConfig(env)).codeLimits;
  assert.deepEqual(limits({}), { timeoutMs: 10_000, memoryMb: 128 });
  assert.deepEqual(limits({ RELAIS_CODE_TIMEOUT_MS: '250', RELAIS_CODE_MEMORY_MB: '64' }), {
    timeoutMs: 250,
    memoryMb: 64,
  });
  assert.deepEqual(limits({ RELAIS_CODE_MEMORY_MB: '64' }), { timeoutMs: 10_000, memoryMb: 64 });
  // Read from the service, not from the environment while the node runs.
  const saved = process.env.RELAIS_CODE_TIMEOUT_MS;
  process.env.RELAIS_CODE_TIMEOUT_MS = '1';
  try {
    assert.deepEqual((await run('let n = 0; for (let i = 0; i < 1e5; i++) n++; return [{ n }]')).json, [
      [{ n: 100_000 }],
    ]);
  } finally {
    if (saved === undefined) delete process.env.RELAIS_CODE_TIMEOUT_MS;
    else process.env.RELAIS_CODE_TIMEOUT_MS = saved;
  }
});

test('an endless loop stops at the time limit with a clear error', async () => {
  await withLimits({ timeoutMs: 300 }, async () => {
    const started = Date.now();
    await failsWith(run('while (true) {}'), 'Code execution timed out after 300 ms');
    assert.ok(Date.now() - started < 2000);
    await failsWith(
      run('try { while (true) {} } catch (e) { return [{ caught: String(e) }] }'),
      'Code execution timed out after 300 ms',
    );
    await failsWith(
      run('try { await (async () => { for (;;); })() } catch {} return []'),
      'Code execution timed out after 300 ms',
    );
    await failsWith(
      run('setInterval(() => {}, 10); await new Promise(() => {})'),
      'Code execution timed out after 300 ms',
    );
    await failsWith(run('while (true) {}', 'runOnceForEachItem'), 'Code execution timed out after 300 ms');
  });
});

test('a memory bomb stops at the memory limit with a clear error', async () => {
  await withLimits({ memoryMb: 16 }, async () => {
    await failsWith(
      run('const a = []; while (true) a.push({ i: a.length, s: "abc" + a.length });'),
      'Code execution exceeded the memory limit of 16 MB',
    );
    await failsWith(
      run('try { new Array(1e7).fill(1) } catch (e) { throw e }'),
      'Code execution exceeded the memory limit of 16 MB',
    );
    await failsWith(
      run('const a = []; while (true) a.push({ i: a.length });', 'runOnceForEachItem'),
      'Code execution exceeded the memory limit of 16 MB',
    );
  });
  await failsWith(
    run('const big = new ArrayBuffer(512 * 1024 * 1024); return []'),
    'Code execution exceeded the memory limit of 128 MB',
  );
});

test('code that catches running out of memory and recovers goes on', async () => {
  await withLimits({ memoryMb: 16 }, async () => {
    const { json } = await run(
      'try { new ArrayBuffer(64 * 1024 * 1024) } catch (e) { return [{ recovered: String(e) }] }',
    );
    assert.deepEqual(json, [[{ recovered: 'InternalError: out of memory' }]]);
  });
});

test('endless recursion fails cleanly and the sandbox keeps working', async () => {
  const loaded = sandboxModulesLoaded();
  await assert.rejects(run('function f(n) { return f(n + 1) + 1 }\nf(0)'), /stack overflow \[line 1\]/);
  assert.deepEqual((await run('return [{ ok: true }]')).json, [[{ ok: true }]]);
  assert.equal(sandboxModulesLoaded(), loaded, 'the WebAssembly module was not discarded');
});

test('a promise that never settles is an error, not a hang', async () => {
  await failsWith(
    run('await new Promise(() => {}); return []'),
    'Code did not finish: it awaits a promise that never settles',
  );
});

test('an error thrown by a timer callback fails the node; timers left when the code returns are dropped', async () => {
  await assert.rejects(
    run(
      'setTimeout(() => { throw new Error("late") }, 10); await new Promise((r) => setTimeout(r, 20)); return []',
    ),
    { message: 'late' },
  );
  assert.deepEqual(
    (await run('setTimeout(() => { throw new Error("never") }, 10); return [{ done: true }]')).json,
    [[{ done: true }]],
  );
});

test('many runs, failing or not, reuse one WebAssembly module and leak nothing', async () => {
  const before = sandboxModulesLoaded();
  for (let i = 0; i < 30; i++) {
    await run('return [{ i: 1 }]');
    await assert.rejects(run('throw new Error("x")'));
    await assert.rejects(run('const x = ;'));
    await assert.rejects(run('return 5'));
    await run('await new Promise((r) => setTimeout(r, 5)); return [{ d: DateTime.now().toISO() }]');
  }
  assert.equal(sandboxModulesLoaded(), before);
});

test('an aborted signal interrupts the guest', async () => {
  const controller = new AbortController();
  controller.abort();
  const program = {
    prelude:
      '(function () { return { run: async function () { for (;;); }, tick: function () { return 0; } }; })',
    boot: '{}',
    code: '',
    ops: {},
  };
  await assert.rejects(
    runSandboxed(program, { timeoutMs: 10_000, memoryBytes: 16 << 20, signal: controller.signal }),
    (e) => {
      assert.ok(e instanceof SandboxError);
      assert.equal(e.failure.kind, 'cancelled');
      return true;
    },
  );
});

test('Luxon is only loaded by the runs that use it', async () => {
  assert.equal(await value('typeof luxon'), 'undefined');
  assert.equal(await value('typeof DateTime.now() && typeof luxon'), 'object');
});

test('performance: one runtime per execution, the function run per item in it', async () => {
  const items = Array.from({ length: 1000 }, (_, i) => ({ i, name: `n${i}`, tags: ['a', 'b'] }));
  const started = performance.now();
  const { json } = await runNode(codeNode, {
    parameters: { mode: 'runOnceForEachItem', jsCode: 'return { j: $json.i * 2 }' },
    items,
  });
  const elapsed = performance.now() - started;
  assert.equal(json[0].length, 1000);
  assert.equal(json[0][999].j, 1998);
  assert.ok(elapsed < 3000, `1,000 items took ${elapsed.toFixed(0)} ms`);
});
