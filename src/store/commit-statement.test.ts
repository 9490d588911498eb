/**
 * The one-statement commit's SQL and bindings (its behaviour on PostgreSQL is in the run store's
 * conformance suite: "commits many steps at once..." and the concurrent-callers race).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CompiledQuery } from 'kysely';
import { oneStatementCommit, type StepDataRow, type StepRow } from './commit-statement.js';

const update = {
  ...CompiledQuery.raw(
    'update "runs" set "status" = $1, "version" = "version" + 1 where "id" = $2 and "version" = $3 returning "version"',
  ),
  parameters: ['succeeded', 'r', 4],
} as CompiledQuery<{ version: number }>;

const stepRow = (seq: number): StepRow => ({
  run_id: 'r',
  seq,
  node_id: `n${seq}`,
  node_name: `Node ${seq}`,
  node_type: 'set',
  run_index: 0,
  status: 'succeeded',
  started_at: new Date(seq),
  finished_at: new Date(seq + 1),
  input_count: 1,
  output_counts: '[1]',
  sources: '[]',
  error: null,
  logs: '[]',
});

const build = oneStatementCommit({ dateColumnType: 'timestamptz', jsonColumnType: 'json' });

test('the UPDATE leads, the INSERTs it guards follow, numbered after its parameters and cast', () => {
  const data: StepDataRow[] = [{ run_id: 'r', seq: 1, input: '[]', output: null }];
  const q = build(update, [stepRow(0), stepRow(1)], data);
  assert.match(
    q.sql,
    /^with "moved" as \(update "runs" .* returning "version"\), "steps_written" as \(insert into "steps"/,
  );
  assert.match(q.sql, /, "data_written" as \(insert into "step_data" \("run_id", "seq", "input", "output"\)/);
  assert.equal(q.sql.match(/where exists \(select 1 from "moved"\)/g)?.length, 2);
  assert.match(q.sql, / select "version" from "moved"$/);
  // Steps take $4..$31 (2 rows of 14), payloads $32..$35, each cast to its column's type.
  assert.match(q.sql, /\(\$4::text, \$5::integer, .*\$11::timestamptz, .*\$17::json\), \(\$18::text/);
  assert.match(q.sql, /values \(\$32::text, \$33::integer, \$34::json, \$35::json\)/);
  assert.equal(q.parameters.length, 3 + 28 + 4);
  assert.deepEqual(q.parameters.slice(0, 5), ['succeeded', 'r', 4, 'r', 0]);
  assert.deepEqual(q.parameters.slice(31), ['r', 1, '[]', null]);
});

test('no payloads: no step_data INSERT; the shape is compiled once and rebound', () => {
  const a = build(update, [stepRow(0)], []);
  const b = build({ ...update, parameters: ['failed', 's', 9] } as typeof update, [stepRow(7)], []);
  assert.doesNotMatch(a.sql, /step_data/);
  assert.equal(a.sql, b.sql);
  assert.deepEqual(b.parameters.slice(0, 5), ['failed', 's', 9, 'r', 7]);
});

test('a row with a column the statement does not know is refused, not dropped', () => {
  const odd = { ...stepRow(0), extra: 1 } as unknown as StepRow;
  assert.throws(() => build(update, [odd], []), /column 'extra' is not listed/);
});
