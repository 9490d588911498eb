/**
 * Merge → Merge 3.2 (`Merge/v1/MergeV1.node.ts`, `Merge/v2/MergeV2.node.ts`, `Merge/v3/actions/*`).
 *
 * v1 modes: `append`; `mergeByIndex` + `join: inner|left|outer` (input 2's keys overwrite input 1's,
 * top level only); `multiplex` (every pair, input 2 wins); `keepKeyMatches` / `removeKeyMatches` /
 * `mergeByKey` on `propertyName1`/`propertyName2` (keys compared as text) with `overwrite:
 * always|blank|undefined`; `passThrough` + `output: input1|input2`; `wait` (one empty item).
 * v2 (2, 2.1): `mode: append|combine|chooseBranch`, `combinationMode: mergeByFields|mergeByPosition|
 * multiplex`, `mergeByFields.values`, `joinMode`, `outputDataFrom`, `chooseBranchMode: waitForBoth`,
 * `output: input1|input2|empty`; its options are v3's. v3.0/3.1 have v3.2's shape.
 */
import { clone, omit, record } from '../params.js';
import type { MapContext, MappedNode, Params } from '../types.js';

const SHALLOW_INPUT2_WINS = { values: { resolveClash: 'preferInput2', mergeMode: 'shallowMerge' } };

const PARTIAL_INPUT =
  'Choose Branch waits for both inputs: when one branch produces no items the node does not run (the old mode ran with one)';

function keyFields(p: Params): Params {
  return {
    combineBy: 'combineByFields',
    advanced: true,
    mergeByFields: { values: [{ field1: p.propertyName1 ?? '', field2: p.propertyName2 ?? '' }] },
  };
}

function fromV1(p: Params, ctx: MapContext): Params {
  const mode = typeof p.mode === 'string' ? p.mode : 'append';
  switch (mode) {
    case 'append':
      return { mode: 'append' };
    case 'mergeByIndex': {
      const join = typeof p.join === 'string' ? p.join : 'left';
      if (join === 'left') {
        ctx.changed(
          'join',
          "left join: when input 2 has more items, the extra ones are output too (as in 'outer')",
        );
      }
      return {
        mode: 'combine',
        combineBy: 'combineByPosition',
        options: { clashHandling: SHALLOW_INPUT2_WINS, includeUnpaired: join !== 'inner' },
      };
    }
    case 'multiplex':
      return { mode: 'combine', combineBy: 'combineAll', options: { clashHandling: SHALLOW_INPUT2_WINS } };
    case 'keepKeyMatches':
      return {
        mode: 'combine',
        ...keyFields(p),
        joinMode: 'keepMatches',
        outputDataFrom: 'input1',
        options: { fuzzyCompare: true },
      };
    case 'removeKeyMatches':
      return {
        mode: 'combine',
        ...keyFields(p),
        joinMode: 'keepNonMatches',
        outputDataFrom: 'input1',
        options: { fuzzyCompare: true },
      };
    case 'mergeByKey': {
      const overwrite = typeof p.overwrite === 'string' ? p.overwrite : 'always';
      ctx.changed(
        'mode',
        'merge by key: input-1 items without the key are output unchanged, the first input-2 match is used (v1 used the last), and input 2\u2019s key field is copied too',
      );
      return {
        mode: 'combine',
        ...keyFields(p),
        joinMode: 'enrichInput1',
        options: {
          fuzzyCompare: true,
          multipleMatches: 'first',
          clashHandling: {
            values: {
              resolveClash: overwrite === 'always' ? 'preferInput2' : 'preferInput1',
              mergeMode: 'shallowMerge',
              ...(overwrite === 'blank' ? { overrideEmpty: true } : {}),
            },
          },
        },
      };
    }
    case 'passThrough':
      ctx.changed('mode', PARTIAL_INPUT);
      return {
        mode: 'chooseBranch',
        chooseBranchMode: 'waitForAll',
        output: 'specifiedInput',
        useDataOfInput: p.output === 'input2' ? 2 : 1,
      };
    case 'wait':
      ctx.changed('mode', PARTIAL_INPUT);
      return { mode: 'chooseBranch', chooseBranchMode: 'waitForAll', output: 'empty' };
    default:
      ctx.changed('mode', `unknown mode '${mode}'`);
      return { mode };
  }
}

function fromV2(p: Params, ctx: MapContext): Params {
  const mode = typeof p.mode === 'string' ? p.mode : 'append';
  const options = { ...record(p.options) };
  if (mode === 'chooseBranch') {
    const output = typeof p.output === 'string' ? p.output : 'input1';
    return output === 'empty'
      ? { mode, chooseBranchMode: 'waitForAll', output: 'empty' }
      : {
          mode,
          chooseBranchMode: 'waitForAll',
          output: 'specifiedInput',
          useDataOfInput: output === 'input2' ? 2 : 1,
        };
  }
  if (mode !== 'combine') return { mode };
  const combination = typeof p.combinationMode === 'string' ? p.combinationMode : 'mergeByFields';
  if (combination === 'mergeByPosition') {
    if (record(record(options.clashHandling).values).resolveClash === 'addSuffix') {
      ctx.changed(
        'options.clashHandling',
        "'add input number to field names': v3 also keeps the last input's fields without a suffix",
      );
    }
    return { mode, combineBy: 'combineByPosition', options };
  }
  if (combination === 'multiplex') return { mode, combineBy: 'combineAll', options };
  const joinMode = p.joinMode ?? 'keepMatches';
  const clash = record(record(options.clashHandling).values);
  if (joinMode === 'enrichInput2' && !clash.resolveClash) {
    // v2 let input 2's values win here; v3 prefers input 1 unless told otherwise.
    options.clashHandling = { values: { ...clash, resolveClash: 'preferInput2' } };
  }
  return {
    mode,
    combineBy: 'combineByFields',
    advanced: true,
    mergeByFields: p.mergeByFields ?? { values: [{ field1: '', field2: '' }] },
    joinMode,
    outputDataFrom: p.outputDataFrom ?? 'both',
    options,
  };
}

export function mapMerge(p: Params, ctx: MapContext): MappedNode {
  let parameters: Params;
  if (ctx.version < 2) parameters = fromV1(p, ctx);
  else if (ctx.version < 3) parameters = fromV2(clone(p), ctx);
  else parameters = omit(clone(p), []);
  return { type: 'merge', parameters, outputs: [[0]] };
}
