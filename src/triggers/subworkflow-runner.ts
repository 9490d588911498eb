/**
 * The SUBWORKFLOWS port (src/nodes/subworkflow-port.ts) on the store, engine and queue: finds the
 * child workflow, creates its run from its Execute Workflow Trigger with the parent's items, and
 * drives it.
 *
 * A waited-for child is driven here, inline in the parent's drive, as n8n runs sub-workflows
 * inside the parent's execution: going through the queue would let parents waiting for children
 * hold every concurrency slot and deadlock. A child not waited for goes through the queue like any
 * run (durable, counted against the limits) — except a child given as JSON, which the queue could
 * not reload, and which is driven in the background.
 *
 * Recursion (a child calling its parent) is cut at MAX_SUBWORKFLOW_DEPTH, counted along the chain
 * of runs this process started; the chain is forgotten when a child ends.
 */
import type { Engine, RunOutcome } from '../engine/engine.js';
import { NonRetryableError } from '../engine/errors.js';
import type { StepRecord, WorkflowRecord } from '../engine/ports.js';
import type { NodeRegistry } from '../engine/registry.js';
import { validateWorkflow } from '../engine/validate.js';
import type { Workflow } from '../engine/workflow.js';
import { convertN8nWorkflow, isN8nWorkflow } from '../n8n/convert.js';
import {
  MAX_SUBWORKFLOW_DEPTH,
  type SubworkflowRequest,
  type SubworkflowResult,
  type SubworkflowRunner,
} from '../nodes/subworkflow-port.js';
import type { RunQueue } from '../queue/contract.js';
import type { RelaisWorkflowStore } from '../store/workflow-store.js';

export interface SubworkflowRunnerDeps {
  /** Lazy: the engine holds this runner among its services. */
  engine: () => Pick<Engine, 'create' | 'continue'>;
  /** Lazy: the runtime creates the queue after the engine that holds this runner. */
  queue: () => Pick<RunQueue, 'submit'>;
  workflows: Pick<RelaisWorkflowStore, 'getWorkflow' | 'listWorkflows'>;
  listSteps(runId: string): Promise<StepRecord[]>;
  registry: NodeRegistry;
  onError(runId: string, error: unknown): void;
}

interface Child {
  id: string;
  name: string;
  version: number;
  workflow: Workflow;
  /** Whether the queue can reload it by id and version. */
  stored: boolean;
}

export function createSubworkflowRunner(deps: SubworkflowRunnerDeps): SubworkflowRunner {
  /** Depth of each child run alive in this process (the top-level run is depth 0). */
  const depths = new Map<string, number>();

  return {
    async run(request: SubworkflowRequest): Promise<SubworkflowResult> {
      const depth = (depths.get(request.parentRunId) ?? 0) + 1;
      if (depth > MAX_SUBWORKFLOW_DEPTH) {
        throw new NonRetryableError(
          `Sub-workflows nest deeper than ${MAX_SUBWORKFLOW_DEPTH} levels: a workflow probably calls itself or its caller`,
          { code: 'SUBWORKFLOW_TOO_DEEP', description: `Calling run ${request.parentRunId}` },
        );
      }
      const child = await resolve(deps, request);
      const trigger = child.workflow.nodes.find((n) => n.type === 'executeWorkflowTrigger' && !n.disabled);
      if (!trigger) {
        throw new NonRetryableError(
          `The workflow '${child.name}' has no Execute Workflow Trigger node to start it from`,
          { code: 'SUBWORKFLOW_NO_TRIGGER' },
        );
      }
      const run = await deps.engine().create({
        workflow: child.workflow,
        workflowId: child.id,
        workflowVersion: child.version,
        mode: 'subworkflow',
        startNode: trigger.name,
        triggerItems: request.items,
      });
      depths.set(run.id, depth);
      const drive = (): Promise<RunOutcome> =>
        child.stored && !request.wait
          ? deps.queue().submit({ runId: run.id })
          : deps.engine().continue(run, child.workflow);
      if (!request.wait) {
        void drive()
          .catch((error) => deps.onError(run.id, error))
          .finally(() => depths.delete(run.id));
        return { runId: run.id, status: 'queued', workflowName: child.name, items: [] };
      }
      let outcome: RunOutcome;
      try {
        outcome = await drive();
      } finally {
        depths.delete(run.id);
      }
      return resultOf(deps, child, outcome);
    },
  };
}

async function resultOf(
  deps: SubworkflowRunnerDeps,
  child: Child,
  outcome: RunOutcome,
): Promise<SubworkflowResult> {
  const { run, runData } = outcome;
  const base = { runId: run.id, status: run.status, workflowName: child.name };
  if (run.status === 'failed' || run.status === 'canceled') {
    const error = run.error ?? { message: `the child run ended ${run.status}` };
    return { ...base, items: [], error: { ...error, node: error.node ?? run.currentNode ?? undefined } };
  }
  if (run.status !== 'succeeded') {
    // A child paused at a Wait node would need the parent to wait durably for it: not supported.
    return {
      ...base,
      items: [],
      error: {
        message: `the child run is ${run.status}; a waited-for sub-workflow cannot pause (Wait node)`,
        node: run.currentNode ?? undefined,
      },
    };
  }
  // n8n: the result is the output of the last node executed — the node of the last succeeded step.
  const steps = await deps.listSteps(run.id);
  const last = [...steps].reverse().find((s) => s.status === 'succeeded');
  if (!last) return { ...base, items: [] };
  const items =
    runData.runCount(last.nodeName) > 0 ? runData.output(last.nodeName, 0) : (last.output?.[0] ?? []);
  return {
    ...base,
    items: items.map((item) => ({ json: item.json, ...(item.binary ? { binary: item.binary } : {}) })),
  };
}

async function resolve(deps: SubworkflowRunnerDeps, request: SubworkflowRequest): Promise<Child> {
  if (request.workflowJson !== undefined) return fromJson(deps, request);
  let record: WorkflowRecord | null = null;
  if (request.workflowId !== undefined) {
    record = await deps.workflows.getWorkflow(request.workflowId);
    if (!record) {
      throw new NonRetryableError(`The workflow '${request.workflowId}' does not exist`, {
        code: 'SUBWORKFLOW_NOT_FOUND',
      });
    }
  } else if (request.workflowName !== undefined) {
    record = await findByName(deps, request.workflowName);
  }
  if (!record)
    throw new NonRetryableError('No workflow to execute was given', { code: 'SUBWORKFLOW_NOT_FOUND' });
  return {
    id: record.id,
    name: record.name,
    version: record.version,
    workflow: record.workflow,
    stored: true,
  };
}

/** Exact name, through the list's name search (a substring match) — no store query needed. */
async function findByName(deps: SubworkflowRunnerDeps, name: string): Promise<WorkflowRecord> {
  const found: WorkflowRecord[] = [];
  let cursor: string | null | undefined;
  do {
    const page = await deps.workflows.listWorkflows({ limit: 100, cursor, search: name });
    found.push(...page.items.filter((w) => w.name === name));
    cursor = page.nextCursor;
  } while (cursor);
  if (found.length === 0) {
    throw new NonRetryableError(`No workflow is named '${name}'`, { code: 'SUBWORKFLOW_NOT_FOUND' });
  }
  if (found.length > 1) {
    throw new NonRetryableError(
      `${found.length} workflows are named '${name}' (${found.map((w) => w.id).join(', ')}): give 'workflowId'`,
      { code: 'SUBWORKFLOW_AMBIGUOUS' },
    );
  }
  return found[0];
}

function fromJson(deps: SubworkflowRunnerDeps, request: SubworkflowRequest): Child {
  let doc = request.workflowJson;
  if (typeof doc === 'string') {
    try {
      doc = JSON.parse(doc);
    } catch (error) {
      throw new NonRetryableError(
        `The parameter 'workflowJson' is not valid JSON: ${(error as Error).message}`,
        {
          code: 'SUBWORKFLOW_BAD_JSON',
        },
      );
    }
  }
  const result = validateWorkflow(isN8nWorkflow(doc) ? convertN8nWorkflow(doc).workflow : doc, deps.registry);
  if (!result.ok) {
    const problems = result.problems.map((p) => `${p.node ? `${p.node}: ` : ''}${p.field}: ${p.message}`);
    throw new NonRetryableError(
      `The parameter 'workflowJson' is not a valid workflow: ${problems.join('; ')}`,
      {
        code: 'SUBWORKFLOW_BAD_JSON',
      },
    );
  }
  // Runs need a workflow id; the document has none in the store, so the run names its caller's.
  return {
    id: result.workflow.id ?? `inline:${request.parentWorkflowId}`,
    name: result.workflow.name,
    version: 1,
    workflow: result.workflow,
    stored: false,
  };
}
