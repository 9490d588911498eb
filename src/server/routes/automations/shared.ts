/** What the automation routes share: loading (404), stats for a page in one query, audit, activation. */
import type { FastifyRequest } from 'fastify';
import type { WorkflowRecord } from '../../../engine/ports.js';
import type { ActivationProblem } from '../../../triggers/registry.js';
import type { AuditEntry } from '../../auth/contract.js';
import type { ServerDeps } from '../../deps.js';
import { notFound } from '../../http-error.js';
import { automationView } from '../../schemas/automations.js';

export async function loadAutomation(deps: ServerDeps, id: string): Promise<WorkflowRecord> {
  const record = await deps.store.workflows.getWorkflow(id);
  if (!record) throw notFound(`Automation '${id}'`);
  return record;
}

/** Views of several automations with their stats, from one grouped query. */
export async function automationViews(deps: ServerDeps, records: WorkflowRecord[]) {
  const stats = await deps.store.runs.workflowStats(records.map((r) => r.id));
  return records.map((r) => automationView(r, stats.get(r.id)));
}

export async function automationViewOf(deps: ServerDeps, record: WorkflowRecord) {
  return (await automationViews(deps, [record]))[0];
}

export function audit(deps: ServerDeps, request: FastifyRequest, entry: AuditEntry): Promise<void> {
  return deps.audit.record(request.principal, request.ip, entry);
}

/**
 * Registers the triggers of `record` (replacing those of any version before it). Returns the
 * reasons it cannot be activated; when there are some, nothing stays registered.
 */
export async function activateTriggers(
  deps: ServerDeps,
  record: WorkflowRecord,
): Promise<ActivationProblem[]> {
  const active = { id: record.id, version: record.version, workflow: record.workflow };
  const problems = await deps.triggers.checkActivation(active);
  if (problems.length > 0) return problems;
  await deps.triggers.deactivate(record.id);
  try {
    await deps.triggers.activate(active);
  } catch (error) {
    // Checked a moment ago; another workflow may have taken a path since.
    return [{ message: (error as Error).message }];
  }
  return [];
}
