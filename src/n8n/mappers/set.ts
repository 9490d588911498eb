/**
 * Edit Fields (Set) → v3.4 assignments (`Set/v1/SetV1.node.ts` for v1/v2, `Set/v2/SetV2.node.ts`,
 * `manual.mode.ts`, `helpers/utils.ts` for v3–3.4).
 *
 * v1/v2: `keepOnlySet` (default false), `values.{boolean,number,string}[{ name ('propertyName'),
 * value }]` written in that type order, `options.dotNotation` (default true). Values are written
 * as they are, except booleans (`!!value`) and, from v2, numeric text in number fields. Input
 * binary data is kept unless `keepOnlySet`.
 * v3.0–3.2: `fields.values[{ name, type: stringValue|numberValue|booleanValue|arrayValue|objectValue,
 * <type>: value }]`, `include` (default `all`), `options.includeBinary` (default true).
 * v3.3: v3.4's shape, but `options.includeBinary` instead of `options.stripBinary`.
 */
import { clone, isExpression, list, omit, record, records, wrapExpression } from '../params.js';
import type { MapContext, MappedNode, Params } from '../types.js';

const V1_TYPES = ['boolean', 'number', 'string'] as const;
const V1_DEFAULT_VALUE = { boolean: false, number: 0, string: '' } as const;

function id(ctx: MapContext, index: number): string {
  return `${ctx.node.id ?? ctx.node.name}-${index}`;
}

/** One v1/v2 value as a v3.4 assignment with the same result. */
function v1Assignment(
  type: (typeof V1_TYPES)[number],
  entry: Params,
  index: number,
  ctx: MapContext,
): Params {
  const name = entry.name ?? 'propertyName';
  const value = entry.value === undefined ? V1_DEFAULT_VALUE[type] : entry.value;
  const base = { id: id(ctx, index), name };
  if (!isExpression(value)) {
    if (type === 'boolean') return { ...base, value: !!value, type: 'boolean' };
    return { ...base, value, type };
  }
  if (type === 'boolean') {
    // v1 wrote `!!value`; 3.4 would convert 'false' to false: keep JavaScript truthiness.
    const wrapped = wrapExpression(value, '!!(', ')');
    if (wrapped !== undefined) return { ...base, value: wrapped, type: 'boolean' };
    ctx.changed(
      `values.boolean[${index}]`,
      'the text the expression gives is kept, not turned into true/false',
    );
    return { ...base, value, type: 'any' };
  }
  if (type === 'number' && ctx.version >= 2) {
    // v2 turned numeric text into numbers and kept anything else: 3.4's number type with
    // "ignore conversion errors" does the same.
    return { ...base, value, type: 'number' };
  }
  // v1 numbers and all strings were written as the expression gave them (a number stays a number).
  return { ...base, value, type: 'any' };
}

function fromV1(p: Params, ctx: MapContext): Params {
  const values = record(p.values);
  const assignments: Params[] = [];
  for (const type of V1_TYPES) {
    for (const entry of records(values[type]))
      assignments.push(v1Assignment(type, entry, assignments.length, ctx));
  }
  const options = record(p.options);
  const keepOnlySet = p.keepOnlySet === true;
  return {
    mode: 'manual',
    assignments: { assignments },
    includeOtherFields: !keepOnlySet,
    include: 'all',
    options: {
      ...(options.dotNotation === false ? { dotNotation: false } : {}),
      ...(assignments.some((a) => a.type === 'number' && isExpression(a.value))
        ? { ignoreConversionErrors: true }
        : {}),
      ...(keepOnlySet ? {} : { stripBinary: false }),
    },
  };
}

const V3_DEFAULT_VALUE: Record<string, unknown> = {
  stringValue: '',
  numberValue: '',
  booleanValue: 'true',
  arrayValue: '',
  objectValue: '={}',
};

function fromV30(p: Params, ctx: MapContext): Params {
  const out = omit(p, ['fields', 'include', 'options']);
  const fieldType = (entry: Params) => (typeof entry.type === 'string' ? entry.type : 'stringValue');
  const assignments = records(record(p.fields).values).map((entry, index) => {
    const key = fieldType(entry);
    let value = entry[key] === undefined ? V3_DEFAULT_VALUE[key] : entry[key];
    const type = key.replace(/Value$/, '');
    if (type === 'boolean' && (value === 'true' || value === 'false')) value = value === 'true';
    if (type === 'object' && isExpression(value) && wrapExpression(value, '', '') === undefined) {
      ctx.changed(
        `fields.values[${index}].objectValue`,
        'objects inside the JSON template are now inserted as text by the expression, not as JSON',
      );
    }
    if (type === 'string' && ctx.version < 3.2 && isExpression(value)) {
      ctx.changed(
        `fields.values[${index}].stringValue`,
        `null or missing values give null (v${ctx.version} ${ctx.version < 3.1 ? "wrote the text 'null'" : 'failed'})`,
      );
    }
    return { id: id(ctx, index), name: entry.name ?? '', value, type };
  });
  const include = typeof p.include === 'string' ? p.include : 'all';
  const options = record(p.options);
  const includeBinary = options.includeBinary !== false;
  if (include === 'none' && includeBinary) {
    ctx.changed('options.includeBinary', 'binary files are not passed on when no input field is kept');
  }
  return {
    ...out,
    mode: p.mode ?? 'manual',
    assignments: { assignments },
    includeOtherFields: include !== 'none',
    include: include === 'none' ? 'all' : include,
    options: { ...omit(options, ['includeBinary']), stripBinary: !includeBinary },
  };
}

function fromV33(p: Params): Params {
  const out = clone(p);
  const options = record(out.options);
  if (options.includeBinary !== undefined) {
    out.options = { ...omit(options, ['includeBinary']), stripBinary: options.includeBinary === false };
  }
  return out;
}

export function mapSet(p: Params, ctx: MapContext): MappedNode {
  let parameters: Params;
  if (ctx.version < 3) parameters = fromV1(p, ctx);
  else if (ctx.version < 3.3) parameters = fromV30(p, ctx);
  else if (ctx.version < 3.4) parameters = fromV33(p);
  else parameters = clone(p);
  // Keep arrays of assignments well-formed even from hand-edited exports.
  const assignments = record(parameters.assignments);
  if (parameters.assignments !== undefined)
    parameters.assignments = { ...assignments, assignments: list(assignments.assignments) };
  return { type: 'set', parameters, outputs: [[0]] };
}
