/**
 * Error workflows (issue "Durable execution", point 7): when a run fails and its workflow names an
 * error workflow, that workflow's Error Trigger starts a run with what failed. Runs of error
 * workflows never start other error workflows, so a failing error workflow cannot loop.
 */
import type { Engine } from '../engine/engine.js';
import type { JsonObject } from '../engine/items.js';
import type { RunRecord, StepRecord, WorkflowStore } from '../engine/ports.js';
import type { RunQueue } from '../queue/contract.js';

export interface ErrorWorkflowDeps {
  engine: Engine;
  queue: RunQueue;
  workflows: Pick<WorkflowStore, 'getWorkflow' | 'getWorkflowVersion'>;
  listSteps(runId: string): Promise<StepRecord[]>;
  /** Base of the run link (read per run: the server's is known once it listens). */
  publicUrl: () => string;
  onError(runId: string, error: unknown): void;
}

/** Returns the `onRunFinish` hook that starts error workflows. */
export function errorWorkflowHook(deps: ErrorWorkflowDeps): (run: RunRecord) => void {
  return (run) => {
    if (run.status !== 'failed' || run.mode === 'error') return;
    startErrorWorkflow(deps, run).catch((error) => deps.onError(run.id, error));
  };
}

export async function startErrorWorkflow(
  deps: ErrorWorkflowDeps,
  run: RunRecord,
): Promise<string | undefined> {
  const failed = await deps.workflows.getWorkflowVersion(run.workflowId, run.workflowVersion);
  const target = failed?.settings.errorWorkflow;
  if (!failed || !target) return undefined;
  const record = await deps.workflows.getWorkflow(target);
  if (!record) throw new Error(`Error workflow '${target}' of workflow ${run.workflowId} not found`);
  const trigger = record.workflow.nodes.find((n) => n.type === 'errorTrigger' && !n.disabled);
  if (!trigger) throw new Error(`Error workflow '${target}' has no Error Trigger node`);

  const steps = await deps.listSteps(run.id);
  const failedStep = [...steps].reverse().find((s) => s.status === 'failed');
  const url = `${deps.publicUrl()}/runs/${run.id}`;
  const error = {
    message: run.error?.message ?? 'unknown error',
    description: run.error?.description,
    stack: run.error?.stack,
  };
  const item: JsonObject = {
    run: {
      id: run.id,
      mode: run.mode,
      status: run.status,
      startedAt: run.startedAt?.toISOString(),
      url,
      retryOf: run.retryOf,
    },
    workflow: { id: run.workflowId, name: failed.name },
    node: failedStep ? { name: failedStep.nodeName, type: failedStep.nodeType } : null,
    error,
    // n8n's Error Trigger item, for imported error workflows.
    execution: {
      id: run.id,
      url,
      retryOf: run.retryOf,
      error,
      lastNodeExecuted: run.currentNode,
      mode: run.mode,
    },
  };
  const created = await deps.engine.create({
    workflow: record.workflow,
    workflowId: record.id,
    workflowVersion: record.version,
    mode: 'error',
    triggerItems: [JSON.parse(JSON.stringify(item))],
    startNode: trigger.name,
  });
  void deps.queue.submit({ runId: created.id }).catch((e) => deps.onError(created.id, e));
  return created.id;
}
