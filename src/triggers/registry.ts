/**
 * Trigger activation. Each trigger kind (webhook, schedule, poll, event) is a `TriggerKind`
 * registered here when the runtime is built; the toggle route and start-up ask this registry to
 * check, activate and deactivate a workflow, and it asks each kind for the trigger nodes it owns.
 *
 * A workflow can be activated when every enabled node has a type Relais runs (known, and not an
 * n8n placeholder), at least one enabled
 * trigger starts it without a person (a manual trigger does not), every such trigger's type has a
 * registered kind, and each kind accepts its node (`check`). Otherwise `checkActivation` names
 * every reason, so the API can answer 422 with all of them at once.
 */
import type { NodeRegistry } from '../engine/registry.js';
import type { WorkflowNode } from '../engine/workflow.js';
import { unsupportedNodeProblem } from '../nodes/unsupported.node.js';
import type { ActiveWorkflow, TriggerKind } from './contract.js';

/** Why a workflow cannot be activated (or run): the node when it is about one, and what is wrong. */
export interface ActivationProblem {
  node?: string;
  message: string;
}

/** Node types that start a run only when a person asks: they need no activation. */
const MANUAL_TRIGGERS = new Set(['manualTrigger']);

export interface TriggerLogger {
  warn(data: object, message: string): void;
  error(data: object, message: string): void;
}

export class TriggerRegistry {
  private readonly kinds: TriggerKind[] = [];
  private readonly byNodeType = new Map<string, TriggerKind>();

  constructor(private readonly nodes: NodeRegistry) {}

  /** Adds a kind; a node type handled by two kinds is a wiring mistake. */
  register(kind: TriggerKind): this {
    const taken = kind.nodeTypes.find((type) => this.byNodeType.has(type));
    if (taken !== undefined) throw new Error(`Trigger node type '${taken}' has two trigger kinds`);
    for (const type of kind.nodeTypes) this.byNodeType.set(type, kind);
    this.kinds.push(kind);
    return this;
  }

  kindFor(nodeType: string): TriggerKind | undefined {
    return this.byNodeType.get(nodeType);
  }

  /** Reasons a workflow cannot run at all: unknown node types, no trigger node. */
  runProblems(nodes: readonly WorkflowNode[]): ActivationProblem[] {
    const problems: ActivationProblem[] = [];
    for (const node of nodes) {
      if (node.disabled) continue;
      // An n8n node imported as a placeholder never runs; its message names the n8n type.
      const placeholder = unsupportedNodeProblem(node);
      if (placeholder) problems.push({ node: node.name, message: placeholder });
      else if (!this.nodes.get(node.type)) {
        problems.push({ node: node.name, message: `node type '${node.type}' is not one Relais can run` });
      }
    }
    if (!nodes.some((n) => !n.disabled && this.nodes.get(n.type)?.group === 'trigger')) {
      problems.push({ message: 'the workflow has no enabled trigger node' });
    }
    return problems;
  }

  /** Every reason the workflow cannot be activated; empty when it can. */
  async checkActivation(active: ActiveWorkflow): Promise<ActivationProblem[]> {
    const problems = this.runProblems(active.workflow.nodes);
    const triggers = this.automaticTriggers(active.workflow.nodes);
    const hasTrigger = active.workflow.nodes.some(
      (n) => !n.disabled && this.nodes.get(n.type)?.group === 'trigger',
    );
    if (hasTrigger && triggers.length === 0) {
      problems.push({
        message:
          'the workflow only starts by hand (manual trigger): add a webhook, schedule or event trigger to activate it',
      });
    }
    for (const node of triggers) {
      const kind = this.byNodeType.get(node.type);
      if (!kind) {
        problems.push({ node: node.name, message: `trigger type '${node.type}' cannot be activated yet` });
        continue;
      }
      for (const message of await kind.check(active, node)) problems.push({ node: node.name, message });
    }
    return problems;
  }

  /**
   * Registers the workflow's triggers (after `checkActivation` came back empty). All or nothing:
   * when one kind fails, what the others registered is removed again and the error is rethrown.
   */
  async activate(active: ActiveWorkflow): Promise<void> {
    try {
      for (const node of this.automaticTriggers(active.workflow.nodes)) {
        const kind = this.byNodeType.get(node.type);
        if (!kind) throw new Error(`trigger type '${node.type}' cannot be activated`);
        await kind.activate(active, node);
      }
    } catch (error) {
      await this.deactivate(active.id);
      throw error;
    }
  }

  /** Removes whatever any kind registered for the workflow (its previous version may have used other kinds). */
  async deactivate(workflowId: string): Promise<void> {
    await Promise.all(this.kinds.map((kind) => kind.deactivate(workflowId)));
  }

  /**
   * At start: activates every workflow stored as active. One that no longer passes its check
   * (a path taken meanwhile, a node type gone) stays marked active but is logged and skipped, so
   * one bad workflow never stops the server from starting.
   */
  async activateAll(
    workflows: AsyncIterable<ActiveWorkflow> | Iterable<ActiveWorkflow>,
    logger?: TriggerLogger,
  ): Promise<{ activated: string[]; failed: { id: string; problems: ActivationProblem[] }[] }> {
    const activated: string[] = [];
    const failed: { id: string; problems: ActivationProblem[] }[] = [];
    for await (const active of workflows) {
      const problems = await this.checkActivation(active);
      if (problems.length === 0) {
        try {
          await this.activate(active);
          activated.push(active.id);
          continue;
        } catch (error) {
          problems.push({ message: (error as Error).message });
        }
      }
      failed.push({ id: active.id, problems });
      logger?.error({ workflowId: active.id, problems }, 'active workflow could not be activated at start');
    }
    return { activated, failed };
  }

  /** Enabled trigger nodes that start runs without a person. */
  private automaticTriggers(nodes: readonly WorkflowNode[]): WorkflowNode[] {
    return nodes.filter(
      (n) =>
        !n.disabled &&
        !MANUAL_TRIGGERS.has(n.type) &&
        (this.byNodeType.has(n.type) || this.nodes.get(n.type)?.group === 'trigger'),
    );
  }
}

/** The workflows stored as active, page by page (for `activateAll` at start). */
export async function* storedActiveWorkflows(workflows: {
  listWorkflows(query: { limit: number; cursor?: string | null; active?: boolean }): Promise<{
    items: { id: string; version: number; workflow: ActiveWorkflow['workflow'] }[];
    nextCursor: string | null;
  }>;
}): AsyncGenerator<ActiveWorkflow> {
  let cursor: string | null = null;
  do {
    const page = await workflows.listWorkflows({ limit: 200, cursor, active: true });
    for (const w of page.items) yield { id: w.id, version: w.version, workflow: w.workflow };
    cursor = page.nextCursor;
  } while (cursor);
}
