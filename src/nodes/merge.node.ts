/**
 * Merge, n8n `n8n-nodes-base.merge` v3.1/3.2 (`packages/nodes-base/nodes/Merge/v3/actions/mode/*.ts`,
 * `helpers/utils.ts`): append the inputs, combine them (by matching fields, by position, or every
 * pairing), or choose one branch. Output items point back to their sources as `{ item, input }`, so
 * `$('Node').item` works after a Merge. SQL mode (alasql in n8n) is refused with a clear error.
 */
import { z } from 'zod';
import { NonRetryableError } from '../engine/errors.js';
import type { Item } from '../engine/items.js';
import { checkFieldPairs, combineByFields, type FieldPair } from './merge/by-fields.js';
import { addSuffix, combinedItem, deepMerge, pairedList, selectMergeMethod } from './merge/objects.js';
import { defineNode } from './sdk.js';

/** Numbers typed as text by an expression (`"2"`) are accepted, as n8n's number parameters are. */
const count = (min: number) =>
  z.preprocess(
    (value) => (typeof value === 'string' && value.trim() !== '' ? Number(value) : value),
    z.number().int().min(min),
  );

const clashSchema = z
  .object({
    resolveClash: z.string().optional(),
    mergeMode: z.enum(['deepMerge', 'shallowMerge']).optional(),
    overrideEmpty: z.boolean().optional(),
  })
  .loose();

const mergeParams = z
  .object({
    mode: z.enum(['append', 'combine', 'combineBySql', 'chooseBranch']).default('append'),
    numberInputs: count(1).default(2),
    combineBy: z.enum(['combineByFields', 'combineByPosition', 'combineAll']).default('combineByFields'),
    advanced: z.boolean().default(false),
    fieldsToMatchString: z.string().default(''),
    mergeByFields: z
      .object({
        values: z
          .array(z.object({ field1: z.string().default(''), field2: z.string().default('') }).loose())
          .default([]),
      })
      .loose()
      .default({ values: [{ field1: '', field2: '' }] }),
    joinMode: z
      .enum(['keepMatches', 'keepNonMatches', 'keepEverything', 'enrichInput1', 'enrichInput2'])
      .default('keepMatches'),
    outputDataFrom: z.enum(['both', 'input1', 'input2']).default('both'),
    chooseBranchMode: z.enum(['waitForAll']).default('waitForAll'),
    output: z.enum(['specifiedInput', 'empty']).default('specifiedInput'),
    useDataOfInput: count(1).default(1),
    query: z.string().optional(),
    options: z
      .object({
        clashHandling: z
          .object({ values: clashSchema.default({}) })
          .loose()
          .optional(),
        disableDotNotation: z.boolean().optional(),
        fuzzyCompare: z.boolean().optional(),
        multipleMatches: z.enum(['all', 'first']).optional(),
        includeUnpaired: z.boolean().optional(),
      })
      .loose()
      .default({}),
  })
  .loose();

type MergeParams = z.output<typeof mergeParams>;

export const mergeNode = defineNode({
  type: 'merge',
  version: 3.2,
  displayName: 'Merge',
  description: 'Merges data of multiple streams once data from both is available.',
  group: 'flow',
  replaySafe: true,
  params: mergeParams,
  // Also called with unparsed parameters when they do not validate: never trust the type.
  inputs: (params) => Math.max(1, Math.trunc(Number(params?.numberInputs)) || 2),
  outputs: ['main'],
  // As n8n: Choose Branch waits for inputs 1 and 2; the other modes run with data on any input.
  requiredInputs: (params) => (params?.mode === 'chooseBranch' ? [0, 1] : []),
  execute(ctx) {
    const params = ctx.getParams(0);
    const inputs = Array.from({ length: params.numberInputs }, (_, k) => withLineage(ctx.inputs[k] ?? [], k));
    return [run(params, inputs)];
  },
});

/** Every input item points at itself, `{ item, input }`, as n8n rewrites them before a node runs. */
function withLineage(items: readonly Item[], input: number): Item[] {
  return items.map((item, i) => ({ ...item, pairedItem: input === 0 ? { item: i } : { item: i, input } }));
}

function run(params: MergeParams, inputs: Item[][]): Item[] {
  switch (params.mode) {
    case 'append':
      return inputs.flat();
    case 'chooseBranch':
      return chooseBranch(params, inputs);
    case 'combineBySql':
      throw new NonRetryableError(
        "The Merge node's 'SQL Query' mode (combineBySql) is not supported: use Combine by matching fields or a Code node",
        { code: 'UNSUPPORTED_MODE' },
      );
    case 'combine':
      if (params.combineBy === 'combineByPosition') return combineByPosition(params, inputs);
      if (params.combineBy === 'combineAll') return combineAll(params, inputs[0] ?? [], inputs[1] ?? []);
      return combineByFields(inputs[0] ?? [], inputs[1] ?? [], checkFieldPairs(fieldPairs(params)), {
        joinMode: params.joinMode,
        outputDataFrom: params.outputDataFrom,
        clash: params.options.clashHandling?.values ?? {},
        disableDotNotation: params.options.disableDotNotation === true,
        fuzzyCompare: params.options.fuzzyCompare === true,
        multipleMatches: params.options.multipleMatches ?? 'all',
      });
  }
}

function fieldPairs(params: MergeParams): FieldPair[] {
  if (params.advanced) {
    return params.mergeByFields.values.map(({ field1, field2 }) => ({
      field1: field1.trim(),
      field2: field2.trim(),
    }));
  }
  // n8n splits without dropping empties, so an empty string yields one empty pair (and its error).
  const names = params.fieldsToMatchString.split(',').map((field) => field.trim());
  return names.map((field) => ({ field1: field, field2: field }));
}

function chooseBranch(params: MergeParams, inputs: Item[][]): Item[] {
  if (params.output === 'empty') {
    const pairs = [...(inputs[0] ?? []), ...(inputs[1] ?? [])].flatMap(pairedList);
    return [{ json: {}, pairedItem: pairs }];
  }
  const chosen = params.useDataOfInput;
  if (chosen > inputs.length) {
    throw new NonRetryableError(`Input ${chosen} doesn't exist`, {
      code: 'INVALID_PARAMETER',
      description: `The node has only ${inputs.length} inputs, so selecting input ${chosen} is not possible.`,
    });
  }
  return inputs[chosen - 1];
}

/** Item i of every input merged into one; the preferred input (default: the last) wins clashes. */
function combineByPosition(params: MergeParams, original: Item[][]): Item[] {
  const clash = params.options.clashHandling?.values ?? {};
  const preferredIndex = clash.resolveClash?.includes('preferInput')
    ? Number(clash.resolveClash.replace('preferInput', '')) - 1
    : original.length - 1;
  const preferred = original[preferredIndex] ?? [];
  const inputs =
    clash.resolveClash === 'addSuffix'
      ? original.map((input, k) => addSuffix(input, String(k + 1)))
      : original;
  // n8n takes the preferred input BEFORE adding suffixes, so with addSuffix the last input's fields
  // also appear unsuffixed (Merge/v3/actions/mode/combineByPosition.ts); kept for identical output.
  const lengths = inputs.map((input) => input.length);
  const total = params.options.includeUnpaired
    ? Math.max(...lengths, preferred.length)
    : Math.min(...lengths, preferred.length);
  const mergeFn = selectMergeMethod(clash);
  const out: Item[] = [];
  for (let i = 0; i < total; i++) {
    const entries = inputs.map((input) => input[i]);
    const last = preferred[i];
    const json = mergeFn({}, ...entries.map((entry) => entry?.json ?? {}), last?.json ?? {});
    const binary = deepMerge({}, [...entries.map((entry) => entry?.binary ?? {}), last?.binary ?? {}]);
    out.push(combinedItem(json, binary, [...entries.flatMap(pairedList), ...pairedList(last)]));
  }
  return out;
}

/** Every pairing of an input-1 item with an input-2 item (cross join). */
function combineAll(params: MergeParams, first: Item[], second: Item[]): Item[] {
  const clash = params.options.clashHandling?.values ?? {};
  let [input1, input2] = clash.resolveClash === 'preferInput1' ? [second, first] : [first, second];
  if (clash.resolveClash === 'addSuffix') {
    input1 = addSuffix(input1, '1');
    input2 = addSuffix(input2, '2');
  }
  const mergeFn = selectMergeMethod(clash);
  const out: Item[] = [];
  for (const entry1 of input1) {
    for (const entry2 of input2) {
      const binary = deepMerge({}, [entry1.binary, entry2.binary]);
      out.push(
        combinedItem(mergeFn(entry1.json, entry2.json), binary, [
          ...pairedList(entry1),
          ...pairedList(entry2),
        ]),
      );
    }
  }
  return out;
}
