/**
 * Remove Duplicates across runs (n8n `RemoveDuplicatesV2.node.ts`, operations
 * `removeItemsSeenInPreviousExecutions` and `clearDeduplicationHistory`, with the history kept as
 * n8n's `cli/src/deduplication/deduplication-helper.ts` keeps it), on the DEDUP_HISTORY service.
 *
 * Per workflow and scope (`node`: this node's own history, by node id so a rename keeps it;
 * `workflow`: shared by the workflow's nodes), one document:
 * - "value is new" (`entries`): the MD5 (base64) of each value recorded, oldest first. As in n8n,
 *   an input that would take the values recorded plus its item count past `historySize` fails the
 *   node, and nothing is dropped to make room: a full history fails until cleared or enlarged;
 * - "higher than any previous value" / "a date later than any previous date" (`latestIncrementalKey`,
 *   `latestDate`): the highest value so far. The first run keeps every item and stores its highest.
 * A history recorded under one of these logics refuses another until it is cleared.
 *
 * Output, as n8n: the kept items grouped by value, in the order of the values (JavaScript key order
 * for "value is new", ascending for the other two); the items removed are not passed on.
 *
 * Unlike n8n, a crash cannot lose items. The check and the record are one transaction, so two
 * runs at once never both keep a value; and each record names its step (run, node, run index):
 * when the engine executes that step again after a crash, the values it recorded count as new
 * again and nothing is recorded twice, so the step keeps exactly what it kept the first time (the
 * node is replay-safe). The recent records kept for this hold as many values as the history.
 */
import { createHash } from 'node:crypto';
import { DEDUP_HISTORY, type DedupChange, type DedupDocument, type DedupScope } from '../../dedup/port.js';
import { NonRetryableError } from '../../engine/errors.js';
import type { Item } from '../../engine/items.js';
import type { NodeContext } from '../sdk.js';
import { toDateTime } from '../shared/type-validation.js';

export type SeenLogic =
  | 'removeItemsWithAlreadySeenKeyValues'
  | 'removeItemsUpToStoredIncrementalKey'
  | 'removeItemsUpToStoredDate';

type Mode = 'entries' | 'latestIncrementalKey' | 'latestDate';

const MODES: Record<SeenLogic, Mode> = {
  removeItemsWithAlreadySeenKeyValues: 'entries',
  removeItemsUpToStoredIncrementalKey: 'latestIncrementalKey',
  removeItemsUpToStoredDate: 'latestDate',
};

/** What one step recorded: the hashes it added (`entries`), or the highest value before it. */
interface StepRecord {
  step: string;
  added?: string[];
  before?: string;
}

/** The stored document: `data` is the hashes (`entries`) or the highest value. */
interface History {
  mode: Mode;
  data: string[] | string;
  steps: StepRecord[];
}

export interface SeenParams {
  logic: SeenLogic;
  scope: 'node' | 'workflow';
  historySize: number;
}

const EMPTY = 'The `Value to Dedupe` On is empty. Please provide a value.';

/** n8n's DeduplicationScope as a store key: `n:<node id>` or '' for the whole workflow. */
function scopeOf(ctx: NodeContext<unknown>, scope: 'node' | 'workflow'): DedupScope {
  return { workflowId: ctx.workflow.id, context: scope === 'node' ? `n:${ctx.node.id}` : '' };
}

/** The items by value (a null-prototype object: n8n's `itemMapping`, with JavaScript's key order). */
function itemsByValue(items: readonly Item[], valueAt: (index: number) => string): Record<string, Item[]> {
  const groups: Record<string, Item[]> = Object.create(null);
  items.forEach((item, i) => {
    const value = valueAt(i);
    if (groups[value]) groups[value].push(item);
    else groups[value] = [item];
  });
  return groups;
}

/** An item's value as n8n reads it for `logic` (`?.toString()`), checked as n8n checks it. */
function dedupeText(logic: SeenLogic, raw: unknown): string {
  const text = raw === null || raw === undefined ? '' : String(raw);
  if (logic === 'removeItemsWithAlreadySeenKeyValues') return text;
  if (text === '') throw new NonRetryableError(EMPTY);
  if (logic === 'removeItemsUpToStoredIncrementalKey') {
    const number = Number(raw);
    if (Number.isNaN(number)) {
      throw new NonRetryableError(`The value '${text}' is not a number. Please provide a number.`);
    }
    return String(number);
  }
  try {
    toDateTime(text);
  } catch {
    throw new NonRetryableError(`The value '${text}' is not a valid date. Please provide a valid date.`);
  }
  return text;
}

/** n8n's `compareValues`: whether `a` is higher (later) than `b`. */
function higher(mode: Mode, a: string, b: string): boolean {
  if (mode === 'latestIncrementalKey') {
    const [x, y] = [Number(a), Number(b)];
    if (Number.isNaN(x) || Number.isNaN(y)) {
      throw new NonRetryableError('Invalid value. Only numbers are supported in mode "latestIncrementalKey"');
    }
    return x > y;
  }
  const [x, y] = [new Date(a).getTime(), new Date(b).getTime()];
  if (Number.isNaN(x) || Number.isNaN(y)) {
    throw new NonRetryableError('Invalid value. Only valid dates are supported in mode "latestDate"');
  }
  return x > y;
}

const hash = (value: string) => createHash('md5').update(value).digest('base64');

/** Step records kept at most (each changed the history: see `decideEntries`, `decideLatest`). */
const MAX_STEP_RECORDS = 1000;

/** The latest step records, holding together no more values than the history itself may. */
function recent(steps: StepRecord[], maxValues: number): StepRecord[] {
  let values = 0;
  let from = steps.length;
  while (from > 0 && steps.length - from < MAX_STEP_RECORDS) {
    const size = steps[from - 1].added?.length ?? 1;
    if (values + size > Math.max(maxValues, 1)) break;
    values += size;
    from--;
  }
  return steps.slice(from);
}

interface Decision {
  kept: string[];
  /** Values recorded in the history after this step (for the hint). */
  recorded: number;
}

/** "Value is new": which values were never recorded (the step's own records excepted). */
function decideEntries(
  history: History | undefined,
  values: string[],
  step: string,
  p: SeenParams,
  inputCount: number,
): DedupChange<Decision> {
  const hashes = history ? (history.data as string[]) : [];
  const mine = history?.steps.find((s) => s.step === step);
  const own = new Set(mine?.added);
  if (hashes.length - own.size + inputCount > p.historySize) {
    throw new NonRetryableError(
      'The number of items to be processed exceeds the maximum history size. Please increase the history size or reduce the number of items to be processed.',
    );
  }
  const seen = new Set(hashes.filter((h) => !own.has(h)));
  const kept = values.filter((value) => !seen.has(hash(value)));
  // A step that recorded nothing needs no record: again, it finds the same values recorded.
  if (mine || kept.length === 0) return { result: { kept, recorded: hashes.length } };
  const added = kept.map(hash);
  // Within historySize by the check above: n8n's trimming of the oldest never has anything to do.
  const data = [...hashes, ...added];
  const steps = recent([...(history?.steps ?? []), { step, added }], p.historySize);
  return { doc: { mode: 'entries', data, steps }, result: { kept, recorded: data.length } };
}

/** "Higher than any previous value" / "a later date": the values above the stored highest. */
function decideLatest(
  history: History | undefined,
  values: string[],
  step: string,
  mode: Mode,
): DedupChange<Decision> {
  const ascending = values.slice().sort((a, b) => (higher(mode, a, b) ? 1 : -1));
  const mine = history?.steps.find((s) => s.step === step);
  const base = mine ? mine.before : (history?.data as string | undefined);
  // The first record keeps every item, in input order (n8n returns its `items` unsorted then).
  const kept = base === undefined ? values : ascending.filter((value) => higher(mode, value, base));
  if (mine || kept.length === 0) return { result: { kept, recorded: 1 } };
  let highest = history?.data as string | undefined;
  for (const value of ascending) if (highest === undefined || higher(mode, value, highest)) highest = value;
  const record: StepRecord = { step, ...(base !== undefined && { before: base }) };
  const steps = recent([...(history?.steps ?? []), record], MAX_STEP_RECORDS);
  return { doc: { mode, data: highest as string, steps }, result: { kept, recorded: 1 } };
}

/** `removeItemsSeenInPreviousExecutions`: the items whose value is new, as n8n keeps them. */
export async function keepUnseen(
  ctx: NodeContext<unknown>,
  p: SeenParams,
  rawValueOf: (index: number) => unknown,
): Promise<Item[]> {
  const items = ctx.items;
  if (items.length === 0) return [];
  const groups = itemsByValue(items, (i) => dedupeText(p.logic, rawValueOf(i)));
  const values = Object.keys(groups);
  const mode = MODES[p.logic];
  const step = `${ctx.execution.id}:${ctx.node.id}:${ctx.runIndex}`;
  const { kept, recorded } = await ctx
    .service(DEDUP_HISTORY)
    .update(scopeOf(ctx, p.scope), (doc: DedupDocument | undefined) => {
      const history = doc as History | undefined;
      if (history && history.mode !== mode) {
        throw new NonRetryableError(
          'Deduplication data was originally saved with an incompatible setting of the ‘Keep Items Where’ parameter. Try ’Clean Database’ operation to reset.',
        );
      }
      return mode === 'entries'
        ? decideEntries(history, values, step, p, items.length)
        : decideLatest(history, values, step, mode);
    });
  if (mode === 'entries' && p.historySize > 0 && recorded / p.historySize > 0.5) {
    ctx.stepLog(
      `Some duplicates may be not be removed since you're approaching the maximum history size (${p.historySize} items). You can raise this limit using the ‘history size’ option.`,
    );
  }
  return kept.flatMap((value) => groups[value]);
}

/** `clearDeduplicationHistory` (mode `cleanDatabase`): forgets the scope's history. */
export async function clearHistory(ctx: NodeContext<unknown>, scope: 'node' | 'workflow'): Promise<void> {
  await ctx.service(DEDUP_HISTORY).clear(scopeOf(ctx, scope));
}
