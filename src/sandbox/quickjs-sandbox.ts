/**
 * Runs untrusted JavaScript in QuickJS compiled to WebAssembly (ARCHITECTURE decision 6).
 *
 * Why quickjs-emscripten rather than isolated-vm: it is pure WebAssembly, so there is no native
 * addon to build, no install script and nothing tied to one Node ABI; and the guest has its own
 * interpreter and heap inside the WebAssembly memory, so no object, prototype or function of the
 * host can ever be reached from it — the only door is the one host function installed here, which
 * takes and returns JSON text. isolated-vm isolates as well, but is a native V8 addon that breaks on
 * Node upgrades and hands out references to host objects that must each be audited.
 * The price: QuickJS interprets (about 20–50× slower than V8 on hot loops), has no `Intl`, and runs
 * on the caller's thread (a busy loop blocks the event loop until the time limit stops it).
 *
 * One WebAssembly module is shared by the process; every run gets its own QuickJS runtime (own heap,
 * own memory limit, own interrupt handler) and context, disposed at the end. Everything after the
 * module is loaded is synchronous, so runs never interleave on the module. A failure below the
 * interpreter (host stack exhausted, aborted WebAssembly) marks the module unusable and the next run
 * loads a fresh one.
 */
import type { QuickJSContext, QuickJSHandle, QuickJSRuntime, QuickJSWASMModule } from 'quickjs-emscripten';
import { lazyImport } from '../lazy-import.js';
import type { VmThrown } from './error-format.js';

/** The library, loaded with the first Code node run: many processes never run one. */
const quickjsLibrary = lazyImport(() => import('quickjs-emscripten'));

/** File name of the user's code in stack traces; its line numbers are the user's. */
export const USER_CODE_FILE = 'code.js';

/**
 * QuickJS's own stack limit. Each QuickJS frame costs about twice as much of the host's (V8's)
 * stack, so this must stay well below Node's ~984 KB for QuickJS to report "stack overflow" before
 * the host does. 256 KB gives user code about 1,000–1,500 nested calls.
 */
const STACK_BYTES = 256 * 1024;

export interface SandboxLimits {
  timeoutMs: number;
  memoryBytes: number;
  /** Aborting it interrupts the guest at its next check (a few thousand instructions). */
  signal?: AbortSignal;
}

/** A host operation: receives JSON-decoded arguments, returns a JSON-serialisable value or throws. */
export type HostOp = (args: unknown[]) => unknown;

export interface SandboxProgram {
  /** Source of `function (host, bootJson, userFn)` returning `{ run, tick }` (see prelude.ts). */
  prelude: string;
  /** JSON text handed to the prelude. */
  boot: string;
  /** Body of the user's async function. */
  code: string;
  ops: Readonly<Record<string, HostOp>>;
  /** Scripts the guest may ask to evaluate in its global scope (`call('loadScript', name)`). */
  scripts?: Readonly<Record<string, () => string>>;
}

export type SandboxFailure =
  | { kind: 'timeout' }
  | { kind: 'cancelled' }
  | { kind: 'memory' }
  | { kind: 'stack' }
  | { kind: 'syntax'; error: VmThrown }
  | { kind: 'uncaught'; error: VmThrown }
  | { kind: 'unsettled' }
  | { kind: 'internal'; message: string };

export class SandboxError extends Error {
  override readonly name = 'SandboxError';
  constructor(readonly failure: SandboxFailure) {
    super(`Sandbox failure: ${failure.kind}${failure.kind === 'internal' ? ` (${failure.message})` : ''}`);
  }
}

let modulePromise: Promise<QuickJSWASMModule> | undefined;
let modulesLoaded = 0;

function quickjs(): Promise<QuickJSWASMModule> {
  if (!modulePromise) {
    modulesLoaded++;
    modulePromise = quickjsLibrary().then((library) => library.newQuickJSWASMModule());
    modulePromise.catch(() => {
      modulePromise = undefined;
    });
  }
  return modulePromise;
}

/** How many WebAssembly modules were loaded (1 unless one had to be discarded): for tests and metrics. */
export function sandboxModulesLoaded(): number {
  return modulesLoaded;
}

/** Room left above the guest's memory limit: the library's transient copies of strings passed in. */
const HEAP_SLACK = 16 * 1024 * 1024;
const reserved = new WeakMap<QuickJSWASMModule, number>();

/**
 * Grows the WebAssembly heap before the run, so that it does not grow during one.
 * quickjs-emscripten 0.32's `executePendingJobs` reads the job's context pointer through a typed
 * array made before the call; when the heap grows during the jobs that array is detached, the read
 * gives `undefined`, and the runtime is left with a context it can never free (JS_FreeRuntime then
 * aborts, and the module must be discarded). malloc + free only reserves address space: no page is
 * touched, the resident size does not change. If the library's layout ever changes, this does
 * nothing and the discard-and-reload path keeps runs correct, only slower.
 */
function reserveHeap(module: QuickJSWASMModule, bytes: number): void {
  if ((reserved.get(module) ?? 0) >= bytes) return;
  const emscripten = (
    module as unknown as { module?: { _malloc?: (n: number) => number; _free?: (p: number) => void } }
  ).module;
  if (typeof emscripten?._malloc !== 'function' || typeof emscripten._free !== 'function') return;
  const pointer = emscripten._malloc(bytes);
  if (pointer === 0) return;
  emscripten._free(pointer);
  reserved.set(module, bytes);
}

/** Runs the program and returns the string its `run()` promise resolves to, or throws SandboxError. */
export async function runSandboxed(program: SandboxProgram, limits: SandboxLimits): Promise<string> {
  const module = await quickjs();
  let runtime: QuickJSRuntime | undefined;
  try {
    reserveHeap(module, limits.memoryBytes + HEAP_SLACK + 3 * program.boot.length);
    runtime = module.newRuntime();
    return runInRuntime(runtime, program, limits);
  } catch (error) {
    throw belowInterpreter(error);
  } finally {
    try {
      runtime?.dispose();
    } catch {
      // A runtime that cannot be freed (leaked handle, aborted module) poisons the whole module.
      modulePromise = undefined;
    }
  }
}

/** Host-level failures (V8 stack exhausted inside WebAssembly, aborted module) end the module's life. */
function belowInterpreter(error: unknown): unknown {
  if (error instanceof SandboxError) return error;
  modulePromise = undefined;
  if (error instanceof RangeError) return new SandboxError({ kind: 'stack' });
  return new SandboxError({
    kind: 'internal',
    message: error instanceof Error ? error.message : String(error),
  });
}

interface RunState {
  interrupted: false | 'timeout' | 'cancelled';
}

function runInRuntime(runtime: QuickJSRuntime, program: SandboxProgram, limits: SandboxLimits): string {
  runtime.setMemoryLimit(limits.memoryBytes);
  runtime.setMaxStackSize(STACK_BYTES);
  runtime.setModuleLoader((name) => ({ error: new Error(`Module '${name}' is disallowed`) }));
  const state: RunState = { interrupted: false };
  // Real time on the host: the guest's own clock is the run's (prelude-core.ts) and may stand still.
  const deadline = Date.now() + limits.timeoutMs;
  runtime.setInterruptHandler(() => {
    if (limits.signal?.aborted) state.interrupted = 'cancelled';
    else if (Date.now() > deadline) state.interrupted = 'timeout';
    return state.interrupted !== false;
  });
  const vm = runtime.newContext();
  const owned: QuickJSHandle[] = [];
  const own = (handle: QuickJSHandle): QuickJSHandle => {
    owned.push(handle);
    return handle;
  };
  try {
    const host = own(vm.newFunction('host', (op, args) => hostCall(vm, program, op, args)));
    const prelude = own(evaluate(vm, state, program.prelude, 'relais-prelude.js'));
    const userFn = own(compileUserCode(vm, state, program.code));
    const boot = own(vm.newString(program.boot));
    const api = own(unwrap(vm, state, vm.callFunction(prelude, vm.undefined, host, boot, userFn)));
    const run = own(vm.getProp(api, 'run'));
    const tick = own(vm.getProp(api, 'tick'));
    const promise = own(unwrap(vm, state, vm.callFunction(run, vm.undefined)));
    return settle(vm, runtime, state, promise, tick);
  } finally {
    for (const handle of owned.reverse()) if (handle.alive) handle.dispose();
    vm.dispose();
  }
}

/**
 * The only door between guest and host: `host(op, argsJson)` answers `{"v":...}`, `{"e":{...}}` or
 * `{}`, always as a new string. Nothing the host holds is ever handed over.
 */
function hostCall(
  vm: QuickJSContext,
  program: SandboxProgram,
  opHandle: QuickJSHandle,
  argsHandle: QuickJSHandle,
) {
  let reply: string;
  try {
    const op = vm.getString(opHandle);
    const args: unknown = JSON.parse(vm.getString(argsHandle));
    if (!Array.isArray(args)) throw new Error('host arguments must be an array');
    if (op === 'loadScript') {
      loadScript(vm, program, String(args[0]));
      reply = '{}';
    } else {
      const fn = Object.hasOwn(program.ops, op) ? program.ops[op] : undefined;
      if (!fn) throw new Error(`Unknown host operation '${op}'`);
      const json = JSON.stringify(fn(args));
      reply = json === undefined ? '{}' : `{"v":${json}}`;
    }
  } catch (error) {
    const e = error as { message?: unknown; description?: unknown; name?: unknown };
    reply = JSON.stringify({
      e: {
        message: typeof e?.message === 'string' ? e.message : String(error),
        description: typeof e?.description === 'string' ? e.description : undefined,
        name: typeof e?.name === 'string' && e.name !== 'Error' ? e.name : undefined,
      },
    });
  }
  try {
    return vm.newString(reply);
  } catch {
    return vm.undefined; // the guest is out of memory: its bridge reports it
  }
}

function loadScript(vm: QuickJSContext, program: SandboxProgram, name: string): void {
  const source = program.scripts && Object.hasOwn(program.scripts, name) ? program.scripts[name] : undefined;
  if (!source) throw new Error(`Unknown script '${name}'`);
  const result = vm.evalCode(source(), `${name}.js`);
  if (result.error) {
    const info = readError(vm, result.error);
    result.error.dispose();
    throw new Error(`Could not load ${name}: ${info.message}`);
  }
  result.value.dispose();
}

function evaluate(vm: QuickJSContext, state: RunState, code: string, file: string): QuickJSHandle {
  return unwrap(vm, state, vm.evalCode(code, file, { type: 'global', strict: false }));
}

/**
 * The user's code becomes the body of an async function on line 1 of `code.js`, so `return` and
 * `await` work at its top level and stack lines are the user's own (n8n wraps it the same way).
 */
function compileUserCode(vm: QuickJSContext, state: RunState, code: string): QuickJSHandle {
  const result = vm.evalCode(`(async function VmCodeWrapper() {${code}\n})`, USER_CODE_FILE);
  if (!result.error) return result.value;
  const failure = classify(vm, state, result.error);
  const info = readError(vm, result.error);
  result.error.dispose();
  if (failure.kind !== 'internal') throw new SandboxError(failure);
  throw new SandboxError({
    kind: 'syntax',
    error: {
      type: 'error',
      name: info.name,
      message: info.message,
      text: `${info.name}: ${info.message}`,
      stack: info.stack,
    },
  });
}

type CallResult = { error: QuickJSHandle; value?: undefined } | { value: QuickJSHandle; error?: undefined };

function unwrap(vm: QuickJSContext, state: RunState, result: CallResult): QuickJSHandle {
  if (!result.error) return result.value;
  const failure = classify(vm, state, result.error);
  result.error.dispose();
  throw new SandboxError(failure);
}

/**
 * Drives the guest until `run()` settles: promise jobs first, then the next virtual timer, until
 * nothing is left. A promise still pending then can never settle (it awaits something that never
 * comes).
 */
function settle(
  vm: QuickJSContext,
  runtime: QuickJSRuntime,
  state: RunState,
  promise: QuickJSHandle,
  tick: QuickJSHandle,
): string {
  for (;;) {
    const jobs = runtime.executePendingJobs(-1);
    if (jobs.error) {
      const failure = classify(vm, state, jobs.error);
      jobs.error.dispose();
      throw new SandboxError(failure);
    }
    const promiseState = vm.getPromiseState(promise);
    // An interrupt rejects the async function it hits; whoever awaits it may catch that like any
    // rejection, so a run that was interrupted at any point is a timeout, whatever it returned.
    if (state.interrupted) {
      if (promiseState.type === 'fulfilled') promiseState.value.dispose();
      if (promiseState.type === 'rejected') promiseState.error.dispose();
      throw new SandboxError({ kind: state.interrupted });
    }
    if (promiseState.type === 'fulfilled') {
      const value = promiseState.value;
      try {
        if (vm.typeof(value) !== 'string')
          throw new SandboxError({ kind: 'internal', message: 'run() did not return a string' });
        return vm.getString(value);
      } finally {
        value.dispose();
      }
    }
    if (promiseState.type === 'rejected') {
      const failure = classify(vm, state, promiseState.error);
      promiseState.error.dispose();
      throw new SandboxError(failure);
    }
    const fired = unwrap(vm, state, vm.callFunction(tick, vm.undefined));
    const kind = vm.typeof(fired);
    const outcome = kind === 'string' ? vm.getString(fired) : kind === 'number' ? vm.getNumber(fired) : 0;
    fired.dispose();
    if (typeof outcome === 'string') {
      const parsed = JSON.parse(outcome) as { uncaught: VmThrown };
      throw new SandboxError({ kind: 'uncaught', error: parsed.uncaught });
    }
    if (outcome === 0) throw new SandboxError({ kind: 'unsettled' });
  }
}

/** What stopped the guest: our interrupt, its memory limit, or something else (internal). */
function classify(vm: QuickJSContext, state: RunState, error: QuickJSHandle): SandboxFailure {
  if (state.interrupted) return { kind: state.interrupted };
  const info = readError(vm, error);
  if (info.name === 'InternalError' && info.message === 'out of memory') return { kind: 'memory' };
  return { kind: 'internal', message: `${info.name}: ${info.message}` };
}

/** Reads name/message/stack as plain properties: no guest code runs (it may be out of time). */
function readError(
  vm: QuickJSContext,
  error: QuickJSHandle,
): { name: string; message: string; stack?: string } {
  if (vm.typeof(error) !== 'object') return { name: 'Error', message: String(vm.dump(error)) };
  const read = (key: string): string | undefined => {
    const handle = vm.getProp(error, key);
    try {
      return vm.typeof(handle) === 'string' ? vm.getString(handle) : undefined;
    } finally {
      handle.dispose();
    }
  };
  return { name: read('name') ?? 'Error', message: read('message') ?? '', stack: read('stack') };
}
