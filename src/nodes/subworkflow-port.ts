/**
 * The sub-workflow port: how the Execute Workflow node starts a child run without touching the
 * store or the engine. The runtime provides it (src/triggers/subworkflow-runner.ts).
 */
import type { ErrorDetails } from '../engine/errors.js';
import type { Item } from '../engine/items.js';
import { serviceKey } from './sdk.js';

export interface SubworkflowRequest {
  /** A stored workflow by id... */
  workflowId?: string;
  /** ...or by its exact name... */
  workflowName?: string;
  /** ...or a workflow document (Relais or n8n JSON, object or text). */
  workflowJson?: unknown;
  /** Items the child's Execute Workflow Trigger emits. */
  items: readonly Item[];
  /** The calling run (recursion depth is counted along this chain). */
  parentRunId: string;
  parentWorkflowId: string;
  /** Wait for the child to finish and return its result; false: start it and return at once. */
  wait: boolean;
}

export interface SubworkflowResult {
  runId: string;
  /** The child's run status (`queued` when not waited for). */
  status: string;
  /** Name of the child workflow, for messages. */
  workflowName: string;
  /** Output 0 of the child's last executed node (empty when not waited for or failed). */
  items: Item[];
  /** Why the child failed, with the failed node's name. */
  error?: ErrorDetails;
}

export interface SubworkflowRunner {
  run(request: SubworkflowRequest): Promise<SubworkflowResult>;
}

export const SUBWORKFLOWS = serviceKey<SubworkflowRunner>('subworkflows');

/** Deepest chain of runs started by Execute Workflow nodes (a child calling its parent loops). */
export const MAX_SUBWORKFLOW_DEPTH = 10;
