/**
 * The shapes n8n workflows come in: one export (`{ name, nodes, connections, ... }`), an array of
 * them (n8n's `export:workflow --all`), `{ workflows: [...] }` or `{ data: [...] }` (API pages),
 * and the n8n.io template wrapper `{ workflow: { name, workflow: { nodes, connections } } }`.
 */
import { isN8nWorkflow } from './convert.js';
import { isRecord } from './params.js';
import type { N8nWorkflow } from './types.js';

/** The n8n workflows in a parsed JSON document; an empty list when there is none. */
export function n8nWorkflowsIn(doc: unknown, depth = 0): N8nWorkflow[] {
  if (depth > 3) return [];
  if (Array.isArray(doc)) return doc.flatMap((entry) => n8nWorkflowsIn(entry, depth + 1));
  if (!isRecord(doc)) return [];
  if (isN8nWorkflow(doc)) return [doc];
  if (Array.isArray(doc.workflows)) return n8nWorkflowsIn(doc.workflows, depth + 1);
  if (Array.isArray(doc.data)) return n8nWorkflowsIn(doc.data, depth + 1);
  if (isRecord(doc.workflow)) {
    // Template wrappers name the workflow outside its body.
    return n8nWorkflowsIn(doc.workflow, depth + 1).map((w) => ({
      ...w,
      name: w.name ?? (typeof doc.name === 'string' ? doc.name : undefined),
      id: w.id ?? (typeof doc.id === 'string' || typeof doc.id === 'number' ? doc.id : undefined),
    }));
  }
  return [];
}
