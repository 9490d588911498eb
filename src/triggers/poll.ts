/**
 * The `poll` trigger kind: polls an HTTP API on an interval (seeds/002's CMS poller, without its
 * double runs) and starts ONE run per new dedup key, exactly once:
 *
 * 1. A poll is a timer row `poll:<workflowId>:<nodeId>:<dueISO>` the trigger's state points at.
 * 2. The answer's items get their keys; in one transaction (`recordKeys`) the new keys are inserted
 *    (the primary key decides what is new) with the items still to start, the cursor moves, and the
 *    next poll's timer replaces this one — only if the state still points at this timer.
 * 3. Then each new key's run is created under an id derived from workflow, node and key, and the
 *    key marked started. A crash between 2 and 3 leaves keys "not started": the next poll starts
 *    them first, under the same ids — never twice, never lost.
 *
 * The first successful poll after the first activation records the items already there without
 * starting runs (unless `fireOnFirstPoll`); a change of URL, items path or key expression counts as
 * a new first poll. Failures back off exponentially (interval × 1, 2, 4 … up to one hour) and are
 * kept in the state, which `GET /api/automations/:id/trigger-status` shows.
 */
import { createHash } from 'node:crypto';
import type { JsonObject } from '../engine/items.js';
import type { WorkflowRecord } from '../engine/ports.js';
import type { WorkflowNode } from '../engine/workflow.js';
import { type PollParams, pollOnce, resolvePollParams } from '../nodes/poll-trigger.node.js';
import type { TimerRecord } from '../store/index.js';
import type { KeyCandidate, TriggerTimer } from '../store/trigger-state-store.js';
import type { ActiveWorkflow, TriggerKind } from './contract.js';
import {
  deterministicId,
  errorMessage,
  evaluateOn,
  startTriggerRun,
  type TriggerServices,
} from './shared.js';

export const POLL_NODE_TYPE = 'pollTrigger';
const MAX_BACKOFF_S = 3600;

/** Resolves a node's credential (the credential service's `resolve`). */
export type CredentialResolver = (node: WorkflowNode, slot: string) => Promise<JsonObject>;

export interface PollTriggerOptions {
  credentials?: CredentialResolver;
  fetch?: typeof fetch;
}

/** What the trigger state row of a poll holds (also the trigger-status answer). */
export interface PollState {
  /** Hash of what makes keys comparable (URL, items path, key expression): a change starts over. */
  keysHash: string;
  configHash: string;
  initialized: boolean;
  cursor: string | null;
  lastPollAt: string | null;
  lastSuccessAt: string | null;
  lastError: string | null;
  consecutiveFailures: number;
  nextPollAt: string | null;
  lastItems: number;
  lastNew: number;
  [key: string]: unknown;
}

export class PollTrigger implements TriggerKind {
  readonly nodeTypes = [POLL_NODE_TYPE] as const;

  constructor(
    private readonly services: TriggerServices,
    private readonly opts: PollTriggerOptions = {},
  ) {}

  async check(active: ActiveWorkflow, node: WorkflowNode): Promise<string[]> {
    try {
      const params = this.params(active, node, '');
      if (params.authentication !== 'none' && !node.credentials?.[params.authentication]) {
        return [`select a '${params.authentication}' credential`];
      }
      return [];
    } catch (error) {
      return [errorMessage(error)];
    }
  }

  async activate(active: ActiveWorkflow, node: WorkflowNode): Promise<void> {
    const { triggers, clock } = this.services;
    const params = this.params(active, node, '');
    const hashes = configHashes(node.parameters);
    const stored = await triggers.get(active.id, node.id);
    const saved = readState(stored?.state);
    if (stored?.timerId && saved.configHash === hashes.config && (await triggers.timerExists(stored.timerId)))
      return;
    const now = clock.now();
    const restart = saved.keysHash !== hashes.keys;
    // Poll now, or when the pending back-off ends for an unchanged configuration.
    const due =
      !restart && saved.nextPollAt && saved.consecutiveFailures > 0 ? new Date(saved.nextPollAt) : now;
    const at = due.getTime() > now.getTime() ? due : now;
    await triggers.advance({
      workflowId: active.id,
      nodeId: node.id,
      kind: 'poll',
      next: pollTimer(active.id, node.id, at),
      state: {
        ...saved,
        keysHash: hashes.keys,
        configHash: hashes.config,
        initialized: restart ? false : saved.initialized,
        cursor: restart ? null : saved.cursor,
        intervalSeconds: params.intervalSeconds,
        nextPollAt: at.toISOString(),
      },
      now,
    });
  }

  async deactivate(workflowId: string): Promise<void> {
    await this.services.triggers.clearTimers(workflowId, 'poll');
  }

  /** The `poll` timer handler (src/queue/timer-loop.ts). */
  readonly handle = async (timer: TimerRecord): Promise<void> => {
    const { triggers, workflows, clock, logger } = this.services;
    const workflowId = String(timer.payload.workflowId);
    const nodeId = String(timer.payload.nodeId);
    const stored = await triggers.get(workflowId, nodeId);
    if (!stored || stored.timerId !== timer.id) return; // superseded by a re-activation
    const saved = readState(stored.state);
    const record = await workflows.getWorkflow(workflowId);
    const node = record?.workflow.nodes.find((n) => n.id === nodeId);
    const now = clock.now();
    if (!record?.active || !node || node.disabled || node.type !== POLL_NODE_TYPE) {
      await triggers.advance({
        workflowId,
        nodeId,
        kind: 'poll',
        expectedTimerId: timer.id,
        next: null,
        state: { ...saved, nextPollAt: null },
        now,
      });
      return;
    }
    await this.startPending(record, node);

    const first = !saved.initialized;
    const cursor = saved.cursor ?? new Date(now.getTime() - lookbackMs(node)).toISOString();
    let params: PollParams | undefined;
    let candidates: KeyCandidate[];
    try {
      params = this.params(record, node, cursor);
      const credential =
        params.authentication === 'none' ? undefined : await this.credential(node, params.authentication);
      const items = await pollOnce({ params, cursor, credential, fetch: this.opts.fetch });
      const fire = !first || params.fireOnFirstPoll;
      candidates = items.map((item, i) => {
        const key = dedupKeyOf(params as PollParams, record, node, item, i, this.services.clock);
        const hash = createHash('sha256').update(key).digest('hex');
        return { hash, key, item, runId: fire ? deterministicId('poll', workflowId, nodeId, hash) : null };
      });
    } catch (error) {
      const failures = saved.consecutiveFailures + 1;
      const interval = params?.intervalSeconds ?? numberOr(saved.intervalSeconds, 60);
      const delayS = Math.min(interval * 2 ** (failures - 1), Math.max(MAX_BACKOFF_S, interval));
      const next = new Date(now.getTime() + delayS * 1000);
      logger.warn({ workflowId, nodeId, failures, err: error }, 'poll failed');
      await triggers.advance({
        workflowId,
        nodeId,
        kind: 'poll',
        expectedTimerId: timer.id,
        next: pollTimer(workflowId, nodeId, next),
        state: {
          ...saved,
          lastPollAt: now.toISOString(),
          lastError: errorMessage(error),
          consecutiveFailures: failures,
          nextPollAt: next.toISOString(),
        },
        now,
      });
      return;
    }

    const next = new Date(now.getTime() + params.intervalSeconds * 1000);
    // Recording only (first poll): every item already there is recorded, whatever the cap.
    const limit = candidates.some((c) => c.runId) ? params.maxItemsPerPoll : Number.MAX_SAFE_INTEGER;
    const intervalSeconds = params.intervalSeconds;
    const result = await triggers.recordKeys(
      candidates,
      limit,
      {
        workflowId,
        nodeId,
        kind: 'poll',
        expectedTimerId: timer.id,
        next: pollTimer(workflowId, nodeId, next),
        now,
      },
      (outcome) => ({
        ...saved,
        initialized: true,
        intervalSeconds,
        // The next poll asks for what changed since this one started; a capped poll asks again.
        cursor: outcome.capped ? cursor : now.toISOString(),
        lastPollAt: now.toISOString(),
        lastSuccessAt: now.toISOString(),
        lastError: null,
        consecutiveFailures: 0,
        nextPollAt: next.toISOString(),
        lastItems: candidates.length,
        lastNew: outcome.recorded.length,
      }),
    );
    if (!result) return; // a re-activation took over meanwhile; its poll will see the same items
    await this.startKeys(record, node, result.recorded);
  };

  /** Starts the runs of keys recorded but not started (a crash came between). */
  private async startPending(record: WorkflowRecord, node: WorkflowNode): Promise<void> {
    for (;;) {
      const pending = await this.services.triggers.pendingKeys(record.id, node.id, 100);
      if (pending.length === 0) return;
      await this.startKeys(record, node, pending);
    }
  }

  private async startKeys(
    record: WorkflowRecord,
    node: WorkflowNode,
    keys: readonly KeyCandidate[],
  ): Promise<void> {
    const started: string[] = [];
    for (const key of keys) {
      if (key.runId && key.item) {
        await startTriggerRun(this.services, {
          record,
          node,
          items: [key.item],
          runId: key.runId,
          mode: 'poll',
        });
      }
      started.push(key.hash);
    }
    await this.services.triggers.markStarted(record.id, node.id, started);
  }

  private params(
    active: { id: string; workflow: WorkflowRecord['workflow'] },
    node: WorkflowNode,
    cursor: string,
  ): PollParams {
    return resolvePollParams(node.parameters, cursor, (value) =>
      evaluateOn(value, active, node, {}, this.services.clock, 'parameters'),
    );
  }

  private async credential(node: WorkflowNode, slot: string): Promise<JsonObject> {
    if (!this.opts.credentials) throw new Error('No credentials are available to poll triggers');
    return this.opts.credentials(node, slot);
  }
}

function dedupKeyOf(
  params: PollParams,
  record: WorkflowRecord,
  node: WorkflowNode,
  item: JsonObject,
  index: number,
  clock: TriggerServices['clock'],
): string {
  if (params.dedupKey.trim() === '') return stableJson(item);
  const value = evaluateOn(params.dedupKey, record, node, item, clock, 'dedupKey');
  if (value === undefined || value === null || value === '') {
    throw new Error(`Invalid parameter 'dedupKey': it gives no value for item ${index}`);
  }
  return typeof value === 'string' ? value : stableJson(value);
}

/** JSON with sorted keys: the same object always gives the same key. */
function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );
}

function configHashes(parameters: Record<string, unknown>): { keys: string; config: string } {
  const hash = (value: unknown) => createHash('sha256').update(stableJson(value)).digest('hex').slice(0, 32);
  return {
    keys: hash({
      url: parameters.url,
      itemsPath: parameters.itemsPath ?? '',
      dedupKey: parameters.dedupKey ?? '',
    }),
    config: hash(parameters),
  };
}

function lookbackMs(node: WorkflowNode): number {
  const raw = node.parameters.initialLookbackSeconds;
  const seconds =
    typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : 86_400;
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : 86_400_000;
}

function numberOr(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

function readState(raw: Record<string, unknown> | undefined): PollState {
  const text = (v: unknown) => (typeof v === 'string' ? v : null);
  return {
    ...(raw ?? {}),
    keysHash: text(raw?.keysHash) ?? '',
    configHash: text(raw?.configHash) ?? '',
    initialized: raw?.initialized === true,
    cursor: text(raw?.cursor),
    lastPollAt: text(raw?.lastPollAt),
    lastSuccessAt: text(raw?.lastSuccessAt),
    lastError: text(raw?.lastError),
    consecutiveFailures: numberOr(raw?.consecutiveFailures, 0),
    nextPollAt: text(raw?.nextPollAt),
    lastItems: numberOr(raw?.lastItems, 0),
    lastNew: numberOr(raw?.lastNew, 0),
  };
}

export function pollTimer(workflowId: string, nodeId: string, at: Date): TriggerTimer {
  return {
    id: `poll:${workflowId}:${nodeId}:${at.toISOString()}`,
    kind: 'poll',
    dueAt: at,
    payload: { workflowId, nodeId },
  };
}
