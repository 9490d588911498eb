/**
 * Edit Fields (Set), n8n `n8n-nodes-base.set` v3.4 (`packages/nodes-base/nodes/Set/v2/SetV2.node.ts`,
 * `manual.mode.ts`, `raw.mode.ts`, `helpers/utils.ts`). Manual mode writes typed assignments; raw
 * mode writes the object of a JSON template. Input fields are kept (all / selected / all except)
 * only when `includeOtherFields` is on, and `a.b` names nest unless `options.dotNotation` is false.
 */
import { z } from 'zod';
import { NonRetryableError } from '../engine/errors.js';
import type { BinaryData, Item, JsonObject } from '../engine/items.js';
import { defineNode, mapItems, type NodeContext } from './sdk.js';
import { convertAssignment, parseJsonObject } from './set/convert.js';
import {
  cloneJson,
  type FieldAccess,
  fieldAccess,
  type JsonRecord,
  parseFieldList,
} from './shared/fields.js';

const DEFAULT_JSON_OUTPUT = '{\n  "my_field_1": "value",\n  "my_field_2": 1\n}\n';

const toText = (value: unknown): unknown => (typeof value === 'number' ? String(value) : (value ?? ''));

const assignmentSchema = z
  .object({
    id: z.string().optional(),
    name: z.preprocess(toText, z.string()),
    value: z.unknown(),
    /** string | number | boolean | dateTime | array | object | binary; others pass the value through. */
    type: z.string().optional(),
  })
  .loose();

const setParams = z
  .object({
    mode: z.enum(['manual', 'raw']).default('manual'),
    duplicateItem: z.boolean().default(false),
    duplicateCount: z.number().int().min(0).default(0),
    assignments: z
      .object({ assignments: z.array(assignmentSchema).default([]) })
      .loose()
      .nullish()
      .transform((value) => value ?? { assignments: [] }),
    jsonOutput: z.unknown().default(DEFAULT_JSON_OUTPUT),
    includeOtherFields: z.boolean().default(false),
    include: z.enum(['all', 'selected', 'except', 'none']).default('all'),
    includeFields: z.unknown().default(''),
    excludeFields: z.unknown().default(''),
    options: z
      .object({
        dotNotation: z.boolean().optional(),
        ignoreConversionErrors: z.boolean().optional(),
        stripBinary: z.boolean().optional(),
      })
      .loose()
      .default({}),
  })
  .loose();

type SetParams = z.output<typeof setParams>;
type Assignment = z.output<typeof assignmentSchema>;

export const setNode = defineNode({
  type: 'set',
  version: 3.4,
  displayName: 'Edit Fields (Set)',
  description: 'Modify, add, or remove item fields.',
  group: 'transform',
  replaySafe: true,
  params: setParams,
  inputs: 1,
  outputs: ['main'],
  async execute(ctx) {
    if (ctx.items.length === 0) return [[]];
    const first = ctx.getParams(0);
    // n8n duplicates items only in runs started by hand (its "manual" mode), for testing.
    const copies =
      first.duplicateItem && (ctx.mode === 'manual' || ctx.mode === 'test') ? first.duplicateCount : 0;
    const template = first.mode === 'raw' ? rawTemplate(ctx.node.parameters.jsonOutput) : undefined;
    // Dates without an offset are the workflow's, as n8n reads them (luxon's default zone).
    const dates = first.assignments.assignments.some((assignment) => assignment.type === 'dateTime');
    const timezone = dates ? (ctx.now().zoneName ?? undefined) : undefined;
    const items = await mapItems(ctx, (item, i) => {
      const params = ctx.getParams(i);
      const result =
        params.mode === 'raw'
          ? compose(item, i, rawFields(ctx, params, template, i), {}, params)
          : composeManual(item, i, params, timezone);
      if (copies === 0) return result;
      return Array.from({ length: copies + 1 }, () => ({ ...result, json: cloneJson(result.json) }));
    });
    return [items];
  },
});

function composeManual(item: Item, itemIndex: number, params: SetParams, timezone?: string): Item {
  // Object.fromEntries semantics: a name given twice keeps its first position and its last value.
  const fields = new Map<string, unknown>();
  const binaries: Record<string, BinaryData> = {};
  for (const assignment of params.assignments.assignments) {
    if (assignment.type === 'binary') {
      binaries[assignment.name] = binaryOf(item, assignment, itemIndex);
      continue;
    }
    const ignore = params.options.ignoreConversionErrors === true;
    fields.set(
      assignment.name,
      convertAssignment(assignment.name, assignment.type, assignment.value, itemIndex, ignore, timezone),
    );
  }
  return compose(item, itemIndex, fields, binaries, params);
}

/** A `binary` assignment copies a file of the input item (named by the value) under the assignment's name. */
function binaryOf(item: Item, assignment: Assignment, itemIndex: number): BinaryData {
  const value = assignment.value;
  if (typeof value === 'object' && value !== null && typeof (value as BinaryData).mimeType === 'string') {
    return value as BinaryData;
  }
  const property = String(value ?? '');
  const found = item.binary?.[property];
  if (!found) {
    throw new NonRetryableError(
      `This operation expects the node's input data to contain a binary file '${property}', but none was found [item ${itemIndex}]`,
      {
        code: 'BINARY_NOT_FOUND',
        itemIndex,
        description: `Could not find binary data specified in field ${assignment.name}`,
      },
    );
  }
  return found;
}

/** With dot notation off, n8n still accepts `['key']` for a key that exists (`sanitizeDataPathKey`). */
function literalKey(object: JsonRecord, key: string): string {
  if (object[key] !== undefined) return key;
  const quoted = (key.startsWith("['") && key.endsWith("']")) || (key.startsWith('["') && key.endsWith('"]'));
  if (quoted && object[key.slice(2, -2)] !== undefined) return key.slice(2, -2);
  return key;
}

function accessFor(dotNotation: boolean): FieldAccess {
  if (dotNotation) return fieldAccess(true);
  const plain = fieldAccess(false);
  return {
    get: (object, field) => plain.get(object, literalKey(object as JsonRecord, field)),
    set: (object, field, value) => plain.set(object, literalKey(object, field), value),
    unset: (object, field) => plain.unset(object, literalKey(object, field)),
  };
}

/** n8n's `composeReturnItem`: the kept input fields, then every new field written in order. */
function compose(
  item: Item,
  itemIndex: number,
  fields: Map<string, unknown> | JsonRecord,
  binaries: Record<string, BinaryData>,
  params: SetParams,
): Item {
  const dotNotation = params.options.dotNotation !== false;
  const access = accessFor(dotNotation);
  const include = params.includeOtherFields ? params.include : 'none';
  let json: JsonObject = {};
  if (include === 'all') json = cloneJson(item.json);
  if (include === 'except') {
    json = cloneJson(item.json);
    for (const key of parseFieldList(params.excludeFields)) access.unset(json, key);
  }
  if (include === 'selected') {
    for (const key of parseFieldList(params.includeFields)) {
      const value = access.get(item.json, key);
      // `a.b` is kept as `b` (its last segment), as n8n does.
      const target = dotNotation && key.includes('.') ? (key.split('.').pop() as string) : key;
      if (value !== undefined) access.set(json, target, cloneJson(value));
    }
  }
  const entries = fields instanceof Map ? fields.entries() : Object.entries(fields);
  for (const [key, value] of entries) access.set(json, key, cloneJson(value));

  const out: Item = { json, pairedItem: { item: itemIndex } };
  // v3.4: files pass through unless stripped, and never when no input field is kept.
  const keepBinary = include !== 'none' && params.options.stripBinary !== true && item.binary !== undefined;
  if (keepBinary || Object.keys(binaries).length > 0) {
    out.binary = { ...(keepBinary ? item.binary : {}), ...binaries };
  }
  return out;
}

/** The JSON template of raw mode when it is an expression (`={ "a": {{ $json.x }} }`), without its `=`. */
function rawTemplate(jsonOutput: unknown): string | undefined {
  return typeof jsonOutput === 'string' && jsonOutput.startsWith('=')
    ? jsonOutput.replace(/^=+/, '')
    : undefined;
}

/**
 * Raw mode: each `{{ … }}` of the template is evaluated on its own and spliced in as JSON for
 * objects and as text otherwise (n8n's `resolveRawData`), then the text is parsed.
 */
function rawFields(ctx: NodeContext<SetParams>, params: SetParams, template: string | undefined, i: number) {
  if (template === undefined) return parseJsonObject(params.jsonOutput, i);
  const text = template.replace(/{{[\s\S]*?}}/g, (chunk) => {
    const value = ctx.evaluate(`=${chunk}`, i, 'jsonOutput');
    return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
  });
  return parseJsonObject(text, i);
}
