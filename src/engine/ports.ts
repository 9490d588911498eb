/**
 * Ports: the narrow interfaces the engine uses (STYLE practice 5). The engine imports these, never
 * Kysely, BullMQ or nodemailer. Adapters live in src/store, src/queue, ...; every adapter passes
 * the same conformance suite.
 */

import type { RunMode } from '../nodes/sdk.js';
import type { ErrorDetails } from './errors.js';
import type { Item, ItemSource, JsonObject } from './items.js';
import type { RunStatus } from './run-state.js';
import type { Workflow } from './workflow.js';

/** A reference to items stored in a step: output `output` of step `step` of the same run. */
export interface StepOutputRef {
  step: number;
  output: number;
}

/** One pending node execution on the run's frontier. */
export interface FrontierEntry {
  node: string;
  /** Per input index: where its items are (null = no data on that input). */
  inputs: (StepOutputRef | null)[];
  sources: (ItemSource | null)[];
}

/**
 * Everything needed to continue a run after a restart, besides the steps themselves: what is due
 * next (stack, top = last), multi-input nodes waiting for their other inputs, node-scoped state.
 */
export interface Checkpoint {
  stack: FrontierEntry[];
  waiting: FrontierEntry[];
  nodeState: Record<string, JsonObject>;
  /** Set while a Wait node holds the run: its waiting step, and how it may end. */
  wait?: WaitState;
  /** Failed attempts of the node on top of the stack, while its retries are pending. */
  attempts?: Record<string, number>;
}

export interface WaitState {
  node: string;
  /** Seq of the step recorded with status `waiting` (its output is what a timed end hands on). */
  step: number;
  /** What ends the wait besides its due time. */
  resumeOn: 'time' | 'webhook' | 'event';
  /** Output the items go to when a webhook/event wait ends by time instead (the timeout branch). */
  timeoutOutput?: number;
}

export interface RunRecord {
  id: string;
  workflowId: string;
  workflowVersion: number;
  status: RunStatus;
  mode: RunMode;
  /** Items the trigger emitted (webhook request, event, input of `relais run`). */
  triggerItems: Item[];
  checkpoint: Checkpoint | null;
  error: ErrorDetails | null;
  /** Name of the node executing (or last executed). */
  currentNode: string | null;
  /** Bumped by every transition; writers pass the version they read and are refused when stale. */
  version: number;
  isTest: boolean;
  retryOf: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  waitTill: Date | null;
}

/** `retried`: a failed attempt whose node runs again after a back-off (the run did not fail). */
export type StepStatus = 'succeeded' | 'failed' | 'waiting' | 'retried';

export interface StepRecord {
  runId: string;
  /** Order of the step within the run, from 0. */
  seq: number;
  nodeId: string;
  nodeName: string;
  nodeType: string;
  /** How many times this node ran before in this run. */
  runIndex: number;
  status: StepStatus;
  startedAt: Date;
  finishedAt: Date;
  inputCount: number;
  /** Items per output. */
  outputCounts: number[];
  sources: (ItemSource | null)[];
  /** Input items per input (kept so a failed step can be retried with them; subject to saveData). */
  input: Item[][] | null;
  /** Output items per output (subject to saveData once the run ends). */
  output: Item[][] | null;
  error: ErrorDetails | null;
  /** `console.log` lines of Code nodes and node log lines. */
  logs: string[];
}

export interface NewRun {
  id: string;
  workflowId: string;
  workflowVersion: number;
  mode: RunMode;
  triggerItems: Item[];
  isTest?: boolean;
  retryOf?: string | null;
  status?: 'queued' | 'running';
  createdAt: Date;
  /** The first frontier (the trigger node fed with `triggerItems`). */
  checkpoint?: Checkpoint | null;
}

/** Named outcome of a transition that refuses stale callers (STYLE practice 4). */
export type TransitionResult =
  | { ok: true; version: number }
  | { ok: false; reason: 'stale' | 'not_found' | 'invalid_transition'; status?: RunStatus };

/** Columns a transition may set besides the status: `undefined` keeps, `null` clears. */
export interface RunPatch {
  error?: ErrorDetails | null;
  startedAt?: Date;
  finishedAt?: Date;
  waitTill?: Date | null;
  checkpoint?: Checkpoint | null;
}

/**
 * One checkpoint of a drive: the steps made since the last one, the new frontier, and the run's
 * move from the status the driver saw (`from`) to `to` — `running` to go on, or a pause or an end.
 * A queued or waiting run may end in the same commit that starts it (`queued → running →
 * succeeded`): see `canCommit` in run-state.ts.
 */
export interface RunCommit {
  from: RunStatus;
  to: RunStatus;
  steps: readonly StepRecord[];
  checkpoint: Checkpoint;
  patch?: Omit<RunPatch, 'checkpoint'>;
}

export interface RunStore {
  createRun(run: NewRun): Promise<RunRecord>;
  getRun(id: string): Promise<RunRecord | null>;
  /** Moves a run to a new status if it is at `expectedVersion` and the transition is allowed. */
  transition(id: string, expectedVersion: number, to: RunStatus, patch?: RunPatch): Promise<TransitionResult>;
  /**
   * Writes a commit in one transaction if the run is at `expectedVersion` in status `from`:
   * appends its steps, saves the checkpoint (and the last step's node as the current node). The
   * only way steps are written, so a run at version 1 has none. The store may read the commit's
   * values until it settles (a batch encodes them when it is sent): the caller leaves them as given.
   */
  commit(id: string, expectedVersion: number, commit: RunCommit): Promise<TransitionResult>;
  /** A commit of one step of a running run that stays running. */
  recordStep(
    id: string,
    expectedVersion: number,
    step: StepRecord,
    checkpoint: Checkpoint,
  ): Promise<TransitionResult>;
  listSteps(runId: string): Promise<StepRecord[]>;
  /**
   * Reads runs and their steps ahead of need (runs whose timers fall due in the next seconds), so
   * that `getRun` and `listSteps` answer them without a query until the run is written. Best effort:
   * within a memory bound, never fails (a run not read ahead is read when asked for).
   */
  prefetch?(ids: readonly string[]): Promise<void>;
  /** Runs in the given statuses (oldest first), for resume at start. */
  listRunsByStatus(statuses: RunStatus[], limit: number): Promise<RunRecord[]>;
}

/** A durable wake-up (a wait's due time, a retry's back-off), stored as a row indexed by due time. */
export interface TimerRequest {
  /** Deterministic ids make scheduling idempotent (a repeat after a crash adds nothing). */
  id: string;
  runId: string;
  kind: 'resume';
  dueAt: Date;
}

/** The part of the timer store the engine uses; src/store's TimerStore implements it. */
export interface TimerPort {
  schedule(timer: TimerRequest): Promise<unknown>;
  cancelForRun(runId: string): Promise<number>;
}

export interface WorkflowRecord {
  id: string;
  name: string;
  version: number;
  active: boolean;
  workflow: Workflow;
  createdAt: Date;
  updatedAt: Date;
}

/** A workflow as it is now, without its document. */
export type WorkflowHead = Omit<WorkflowRecord, 'workflow'>;

export interface WorkflowStore {
  /** Inserts or updates; every save keeps the previous version. */
  saveWorkflow(id: string, workflow: Workflow, opts?: { now?: Date }): Promise<WorkflowRecord>;
  getWorkflow(id: string): Promise<WorkflowRecord | null>;
  /**
   * Whether a workflow exists and is active, without reading and parsing its document: what a
   * queued or resumed run needs to know (it runs its own stored version).
   */
  getWorkflowHead(id: string): Promise<WorkflowHead | null>;
  /** A given version of a workflow (runs keep the version they started on). */
  getWorkflowVersion(id: string, version: number): Promise<Workflow | null>;
}
