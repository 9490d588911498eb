/**
 * IF (`If/V1/IfV1.node.ts`, `If/V2/IfV2.node.ts`) and Filter (`Filter/V1/FilterV1.node.ts`,
 * `Filter/V2/FilterV2.node.ts`) → IF 2.2 / Filter 2.2.
 *
 * - v1: `conditions.{boolean,dateTime,number,string}[]` + `combineOperation: all|any` (IF) or
 *   `combineConditions: AND|OR` (Filter), evaluated type by type with short-circuit: one filter
 *   condition list in the same order, `and`/`or`.
 * - IF 2.0 / Filter 2.0 read loose type validation from `options.looseTypeValidation`; 2.1 moved it
 *   to the top level. 2.0 and 2.1 store filter version 1 (or none, read as 1).
 * - Filter (all versions) has one output in n8n: its discarded items are not connectable, so the
 *   n8n error output (continueErrorOutput) is its second output, Relais' third.
 */
import { clone, isRecord, record } from '../params.js';
import type { MapContext, MappedNode, Params } from '../types.js';
import { legacyConditions, legacyFilterOptions, withFilterVersion } from './conditions.js';

function fromV1(p: Params, ctx: MapContext, combinator: 'and' | 'or'): Params {
  return {
    conditions: {
      options: legacyFilterOptions(),
      conditions: legacyConditions(p.conditions, ctx, ctx.node.id ?? ctx.node.name),
      combinator,
    },
    looseTypeValidation: true,
    options: {},
  };
}

/** 2.0/2.1 → 2.2: the loose flag moves to the top level; the stored filter version is kept at 1. */
function fromV2(p: Params, version: number): Params {
  const out = clone(p);
  const options = record(out.options);
  if (version < 2.1 && out.looseTypeValidation === undefined && options.looseTypeValidation !== undefined) {
    out.looseTypeValidation = options.looseTypeValidation;
  }
  if (version < 2.2) out.conditions = withFilterVersion(out.conditions ?? {}, 1);
  return out;
}

export function mapIf(p: Params, ctx: MapContext): MappedNode {
  if (ctx.version < 2) {
    const combine = p.combineOperation === 'any' ? 'or' : 'and';
    return { type: 'if', parameters: fromV1(p, ctx, combine), outputs: [[0], [1]] };
  }
  return { type: 'if', parameters: fromV2(p, ctx.version), outputs: [[0], [1]] };
}

export function mapFilter(p: Params, ctx: MapContext): MappedNode {
  if (ctx.version < 2) {
    const combine = p.combineConditions === 'OR' ? 'or' : 'and';
    return { type: 'filter', parameters: fromV1(p, ctx, combine), outputs: [[0]] };
  }
  const parameters = fromV2(p, ctx.version);
  if (!isRecord(parameters.conditions)) parameters.conditions = {};
  return { type: 'filter', parameters, outputs: [[0]] };
}
