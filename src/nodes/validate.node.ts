/**
 * Validate (Relais' own node, type `validate`): checks each item against field rules or a JSON
 * Schema and sorts the items into three outputs.
 *
 * - `valid` (0): the items that pass, unchanged.
 * - `invalid` (1): the items that fail, as `{ ...json, _errors: [{ field, rule, message }] }`.
 * - `summary` (2): always exactly one item, `{ validCount, discardedCount, errors }`, where `errors`
 *   lists every problem as `{ itemIndex, field, rule, message }` (also for zero input items: 0/0).
 *
 * Mode `rules` (default): `fields` apply to every item. For mixed data, as in an import that sends
 * patients, finances, production and appointments through one webhook, `ruleSets` maps each data
 * type to its own rules, added to `fields`; the item's type is `typeValue` (usually an expression
 * such as `={{ $('Webhook').item.json.body.type }}`) or else the value at the dot path `typeField`.
 * An item whose type has no rule set is invalid (rule `unknownType`) unless
 * `options.allowUnknownTypes` is set. See `validate/rules.ts` for what each rule checks.
 *
 * Mode `jsonSchema`: `schema` (an object, or JSON text) is a draft 2020-12 subset, see
 * `validate/json-schema.ts`; unsupported keywords are refused when the workflow is saved.
 *
 * Example (the dental practice import):
 * ```json
 * { "typeValue": "={{ $('Webhook').item.json.body.type }}",
 *   "ruleSets": {
 *     "patients": [{ "name": "nom", "required": true }, { "name": "email", "required": true, "type": "email" },
 *                  { "name": "telephone", "type": "phone" }],
 *     "finances": [{ "name": "periode", "required": true, "type": "date", "format": "YYYY-MM" },
 *                  { "name": "chiffreAffaires", "required": true, "type": "number", "min": 0 }] } }
 * ```
 */
import { z } from 'zod';
import type { Item, JsonObject } from '../engine/items.js';
import { defineNode } from './sdk.js';
import { getPath } from './shared/fields.js';
import { schemaProblems, validateAgainstSchema } from './validate/json-schema.js';
import {
  checkField,
  checkRule,
  type FieldRule,
  fieldRuleSchema,
  type ValidationIssue,
} from './validate/rules.js';

function isExpression(value: unknown): boolean {
  return typeof value === 'string' && value.startsWith('=');
}

/** The schema parameter as an object (it may be given as JSON text). */
function parseSchema(raw: unknown): { schema?: unknown; error?: string } {
  if (typeof raw !== 'string') return { schema: raw };
  try {
    return { schema: JSON.parse(raw) };
  } catch (error) {
    return { error: `the schema is not valid JSON: ${(error as Error).message}` };
  }
}

const params = z
  .object({
    /** `rules`: field rules; `jsonSchema`: a JSON Schema. */
    mode: z.enum(['rules', 'jsonSchema']).default('rules'),
    /** Rules checked on every item. */
    fields: z.array(fieldRuleSchema).default([]),
    /** Rules per data type, added to `fields` for the items of that type. */
    ruleSets: z.record(z.string(), z.array(fieldRuleSchema)).default({}),
    /** Dot path of the item field naming its data type (e.g. `type`). */
    typeField: z.string().optional(),
    /** The item's data type itself, usually an expression; wins over `typeField`. */
    typeValue: z.unknown().optional(),
    /** jsonSchema mode: the schema (object or JSON text). */
    schema: z.unknown().optional(),
    options: z
      .object({
        /** Accept numbers and booleans written as text (`"12"`, `"true"`). */
        looseTypes: z.boolean().default(false),
        /** Items whose data type has no rule set are checked against `fields` only (else invalid). */
        allowUnknownTypes: z.boolean().default(false),
      })
      .strict()
      .default({ looseTypes: false, allowUnknownTypes: false }),
  })
  .strict()
  .superRefine((p, ctx) => {
    for (const [i, rule] of p.fields.entries()) checkRule(rule, ['fields', i], ctx);
    for (const [type, rules] of Object.entries(p.ruleSets)) {
      for (const [i, rule] of rules.entries()) checkRule(rule, ['ruleSets', type, i], ctx);
    }
    if (p.mode === 'rules') {
      const hasSets = Object.keys(p.ruleSets).length > 0;
      if (p.fields.length === 0 && !hasSets) {
        ctx.addIssue({
          code: 'custom',
          path: ['fields'],
          message: 'add at least one field rule (or rule set)',
        });
      }
      if (hasSets && !p.typeField && !Object.hasOwn(p, 'typeValue')) {
        ctx.addIssue({
          code: 'custom',
          path: ['typeField'],
          message: "rule sets need 'typeField' or 'typeValue' to know each item's data type",
        });
      }
      return;
    }
    if (p.schema === undefined || p.schema === '' || p.schema === null) {
      ctx.addIssue({ code: 'custom', path: ['schema'], message: "mode 'jsonSchema' needs a schema" });
      return;
    }
    if (isExpression(p.schema)) return;
    const { schema, error } = parseSchema(p.schema);
    if (error) {
      ctx.addIssue({ code: 'custom', path: ['schema'], message: error });
      return;
    }
    for (const problem of schemaProblems(schema)) {
      ctx.addIssue({ code: 'custom', path: ['schema', ...problem.path], message: problem.message });
    }
  });

type Params = z.output<typeof params>;

function typeName(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** The rules that apply to an item, or the issue explaining why its data type has none. */
function rulesFor(p: Params, json: JsonObject): { rules: FieldRule[]; issue?: ValidationIssue } {
  const sets = Object.keys(p.ruleSets);
  if (sets.length === 0) return { rules: p.fields };
  const raw = p.typeValue !== undefined ? p.typeValue : p.typeField ? getPath(json, p.typeField) : undefined;
  const type = typeName(raw);
  if (type !== undefined && Object.hasOwn(p.ruleSets, type))
    return { rules: [...p.fields, ...p.ruleSets[type]] };
  if (p.options.allowUnknownTypes) return { rules: p.fields };
  const field = p.typeValue !== undefined || !p.typeField ? '(type)' : p.typeField;
  const expected = sets.join(', ');
  return {
    rules: p.fields,
    issue: {
      field,
      rule: 'unknownType',
      message:
        type === undefined
          ? `Missing data type: expected one of ${expected}`
          : `Unknown data type '${type}': expected one of ${expected}`,
    },
  };
}

function issuesOf(p: Params, json: JsonObject): ValidationIssue[] {
  if (p.mode === 'jsonSchema') {
    const { schema } = parseSchema(p.schema);
    return validateAgainstSchema(schema as boolean | JsonObject, json);
  }
  const { rules, issue } = rulesFor(p, json);
  const issues: ValidationIssue[] = issue ? [issue] : [];
  for (const rule of rules) {
    const found = checkField(json, rule, p.options);
    if (found) issues.push(found);
  }
  return issues;
}

/** Splits items into valid and invalid ones (each saying why) and adds a one-item summary. */
export const validateNode = defineNode({
  type: 'validate',
  version: 1,
  displayName: 'Validate',
  description: 'Check items against field rules or a JSON Schema; route valid and invalid items apart.',
  group: 'transform',
  replaySafe: true,
  params,
  inputs: 1,
  outputs: ['valid', 'invalid', 'summary'],
  execute(ctx) {
    const valid: Item[] = [];
    const invalid: Item[] = [];
    const errors: JsonObject[] = [];
    ctx.items.forEach((item, i) => {
      let issues: ValidationIssue[];
      try {
        issues = issuesOf(ctx.getParams(i), item.json);
      } catch (error) {
        // A parameter that fails for this item (an expression, a pattern from an expression) is a
        // configuration error; with continue-on-fail the item is reported invalid, never valid.
        if (!ctx.continueOnFail) throw error;
        issues = [
          {
            field: '(parameters)',
            rule: 'error',
            message: error instanceof Error ? error.message : String(error),
          },
        ];
      }
      if (issues.length === 0) {
        valid.push({ ...item, pairedItem: { item: i } });
        return;
      }
      invalid.push({
        ...item,
        json: { ...item.json, _errors: issues.map((issue) => ({ ...issue })) },
        pairedItem: { item: i },
      });
      for (const issue of issues) errors.push({ itemIndex: i, ...issue });
    });
    const summary: Item = {
      json: { validCount: valid.length, discardedCount: invalid.length, errors },
      pairedItem: ctx.items.map((_, item) => ({ item })),
    };
    return [valid, invalid, [summary]];
  },
});
