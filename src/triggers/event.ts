/**
 * App events (issue "Durable execution", point 5): `POST /api/events { type, key?, data,
 * idempotencyKey? }` starts a run of every active workflow whose Event Trigger matches, and resumes
 * every run whose Wait node waits for that type (and key).
 *
 * - Active Event Triggers are indexed in memory: activation and deactivation keep the index, and the
 *   start-up activation of every active workflow rebuilds it.
 * - With an idempotency key (per type), the first request takes the key in the store together with
 *   the planned run ids (derived from type, key, workflow and node); a repeat starts nothing and
 *   gets the first answer — and creates any planned run a crash kept from being created.
 * - Runs paused for an event are rows of `event_waits` (written from the engine's step hook, since
 *   the Wait node's step names the event). An event takes each matching row once, together with a
 *   fallback delivery timer, then resumes the run at once; the timer delivers it after a crash, and
 *   is removed by the engine when the wait ends.
 */
import { randomUUID } from 'node:crypto';
import type { EngineHooks } from '../engine/engine.js';
import type { JsonObject } from '../engine/items.js';
import type { Workflow, WorkflowNode } from '../engine/workflow.js';
import { eventTriggerParams, eventTypeMatches } from '../nodes/event-trigger.node.js';
import { awaitedEvent } from '../nodes/wait.node.js';
import type { TimerRecord } from '../store/index.js';
import type { TriggerTimer } from '../store/trigger-state-store.js';
import type { ActiveWorkflow, TriggerKind } from './contract.js';
import {
  deterministicId,
  errorMessage,
  evaluateOn,
  startTriggerRun,
  type TriggerServices,
} from './shared.js';

export const EVENT_NODE_TYPE = 'eventTrigger';
/** A claimed event wait is delivered again by its timer after this long if the run did not resume. */
export const DELIVERY_RETRY_MS = 60_000;
const WAITS_PER_EVENT = 1000;

export interface AppEvent {
  type: string;
  data: unknown;
  key?: string | null;
  idempotencyKey?: string | null;
}

export interface PublishResult {
  /** 202 the first time, 200 for a repeated idempotency key. */
  status: 200 | 202;
  runs: string[];
  resumed: string[];
}

interface Registration {
  workflowId: string;
  version: number;
  workflow: Workflow;
  node: WorkflowNode;
  pattern: string;
  filter: string | boolean;
}

interface PlannedRun {
  runId: string;
  workflowId: string;
  version: number;
  nodeId: string;
}

export class EventTrigger implements TriggerKind {
  readonly nodeTypes = [EVENT_NODE_TYPE] as const;
  private readonly byWorkflow = new Map<string, Registration[]>();
  /** Runs this process is resuming: the fallback timer must not submit them a second time. */
  private readonly delivering = new Set<string>();

  constructor(private readonly services: TriggerServices) {}

  async check(_active: ActiveWorkflow, node: WorkflowNode): Promise<string[]> {
    const parsed = eventTriggerParams.safeParse(node.parameters);
    return parsed.success
      ? []
      : parsed.error.issues.map((i) => `${i.path.map(String).join('.') || 'parameters'}: ${i.message}`);
  }

  async activate(active: ActiveWorkflow, node: WorkflowNode): Promise<void> {
    const params = eventTriggerParams.parse(node.parameters);
    // A new version replaces the registrations of the one before.
    const kept = (this.byWorkflow.get(active.id) ?? []).filter(
      (r) => r.version === active.version && r.node.id !== node.id,
    );
    kept.push({
      workflowId: active.id,
      version: active.version,
      workflow: active.workflow,
      node,
      pattern: params.eventType,
      filter: params.filter,
    });
    this.byWorkflow.set(active.id, kept);
  }

  async deactivate(workflowId: string): Promise<void> {
    this.byWorkflow.delete(workflowId);
  }

  /** Active triggers of this type (exact or wildcard), across workflows. */
  registrations(type: string): Registration[] {
    return [...this.byWorkflow.values()].flat().filter((r) => eventTypeMatches(r.pattern, type));
  }

  async publish(event: AppEvent): Promise<PublishResult> {
    const { triggers, clock } = this.services;
    const now = clock.now();
    const key = event.key === undefined || event.key === null || event.key === '' ? null : String(event.key);
    const item: JsonObject = {
      type: event.type,
      data: (event.data ?? {}) as JsonObject,
      key,
      receivedAt: now.toISOString(),
      idempotencyKey: event.idempotencyKey ?? null,
    };
    const matching = this.registrations(event.type).filter((r) => this.passes(r, item));
    const plan: PlannedRun[] = matching.map((r) => ({
      runId: event.idempotencyKey
        ? deterministicId('event', event.type, event.idempotencyKey, r.workflowId, r.node.id)
        : randomUUID(),
      workflowId: r.workflowId,
      version: r.version,
      nodeId: r.node.id,
    }));
    const scope = `event:${event.type}`;
    if (event.idempotencyKey) {
      const answer = { runs: plan.map((p) => p.runId), resumed: [], item, plan } as unknown as JsonObject;
      const claim = await triggers.claimOnce(scope, event.idempotencyKey, answer, now);
      if (!claim.claimed) return this.replay(claim.answer);
    }
    const runs: string[] = [];
    for (const planned of plan) {
      const reg = matching.find((r) => r.workflowId === planned.workflowId && r.node.id === planned.nodeId)!;
      await startTriggerRun(this.services, {
        record: { id: reg.workflowId, version: reg.version, workflow: reg.workflow },
        node: reg.node,
        items: [item],
        runId: planned.runId,
        mode: 'event',
      });
      runs.push(planned.runId);
    }
    const resumed = await this.resumeWaiting(event.type, key, item);
    if (event.idempotencyKey) {
      await triggers.setAnswer(scope, event.idempotencyKey, {
        runs,
        resumed,
        item,
        plan,
      } as unknown as JsonObject);
    }
    return { status: 202, runs, resumed };
  }

  /** Engine hooks that keep `event_waits` in step with the runs (wire them into the engine). */
  engineHooks(): EngineHooks {
    const { triggers, clock, logger } = this.services;
    return {
      onStepFinish: (run, step) => {
        if (step.nodeType !== 'wait') return;
        const fail = (error: unknown) =>
          logger.error({ err: error, runId: run.id }, 'event wait not recorded');
        if (step.status === 'waiting') {
          const awaited = awaitedEvent(step.logs);
          if (!awaited) return;
          triggers
            .addEventWait({
              runId: run.id,
              type: awaited.type,
              key: awaited.key,
              waitVersion: run.version,
              createdAt: clock.now(),
            })
            .catch(fail);
        } else if (
          step.status === 'succeeded' &&
          step.logs.some((l) => l.startsWith('wait ended by')) &&
          awaitedEvent(step.logs)
        ) {
          triggers.removeEventWait(run.id).catch(fail);
        }
      },
    };
  }

  /** The `event` timer handler: a claimed event wait whose run did not resume yet. */
  readonly handle = async (timer: TimerRecord): Promise<void> => {
    if (!timer.runId || this.delivering.has(timer.runId)) return;
    await this.deliver(
      timer.runId,
      timer.payload.item as JsonObject,
      Number(timer.payload.waitVersion),
      true,
    );
  };

  private passes(reg: Registration, item: JsonObject): boolean {
    if (reg.filter === '' || reg.filter === true) return true;
    if (reg.filter === false) return false;
    try {
      const value = evaluateOn(
        reg.filter,
        { id: reg.workflowId, workflow: reg.workflow },
        reg.node,
        item,
        this.services.clock,
        'filter',
      );
      return Boolean(value) && value !== 'false';
    } catch (error) {
      this.services.logger.warn({ workflowId: reg.workflowId, err: error }, 'event filter failed: no run');
      return false;
    }
  }

  private async resumeWaiting(type: string, key: string | null, item: JsonObject): Promise<string[]> {
    const { triggers, clock } = this.services;
    const resumed: string[] = [];
    for (const wait of await triggers.findEventWaits(type, key, WAITS_PER_EVENT)) {
      const now = clock.now();
      const delivery: TriggerTimer = {
        id: `event:${wait.runId}:${wait.waitVersion}`,
        runId: wait.runId,
        kind: 'event',
        dueAt: new Date(now.getTime() + DELIVERY_RETRY_MS),
        payload: { item, waitVersion: wait.waitVersion },
      };
      if (!(await triggers.claimEventWait(wait.runId, delivery, now))) continue; // another event took it
      const outcome = await this.deliver(wait.runId, item, wait.waitVersion, false);
      if (outcome !== 'gone') resumed.push(wait.runId);
    }
    return resumed;
  }

  /** Resumes a run paused for an event, if it still is (`gone`: it was resumed or ended otherwise). */
  private async deliver(
    runId: string,
    item: JsonObject,
    waitVersion: number,
    wait: boolean,
  ): Promise<'resumed' | 'gone'> {
    const run = await this.services.runs.getRun(runId);
    // The event wait is recorded once the run has paused, with the paused run's version. Rows
    // written by earlier builds (waiting step and pause in two commits) hold one version less; a
    // run's next pause is at least two versions further, so both denote this pause.
    if (
      run?.status !== 'waiting' ||
      (run.version !== waitVersion && run.version !== waitVersion + 1) ||
      run.checkpoint?.wait?.resumeOn !== 'event'
    )
      return 'gone';
    this.delivering.add(runId);
    const resuming = this.services.queue
      .submit({ runId, resume: { by: 'event', items: [item] } })
      .catch((error) =>
        this.services.logger.error(
          { err: error, runId },
          'event did not resume the run: ' + errorMessage(error),
        ),
      )
      .finally(() => this.delivering.delete(runId));
    if (wait) await resuming;
    return 'resumed';
  }

  private async replay(answer: JsonObject): Promise<PublishResult> {
    const plan = (Array.isArray(answer.plan) ? answer.plan : []) as PlannedRun[];
    const item = (answer.item ?? {}) as JsonObject;
    // The first request may have died before creating its runs: create what is missing, same ids.
    for (const planned of plan) {
      if (await this.services.runs.getRun(planned.runId)) continue;
      const reg = this.byWorkflow.get(planned.workflowId)?.find((r) => r.node.id === planned.nodeId);
      if (!reg) continue;
      await startTriggerRun(this.services, {
        record: { id: reg.workflowId, version: reg.version, workflow: reg.workflow },
        node: reg.node,
        items: [item],
        runId: planned.runId,
        mode: 'event',
      });
    }
    const list = (v: unknown) => (Array.isArray(v) ? v.map(String) : []);
    return { status: 200, runs: list(answer.runs), resumed: list(answer.resumed) };
  }
}
