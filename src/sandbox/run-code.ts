/**
 * Runs a Code node's JavaScript for one node execution: one QuickJS runtime and context, the input
 * items copied in once as JSON, the user's function called once (all items) or once per item in the
 * same context (each item), then the result checked and turned into items the way n8n does.
 * The guest reaches the run only through the host operations below, each answering JSON copies.
 */
import { NodeError, NonRetryableError } from '../engine/errors.js';
import type { Item } from '../engine/items.js';
import type { ExpressionData } from '../expressions/types.js';
import { errorItem, type NodeContext } from '../nodes/sdk.js';
import {
  checkEachItemCode,
  itemFromEachItemResult,
  itemsFromAllItemsResult,
  pairUnpaired,
} from './code-result.js';
import { type FormattedError, formatThrown, type VmThrown } from './error-format.js';
import { luxonOps, luxonScript } from './luxon-host.js';
import { PRELUDE_SOURCE } from './prelude.js';
import { type HostOp, runSandboxed, SandboxError, type SandboxFailure } from './quickjs-sandbox.js';

export type CodeMode = 'runOnceForAllItems' | 'runOnceForEachItem';

export interface CodeLimits {
  timeoutMs: number;
  memoryMb: number;
}

/** Without RELAIS_CODE_TIMEOUT_MS / RELAIS_CODE_MEMORY_MB (the node gets them from its settings). */
export const DEFAULT_CODE_LIMITS: CodeLimits = { timeoutMs: 10_000, memoryMb: 128 };

const MAX_LOG_LINES = 1000;
const MAX_LOG_LINE = 10_000;

type EachEntry = { i: number; json?: unknown; binary?: unknown; error?: VmThrown };
type DriverResult = {
  v?: unknown;
  items?: EachEntry[];
  error?: VmThrown;
  index?: number;
  unserializable?: VmThrown;
};

export async function runCode(
  ctx: NodeContext<unknown>,
  opts: { code: string; mode: CodeMode; limits: CodeLimits },
): Promise<Item[]> {
  const each = opts.mode === 'runOnceForEachItem';
  if (each) checkEachItemCode(opts.code);
  const data = ctx.expressionData(0);
  let raw: string;
  try {
    raw = await runSandboxed(
      {
        prelude: PRELUDE_SOURCE,
        boot: bootData(ctx, data, each),
        code: opts.code,
        ops: hostOps(ctx, data),
        scripts: { luxon: luxonScript },
      },
      {
        timeoutMs: opts.limits.timeoutMs,
        memoryBytes: opts.limits.memoryMb * 1024 * 1024,
        signal: ctx.signal,
      },
    );
  } catch (error) {
    if (!(error instanceof SandboxError)) throw error;
    return failed(ctx, error.failure, opts, each);
  }
  const result = JSON.parse(raw) as DriverResult;
  if (result.unserializable) {
    throw new NonRetryableError(
      `Code returned data that cannot be turned into JSON: ${formatThrown(result.unserializable).message}`,
      {
        code: 'CODE_INVALID_RESULT',
        description: 'Return plain objects, arrays, strings, numbers, booleans and null.',
      },
    );
  }
  return each ? eachItemOutput(result, opts.limits) : allItemsOutput(ctx, result, opts.limits);
}

function allItemsOutput(ctx: NodeContext<unknown>, result: DriverResult, limits: CodeLimits): Item[] {
  if (result.error) {
    const error = userError(result.error, limits);
    if (!ctx.continueOnFail) throw error;
    return [errorItem(error, 0)];
  }
  return pairUnpaired(itemsFromAllItemsResult(result.v), ctx.items.length);
}

function eachItemOutput(result: DriverResult, limits: CodeLimits): Item[] {
  if (result.error) throw userError(result.error, limits, result.index);
  const out: Item[] = [];
  for (const entry of result.items ?? []) {
    out.push(
      entry.error
        ? errorItem(userError(entry.error, limits, entry.i), entry.i)
        : itemFromEachItemResult(entry, entry.i),
    );
  }
  return out;
}

/** An error thrown by the user's code, worded as n8n words it ("mineur: Juliette [line 1]"). */
function userError(thrown: VmThrown, limits: CodeLimits, itemIndex?: number, code?: string): NodeError {
  if (thrown.type === 'error' && thrown.name === 'InternalError' && thrown.message === 'out of memory') {
    return memoryError(limits);
  }
  const syntax = code === undefined ? undefined : { lines: code.split('\n').length };
  return fromFormatted(formatThrown(thrown, { syntax }), itemIndex, syntax !== undefined);
}

function fromFormatted(formatted: FormattedError, itemIndex: number | undefined, syntax: boolean): NodeError {
  const opts = {
    code: syntax ? 'CODE_SYNTAX_ERROR' : 'CODE_ERROR',
    description: formatted.description,
    itemIndex,
  };
  return syntax ? new NonRetryableError(formatted.message, opts) : new NodeError(formatted.message, opts);
}

function memoryError(limits: CodeLimits): NonRetryableError {
  return new NonRetryableError(`Code execution exceeded the memory limit of ${limits.memoryMb} MB`, {
    code: 'CODE_MEMORY_LIMIT',
    description:
      'The code allocated more memory than allowed (RELAIS_CODE_MEMORY_MB). Process fewer items at once.',
  });
}

function failed(
  ctx: NodeContext<unknown>,
  failure: SandboxFailure,
  { code, limits }: { code: string; limits: CodeLimits },
  each: boolean,
): Item[] {
  switch (failure.kind) {
    case 'syntax': {
      const error = userError(failure.error, limits, each ? 0 : undefined, code);
      if (!ctx.continueOnFail) throw error;
      // n8n compiles per item in this mode, so every item fails the same way.
      return each ? ctx.items.map((_, i) => errorItem(error, i)) : [errorItem(error, 0)];
    }
    case 'timeout':
      throw new NonRetryableError(`Code execution timed out after ${limits.timeoutMs} ms`, {
        code: 'CODE_TIMEOUT',
        description: 'The code ran longer than allowed (RELAIS_CODE_TIMEOUT_MS). Look for an endless loop.',
      });
    case 'memory':
      throw memoryError(limits);
    case 'stack':
      throw new NonRetryableError('Maximum call stack size exceeded', {
        code: 'CODE_STACK_LIMIT',
        description: 'The code nests function calls too deeply (endless recursion?).',
      });
    case 'cancelled':
      throw new NonRetryableError('Code execution was cancelled', { code: 'CANCELLED' });
    case 'uncaught':
      throw userError(failure.error, limits);
    case 'unsettled':
      throw new NonRetryableError('Code did not finish: it awaits a promise that never settles', {
        code: 'CODE_UNSETTLED',
        description: 'Every promise the code awaits must resolve or reject.',
      });
    case 'internal':
      throw new NodeError(`Code sandbox failed: ${failure.message}`, { code: 'CODE_SANDBOX_FAILED' });
  }
}

// ---------------------------------------------------------------- what the guest sees

function vmItem(item: Item, pairedItem = item.pairedItem): Record<string, unknown> {
  const out: Record<string, unknown> = { json: item.json };
  if (item.binary !== undefined) out.binary = item.binary;
  if (pairedItem !== undefined) out.pairedItem = pairedItem;
  return out;
}

function bootData(ctx: NodeContext<unknown>, data: ExpressionData, each: boolean): string {
  return JSON.stringify({
    mode: each ? 'each' : 'all',
    // n8n hands a node its input items paired to their index, so returning a subset keeps lineage.
    items: ctx.items.map((item, index) => vmItem(item, { item: index })),
    continueOnFail: ctx.continueOnFail,
    runIndex: ctx.runIndex,
    runMode: ctx.mode,
    workflow: { id: data.workflow.id, name: data.workflow.name, active: data.workflow.active },
    execution: { id: data.execution.id, mode: data.execution.mode, resumeUrl: data.execution.resumeUrl },
    vars: { ...data.vars },
    parameter: ctx.node.parameters,
    nodeId: ctx.node.id,
    nodeVersion: ctx.node.typeVersion,
    prevNode: data.prevNode ?? null,
    now: data.now().toMillis(),
    timezone: data.timezone,
  });
}

function hostOps(ctx: NodeContext<unknown>, data: ExpressionData): Record<string, HostOp> {
  const name = (value: unknown): string => String(value);
  const index = (value: unknown, fallback: number): number =>
    typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : fallback;
  return {
    log: consoleLogger(ctx),
    nodeInfo: ([node]) => ({
      exists: data.hasNode(name(node)),
      executed: data.hasNode(name(node)) && data.isExecuted(name(node)),
    }),
    nodeOutput: ([node, output, run]) => {
      const runIndex = typeof run === 'number' && Number.isInteger(run) && run >= 0 ? run : undefined;
      return data.nodeOutput(name(node), index(output, 0), runIndex).map((item) => vmItem(item));
    },
    pairedItem: ([node, item]) => vmItem(data.pairedItem(name(node), index(item, 0))),
    params: ([node]) => data.nodeParameters(node === undefined || node === null ? undefined : name(node)),
    evaluate: ([expression, item]) => ctx.evaluate(`=${String(expression)}`, index(item, 0)),
    ...luxonOps,
  };
}

/** `console.*` lines go to the step's log, bounded so a chatty loop cannot flood the run record. */
function consoleLogger(ctx: NodeContext<unknown>): HostOp {
  let lines = 0;
  return ([level, text]) => {
    lines++;
    if (lines > MAX_LOG_LINES + 1) return;
    if (lines === MAX_LOG_LINES + 1) {
      ctx.stepLog(`[console] output truncated after ${MAX_LOG_LINES} lines`);
      return;
    }
    let line = String(text);
    if (line.length > MAX_LOG_LINE) line = `${line.slice(0, MAX_LOG_LINE)}… [truncated]`;
    ctx.stepLog(level === 'warn' || level === 'error' ? `[${String(level)}] ${line}` : line);
  };
}
