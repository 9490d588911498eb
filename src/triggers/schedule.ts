/**
 * The `schedule` trigger kind: exactly one run per tick, however often the workflow is activated,
 * edited or restarted (n8n issues 7045 and 22488 are schedules registered twice).
 *
 * - A trigger's next tick is ONE timer row, `schedule:<workflowId>:<nodeId>:<tickISO>`, whose id the
 *   trigger's state row points at. Activation replaces whatever timer the state points at (every
 *   version's) — or keeps it, when the rules did not change and it is still pending, so a restart
 *   neither adds a timer nor loses a tick that came due while Relais was down.
 * - The timer's handler starts the tick's run under an id derived from workflow, node and tick, so a
 *   repeated delivery (a lease that ran out, two schedulers) finds the run instead of starting a
 *   second; then it moves the state to the next tick only if the state still points at this timer.
 * - A tick handled more than `missedAfterMs` late was missed (Relais was down): `missedTicks: skip`
 *   drops it, `runOnce` runs it once however many ticks were missed; the next tick is after now.
 */
import { createHash } from 'node:crypto';
import { IANAZone } from 'luxon';
import { timezoneOf } from '../engine/node-context.js';
import type { Workflow, WorkflowNode } from '../engine/workflow.js';
import {
  afterFiring,
  type CompiledRule,
  compileRules,
  intervalProblems,
  type NextTick,
  nextTick,
  type ScheduleParams,
  scheduleParams,
  tickItem,
} from '../nodes/schedule-trigger.node.js';
import type { TimerRecord } from '../store/index.js';
import type { TriggerTimer } from '../store/trigger-state-store.js';
import type { ActiveWorkflow, TriggerKind } from './contract.js';
import { deterministicId, errorMessage, startTriggerRun, type TriggerServices } from './shared.js';

export const SCHEDULE_NODE_TYPE = 'scheduleTrigger';

/** A tick handled later than this after its time was missed (the process was down or stalled). */
export const MISSED_AFTER_MS = 60_000;

/** What the trigger state row of a schedule holds. */
export interface ScheduleState {
  /** Hash of the rules and time zone the pending tick was computed from. */
  configHash: string;
  /** Per rule: the hour/day/week/month it last fired in (n8n's recurrence rules), or null. */
  last: (number | null)[];
  lastTick: string | null;
  nextTick: string | null;
  [key: string]: unknown;
}

interface Plan {
  params: ScheduleParams;
  zone: string;
  rules: CompiledRule[];
  hash: string;
}

export interface ScheduleTriggerOptions {
  missedAfterMs?: number;
}

export class ScheduleTrigger implements TriggerKind {
  readonly nodeTypes = [SCHEDULE_NODE_TYPE] as const;
  private readonly missedAfterMs: number;

  constructor(
    private readonly services: TriggerServices,
    opts: ScheduleTriggerOptions = {},
  ) {
    this.missedAfterMs = opts.missedAfterMs ?? MISSED_AFTER_MS;
  }

  async check(active: ActiveWorkflow, node: WorkflowNode): Promise<string[]> {
    const parsed = scheduleParams.safeParse(node.parameters);
    if (!parsed.success) {
      return parsed.error.issues.map((i) => `${i.path.map(String).join('.') || 'parameters'}: ${i.message}`);
    }
    const problems = parsed.data.rule.interval.flatMap((interval, i) =>
      intervalProblems(interval).map((p) => `rule ${i + 1}: ${p}`),
    );
    if (parsed.data.rule.interval.length === 0) problems.push('add at least one trigger rule');
    const zone = timezoneOf(active.workflow);
    if (!IANAZone.isValidZone(zone)) problems.push(`unknown time zone '${zone}'`);
    if (problems.length > 0) return problems;
    try {
      compileRules(parsed.data, `${active.id}:${node.id}`, zone);
    } catch (error) {
      problems.push(`invalid cron expression: ${errorMessage(error)}`);
    }
    return problems;
  }

  async activate(active: ActiveWorkflow, node: WorkflowNode): Promise<void> {
    const { triggers, clock } = this.services;
    await this.dropRemovedNodes(active.id, active.workflow);
    const plan = planFor(active.id, active.workflow, node);
    const stored = await triggers.get(active.id, node.id);
    const saved = readState(stored?.state);
    if (stored?.timerId && saved.configHash === plan.hash && (await triggers.timerExists(stored.timerId))) {
      return; // Same rules, tick still pending: a restart or a second activation changes nothing.
    }
    const now = clock.now();
    const last = saved.configHash === plan.hash ? saved.last : [];
    const next = nextTick(plan.rules, last, now, plan.zone);
    await triggers.advance({
      workflowId: active.id,
      nodeId: node.id,
      kind: 'schedule',
      next: next ? timerFor(active.id, node.id, next) : null,
      state: { ...saved, configHash: plan.hash, last, nextTick: next?.at.toISOString() ?? null },
      now,
    });
  }

  async deactivate(workflowId: string): Promise<void> {
    await this.services.triggers.clearTimers(workflowId, 'schedule');
  }

  /** The `schedule` timer handler (src/queue/timer-loop.ts). */
  readonly handle = async (timer: TimerRecord): Promise<void> => {
    const { triggers, workflows, clock, logger } = this.services;
    const workflowId = String(timer.payload.workflowId);
    const nodeId = String(timer.payload.nodeId);
    const stored = await triggers.get(workflowId, nodeId);
    if (!stored || stored.timerId !== timer.id) return; // superseded by a re-activation
    const saved = readState(stored.state);
    const now = clock.now();
    const stop = (reason: string) => {
      logger.info({ workflowId, nodeId, reason }, 'schedule stopped');
      return triggers.advance({
        workflowId,
        nodeId,
        kind: 'schedule',
        expectedTimerId: timer.id,
        next: null,
        state: { ...saved, nextTick: null },
        now,
      });
    };
    const record = await workflows.getWorkflow(workflowId);
    const node = record?.workflow.nodes.find((n) => n.id === nodeId);
    if (!record?.active || !node || node.disabled || node.type !== SCHEDULE_NODE_TYPE) {
      await stop('the workflow is inactive or its schedule trigger is gone');
      return;
    }
    let plan: Plan;
    try {
      plan = planFor(workflowId, record.workflow, node);
    } catch (error) {
      await stop(`invalid schedule: ${errorMessage(error)}`);
      return;
    }

    const tick = timer.dueAt;
    let last = saved.last;
    let lastTick = saved.lastTick;
    if (saved.configHash !== plan.hash) {
      // Rules changed without an activation: start over from now, this tick belonged to the old rules.
      last = [];
    } else if (
      now.getTime() - tick.getTime() <= this.missedAfterMs ||
      plan.params.missedTicks === 'runOnce'
    ) {
      await startTriggerRun(this.services, {
        record,
        node,
        items: [tickItem(tick, plan.zone)],
        runId: deterministicId('schedule', workflowId, nodeId, tick.toISOString()),
        mode: 'schedule',
      });
      const fired = Array.isArray(timer.payload.rules) ? (timer.payload.rules as number[]) : [];
      last = afterFiring(plan.rules, last, fired, tick, plan.zone);
      lastTick = tick.toISOString();
    } else {
      logger.warn({ workflowId, nodeId, tick: tick.toISOString() }, 'missed schedule tick skipped');
    }
    const next = nextTick(plan.rules, last, new Date(Math.max(now.getTime(), tick.getTime())), plan.zone);
    await triggers.advance({
      workflowId,
      nodeId,
      kind: 'schedule',
      expectedTimerId: timer.id,
      next: next ? timerFor(workflowId, nodeId, next) : null,
      state: { ...saved, configHash: plan.hash, last, lastTick, nextTick: next?.at.toISOString() ?? null },
      now,
    });
  };

  /** Schedule nodes a new version no longer has stop ticking. */
  private async dropRemovedNodes(workflowId: string, workflow: Workflow): Promise<void> {
    const current = new Set(
      workflow.nodes.filter((n) => n.type === SCHEDULE_NODE_TYPE && !n.disabled).map((n) => n.id),
    );
    for (const state of await this.services.triggers.list(workflowId)) {
      if (state.kind !== 'schedule' || current.has(state.nodeId) || state.timerId === null) continue;
      await this.services.triggers.advance({
        workflowId,
        nodeId: state.nodeId,
        kind: 'schedule',
        next: null,
        state: { ...state.state, nextTick: null },
        now: this.services.clock.now(),
      });
    }
  }
}

function planFor(workflowId: string, workflow: Workflow, node: WorkflowNode): Plan {
  const params = scheduleParams.parse(node.parameters);
  const zone = timezoneOf(workflow);
  const rules = compileRules(params, `${workflowId}:${node.id}`, zone);
  const hash = createHash('sha256')
    .update(JSON.stringify({ rules: params.rule.interval, zone, node: node.id }))
    .digest('hex')
    .slice(0, 32);
  return { params, zone, rules, hash };
}

function readState(raw: Record<string, unknown> | undefined): ScheduleState {
  return {
    ...(raw ?? {}),
    configHash: typeof raw?.configHash === 'string' ? raw.configHash : '',
    last: Array.isArray(raw?.last) ? (raw.last as (number | null)[]) : [],
    lastTick: typeof raw?.lastTick === 'string' ? raw.lastTick : null,
    nextTick: typeof raw?.nextTick === 'string' ? raw.nextTick : null,
  };
}

export function scheduleTimerId(workflowId: string, nodeId: string, at: Date): string {
  return `schedule:${workflowId}:${nodeId}:${at.toISOString()}`;
}

function timerFor(workflowId: string, nodeId: string, next: NextTick): TriggerTimer {
  return {
    id: scheduleTimerId(workflowId, nodeId, next.at),
    kind: 'schedule',
    dueAt: next.at,
    payload: { workflowId, nodeId, rules: next.rules },
  };
}
