/**
 * The shape of n8n's `filter` parameter (IF v2, Switch v3, Filter v2 and other nodes' conditions),
 * exactly as n8n exports it:
 *
 * ```json
 * { "options": { "caseSensitive": true, "leftValue": "", "typeValidation": "strict", "version": 2 },
 *   "conditions": [{ "id": "…", "leftValue": "={{ $json.age }}", "rightValue": 18,
 *                    "operator": { "type": "number", "operation": "gte" } }],
 *   "combinator": "and" }
 * ```
 *
 * n8n's editor writes `options` from the node's own parameters (`options.ignoreCase`,
 * `looseTypeValidation`, the node version), and the runtime then reads only the stored `options`.
 * Relais does the same; a field missing from the stored `options` (hand-written workflows) is
 * derived from the node's parameters the way n8n's editor would have written it.
 */
import { z } from 'zod';

export const filterOperatorSchema = z
  .object({
    /** string | number | dateTime | boolean | array | object (| any). Unknown types evaluate to false. */
    type: z.string().min(1),
    operation: z.string().min(1),
    /** Operators such as `exists` ignore the right value. */
    singleValue: z.boolean().optional(),
    /** Type the right value is validated as (`any` for array contains, `number` for array lengths). */
    rightType: z.string().optional(),
  })
  .loose();

export const filterConditionSchema = z
  .object({
    id: z.string().optional(),
    leftValue: z.unknown().optional(),
    rightValue: z.unknown().optional(),
    operator: filterOperatorSchema,
  })
  .loose();

export const filterOptionsSchema = z
  .object({
    caseSensitive: z.boolean().optional(),
    /** Unused by the evaluation; n8n's editor stores it. */
    leftValue: z.unknown().optional(),
    typeValidation: z.enum(['strict', 'loose']).optional(),
    /** 1: IF 2.0–2.1, Switch 3.0–3.1, Filter 2.0–2.1; 2: IF 2.2, Switch 3.2–3.3, Filter 2.2; 3: later. */
    version: z.number().int().min(1).optional(),
  })
  .loose();

export const filterValueSchema = z
  .object({
    options: filterOptionsSchema.optional(),
    conditions: z.array(filterConditionSchema).default([]),
    combinator: z.enum(['and', 'or']).default('and'),
  })
  .loose();

export type FilterOperator = z.output<typeof filterOperatorSchema>;
export type FilterCondition = z.output<typeof filterConditionSchema>;
export type FilterValueInput = z.output<typeof filterValueSchema>;

/** The options the evaluation reads, all present. */
export interface FilterOptions {
  caseSensitive: boolean;
  typeValidation: 'strict' | 'loose';
  version: number;
}

/** A filter value ready to evaluate. `combinator` stays a string: n8n warns and fails on others. */
export interface FilterValue {
  options: FilterOptions;
  conditions: readonly FilterCondition[];
  combinator: string;
}

/** The node parameters n8n's editor derives a filter's `options` from. */
export interface FilterNodeParams {
  looseTypeValidation?: boolean;
  options?: { ignoreCase?: boolean };
}

/**
 * What n8n's editor would store in `conditions.options` for these node parameters:
 * `caseSensitive: ={{!$parameter.options.ignoreCase}}` (so an absent `ignoreCase` means
 * case-sensitive), `typeValidation` from the top-level `looseTypeValidation` (IF ≥2.1, Switch ≥3.1,
 * Filter ≥2.1; the older `options.looseTypeValidation` is ignored at those versions), and the
 * filter version of the node version.
 */
export function filterDefaults(params: FilterNodeParams, version: number): FilterOptions {
  return {
    caseSensitive: !params.options?.ignoreCase,
    typeValidation: params.looseTypeValidation ? 'loose' : 'strict',
    version,
  };
}

/** Stored options win, field by field; missing ones come from `defaults`. */
export function resolveFilterValue(value: FilterValueInput, defaults: FilterOptions): FilterValue {
  const stored = value.options ?? {};
  return {
    options: {
      caseSensitive: stored.caseSensitive ?? defaults.caseSensitive,
      typeValidation: stored.typeValidation ?? defaults.typeValidation,
      version: stored.version ?? defaults.version,
    },
    conditions: value.conditions,
    combinator: value.combinator,
  };
}

/**
 * Parameters of the nodes that split items by one set of conditions (IF 2.2, Filter 2.2): the
 * conditions, "convert types where required", and the options bag (`ignoreCase`;
 * `looseTypeValidation` is read by versions below 2.1 only and kept so older exports validate).
 */
export const conditionNodeParams = z
  .object({
    conditions: filterValueSchema.prefault({}),
    looseTypeValidation: z.boolean().default(false),
    options: z
      .object({ ignoreCase: z.boolean().optional(), looseTypeValidation: z.boolean().optional() })
      .loose()
      .prefault({}),
  })
  .loose();
