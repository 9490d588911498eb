/**
 * The engine: executes a workflow's graph node by node with n8n's items model, and checkpoints
 * every step so a run can continue after a restart (ARCHITECTURE decision 4).
 *
 * One run = one `drive` loop: take the next frontier entry, execute the node, record the step and
 * the new frontier in one store transition, route the outputs, repeat. The store is the source of
 * truth; a caller whose view of the run is stale is refused by the store and stops.
 */
import type { NodeCommand, NodeLogger, NodeServices, RunMode } from '../nodes/sdk.js';
import { type Clock, systemClock } from './clock.js';
import { type ErrorDetails, NonRetryableError, StaleRunError } from './errors.js';

export { resumeTimer } from './checkpoints.js';
export { StaleRunError } from './errors.js';

import { Cancellation } from './cancellation.js';
import { Checkpoints } from './checkpoints.js';
import { type DriveState, loadDriveState, resolveRef, routesOf, type StateSources } from './drive-state.js';
import { TRIGGER_REF } from './frontier.js';
import { buildGraph, type Graph } from './graph.js';
import { type Invocation, invokeNode } from './invoke.js';
import { type Item, type ItemSource, type JsonObject, toItems } from './items.js';
import { normaliseOutputs } from './outputs.js';
import type { FrontierEntry, RunRecord, RunStore, StepRecord, TimerPort, WaitState } from './ports.js';
import type { NodeRegistry } from './registry.js';
import { type RetryRunOptions, retryRun } from './retry-run.js';
import type { RunData } from './run-data.js';
import { newRunId } from './run-id.js';
import type { Workflow, WorkflowNode } from './workflow.js';

export interface EngineHooks {
  onRunStart?(run: RunRecord): void;
  onStepFinish?(run: RunRecord, step: StepRecord): void;
  onRunFinish?(run: RunRecord): void;
  /** A Respond to Webhook node answered: the webhook ingress hands this to the waiting caller. */
  onRespond?(runId: string, response: Extract<NodeCommand, { kind: 'respond' }>['response']): void;
}

export interface EngineOptions {
  runs: RunStore;
  registry: NodeRegistry;
  clock?: Clock;
  logger?: NodeLogger;
  vars?: Record<string, string>;
  hooks?: EngineHooks;
  /** Decrypted credential for a node's credential slot. */
  credentials?: (node: WorkflowNode, name: string) => Promise<JsonObject>;
  /** Public URL that resumes a waiting run (`$execution.resumeUrl`). */
  resumeUrl?: (runId: string) => string;
  /** Where waits and retry back-offs become durable wake-ups. Without it, they are recorded only. */
  timers?: TimerPort;
  /** Source of jitter for retry delays (tests make it deterministic). */
  random?: () => number;
  /** Services nodes may ask for by key (`ctx.service(KEY)`): data tables, templates, binary data... */
  services?: NodeServices;
}

/** How a waiting run is being resumed: its due time came, or a webhook/event brought items. */
export interface ResumeInput {
  by: 'time' | 'webhook' | 'event';
  items?: readonly unknown[];
  /**
   * A time resume brought by a timer: its due time (ms since epoch). A timer due before the run's
   * current wait ends is an earlier wait's, and resumes nothing (see `continue`).
   */
  timerDueAt?: number;
}

export interface ContinueOptions {
  active?: boolean;
  respond?: RespondCallback;
  resume?: ResumeInput;
}

export interface StartRun {
  workflow: Workflow;
  workflowId: string;
  workflowVersion?: number;
  mode: RunMode;
  /** Items the trigger emits; absent = the trigger decides (manual trigger: one empty item). */
  triggerItems?: readonly unknown[];
  /** Name of the trigger node to start from; default: the manual trigger, else the first trigger. */
  startNode?: string;
  runId?: string;
  isTest?: boolean;
  active?: boolean;
  retryOf?: string | null;
  /** Called when a Respond to Webhook node answers (the webhook caller is waiting for it). */
  respond?: RespondCallback;
}

export type RespondCallback = (response: Extract<NodeCommand, { kind: 'respond' }>['response']) => void;

export interface RunOutcome {
  run: RunRecord;
  /** Everything each node produced in this process' part of the run (all of it for a run that did not restart). */
  runData: RunData;
}

const silent: NodeLogger = { debug() {}, info() {}, warn() {}, error() {} };

export class Engine {
  private readonly runs: RunStore;
  private readonly registry: NodeRegistry;
  private readonly clock: Clock;
  private readonly logger: NodeLogger;
  private readonly hooks: EngineHooks;
  private readonly cancellations = new Map<string, Cancellation>();
  private readonly checkpoints: Checkpoints;
  private readonly sources: StateSources;
  /** Graphs of the workflow documents driven (shared, read-only, by their runs). */
  private readonly graphs = new WeakMap<Workflow, Graph>();

  constructor(private readonly opts: EngineOptions) {
    this.runs = opts.runs;
    this.registry = opts.registry;
    this.clock = opts.clock ?? systemClock;
    this.logger = opts.logger ?? silent;
    this.hooks = opts.hooks ?? {};
    this.sources = { ...opts, clock: this.clock, logger: this.logger };
    this.checkpoints = new Checkpoints({
      runs: this.runs,
      clock: this.clock,
      hooks: this.hooks,
      timers: opts.timers,
    });
  }

  /** Creates a run and drives it to its end (or to a wait). */
  async start(input: StartRun): Promise<RunOutcome> {
    const run = await this.create(input);
    return this.continue(run, input.workflow, { active: input.active, respond: input.respond });
  }

  /** Creates a queued run (for a queue or a worker to drive later). */
  async create(input: StartRun): Promise<RunRecord> {
    const startNode = input.startNode ?? this.findTrigger(input.workflow);
    return this.runs.createRun({
      id: input.runId ?? newRunId(),
      workflowId: input.workflowId,
      workflowVersion: input.workflowVersion ?? 1,
      mode: input.mode,
      triggerItems: input.triggerItems ? toItems(input.triggerItems) : [],
      isTest: input.isTest ?? false,
      retryOf: input.retryOf ?? null,
      status: 'queued',
      createdAt: this.clock.now(),
      checkpoint: {
        stack: [{ node: startNode, inputs: [TRIGGER_REF], sources: [null] }],
        waiting: [],
        nodeState: {},
      },
    });
  }

  /** Drives a queued or interrupted run from its checkpoint (completed steps are not executed again). */
  async continue(run: RunRecord, workflow: Workflow, opts: ContinueOptions = {}): Promise<RunOutcome> {
    // A resume is for a waiting run only: a repeated delivery (a timer re-claimed after its lease,
    // a duplicate event) for a run already moving must not drive it a second time.
    if (opts.resume && run.status !== 'waiting') {
      throw new StaleRunError(`Run ${run.id} is ${run.status}, not waiting: nothing to resume`);
    }
    // A timer of an earlier wait, left over by a process that died after resuming the run and
    // before completing it, fires again once its lease ends: it must not end the wait of now.
    const due = opts.resume?.by === 'time' ? opts.resume.timerDueAt : undefined;
    if (due !== undefined && (run.waitTill === null || run.waitTill.getTime() > due)) {
      throw new StaleRunError(
        `Run ${run.id} waits ${run.waitTill ? `until ${run.waitTill.toISOString()}` : 'for a webhook or an event'}: a wake-up due at ${new Date(due).toISOString()} is an earlier wait's`,
      );
    }
    const wait = run.status === 'waiting' ? run.checkpoint?.wait : undefined;
    if (wait && wait.resumeOn !== 'time' && opts.resume?.by === undefined) {
      throw new NonRetryableError(
        `Run ${run.id} waits for a ${wait.resumeOn}; it cannot be continued without one`,
      );
    }
    const { state, steps } = await this.load(run, workflow, opts.active ?? false);
    state.respond = opts.respond;
    this.hooks.onRunStart?.(state.run);
    try {
      if (wait) await this.endWait(state, steps, wait, opts.resume ?? { by: 'time' });
      await this.drive(state);
    } finally {
      this.cancellations.delete(run.id);
    }
    return { run: state.run, runData: state.runData };
  }

  /** A new queued run retrying a failed one (see `retryRun`). */
  retry(failed: RunRecord, workflow: Workflow, opts: RetryRunOptions): Promise<RunRecord> {
    return retryRun(
      { runs: this.runs, clock: this.clock, create: (input) => this.create(input) },
      failed,
      workflow,
      opts,
    );
  }

  /** Asks an in-process run to stop at the next node boundary. */
  cancel(runId: string): boolean {
    const cancellation = this.cancellations.get(runId);
    cancellation?.cancel();
    return cancellation !== undefined;
  }

  private findTrigger(workflow: Workflow): string {
    const triggers = workflow.nodes.filter(
      (n) => this.registry.get(n.type)?.group === 'trigger' && !n.disabled,
    );
    const manual = triggers.find((n) => n.type === 'manualTrigger');
    const chosen = manual ?? triggers[0];
    if (!chosen)
      throw new NonRetryableError('The workflow has no trigger node to start from', { code: 'NO_TRIGGER' });
    return chosen.name;
  }

  /** The drive's state (see `loadDriveState`); the run can be cancelled from now on. */
  private load(
    run: RunRecord,
    workflow: Workflow,
    active: boolean,
  ): Promise<{ state: DriveState; steps: StepRecord[] }> {
    const cancellation = new Cancellation();
    this.cancellations.set(run.id, cancellation);
    let graph = this.graphs.get(workflow);
    if (!graph) {
      graph = buildGraph(workflow, (n) => this.registry.get(n.type));
      this.graphs.set(workflow, graph);
    }
    return loadDriveState(this.sources, run, {
      workflow,
      graph,
      cancellation,
      active,
    });
  }

  private async drive(state: DriveState): Promise<void> {
    for (;;) {
      if (state.scope.cancellation.requested) return this.checkpoints.finish(state, 'canceled', null);
      const entry = state.frontier.next();
      if (!entry) return this.checkpoints.finish(state, 'succeeded', null);
      const node = state.graph.nodes.get(entry.node);
      if (!node)
        return this.checkpoints.finish(state, 'failed', {
          message: `Node '${entry.node}' is not in the workflow`,
        });
      const def = this.registry.get(node.type);
      if (!def && !node.disabled) {
        return this.checkpoints.finish(state, 'failed', {
          message: `Unknown node type '${node.type}'`,
          node: node.name,
        });
      }
      const result = await this.executeNode(state, node, entry);
      if (result === 'stop') return;
    }
  }

  /** Executes one frontier entry and records it. Returns 'stop' when the run ended or paused. */
  private async executeNode(
    state: DriveState,
    node: WorkflowNode,
    entry: FrontierEntry,
  ): Promise<'next' | 'stop'> {
    const inputs = entry.inputs.map((ref) => resolveRef(state, ref));
    const runIndex = state.runData.runCount(node.name);
    const startedAt = this.clock.now();
    const logs: string[] = [];

    const def = node.disabled ? undefined : this.registry.get(node.type)!;
    const replaySafe = def ? def.replaySafe === true : true;
    // A node with effects outside the run starts only once the store has the run as running here
    // and everything before it: a second driver is refused, and a crash re-runs it at most once.
    if (!replaySafe && (state.pending.length > 0 || state.run.status !== 'running'))
      await this.checkpoints.commit(state, 'running', { redo: entry });

    const invoked: Invocation = def
      ? await invokeNode({ state, node, def, entry, inputs, runIndex, logs, random: this.opts.random })
      : { kind: 'done', outputs: normaliseOutputs([inputs[0] ?? []], 1) };
    if (invoked.kind === 'retry') {
      return this.retryLater(state, node, entry, inputs, invoked.error, invoked.delay, invoked.failed);
    }
    const { outputs, command, failure } = invoked;

    const seq = state.nextSeq++;
    const step: StepRecord = {
      runId: state.run.id,
      seq,
      nodeId: node.id,
      nodeName: node.name,
      nodeType: node.type,
      runIndex,
      status: failure ? 'failed' : command?.kind === 'wait' ? 'waiting' : 'succeeded',
      startedAt,
      finishedAt: this.clock.now(),
      inputCount: inputs.reduce((n, list) => n + list.length, 0),
      outputCounts: (outputs ?? []).map((o) => o.length),
      sources: entry.sources,
      input: failure || command?.kind === 'wait' ? inputs : null,
      output: outputs ?? null,
      error: failure ?? null,
      logs,
    };

    if (failure) {
      state.runData.add(node.name, { outputs: [], sources: entry.sources });
      // The failed entry stays on top of the checkpoint: what a retry from the failure runs first.
      state.frontier.stack.push(entry);
      this.checkpoints.stage(state, step);
      await this.checkpoints.finish(state, 'failed', failure);
      return 'stop';
    }
    if (command?.kind === 'wait') {
      step.output = [command.items];
      const wait: WaitState = {
        node: node.name,
        step: seq,
        resumeOn: command.webhook ? 'webhook' : command.event ? 'event' : 'time',
        ...(command.timeoutOutput !== undefined ? { timeoutOutput: command.timeoutOutput } : {}),
      };
      this.checkpoints.stage(state, step);
      await this.checkpoints.pause(state, command.until ?? null, wait);
      return 'stop';
    }
    delete state.attempts[node.name];
    if (command?.kind === 'respond') {
      state.respond?.(command.response);
      this.hooks.onRespond?.(state.run.id, command.response);
    }

    this.complete(state, node.name, outputs ?? [], seq, entry.sources);
    this.checkpoints.stage(state, step);
    if (!replaySafe || this.checkpoints.due(state)) await this.checkpoints.commit(state, 'running');
    return 'next';
  }

  /** Makes a finished node's outputs visible to expressions and routes them to its targets. */
  private complete(
    state: DriveState,
    name: string,
    outputs: Item[][],
    seq: number,
    sources: (ItemSource | null)[],
  ): void {
    const runNumber = state.runData.add(name, { outputs, sources });
    state.stepOutputs.set(seq, outputs);
    state.frontier.add(state.graph, routesOf(state.graph, name, outputs, seq, runNumber));
  }

  /**
   * A retryable failure with tries left: the attempt is recorded as `retried`, the node goes back on
   * top of the frontier, and the run waits for a timer — not in memory — before trying again.
   */
  private async retryLater(
    state: DriveState,
    node: WorkflowNode,
    entry: FrontierEntry,
    inputs: Item[][],
    error: ErrorDetails,
    delay: number,
    failed: number,
  ): Promise<'stop'> {
    state.attempts[node.name] = failed;
    state.frontier.stack.push(entry);
    const now = this.clock.now();
    this.checkpoints.stage(state, {
      runId: state.run.id,
      seq: state.nextSeq++,
      nodeId: node.id,
      nodeName: node.name,
      nodeType: node.type,
      runIndex: state.runData.runCount(node.name),
      status: 'retried',
      startedAt: now,
      finishedAt: now,
      inputCount: inputs.reduce((n, list) => n + list.length, 0),
      outputCounts: [],
      sources: entry.sources,
      input: inputs,
      output: null,
      error: { ...error, description: `attempt ${failed} of ${node.retry?.maxTries}; next in ${delay} ms` },
      logs: [],
    });
    await this.checkpoints.pause(state, new Date(now.getTime() + delay));
    return 'stop';
  }

  /** Ends a wait: by time (the Wait node's items, or the timeout branch) or with a webhook/event's items. */
  private async endWait(
    state: DriveState,
    steps: StepRecord[],
    wait: WaitState,
    resume: ResumeInput,
  ): Promise<void> {
    const node = state.graph.nodes.get(wait.node);
    const waiting = steps.find((s) => s.seq === wait.step);
    if (!node || !waiting)
      throw new NonRetryableError(`Run ${state.run.id} has no waiting step ${wait.step}`);
    const count = state.graph.outputs.get(node.name)?.length ?? 1;
    const outputs = normaliseOutputs([], count);
    const timedOut = resume.by === 'time' && wait.resumeOn !== 'time';
    if (resume.by === 'time') outputs[timedOut ? (wait.timeoutOutput ?? 0) : 0] = waiting.output?.[0] ?? [];
    else outputs[0] = toItems(resume.items ?? [{}]).map((item) => ({ ...item, pairedItem: { item: 0 } }));
    const now = this.clock.now();
    const seq = state.nextSeq++;
    this.complete(state, node.name, outputs, seq, waiting.sources);
    this.checkpoints.stage(state, {
      ...waiting,
      seq,
      status: 'succeeded',
      startedAt: waiting.startedAt,
      finishedAt: now,
      outputCounts: outputs.map((o) => o.length),
      input: null,
      output: outputs,
      // The waiting step's lines stay (an event wait names its event there: see triggers/event.ts).
      logs: [...waiting.logs, `wait ended by ${timedOut ? 'timeout' : resume.by}`],
    });
    if (resume.by !== 'time') {
      // The run's timeout timer goes only once the store has the run running again: cancelled
      // first, a crash in between would leave a waiting run that nothing wakes.
      await this.checkpoints.commit(state, 'running');
      await this.opts.timers?.cancelForRun(state.run.id);
    }
  }
}
