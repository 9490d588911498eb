import { z } from 'zod';
import { ExpressionError, NonRetryableError } from '../engine/errors.js';
import type { Item } from '../engine/items.js';
import { defineNode, errorItem } from './sdk.js';
import { evaluateConditions, filterValueSchema, onceWarner, withItemIndex } from './shared/filter/index.js';
import { validateFieldType } from './shared/type-validation.js';

/** Switch 3.2 writes filter version 2 into its conditions. */
const FILTER_VERSION = 2;

/** n8n's default when `rules` is omitted: one rule comparing two empty strings (always true). */
const DEFAULT_RULES = {
  values: [
    {
      conditions: {
        options: { caseSensitive: true, leftValue: '', typeValidation: 'strict' as const },
        conditions: [{ leftValue: '', rightValue: '', operator: { type: 'string', operation: 'equals' } }],
        combinator: 'and' as const,
      },
    },
  ],
};

const ruleSchema = z
  .object({
    conditions: filterValueSchema.prefault({}),
    /** Whether the rule's output is named by `outputKey` rather than its index. */
    renameOutput: z.boolean().default(false),
    outputKey: z.string().default(''),
  })
  .loose();

export const switchParams = z
  .object({
    mode: z.enum(['rules', 'expression']).default('rules'),
    /** Expression mode: how many outputs (`'0'` … `'n-1'`). */
    numberOutputs: z.number().int().min(0).default(4),
    /** Expression mode: the output index for the item, usually an expression. */
    output: z.unknown().optional(),
    rules: z
      .object({ values: z.array(ruleSchema).default([]) })
      .loose()
      .prefault(DEFAULT_RULES),
    /** "Convert types where required": loose type validation of every rule's conditions. */
    looseTypeValidation: z.boolean().default(false),
    options: z
      .object({
        /** Where items matching no rule go: dropped, an extra last output, or a rule's output. */
        fallbackOutput: z
          .union([
            z.enum(['none', 'extra']),
            z.number().int().min(0),
            z.string().regex(/^\d+$/).transform(Number),
          ])
          .default('none'),
        /** Name of the extra fallback output (default "Fallback"). */
        renameFallbackOutput: z.string().default(''),
        /** Send an item to every matching rule's output, not only the first. */
        allMatchingOutputs: z.boolean().default(false),
        /** Compare strings regardless of case (absent: case-sensitive, as n8n evaluates it). */
        ignoreCase: z.boolean().optional(),
        /** Read by Switch < 3.1 only; kept so older exports still validate. */
        looseTypeValidation: z.boolean().optional(),
      })
      .loose()
      .prefault({}),
  })
  .loose();

/**
 * n8n's Switch node, version 3.2 (`Switch/V3/SwitchV3.node.ts`). Rules mode: output *i* receives
 * the items matching rule *i* (the first matching rule only, unless `allMatchingOutputs`); items
 * matching none go to the fallback. Expression mode: `output` gives each item's output index.
 */
export const switchNode = defineNode({
  type: 'switch',
  version: 3.2,
  displayName: 'Switch',
  description: 'Routes each item to the output of the rule it matches, or to the output an expression picks.',
  group: 'flow',
  replaySafe: true,
  params: switchParams,
  inputs: 1,
  outputs: (params) => switchOutputs(params),
  execute(ctx) {
    const declared = switchOutputs(parsedOrRaw(ctx.node.parameters));
    let outputs: Item[][] = declared.map(() => []);
    const warn = onceWarner(ctx);
    const timezone = ctx.now().zoneName ?? undefined;

    itemLoop: for (let itemIndex = 0; itemIndex < ctx.items.length; itemIndex++) {
      const route = (output: number): void => {
        outputs[output].push({ ...ctx.items[itemIndex], pairedItem: { item: itemIndex } });
      };
      try {
        const params = ctx.getParams(itemIndex);
        if (params.mode === 'expression') {
          // As in n8n, the first item's parameters decide how many outputs there are.
          if (itemIndex === 0) outputs = emptyOutputs(params.numberOutputs);
          const index = outputIndex(params.output, itemIndex);
          checkIndexRange(outputs.length, index, itemIndex);
          route(index);
          continue;
        }
        const rules = params.rules.values;
        if (rules.length === 0) continue;
        const { fallbackOutput, allMatchingOutputs } = params.options;
        if (itemIndex === 0) outputs = emptyOutputs(rules.length + (fallbackOutput === 'extra' ? 1 : 0));
        let matched = false;
        for (const [ruleIndex, rule] of rules.entries()) {
          const pass = evaluateConditions(rule.conditions, params, {
            itemIndex,
            filterVersion: FILTER_VERSION,
            timezone,
            warn,
          });
          if (!pass) continue;
          matched = true;
          route(ruleIndex);
          if (!allMatchingOutputs) continue itemLoop;
        }
        if (matched || fallbackOutput === 'none') continue;
        if (fallbackOutput === 'extra') {
          route(outputs.length - 1);
          continue;
        }
        checkIndexRange(outputs.length, fallbackOutput, itemIndex);
        route(fallbackOutput);
      } catch (error) {
        if (!ctx.continueOnFail) throw withItemIndex(error, itemIndex);
        // n8n puts the error item on the first output.
        if (outputs.length === 0) outputs.push([]);
        outputs[0].push(errorItem(error, itemIndex));
      }
    }
    return outputs;
  },
});

/** Output names: rule outputs (`outputKey` when renamed, else the index) plus the extra fallback. */
export function switchOutputs(params: unknown): string[] {
  const p = (params ?? {}) as {
    mode?: unknown;
    numberOutputs?: unknown;
    rules?: { values?: unknown };
    options?: { fallbackOutput?: unknown; renameFallbackOutput?: unknown };
  };
  if (p.mode === 'expression') {
    const n = p.numberOutputs;
    const count = typeof n === 'number' && Number.isInteger(n) && n >= 0 ? n : 4;
    return Array.from({ length: count }, (_, i) => String(i));
  }
  const values = p.rules === undefined ? DEFAULT_RULES.values : p.rules?.values;
  const rules = (Array.isArray(values) ? values : []) as { renameOutput?: unknown; outputKey?: unknown }[];
  const names = rules.map((rule, index) =>
    rule?.renameOutput === true && typeof rule.outputKey === 'string' && rule.outputKey !== ''
      ? rule.outputKey
      : String(index),
  );
  if (p.options?.fallbackOutput === 'extra') {
    const rename = p.options.renameFallbackOutput;
    names.push(typeof rename === 'string' && rename !== '' ? rename : 'Fallback');
  }
  return names;
}

function parsedOrRaw(parameters: Record<string, unknown>): unknown {
  const parsed = switchParams.safeParse(parameters);
  return parsed.success ? parsed.data : parameters;
}

function emptyOutputs(count: number): Item[][] {
  return Array.from({ length: count }, () => []);
}

/** The `output` parameter is checked as n8n's `validateType: 'number'` does (loosely: `'2'` is 2). */
function outputIndex(value: unknown, itemIndex: number): number {
  const result = validateFieldType('output', value, 'number');
  if (!result.valid) {
    throw new ExpressionError(`Invalid input for 'Output Index' [item ${itemIndex}]`, {
      parameter: 'output',
      description: result.errorMessage,
      itemIndex,
    });
  }
  return result.newValue as number;
}

/** n8n's checks and messages, typo included; Relais also refuses what n8n crashes on (non-integers, none). */
function checkIndexRange(
  count: number,
  index: number | undefined,
  itemIndex: number,
): asserts index is number {
  if (Number(index) === count) {
    throw new NonRetryableError(`The ouput ${index} is not allowed. `, {
      code: 'INVALID_OUTPUT',
      itemIndex,
      description: `Output indexes are zero based, if you want to use the extra output use ${Number(index) - 1}`,
    });
  }
  if (index === undefined || !Number.isInteger(index) || index < 0 || index > count) {
    throw new NonRetryableError(`The ouput ${index} is not allowed`, {
      code: 'INVALID_OUTPUT',
      itemIndex,
      description: `It has to be between 0 and ${count - 1}`,
    });
  }
}
