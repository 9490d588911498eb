/**
 * Merge › Combine › Matching Fields, ported from n8n `Merge/v3/actions/mode/combineByFields.ts` and
 * `findMatches` / `mergeMatched` in `Merge/v3/helpers/utils.ts`: an inner, outer, left or right join
 * of input 1 and input 2 on one or more field pairs.
 */
import { NonRetryableError } from '../../engine/errors.js';
import type { Item } from '../../engine/items.js';
import { fieldAccess } from '../shared/fields.js';
import {
  addSuffix,
  type ClashOptions,
  combinedItem,
  entriesEqual,
  pairedList,
  selectMergeMethod,
} from './objects.js';

export type JoinMode = 'keepMatches' | 'keepNonMatches' | 'keepEverything' | 'enrichInput1' | 'enrichInput2';
export type OutputFrom = 'both' | 'input1' | 'input2';

export interface FieldPair {
  field1: string;
  field2: string;
}

export interface ByFieldsOptions {
  joinMode: JoinMode;
  outputDataFrom: OutputFrom;
  clash: ClashOptions;
  disableDotNotation: boolean;
  fuzzyCompare: boolean;
  multipleMatches: 'all' | 'first';
}

interface Match {
  entry: Item;
  matches: Item[];
}

interface Matches {
  matched: Match[];
  matched2: Item[];
  unmatched1: Item[];
  unmatched2: Item[];
}

/** n8n's `checkMatchFieldsInput`. */
export function checkFieldPairs(pairs: FieldPair[]): FieldPair[] {
  if (pairs.length === 1 && pairs[0].field1 === '' && pairs[0].field2 === '') {
    throw new NonRetryableError(
      'You need to define at least one pair of fields in "Fields to Match" to match on',
      {
        code: 'INVALID_PARAMETER',
      },
    );
  }
  pairs.forEach((pair, index) => {
    if (pair.field1 === '' || pair.field2 === '') {
      throw new NonRetryableError(
        `You need to define both fields in "Fields to Match" for pair ${index + 1}, field 1 = '${pair.field1}', field 2 = '${pair.field2}'`,
        { code: 'INVALID_PARAMETER' },
      );
    }
  });
  return pairs;
}

function findMatches(input1: Item[], input2: Item[], pairs: FieldPair[], options: ByFieldsOptions): Matches {
  const access = fieldAccess(!options.disableDotNotation);
  const equal = entriesEqual(options.fuzzyCompare);
  const result: Matches = { matched: [], matched2: [], unmatched1: [], unmatched2: [] };
  const matchedIn2 = new Set<number>();
  const isMatch = (entry: Item, lookup: Map<string, unknown>) => {
    for (const [field, expected] of lookup) if (!equal(expected, access.get(entry.json, field))) return false;
    return true;
  };

  for (const entry1 of input1) {
    // Keyed by the input-2 field, as n8n builds it (a field named twice keeps its last value).
    const lookup = new Map<string, unknown>();
    for (const pair of pairs) lookup.set(pair.field2, access.get(entry1.json, pair.field1));
    if ([...lookup.values()].some((value) => value === undefined)) {
      result.unmatched1.push(entry1);
      continue;
    }
    const found: number[] = [];
    for (let i = 0; i < input2.length; i++) {
      if (!isMatch(input2[i], lookup)) continue;
      found.push(i);
      if (options.multipleMatches === 'first') break;
    }
    for (const index of found) matchedIn2.add(index);
    const matches = found.map((index) => input2[index]);
    if (matches.length === 0) {
      result.unmatched1.push(entry1);
    } else if (
      options.outputDataFrom === 'both' ||
      options.joinMode === 'enrichInput1' ||
      options.joinMode === 'enrichInput2'
    ) {
      for (const match of matches) result.matched.push({ entry: entry1, matches: [match] });
    } else {
      result.matched.push({ entry: entry1, matches });
    }
  }
  input2.forEach((entry, i) => {
    (matchedIn2.has(i) ? result.matched2 : result.unmatched2).push(entry);
  });
  return result;
}

function mergeMatched(matched: Match[], clash: ClashOptions, joinMode?: JoinMode): Item[] {
  const mergeFn = selectMergeMethod(clash);
  let resolveClash = clash.resolveClash;
  return matched.map(({ entry, matches }) => {
    if (resolveClash === 'addSuffix') {
      const [suffixed] = addSuffix([entry], '1');
      const others = addSuffix(matches, '2');
      return combinedItem(
        mergeFn({ ...suffixed.json }, ...others.map((item) => item.json)),
        mergeFn({ ...suffixed.binary }, ...others.map((item) => item.binary)),
        [...pairedList(suffixed), ...others.flatMap(pairedList)],
      );
    }
    if (resolveClash === undefined || resolveClash === '') {
      resolveClash = joinMode === 'enrichInput2' ? 'preferInput1' : 'preferLast';
    }
    if (resolveClash === 'preferInput1') {
      const [first, ...rest] = matches;
      return combinedItem(
        mergeFn({ ...first.json }, ...rest.map((item) => item.json), entry.json),
        mergeFn({ ...first.binary }, ...rest.map((item) => item.binary), entry.binary),
        [...pairedList(first), ...rest.flatMap(pairedList), ...pairedList(entry)],
      );
    }
    // preferLast, preferInput2: input 2's values win
    return combinedItem(
      mergeFn({ ...entry.json }, ...matches.map((item) => item.json)),
      mergeFn({ ...entry.binary }, ...matches.map((item) => item.binary)),
      [...pairedList(entry), ...matches.flatMap(pairedList)],
    );
  });
}

const withSource = (items: Item[], source: string): Item[] =>
  items.map((item) => ({ ...item, json: { ...item.json, _source: source } }));

/** Items already carry their `{ item, input }` lineage (see merge.node.ts). */
export function combineByFields(
  input1: Item[],
  input2: Item[],
  pairs: FieldPair[],
  options: ByFieldsOptions,
): Item[] {
  const { joinMode, outputDataFrom, clash } = options;
  if (input1.length === 0 || input2.length === 0) {
    if (input1.length === 0 && joinMode === 'keepNonMatches' && outputDataFrom === 'input1') return [];
    if (input2.length === 0 && joinMode === 'keepNonMatches' && outputDataFrom === 'input2') return [];
    // nothing can match, or nothing to enrich: n8n stops the branch
    if (joinMode === 'keepMatches') return [];
    if (joinMode === 'enrichInput1' && input1.length === 0) return [];
    if (joinMode === 'enrichInput2' && input2.length === 0) return [];
    return [...input1, ...input2];
  }
  if (pairs.length === 0) {
    return joinMode === 'keepMatches' || joinMode === 'keepEverything' || joinMode === 'enrichInput2'
      ? []
      : input1;
  }

  const matches = findMatches(input1, input2, pairs, options);
  const suffixed = clash.resolveClash === 'addSuffix';
  switch (joinMode) {
    case 'keepMatches':
    case 'keepEverything': {
      let output: Item[] = [];
      if (outputDataFrom === 'input1') output = matches.matched.map((match) => match.entry);
      if (outputDataFrom === 'input2') output = matches.matched2;
      if (outputDataFrom === 'both') output = mergeMatched(matches.matched, clash);
      if (joinMode === 'keepEverything') {
        const rest1 = suffixed ? addSuffix(matches.unmatched1, '1') : matches.unmatched1;
        const rest2 = suffixed ? addSuffix(matches.unmatched2, '2') : matches.unmatched2;
        output = [...output, ...rest1, ...rest2];
      }
      return output;
    }
    case 'keepNonMatches':
      if (outputDataFrom === 'input1') return matches.unmatched1;
      if (outputDataFrom === 'input2') return matches.unmatched2;
      return [...withSource(matches.unmatched1, 'input1'), ...withSource(matches.unmatched2, 'input2')];
    case 'enrichInput1': {
      const merged = mergeMatched(matches.matched, clash, joinMode);
      return [...merged, ...(suffixed ? addSuffix(matches.unmatched1, '1') : matches.unmatched1)];
    }
    case 'enrichInput2': {
      const merged = mergeMatched(matches.matched, clash, joinMode);
      return [...merged, ...(suffixed ? addSuffix(matches.unmatched2, '2') : matches.unmatched2)];
    }
  }
}
