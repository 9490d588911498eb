/**
 * Remove Duplicates across runs, on a real store (in-memory SQLite): n8n's outputs and errors, the
 * history's bounds and scopes, and a step executed again after a crash keeping what it kept.
 * Concurrent runs on PostgreSQL are in src/store/dedup-store.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { DEDUP_HISTORY } from '../../dedup/port.js';
import { openStore, type Store } from '../../store/index.js';
import { type RunNodeOptions, runNode } from '../../testing/run-node.js';
import { removeDuplicatesNode } from '../remove-duplicates.node.js';

let store: Store;
before(async () => {
  store = await openStore({ memory: true });
});
after(() => store.close());
beforeEach(async () => {
  await store.db
    .withTables<{ dedup_history: { workflow_id: string } }>()
    .deleteFrom('dedup_history')
    .execute();
});

let runs = 0;
/** One execution of the node in a new run (unless `runId` is given): the json of what it kept. */
async function dedupe(items: unknown[], parameters: Record<string, unknown>, opts: RunNodeOptions = {}) {
  const { json, logs } = await runNode(removeDuplicatesNode, {
    parameters: { operation: 'removeItemsSeenInPreviousExecutions', ...parameters },
    items,
    runId: `run-${++runs}`,
    services: { [DEDUP_HISTORY.name]: store.dedup },
    ...opts,
  });
  return { kept: json[0], logs };
}

const byId = { dedupeValue: '={{ $json.id }}' };

describe('value is new (removeItemsWithAlreadySeenKeyValues)', () => {
  test('keeps the items whose value no earlier run had, grouped by value in key order', async () => {
    const first = await dedupe([{ id: 'b' }, { id: 2 }, { id: 'a' }, { id: 1 }, { id: 'b', n: 2 }], byId);
    // n8n groups items by value in an object: integer-like keys first, ascending, then the others.
    assert.deepEqual(first.kept, [{ id: 1 }, { id: 2 }, { id: 'b' }, { id: 'b', n: 2 }, { id: 'a' }]);
    const second = await dedupe([{ id: 'c' }, { id: 'a' }, { id: 3 }, { id: 2 }], byId);
    assert.deepEqual(second.kept, [{ id: 3 }, { id: 'c' }]);
    const third = await dedupe([{ id: 'a' }, { id: 'c' }], byId);
    assert.deepEqual(third.kept, []);
  });

  test('values are compared as text: 1 and "1" are one value; a missing value is the empty one', async () => {
    assert.deepEqual((await dedupe([{ id: 1 }, {}], byId)).kept, [{ id: 1 }, {}]);
    assert.deepEqual((await dedupe([{ id: '1' }, { id: null }, { id: 'x' }], byId)).kept, [{ id: 'x' }]);
  });

  test('the history keeps at most historySize values; an input that would pass it fails', async () => {
    const options = { options: { historySize: 4 } };
    const { logs } = await dedupe([{ id: 1 }, { id: 2 }, { id: 3 }], { ...byId, ...options });
    assert.match(logs.join('\n'), /approaching the maximum history size \(4 items\)/);
    await assert.rejects(
      dedupe([{ id: 4 }, { id: 5 }], { ...byId, ...options }),
      /The number of items to be processed exceeds the maximum history size/,
    );
    // Nothing was recorded by the failed run: 4 still fits.
    assert.deepEqual((await dedupe([{ id: 4 }], { ...byId, ...options })).kept, [{ id: 4 }]);
  });

  test('a full history fails every input until it is enlarged or cleared (n8n drops nothing)', async () => {
    await dedupe([{ id: 1 }, { id: 2 }, { id: 3 }], { ...byId, options: { historySize: 3 } });
    await assert.rejects(
      dedupe([{ id: 1 }], { ...byId, options: { historySize: 3 } }),
      /exceeds the maximum/,
    );
    assert.deepEqual((await dedupe([{ id: 1 }, { id: 4 }], { ...byId, options: { historySize: 5 } })).kept, [
      { id: 4 },
    ]);
  });

  test("scope 'node' is the node's own history, 'workflow' the workflow's; workflows do not share", async () => {
    await dedupe([{ id: 1 }], byId);
    assert.deepEqual((await dedupe([{ id: 1 }], { ...byId, options: { scope: 'workflow' } })).kept, [
      { id: 1 },
    ]);
    assert.deepEqual((await dedupe([{ id: 1 }], { ...byId, options: { scope: 'workflow' } })).kept, []);
    assert.deepEqual((await dedupe([{ id: 1 }], byId, { workflowId: 'other' })).kept, [{ id: 1 }]);
    const rows = await store.db
      .withTables<{ dedup_history: { workflow_id: string; context: string } }>()
      .selectFrom('dedup_history')
      .select(['workflow_id', 'context'])
      .orderBy('workflow_id')
      .orderBy('context')
      .execute();
    assert.deepEqual(rows, [
      { workflow_id: 'other', context: 'n:node-under-test' },
      { workflow_id: 'wf-test', context: '' },
      { workflow_id: 'wf-test', context: 'n:node-under-test' },
    ]);
  });
});

describe('higher than any previous value (removeItemsUpToStoredIncrementalKey)', () => {
  const byNumber = { logic: 'removeItemsUpToStoredIncrementalKey', incrementalDedupeValue: '={{ $json.n }}' };

  test('the first run keeps every item; later runs keep the values above the highest, ascending', async () => {
    // All kept, grouped by value in key order (numbers are integer-like keys: ascending).
    assert.deepEqual((await dedupe([{ n: 5 }, { n: '3' }, { n: 9 }], byNumber)).kept, [
      { n: '3' },
      { n: 5 },
      { n: 9 },
    ]);
    assert.deepEqual((await dedupe([{ n: 12 }, { n: 9 }, { n: 10.5 }, { n: 2 }, { n: 12 }], byNumber)).kept, [
      { n: 10.5 },
      { n: 12 },
      { n: 12 },
    ]);
    assert.deepEqual((await dedupe([{ n: 11 }], byNumber)).kept, []);
  });

  test('a value that is no number, or none, fails the node', async () => {
    await assert.rejects(dedupe([{ n: 'abc' }], byNumber), /The value 'abc' is not a number/);
    await assert.rejects(dedupe([{}], byNumber), /The `Value to Dedupe` On is empty/);
  });
});

describe('a date later than any previous date (removeItemsUpToStoredDate)', () => {
  const byDate = { logic: 'removeItemsUpToStoredDate', dateDedupeValue: '={{ $json.at }}' };

  test('keeps the items dated after the latest date recorded', async () => {
    await dedupe([{ at: '2026-03-01T10:00:00Z' }, { at: '2026-02-01T00:00:00+01:00' }], byDate);
    const later = await dedupe(
      [{ at: '2026-04-01' }, { at: '2026-03-01T09:00:00Z' }, { at: '2026-03-01T10:00:01Z' }],
      byDate,
    );
    assert.deepEqual(later.kept, [{ at: '2026-03-01T10:00:01Z' }, { at: '2026-04-01' }]);
  });

  test('a value that is no date fails the node', async () => {
    await assert.rejects(dedupe([{ at: 'soon' }], byDate), /The value 'soon' is not a valid date/);
  });

  test('a history recorded under another logic is refused until cleared', async () => {
    await dedupe([{ id: 1, at: '2026-01-01' }], byId);
    await assert.rejects(
      dedupe([{ at: '2026-01-02' }], byDate),
      /originally saved with an incompatible setting of the ‘Keep Items Where’ parameter/,
    );
    const cleared = await runNode(removeDuplicatesNode, {
      parameters: { operation: 'clearDeduplicationHistory' },
      items: [{ keep: true }],
      services: { [DEDUP_HISTORY.name]: store.dedup },
    });
    assert.deepEqual(cleared.json, [[{ keep: true }]], 'clearing passes the items through');
    assert.deepEqual((await dedupe([{ at: '2026-01-02' }], byDate)).kept, [{ at: '2026-01-02' }]);
  });
});

describe('clearing and crashes', () => {
  test('clearDeduplicationHistory forgets only its scope; modes other than cleanDatabase keep it', async () => {
    await dedupe([{ id: 1 }], byId);
    await dedupe([{ id: 1 }], { ...byId, options: { scope: 'workflow' } });
    const clear = (parameters: Record<string, unknown>) =>
      runNode(removeDuplicatesNode, {
        parameters: { operation: 'clearDeduplicationHistory', ...parameters },
        items: [{}],
        services: { [DEDUP_HISTORY.name]: store.dedup },
      });
    await clear({ mode: 'deleteKeyValuesFromDatabase' });
    assert.deepEqual((await dedupe([{ id: 1 }], byId)).kept, []);
    await clear({});
    assert.deepEqual((await dedupe([{ id: 1 }], byId)).kept, [{ id: 1 }], 'the node history is gone');
    assert.deepEqual((await dedupe([{ id: 1 }], { ...byId, options: { scope: 'workflow' } })).kept, []);
  });

  test('a step executed again (a crash before its checkpoint) keeps what it kept, records nothing twice', async () => {
    const step = { runId: 'crashed', runIndex: 0 };
    await dedupe([{ id: 1 }], byId);
    const once = await dedupe([{ id: 1 }, { id: 2 }, { id: 3 }], byId, step);
    await dedupe([{ id: 4 }], byId); // another run records meanwhile
    const again = await dedupe([{ id: 1 }, { id: 2 }, { id: 3 }], byId, step);
    assert.deepEqual(again.kept, once.kept);
    assert.deepEqual(once.kept, [{ id: 2 }, { id: 3 }]);
    assert.deepEqual((await dedupe([{ id: 2 }, { id: 3 }, { id: 5 }], byId)).kept, [{ id: 5 }]);
    // Its next run index in the same run is another step: the values are seen.
    assert.deepEqual((await dedupe([{ id: 2 }], byId, { runId: 'crashed', runIndex: 1 })).kept, []);

    const byNumber = {
      logic: 'removeItemsUpToStoredIncrementalKey',
      incrementalDedupeValue: '={{ $json.n }}',
    };
    const latest = { ...byNumber, options: { scope: 'workflow' } };
    await dedupe([{ n: 1 }], latest);
    const first = await dedupe([{ n: 3 }, { n: 2 }], latest, { runId: 'crashed-too' });
    await dedupe([{ n: 7 }], latest);
    assert.deepEqual((await dedupe([{ n: 3 }, { n: 2 }], latest, { runId: 'crashed-too' })).kept, first.kept);
    assert.deepEqual(first.kept, [{ n: 2 }, { n: 3 }]);
    assert.deepEqual((await dedupe([{ n: 6 }, { n: 8 }], latest)).kept, [{ n: 8 }]);
  });

  test('without a deduplication store (relais run), the node says so', async () => {
    await assert.rejects(
      runNode(removeDuplicatesNode, {
        parameters: { operation: 'removeItemsSeenInPreviousExecutions', ...byId },
        items: [{ id: 1 }],
      }),
      /dedupHistory/,
    );
  });
});
