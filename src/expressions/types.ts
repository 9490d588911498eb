/**
 * What the expression evaluator may read of a run. The engine implements it; the evaluator never
 * sees the store, the process or anything else. Methods throw `ExpressionError` for n8n's error cases
 * ("Referenced node doesn't exist", "Referenced node is unexecuted", paired-item failures).
 */
import type { DateTime } from 'luxon';
import type { Item } from '../engine/items.js';

export interface ExpressionData {
  /** Index of the item the expression is evaluated for (`$itemIndex`). */
  readonly itemIndex: number;
  /** How many times the current node already ran in this run (`$runIndex`). */
  readonly runIndex: number;
  /** Items on the current node's first input (`$input.all()`; `$json` is `[itemIndex].json`). */
  inputItems(): readonly Item[];
  /** Whether a node of that name exists in the workflow. */
  hasNode(name: string): boolean;
  /** Whether that node has run (at least once) in this run. */
  isExecuted(name: string): boolean;
  /** Items a node put on an output (default 0) in a run (default: its last run). */
  nodeOutput(name: string, output?: number, run?: number): readonly Item[];
  /** The item of node `name` that the current item (`itemIndex`) descends from, following pairedItem. */
  pairedItem(name: string, itemIndex: number): Item;
  /** Raw parameters of a node (`$('X').params`, `$parameter` for the current node). */
  nodeParameters(name?: string): Record<string, unknown>;
  /** Previous node of the current item (`$prevNode`). */
  readonly prevNode?: { name: string; outputIndex: number; runIndex: number };
  readonly workflow: { id: string; name: string; active: boolean };
  readonly execution: { id: string; mode: 'test' | 'production'; resumeUrl?: string };
  /** `$vars`: instance variables. */
  readonly vars: Readonly<Record<string, string>>;
  /** The run's clock. `$now`; `$today` is its start of day. Already in the workflow's time zone. */
  now(): DateTime;
  /** IANA zone of the workflow (DateTime values created by expressions use it). */
  readonly timezone: string;
  /**
   * Node-specific globals, e.g. `$response` and `$pageCount` in HTTP Request pagination (n8n
   * adds such keys per node). Read only for names the evaluator does not define; plain data only.
   */
  readonly extraGlobals?: Readonly<Record<string, unknown>>;
}
