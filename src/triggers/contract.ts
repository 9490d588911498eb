/**
 * Trigger activation: each kind of trigger (webhook, schedule, poll, event) registers what an
 * active workflow needs and removes it on deactivation. The toggle route and start-up call
 * `activate`/`deactivate`; each trigger kind implements `TriggerKind` in src/triggers/<kind>.ts.
 */
import type { Workflow, WorkflowNode } from '../engine/workflow.js';

export interface ActiveWorkflow {
  id: string;
  version: number;
  workflow: Workflow;
}

export interface TriggerKind {
  /** Node types this kind handles (e.g. `webhook`; `scheduleTrigger`). */
  readonly nodeTypes: readonly string[];
  /** Problems that prevent activation (bad cron, path taken by another workflow...). */
  check(active: ActiveWorkflow, node: WorkflowNode): Promise<string[]>;
  activate(active: ActiveWorkflow, node: WorkflowNode): Promise<void>;
  deactivate(workflowId: string): Promise<void>;
}
