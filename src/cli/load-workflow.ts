/** Reads a workflow file (Relais or n8n JSON) and validates it, for every command that takes one. */
import { readFile } from 'node:fs/promises';
import type { NodeRegistry } from '../engine/registry.js';
import { validateWorkflow } from '../engine/validate.js';
import type { Workflow, WorkflowProblem } from '../engine/workflow.js';
import { convertN8nWorkflow, isN8nWorkflow } from '../n8n/convert.js';

export type LoadResult =
  | { ok: true; workflow: Workflow; format: 'relais' | 'n8n' }
  | { ok: false; problems: WorkflowProblem[] };

export async function loadWorkflowFile(path: string, registry: NodeRegistry): Promise<LoadResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    return {
      ok: false,
      problems: [{ field: '(file)', message: `cannot read ${path}: ${(error as Error).message}` }],
    };
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    return {
      ok: false,
      problems: [{ field: '(file)', message: `${path} is not valid JSON: ${(error as Error).message}` }],
    };
  }
  const format = isN8nWorkflow(doc) ? 'n8n' : 'relais';
  const result = validateWorkflow(isN8nWorkflow(doc) ? convertN8nWorkflow(doc).workflow : doc, registry);
  return result.ok ? { ok: true, workflow: result.workflow, format } : result;
}
