/**
 * Workflow validation beyond the document schema: node types exist, names and ids are unique,
 * connections join existing nodes through existing outputs and inputs, and each node's parameters
 * fit its schema (a value given by an expression is checked when it is evaluated, at run time).
 */
import type { z } from 'zod';
import { isExpression } from '../expressions/index.js';
import { inputCount } from '../nodes/sdk.js';
import { nodeOutputs } from './graph.js';
import type { NodeRegistry } from './registry.js';
import { problemsFromZod, type Workflow, type WorkflowProblem, workflowSchema } from './workflow.js';

export type ValidationResult = { ok: true; workflow: Workflow } | { ok: false; problems: WorkflowProblem[] };

export function validateWorkflow(doc: unknown, registry: NodeRegistry): ValidationResult {
  const parsed = workflowSchema.safeParse(doc);
  if (!parsed.success) return { ok: false, problems: problemsFromZod(parsed.error, doc) };
  const workflow = parsed.data;
  const problems: WorkflowProblem[] = [];

  const names = new Set<string>();
  const ids = new Set<string>();
  for (const node of workflow.nodes) {
    if (names.has(node.name))
      problems.push({ node: node.name, field: 'name', message: 'duplicate node name' });
    if (ids.has(node.id))
      problems.push({ node: node.name, field: 'id', message: `duplicate node id '${node.id}'` });
    names.add(node.name);
    ids.add(node.id);
    const def = registry.get(node.type);
    if (!def) {
      problems.push({ node: node.name, field: 'type', message: `unknown node type '${node.type}'` });
      continue;
    }
    const result = (def.params as z.ZodType).safeParse(node.parameters);
    if (!result.success) {
      for (const issue of result.error.issues) {
        if (underExpression(node.parameters, issue.path)) continue;
        const field = ['parameters', ...issue.path.map(String)].join('.');
        problems.push({ node: node.name, field, message: issue.message });
      }
    }
  }

  const byName = new Map(workflow.nodes.map((n) => [n.name, n]));
  workflow.connections.forEach((c, i) => {
    const from = byName.get(c.from);
    const to = byName.get(c.to);
    if (!from) problems.push({ field: `connections.${i}.from`, message: `no node named '${c.from}'` });
    if (!to) problems.push({ field: `connections.${i}.to`, message: `no node named '${c.to}'` });
    if (from) {
      const outputs = nodeOutputs(from, registry.get(from.type));
      const ok = typeof c.output === 'number' ? c.output < outputs.length : outputs.includes(c.output);
      if (!ok) {
        problems.push({
          node: from.name,
          field: `connections.${i}.output`,
          message: `node has no output ${JSON.stringify(c.output)} (outputs: ${outputs.join(', ')})`,
        });
      }
    }
    const toDef = to && registry.get(to.type);
    if (to && toDef) {
      const parsedParams = toDef.params.safeParse(to.parameters);
      const count = inputCount(toDef, parsedParams.success ? parsedParams.data : to.parameters);
      if (c.input >= count) {
        problems.push({
          node: to.name,
          field: `connections.${i}.input`,
          message:
            count === 0
              ? 'a trigger node takes no input'
              : `node has ${count} input(s); input ${c.input} does not exist`,
        });
      }
    }
  });

  return problems.length > 0 ? { ok: false, problems } : { ok: true, workflow };
}

/** Whether the value at `path` (or one of its parents) is an expression, checked only once evaluated. */
function underExpression(root: unknown, path: readonly PropertyKey[]): boolean {
  let value = root;
  for (const key of path) {
    if (isExpression(value)) return true;
    if (value === null || typeof value !== 'object') return false;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return isExpression(value);
}

export function formatProblem(p: WorkflowProblem): string {
  return p.node ? `node '${p.node}', ${p.field}: ${p.message}` : `${p.field}: ${p.message}`;
}
