/**
 * Starting a run from the API (test, manual run, retry): the run is created in the store, handed
 * to the run queue (so concurrency limits hold), and the caller waits a bounded time for it to end
 * or pause. A run still going when the wait ends (or with `?wait=false`) goes on in the background;
 * the reply is then 202 and the caller polls `GET /api/automation-runs/:id`.
 */
import type { RunRecord, StepRecord, WorkflowRecord } from '../../../engine/ports.js';
import type { RunMode } from '../../../nodes/sdk.js';
import type { ServerDeps } from '../../deps.js';
import { badRequest, unprocessable } from '../../http-error.js';

export interface StartRunOptions {
  record: WorkflowRecord;
  mode: RunMode;
  isTest: boolean;
  /** An object is one item, an array several; absent = the trigger's own (one empty item). */
  items?: Record<string, unknown> | Record<string, unknown>[] | readonly unknown[];
  /** Trigger node to start from (default: the manual trigger, else the first trigger). */
  trigger?: string;
  retryOf?: string;
  wait: boolean;
  timeoutMs: number;
}

export interface StartedRun {
  run: RunRecord;
  steps: StepRecord[];
  /** The run ended or paused within the wait. */
  settled: boolean;
}

export async function startRun(deps: ServerDeps, opts: StartRunOptions): Promise<StartedRun> {
  const { record } = opts;
  const { triggers } = deps;
  const problems = triggers.runProblems(record.workflow.nodes);
  if (problems.length > 0) throw unprocessable('The automation cannot run', problems);
  if (opts.trigger !== undefined) {
    const node = record.workflow.nodes.find((n) => n.name === opts.trigger);
    if (!node || node.disabled || deps.registry.get(node.type)?.group !== 'trigger') {
      throw badRequest(`'${opts.trigger}' is not an enabled trigger node of this automation`, [
        { field: 'body.trigger', message: 'name of an enabled trigger node' },
      ]);
    }
  }
  const triggerItems =
    opts.items === undefined ? undefined : Array.isArray(opts.items) ? opts.items : [opts.items];
  const created = await deps.engine.create({
    workflow: record.workflow,
    workflowId: record.id,
    workflowVersion: record.version,
    mode: opts.mode,
    triggerItems,
    isTest: opts.isTest,
    startNode: opts.trigger,
    retryOf: opts.retryOf ?? null,
    active: record.active,
  });
  return driveAndWait(deps, created, opts);
}

/** Hands a created run to the queue and waits (bounded) for it to end or pause. */
export async function driveAndWait(
  deps: ServerDeps,
  created: RunRecord,
  opts: { wait: boolean; timeoutMs: number },
): Promise<StartedRun> {
  const driven = deps.queue.submit({ runId: created.id }).then(
    () => true,
    (error: unknown) => {
      // The queue logs drive failures; a run canceled or taken over elsewhere lands here too.
      deps.logger.warn({ err: error, runId: created.id }, 'run started from the API did not complete here');
      return true;
    },
  );
  if (opts.wait) {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), opts.timeoutMs);
      timer.unref();
    });
    await Promise.race([driven, timeout]);
    clearTimeout(timer);
  }
  const run = (await deps.store.runs.getRun(created.id)) ?? created;
  const settled = run.status !== 'queued' && run.status !== 'running';
  const steps = opts.wait ? await deps.store.runs.listSteps(run.id) : [];
  return { run, steps, settled };
}
