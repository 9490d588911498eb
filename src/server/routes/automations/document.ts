/**
 * A request body → the workflow document to save. Accepts a Relais document or an n8n export
 * (converted), ignores the fields a reply adds (so a GET reply can be PUT back), and validates
 * with `validateWorkflow`: problems name the node and the field (400). Nodes Relais cannot run —
 * types it does not have, and n8n nodes imported as `unsupported` placeholders — are the one thing
 * saved anyway (an n8n import is worth keeping while they get written) and reported as
 * `warnings`; such a workflow cannot be run or activated until they are replaced or disabled.
 */
import type { NodeRegistry } from '../../../engine/registry.js';
import { validateWorkflow } from '../../../engine/validate.js';
import { type Workflow, type WorkflowProblem, workflowSchema } from '../../../engine/workflow.js';
import { type ConversionReport, convertN8nWorkflow, isN8nWorkflow } from '../../../n8n/convert.js';
import { unsupportedNodeProblem } from '../../../nodes/unsupported.node.js';
import { badRequest } from '../../http-error.js';
import { REPLY_ONLY_FIELDS } from '../../schemas/automations.js';

export interface ParsedDocument {
  workflow: Workflow;
  warnings: WorkflowProblem[];
  import?: { format: 'n8n' } & Omit<ConversionReport, 'workflow'>;
}

export function parseAutomationBody(body: Record<string, unknown>, registry: NodeRegistry): ParsedDocument {
  let doc: Record<string, unknown> = { ...body };
  for (const field of REPLY_ONLY_FIELDS) delete doc[field];
  let imported: ParsedDocument['import'];
  if (isN8nWorkflow(doc)) {
    const { workflow, report } = convertN8nWorkflow(doc, {
      hasType: (type) => registry.get(type) !== undefined,
    });
    doc = workflow as Record<string, unknown>;
    const { workflow: _name, ...rest } = report;
    imported = { format: 'n8n', ...rest };
  }
  const result = validateWorkflow(doc, registry);
  let workflow: Workflow;
  let warnings: WorkflowProblem[] = [];
  if (result.ok) workflow = result.workflow;
  else {
    const unknown = unknownTypeNodes(doc, registry);
    // Of an unknown node, only its type and the outputs it is wired from cannot be checked.
    const tolerated = (p: WorkflowProblem) =>
      p.node !== undefined &&
      unknown.has(p.node) &&
      (p.field === 'type' || p.field.startsWith('connections.'));
    const blocking = result.problems.filter((p) => !tolerated(p));
    if (blocking.length > 0) throw badRequest('The workflow is not valid', blocking);
    // Only problems of unknown-type nodes are left, so the document itself parses.
    workflow = workflowSchema.parse(doc);
    warnings = result.problems.filter((p) => p.field === 'type');
  }
  for (const node of workflow.nodes) {
    const problem = unsupportedNodeProblem(node);
    if (!problem) continue;
    // The placeholder's own message (naming the n8n type) replaces "unknown node type".
    warnings = warnings.filter((w) => w.node !== node.name);
    warnings.push({ node: node.name, field: 'type', message: problem });
  }
  return { workflow, warnings, ...(imported && { import: imported }) };
}

/** Names of the nodes whose type is not in the registry. */
function unknownTypeNodes(doc: Record<string, unknown>, registry: NodeRegistry): Set<string> {
  const names = new Set<string>();
  if (!Array.isArray(doc.nodes)) return names;
  for (const node of doc.nodes as { name?: unknown; type?: unknown }[]) {
    if (typeof node?.name === 'string' && typeof node.type === 'string' && !registry.get(node.type)) {
      names.add(node.name);
    }
  }
  return names;
}
