/**
 * Retrying a failed run as a new run (`POST /api/automation-runs/:id/retry`): from the failed node
 * with its stored inputs, or from the trigger. The failed run's checkpoint keeps the failed entry on
 * top of its stack, so "where to continue" is already recorded.
 */
import type { Clock } from './clock.js';
import type { StartRun } from './engine.js';
import { NonRetryableError, StaleRunError } from './errors.js';
import type { RunRecord, RunStore } from './ports.js';
import { newRunId } from './run-id.js';
import type { Workflow } from './workflow.js';

export interface RetryRunOptions {
  from: 'failure' | 'trigger';
  /** Version of `workflow` (from the failure: must be the version the failed run used). */
  workflowVersion: number;
}

export interface RetryRunDeps {
  runs: RunStore;
  clock: Clock;
  create(input: StartRun): Promise<RunRecord>;
}

/**
 * `from: 'failure'` re-runs the failed node with its stored inputs (the steps before it are copied,
 * so `$('X')` still sees them); `from: 'trigger'` starts again with the same trigger items on the
 * workflow given (usually the current version). Returns the new run, queued.
 */
export async function retryRun(
  deps: RetryRunDeps,
  failed: RunRecord,
  workflow: Workflow,
  opts: RetryRunOptions,
): Promise<RunRecord> {
  if (failed.status !== 'failed') {
    throw new NonRetryableError(`Run ${failed.id} is ${failed.status}; only failed runs can be retried`);
  }
  const steps = await deps.runs.listSteps(failed.id);
  const trigger = steps.find((s) => s.seq === 0)?.nodeName;
  if (opts.from === 'trigger') {
    return deps.create({
      workflow,
      workflowId: failed.workflowId,
      workflowVersion: opts.workflowVersion,
      mode: 'retry',
      triggerItems: failed.triggerItems,
      startNode: trigger && workflow.nodes.some((n) => n.name === trigger) ? trigger : undefined,
      retryOf: failed.id,
    });
  }
  if (!failed.checkpoint || failed.checkpoint.stack.length === 0) {
    throw new NonRetryableError(`Run ${failed.id} has no checkpoint to retry from`);
  }
  const created = await deps.runs.createRun({
    id: newRunId(),
    workflowId: failed.workflowId,
    workflowVersion: failed.workflowVersion,
    mode: 'retry',
    triggerItems: failed.triggerItems,
    retryOf: failed.id,
    status: 'queued',
    createdAt: deps.clock.now(),
    checkpoint: { ...failed.checkpoint, attempts: undefined },
  });
  // Copy what already ran (the failed step excluded) so the retry replays it instead of re-running it.
  const failedSeq = Math.max(...steps.map((s) => s.seq));
  const copied = steps
    .filter((step) => !(step.seq === failedSeq && step.status === 'failed'))
    .map((step) => ({ ...step, runId: created.id }));
  const queued = await deps.runs.commit(created.id, created.version, {
    from: 'queued',
    to: 'queued',
    steps: copied,
    checkpoint: created.checkpoint!,
  });
  if (!queued.ok) throw new StaleRunError(`Run ${created.id} changed while being prepared`);
  return { ...created, version: queued.version };
}
