/**
 * The commits statement's SQL and bindings (what it writes on PostgreSQL, and how often it is sent,
 * is in dialects/postgres-batch.test.ts and the store conformance suite).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type BatchableCommit, commitsStatement } from './commit-batch.js';

const build = commitsStatement({ dateColumnType: 'timestamptz', jsonColumnType: 'json' });
const when = new Date('2026-01-02T03:04:05.006Z');

/** Each parameter as sent: a JSON column's array goes as its bytes. */
const textOf = (parameters: readonly unknown[]) =>
  parameters.map((p) => (Buffer.isBuffer(p) ? p.toString('utf8') : p));

function commit(id: string, steps = 1): BatchableCommit {
  const rows: ReturnType<BatchableCommit['rows']> = {
    steps: Array.from({ length: steps }, (_, seq) => ({
      run_id: id,
      seq,
      node_id: 'n',
      node_name: 'N',
      node_type: 'noOp',
      run_index: 0,
      status: 'succeeded',
      started_at: when,
      finished_at: when,
      input_count: 1,
      output_counts: '[1]',
      sources: '[]',
      error: null,
      logs: '[]',
    })),
    data: [{ run_id: id, seq: 0, input: '[]', output: null }],
  };
  return {
    id,
    expectedVersion: 3,
    from: 'running',
    set: { finished_at: when, checkpoint: '{"stack":[]}', status: 'succeeded' },
    rows: () => rows,
  };
}

test('one text per shape, whatever the number of runs and steps; one parameter per column, in order', () => {
  const one = build([commit('b')]);
  const many = build([commit('c', 3), commit('a', 2), commit('b')]);
  assert.equal(one.sql, many.sql);
  assert.ok(
    many.sql.startsWith(
      'with "v" as (select "id", "expected", "from", "finished_at", ' +
        `case when json_typeof("checkpoint") = 'null' then null else "checkpoint" end as "checkpoint", "status" ` +
        'from rows from (unnest($1::text[]), unnest($2::integer[]), unnest($3::text[]), ' +
        'unnest($4::timestamptz[]), json_array_elements($5::json), unnest($6::text[])) ' +
        'as "v" ("id", "expected", "from", "finished_at", "checkpoint", "status"))',
    ),
    many.sql,
  );
  assert.match(
    many.sql,
    /update "runs" set "finished_at" = "v"."finished_at", "checkpoint" = "v"."checkpoint", "status" = "v"."status", "version" = "runs"."version" \+ 1/,
  );
  const sent = textOf(many.parameters);
  const [ids, expected, from, finished, checkpoints, statuses, stepRunIds, seqs] = sent;
  assert.equal(ids, '{"a","b","c"}', 'sorted by run id: two statements lock shared runs in one order');
  assert.equal(expected, '{3,3,3}');
  assert.equal(from, '{"running","running","running"}');
  const iso = when.toISOString();
  assert.equal(finished, `{"${iso}","${iso}","${iso}"}`, 'dates as ISO text, not local time');
  assert.equal(checkpoints, '[{"stack":[]},{"stack":[]},{"stack":[]}]', 'JSON texts joined as they are');
  assert.equal(statuses, '{"succeeded","succeeded","succeeded"}');
  assert.equal(stepRunIds, '{"a","a","b","c","c","c"}', 'the steps of the sorted runs, in order');
  assert.equal(seqs, '{0,1,0,0,1,2}');
  assert.equal(sent.at(-1), '[null,null,null]', 'a missing JSON value binds null');
  assert.equal(sent.at(-6), '[null,null,null,null,null,null]', 'the steps have no error');
  assert.ok(
    many.parameters.every((p, i) => Buffer.isBuffer(p) === sent[i]?.toString().startsWith('[')),
    'JSON arrays go as bytes, array literals as text',
  );
  const unfinished = build([{ ...commit('a'), set: { ...commit('a').set, finished_at: null } }]);
  assert.equal(unfinished.parameters[3], '{NULL}', 'a missing value of another kind binds NULL');
  assert.equal(many.parameters.length, 6 + 14 + 4);
});

test('a commit is encoded when its statement is built, once', () => {
  let encoded = 0;
  const counted: BatchableCommit = {
    ...commit('a'),
    rows: () => {
      encoded++;
      return commit('a').rows();
    },
  };
  assert.equal(encoded, 0);
  build([counted, commit('b')]);
  assert.equal(encoded, 1);
});

test('array literals escape quotes and backslashes, and read back as PostgreSQL reads them', () => {
  const tricky = 'a "b" \\ {c}, NULL Zoë ✓ 😀';
  const [, , , , , status] = build([
    { ...commit('a'), set: { ...commit('a').set, status: tricky } },
  ]).parameters;
  assert.equal(status, '{"a \\"b\\" \\\\ {c}, NULL Zoë ✓ 😀"}');
  // PostgreSQL's reading of a quoted element: a backslash takes the next character as it is.
  const element = (status as string).slice(2, -2).replace(/\\(.)/gu, '$1');
  assert.equal(element, tricky);
});

test('JSON values are bound unescaped, each element of the array exactly its text', () => {
  const texts = [JSON.stringify({ quote: 'a "b" \\ {c}, [d] \u0000 Zoë ✓ 😀', n: [1, null] }), '"x,y"', '[]'];
  const [, , , , checkpoints] = textOf(
    build(texts.map((checkpoint, i) => ({ ...commit(`r${i}`), set: { ...commit(`r${i}`).set, checkpoint } })))
      .parameters,
  );
  assert.equal(checkpoints, `[${texts.join(',')}]`);
  assert.deepEqual(
    JSON.parse(checkpoints as string),
    texts.map((text) => JSON.parse(text)),
  );
});

test('another set of run columns is another text; a column without a kind is refused', () => {
  const waiting = build([{ ...commit('a'), set: { wait_till: when, checkpoint: '{}', status: 'waiting' } }]);
  assert.notEqual(waiting.sql, build([commit('a')]).sql);
  assert.match(waiting.sql, /"wait_till" = "v"."wait_till"/);
  assert.throws(
    () => build([{ ...commit('a'), set: { ...commit('a').set, retry_of: 'x' } as BatchableCommit['set'] }]),
    /run column 'retry_of' has no kind/,
  );
});
