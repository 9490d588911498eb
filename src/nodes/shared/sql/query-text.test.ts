/** User SQL to bound statements: placeholders, pg-promise filters, `{{ }}` expressions, splitting. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { quoteIdent } from './builder.js';
import { prepareQuery, type SqlDialect, splitReplacements } from './query-text.js';

const prep = (
  dialect: SqlDialect,
  query: string,
  values: unknown[] = [],
  scope: Record<string, unknown> = {},
) =>
  prepareQuery(query, {
    dialect,
    values,
    evaluate: (expr) => {
      const m = /^\$json\.(\w+)$/.exec(expr);
      if (!m) throw new Error(`test evaluator: ${expr}`);
      return scope[m[1]];
    },
    quoteIdent: (name) => quoteIdent(dialect, name),
  });

describe('SQL query text', () => {
  it('binds $n, numbering each statement on its own and reusing repeated placeholders', () => {
    assert.deepEqual(
      prep('postgres', 'select * from t where a = $2 or b = $1 or c = $2; insert into u values ($3)', [
        'x',
        'y',
        3,
      ]),
      [
        { text: 'select * from t where a = $1 or b = $2 or c = $1', values: ['y', 'x'] },
        { text: 'insert into u values ($1)', values: [3] },
      ],
    );
    assert.deepEqual(prep('mysql', 'select * from t where a = $2 or b = $1 or c = $2', ['x', 'y']), [
      { text: 'select * from t where a = ? or b = ? or c = ?', values: ['y', 'x', 'y'] },
    ]);
    assert.deepEqual(prep('mysql', 'select ? as a, ? as b', [1, 2]), [
      { text: 'select ? as a, ? as b', values: [1, 2] },
    ]);
  });

  it('leaves strings, quoted names, comments and dollar-quoted bodies alone', () => {
    const q = `select '$1; ''x''' as "a$1;", $1 -- $2; comment\n/* $3; */ from t; do $fn$ begin perform $1; end $fn$`;
    const [first, second] = prep('postgres', q, ['v']);
    assert.equal(first.text, `select '$1; ''x''' as "a$1;", $1 -- $2; comment\n/* $3; */ from t`);
    assert.deepEqual(first.values, ['v']);
    assert.equal(second.text, 'do $fn$ begin perform $1; end $fn$');
    assert.deepEqual(second.values, []);
    assert.deepEqual(prep('mysql', "select 'it\\'s ? $1', `a?` # ?\nfrom t", []), [
      { text: "select 'it\\'s ? $1', `a?` # ?\nfrom t", values: [] },
    ]);
    assert.deepEqual(prep('postgres', ';; -- only a comment\n;'), []);
  });

  it('quotes $n:name identifiers (and lists), binds :json and :csv, refuses text-splicing filters', () => {
    assert.deepEqual(
      prep('postgres', 'select $1:name, $2~ from $3:name where x in ($4:csv) and j = $5:json', [
        'a"b',
        'c',
        'tbl',
        [1, 2],
        { k: 1 },
      ]),
      [{ text: 'select "a""b", "c" from "tbl" where x in ($1, $2) and j = $3', values: [1, 2, '{"k":1}'] }],
    );
    assert.equal(prep('mysql', 'select $1:name from t', [['a`b', 'c']])[0].text, 'select `a``b`, `c` from t');
    for (const filter of [':raw', '^', ':value', '#']) {
      assert.throws(
        () => prep('postgres', `select $1${filter}`, ['1; drop table t']),
        /would splice text into the SQL/,
      );
    }
    assert.throws(() => prep('postgres', 'select $1:name', ['']), /needs a column or table name/);
    assert.throws(() => prep('postgres', 'select $1:bogus', ['x']), /unknown placeholder/);
  });

  it('refuses a placeholder without a value', () => {
    assert.throws(
      () => prep('postgres', 'select $3', [1, 2]),
      /\$3 has no value: Query Parameters holds 2 value\(s\)/,
    );
    assert.throws(() => prep('mysql', 'select ?, ?', [1]), /a \? placeholder has no value/);
  });

  it('binds {{ }} expressions instead of splicing them, as values or as whole quoted texts', () => {
    const scope = { id: 7, name: "O'Brien'); drop table t; --", tags: ['a'] };
    assert.deepEqual(
      prep(
        'postgres',
        "select * from t where id = {{ $json.id }} and name = '{{ $json.name }}' and tags = {{ $json.tags }}",
        [],
        scope,
      ),
      [
        {
          text: 'select * from t where id = $1 and name = $2 and tags = $3',
          values: [7, scope.name, '["a"]'],
        },
      ],
    );
    assert.deepEqual(
      prep('mysql', "=select '{{ $json.missing }}' as x, {{ $json.missing }} as y", [], scope),
      [{ text: 'select ? as x, ? as y', values: ['', null] }],
    );
    assert.throws(
      () => prep('postgres', "select * from t where name like '%{{ $json.name }}%'", [], scope),
      /inside a quoted text/,
    );
    assert.throws(
      () => prep('postgres', 'select * from "{{ $json.name }}"', [], scope),
      /inside a quoted identifier/,
    );
    assert.throws(() => prep('postgres', 'select {{ $json.id', [], scope), /not closed/);
  });

  it("splits n8n's comma-separated Query Parameters, keeping commas inside expressions", () => {
    assert.deepEqual(splitReplacements('=a, {{ [1,2].join(",") }} ,, b'), [
      'a',
      '{{ [1,2].join(",") }}',
      'b',
    ]);
  });
});
