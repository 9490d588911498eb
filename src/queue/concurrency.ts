/**
 * Concurrency limits of the embedded run queue (issue "Durable execution", point 8).
 *
 * A workflow's `settings.concurrency` puts its runs in groups: one group per workflow, or, with
 * `key` (an expression evaluated on the trigger item, e.g. `={{ $json.customerId }}`), one per
 * value of the key. At most `max` runs of a group hold a slot at once (`key` without `max`: one at
 * a time per key). A run holds its slot while it is driven; while it waits only with
 * `holdWhileWaiting`, and then it resumes in its own slot (it never waits behind the runs it keeps
 * out). The group is written on the run row (`concurrency_key`, `concurrency_hold`), so the slots
 * taken are derivable from the store by any process; this class keeps the counts of one process:
 * runs driven here, plus the waiting runs that keep a slot, which it re-reads from the store when a
 * workflow is first seen and while runs are held back, so that a held run canceled elsewhere (or a
 * restart) never leaves a group stuck.
 */
import { DateTime } from 'luxon';
import type { Clock } from '../engine/clock.js';
import type { RunRecord } from '../engine/ports.js';
import type { Workflow } from '../engine/workflow.js';
import { evaluateExpression } from '../expressions/index.js';
import type { ExpressionData } from '../expressions/types.js';
import type { HeldRun } from '../store/index.js';

export interface SlotGroup {
  workflowId: string;
  /** The evaluated key (`''` for a workflow-wide limit). */
  key: string;
  max: number;
  /** Waiting runs keep their slot. */
  hold: boolean;
}

/** What the slots need of the store (RelaisRunStore implements it). */
export interface SlotStore {
  listHeldRuns(workflowIds: readonly string[]): Promise<HeldRun[]>;
}

/** Longest key kept: keys name groups, they are not data. */
const MAX_KEY = 500;

/**
 * The group a run of `workflow` belongs to, or null when the workflow sets no limit. A key whose
 * expression fails puts the run in the `''` group: still limited, never unlimited nor stuck.
 */
export function slotGroupOf(
  run: Pick<RunRecord, 'id' | 'workflowId' | 'triggerItems'>,
  workflow: Workflow,
  clock: Clock,
  onKeyError?: (error: unknown) => void,
): SlotGroup | null {
  const c = workflow.settings.concurrency;
  if (!c || (c.max === undefined && c.key === undefined)) return null;
  let key = '';
  if (c.key !== undefined) {
    try {
      key = keyText(evaluateKey(c.key, run, workflow, clock));
    } catch (error) {
      onKeyError?.(error);
    }
  }
  return { workflowId: run.workflowId, key, max: c.max ?? 1, hold: c.holdWhileWaiting };
}

function evaluateKey(
  key: string,
  run: Pick<RunRecord, 'id' | 'workflowId' | 'triggerItems'>,
  workflow: Workflow,
  clock: Clock,
): unknown {
  // `{{ $json.x }}` without the leading `=` is meant as an expression too.
  const expression = key.startsWith('=') ? key : key.includes('{{') ? `=${key}` : null;
  if (expression === null) return key;
  const zone = workflow.settings.timezone ?? 'UTC';
  const items = run.triggerItems.slice(0, 1);
  const unavailable = (): never => {
    throw new Error('the concurrency key sees only the trigger item ($json), $now and $workflow');
  };
  const data: ExpressionData = {
    itemIndex: 0,
    runIndex: 0,
    inputItems: () => items,
    hasNode: () => false,
    isExecuted: () => false,
    nodeOutput: unavailable,
    pairedItem: unavailable,
    nodeParameters: () => ({}),
    workflow: { id: run.workflowId, name: workflow.name, active: true },
    execution: { id: run.id, mode: 'production' },
    vars: {},
    now: () => DateTime.fromJSDate(clock.now(), { zone }),
    timezone: zone,
  };
  return evaluateExpression(expression, data, { parameter: 'settings.concurrency.key' });
}

function keyText(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return text.slice(0, MAX_KEY);
}

const groupId = (g: Pick<SlotGroup, 'workflowId' | 'key'>) => `${g.workflowId}\u0000${g.key}`;

interface Held {
  group: string;
  workflowId: string;
}

export class ConcurrencySlots {
  private readonly driven = new Map<string, number>();
  private readonly held = new Map<string, Held>();
  private readonly heldPerGroup = new Map<string, number>();
  /** Workflows whose held runs were read from the store at least once by this process. */
  private readonly known = new Set<string>();
  /** Order of this process' last hold/release of a run, so a store read older than it is ignored for it. */
  private readonly changed = new Map<string, number>();
  private seq = 0;
  private reading = 0;

  constructor(private readonly store?: SlotStore) {}

  /** Whether a run of `group` may start now (a held run always may: it has its slot). */
  canStart(group: SlotGroup | null, runId: string): boolean {
    if (!group || this.held.has(runId)) return true;
    const id = groupId(group);
    return (this.driven.get(id) ?? 0) + (this.heldPerGroup.get(id) ?? 0) < group.max;
  }

  /** The run is being driven: it takes a slot, or moves its held slot to driven. */
  acquire(group: SlotGroup | null, runId: string): void {
    this.unhold(runId);
    if (!group) return;
    const id = groupId(group);
    this.driven.set(id, (this.driven.get(id) ?? 0) + 1);
  }

  /** The drive ended with the run in `status`: it gives its slot back, or keeps it while it waits. */
  release(group: SlotGroup | null, runId: string, status: RunRecord['status'] | undefined): void {
    if (!group) return;
    const id = groupId(group);
    const left = (this.driven.get(id) ?? 1) - 1;
    if (left <= 0) this.driven.delete(id);
    else this.driven.set(id, left);
    if (status === 'waiting' && group.hold) this.hold(runId, id, group.workflowId);
  }

  /** Held runs of these groups (the queue re-reads them while runs wait behind them). */
  holdsAny(groups: Iterable<SlotGroup>): boolean {
    for (const g of groups) if ((this.heldPerGroup.get(groupId(g)) ?? 0) > 0) return true;
    return false;
  }

  isKnown(workflowId: string): boolean {
    return this.known.has(workflowId);
  }

  /**
   * Replaces what this process believes is held in these workflows by what the store says, except
   * for runs driven right now and runs this process held or released after the read began (its
   * own knowledge is newer than the read).
   */
  async refresh(workflowIds: readonly string[], drivenRuns: ReadonlySet<string>): Promise<void> {
    if (!this.store || workflowIds.length === 0) return;
    const startedAt = this.seq;
    this.reading++;
    let rows: HeldRun[];
    try {
      rows = await this.store.listHeldRuns(workflowIds);
    } finally {
      this.reading--;
    }
    const newer = (runId: string) => (this.changed.get(runId) ?? 0) > startedAt;
    const wanted = new Set(workflowIds);
    for (const id of wanted) this.known.add(id);
    const stored = new Set(rows.map((r) => r.id));
    for (const [runId, h] of [...this.held]) {
      if (wanted.has(h.workflowId) && !stored.has(runId) && !newer(runId)) this.unhold(runId);
    }
    for (const row of rows) {
      if (!this.held.has(row.id) && !drivenRuns.has(row.id) && !newer(row.id)) {
        this.hold(row.id, groupId(row), row.workflowId);
      }
    }
    if (this.reading === 0) this.changed.clear();
  }

  /** Only changes made while a store read is in flight can be newer than it. */
  private touch(runId: string): void {
    this.seq++;
    if (this.reading > 0) this.changed.set(runId, this.seq);
  }

  private hold(runId: string, group: string, workflowId: string): void {
    if (this.held.has(runId)) return;
    this.held.set(runId, { group, workflowId });
    this.touch(runId);
    this.heldPerGroup.set(group, (this.heldPerGroup.get(group) ?? 0) + 1);
  }

  private unhold(runId: string): void {
    const h = this.held.get(runId);
    if (!h) return;
    this.held.delete(runId);
    this.touch(runId);
    const left = (this.heldPerGroup.get(h.group) ?? 1) - 1;
    if (left <= 0) this.heldPerGroup.delete(h.group);
    else this.heldPerGroup.set(h.group, left);
  }
}
