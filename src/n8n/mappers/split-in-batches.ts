/**
 * Split In Batches → Loop Over Items (v3) (`SplitInBatches/v1`, `v2`, `v3/SplitInBatchesV3.node.ts`).
 *
 * - v1: one output, `batchSize` default 10. Each run hands out the next batch; with none left it
 *   outputs nothing. Workflows find the end of the loop with an IF on
 *   `$node["Split In Batches"].context["noItemsLeft"]`.
 * - v2: outputs `[loop, done]`, `batchSize` default 10, otherwise v3's logic.
 * - v3: outputs `[done, loop]`, `batchSize` default 1.
 *
 * v1's output becomes v3's `loop` output: the batches are the same, and v3's `done` fires only once
 * no batch is left, which v1 connections never used. Node context is not readable from Relais
 * expressions, so the usual v1 pattern (an IF testing `noItemsLeft` whose one branch leaves the
 * loop) is rewritten by `rewriteLegacyLoops`: the IF always continues the loop, and its exit branch
 * is connected to the loop's `done` output instead.
 */
import type { Connection, Workflow } from '../../engine/workflow.js';
import { clone, isRecord, list, record } from '../params.js';
import type { ConversionReport } from '../report.js';
import { CONTEXT_WARNING } from '../scan.js';
import type { MapContext, MappedNode, N8nWorkflow, Params } from '../types.js';

const DONE = 0;
const LOOP = 1;

export function mapSplitInBatches(p: Params, ctx: MapContext): MappedNode {
  if (ctx.version >= 3) return { type: 'splitInBatches', parameters: clone(p), outputs: [[DONE], [LOOP]] };
  const parameters: Params = { batchSize: p.batchSize ?? 10, options: clone(record(p.options)) };
  if (ctx.version >= 2) return { type: 'splitInBatches', parameters, outputs: [[LOOP], [DONE]] };
  return { type: 'splitInBatches', parameters, outputs: [[LOOP]] };
}

/** `$node["X"].context["noItemsLeft"]`, `$node.X.context.noItemsLeft`, `$('X').context.noItemsLeft`. */
const NO_ITEMS_LEFT =
  /\$(?:node\s*\[\s*(['"])(?<a>(?:(?!\1).)+)\1\s*\]|node\.(?<b>[\w$]+)|\(\s*(['"])(?<c>(?:(?!\4).)+)\4\s*\))\s*\.\s*context\s*(?:\[\s*['"]noItemsLeft['"]\s*\]|\.\s*noItemsLeft)/;

function legacyLoopNode(value: unknown, loops: Set<string>): string | undefined {
  if (typeof value !== 'string') return undefined;
  const groups = NO_ITEMS_LEFT.exec(value)?.groups;
  const name = groups?.a ?? groups?.b ?? groups?.c;
  return name !== undefined && loops.has(name) ? name : undefined;
}

function isTrue(value: unknown): boolean | undefined {
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  return undefined;
}

/** Which IF output (0 = true, 1 = false) is taken when no item is left, for a single boolean test. */
function exitOutput(condition: Params): number | undefined {
  const operator = record(condition.operator);
  if (operator.type !== 'boolean') return undefined;
  const right = isTrue(condition.rightValue);
  switch (operator.operation) {
    case 'true':
      return 0;
    case 'false':
      return 1;
    case 'equals':
      return right === undefined ? undefined : right ? 0 : 1;
    case 'notEquals':
      return right === undefined ? undefined : right ? 1 : 0;
    default:
      return undefined;
  }
}

/** Rewrites the IF nodes that end a v1/v2 loop on `noItemsLeft` (see the module comment). */
export function rewriteLegacyLoops(workflow: Workflow, source: N8nWorkflow, report: ConversionReport): void {
  const loops = new Set(
    source.nodes
      .filter((n) => n?.type === 'n8n-nodes-base.splitInBatches' && (n.typeVersion ?? 1) < 3)
      .map((n) => n.name),
  );
  if (loops.size === 0) return;
  for (const node of workflow.nodes) {
    if (node.type !== 'if') continue;
    const filter = record(node.parameters.conditions);
    const conditions = list(filter.conditions).filter(isRecord);
    const loop = conditions.map((c) => legacyLoopNode(c.leftValue, loops)).find((name) => name !== undefined);
    if (loop === undefined) continue;
    const exit = conditions.length === 1 ? exitOutput(conditions[0]) : undefined;
    if (exit === undefined) {
      report.warnings.push({
        node: node.name,
        message: `tests '${loop}' noItemsLeft in a way Relais cannot rewrite: connect the loop's 'done' output instead`,
      });
      continue;
    }
    const onward = 1 - exit;
    node.parameters = {
      ...node.parameters,
      conditions: {
        ...filter,
        conditions: [
          {
            id: `${node.id}-loop`,
            leftValue: onward === 0,
            rightValue: '',
            operator: { type: 'boolean', operation: 'true', singleValue: true },
          },
        ],
        combinator: 'and',
      },
    };
    const moved: Connection[] = [];
    workflow.connections = workflow.connections.filter((c) => {
      if (c.from !== node.name || c.output !== exit) return true;
      moved.push({ ...c, from: loop, output: DONE });
      return false;
    });
    workflow.connections.push(...moved);
    // The scan's warning about reading node context no longer applies: the condition is gone.
    report.warnings = report.warnings.filter(
      (w) => !(w.node === node.name && w.message.includes(CONTEXT_WARNING)),
    );
    report.changed.push({
      node: node.name,
      parameter: 'conditions',
      why: `ended the '${loop}' loop on noItemsLeft: it now always continues the loop, and what followed its exit branch follows the loop's 'done' output, which receives every item that went through the loop (n8n passed the last batch only)`,
    });
  }
}
