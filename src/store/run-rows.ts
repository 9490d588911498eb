/** Row ↔ record mapping for runs and steps: the codec does every dialect-specific conversion. */
import type { Insertable, Selectable } from 'kysely';
import type { ErrorDetails } from '../engine/errors.js';
import type { Item, ItemSource } from '../engine/items.js';
import type { Checkpoint, NewRun, RunRecord, StepRecord } from '../engine/ports.js';
import type { ValueCodec } from './dialects/types.js';
import type { RunsTable, StepDataTable, StepsTable } from './schema.js';

/** The record a new run starts as (version 1). */
export function newRunRecord(run: NewRun): RunRecord {
  const status = run.status ?? 'queued';
  return {
    id: run.id,
    workflowId: run.workflowId,
    workflowVersion: run.workflowVersion,
    status,
    mode: run.mode,
    triggerItems: run.triggerItems,
    checkpoint: run.checkpoint ?? null,
    error: null,
    currentNode: null,
    version: 1,
    isTest: run.isTest ?? false,
    retryOf: run.retryOf ?? null,
    createdAt: run.createdAt,
    // A run created already running started when it was created.
    startedAt: status === 'running' ? run.createdAt : null,
    finishedAt: null,
    waitTill: null,
  };
}

export function runToRow(codec: ValueCodec, run: RunRecord): Insertable<RunsTable> {
  return {
    id: run.id,
    workflow_id: run.workflowId,
    workflow_version: run.workflowVersion,
    status: run.status,
    mode: run.mode,
    trigger_items: codec.json(run.triggerItems),
    checkpoint: nullable(run.checkpoint, codec.json),
    error: nullable(run.error, codec.json),
    current_node: run.currentNode,
    version: run.version,
    is_test: codec.bool(run.isTest),
    retry_of: run.retryOf,
    created_at: codec.date(run.createdAt),
    started_at: nullable(run.startedAt, codec.date),
    finished_at: nullable(run.finishedAt, codec.date),
    wait_till: nullable(run.waitTill, codec.date),
  };
}

export function runFromRow(codec: ValueCodec, row: Selectable<RunsTable>): RunRecord {
  return {
    id: row.id,
    workflowId: row.workflow_id,
    workflowVersion: row.workflow_version,
    status: row.status,
    mode: row.mode,
    triggerItems: codec.readJson<Item[]>(row.trigger_items),
    checkpoint: nullable(row.checkpoint, (v) => codec.readJson<Checkpoint>(v)),
    error: nullable(row.error, (v) => codec.readJson<ErrorDetails>(v)),
    currentNode: row.current_node,
    version: row.version,
    isTest: codec.readBool(row.is_test),
    retryOf: row.retry_of,
    createdAt: codec.readDate(row.created_at),
    startedAt: nullable(row.started_at, codec.readDate),
    finishedAt: nullable(row.finished_at, codec.readDate),
    waitTill: nullable(row.wait_till, codec.readDate),
  };
}

export function stepToRows(
  codec: ValueCodec,
  step: StepRecord,
): { meta: Insertable<StepsTable>; data: Insertable<StepDataTable> | null } {
  const meta: Insertable<StepsTable> = {
    run_id: step.runId,
    seq: step.seq,
    node_id: step.nodeId,
    node_name: step.nodeName,
    node_type: step.nodeType,
    run_index: step.runIndex,
    status: step.status,
    started_at: codec.date(step.startedAt),
    finished_at: codec.date(step.finishedAt),
    input_count: step.inputCount,
    output_counts: codec.json(step.outputCounts),
    sources: codec.json(step.sources),
    error: nullable(step.error, codec.json),
    logs: codec.json(step.logs),
  };
  // Each payload is serialised once, here, as a whole: one JSON.stringify per column, not per item.
  const data =
    step.input === null && step.output === null
      ? null
      : {
          run_id: step.runId,
          seq: step.seq,
          input: nullable(step.input, codec.json),
          output: nullable(step.output, codec.json),
        };
  return { meta, data };
}

/** A step as read back: its row with its payloads joined. */
export type StepRow = Selectable<StepsTable> & Pick<Selectable<StepDataTable>, 'input' | 'output'>;

export function stepFromRow(codec: ValueCodec, row: StepRow): StepRecord {
  return {
    runId: row.run_id,
    seq: row.seq,
    nodeId: row.node_id,
    nodeName: row.node_name,
    nodeType: row.node_type,
    runIndex: row.run_index,
    status: row.status,
    startedAt: codec.readDate(row.started_at),
    finishedAt: codec.readDate(row.finished_at),
    inputCount: row.input_count,
    outputCounts: codec.readJson<number[]>(row.output_counts),
    sources: codec.readJson<(ItemSource | null)[]>(row.sources),
    input: nullable(row.input, (v) => codec.readJson<Item[][]>(v)),
    output: nullable(row.output, (v) => codec.readJson<Item[][]>(v)),
    error: nullable(row.error, (v) => codec.readJson<ErrorDetails>(v)),
    logs: codec.readJson<string[]>(row.logs),
  };
}

/** SQL NULL stays null; anything else goes through `convert`. */
export function nullable<T, R>(value: T | null | undefined, convert: (value: T) => R): R | null {
  return value === null || value === undefined ? null : convert(value);
}
