/**
 * Switch → Switch 3.2 (`Switch/V1/SwitchV1.node.ts`, `Switch/V2/SwitchV2.node.ts`,
 * `Switch/V3/SwitchV3.node.ts`).
 *
 * - v1: four fixed outputs `0`–`3`; rules mode compares one `value1` (of `dataType`, default
 *   `number`) with each rule's `value2`, the first matching rule sends the item to the rule's
 *   `output` (several rules may share one); `fallbackOutput` (-1 = none) is an output index.
 *   Expression mode: `output` (0–3).
 * - v2: one output per rule (labelled by `outputKey`), `fallbackOutput` a rule index; expression
 *   mode has `outputsAmount` (default 4).
 * - v3.0/3.1 have v3.2's shape; 3.0 reads `options.looseTypeValidation`, both store filter version 1.
 *
 * In v3 each rule is one output, so v1 outputs are rebuilt: every rule becomes an output, and the
 * connections of a v1 output go to each rule output that fed it (and to the fallback's).
 */
import { switchOutputs } from '../../nodes/switch.node.js';
import { clone, isRecord, list, record, sameOutputs } from '../params.js';
import type { MapContext, MappedNode, Params } from '../types.js';
import { type LegacyType, legacyCondition, legacyFilterOptions, withFilterVersion } from './conditions.js';

const TYPES = new Set(['boolean', 'dateTime', 'number', 'string']);
const V1_OUTPUTS = 4;

function legacyRules(p: Params, ctx: MapContext): { rule: Params; v1Output: number }[] {
  const dataType = (TYPES.has(p.dataType as string) ? p.dataType : 'number') as LegacyType;
  const rules = list(record(p.rules).rules);
  return rules.map((entry, index) => {
    const r = record(entry);
    const condition = legacyCondition(
      { type: dataType, operation: r.operation, value1: p.value1, value2: r.value2 },
      `${ctx.node.id ?? ctx.node.name}-rule-${index}`,
      ctx,
      `rules.rules[${index}]`,
    );
    const rule: Params = {
      conditions: { options: legacyFilterOptions(), conditions: [condition], combinator: 'and' },
    };
    if (typeof r.outputKey === 'string' && r.outputKey !== '') {
      rule.renameOutput = true;
      rule.outputKey = r.outputKey;
    }
    const v1Output = typeof r.output === 'number' ? r.output : Number(r.output ?? 0);
    return { rule, v1Output: Number.isInteger(v1Output) ? v1Output : 0 };
  });
}

function fromV1(p: Params, ctx: MapContext): MappedNode {
  if (p.mode === 'expression') {
    return {
      type: 'switch',
      parameters: {
        mode: 'expression',
        numberOutputs: V1_OUTPUTS,
        output: p.output ?? 0,
        looseTypeValidation: true,
      },
      outputs: sameOutputs(V1_OUTPUTS),
    };
  }
  const rules = legacyRules(p, ctx);
  const outputs: number[][] = Array.from({ length: V1_OUTPUTS }, () => []);
  rules.forEach(({ v1Output }, index) => {
    if (v1Output >= 0 && v1Output < V1_OUTPUTS) outputs[v1Output].push(index);
    else
      ctx.changed(
        `rules.rules[${index}].output`,
        `output ${v1Output} does not exist: the rule's items are dropped`,
      );
  });
  const options: Params = { ignoreCase: false };
  const fallback = typeof p.fallbackOutput === 'number' ? p.fallbackOutput : Number(p.fallbackOutput ?? -1);
  if (fallback >= 0 && fallback < V1_OUTPUTS) {
    // Items matching no rule go where a rule to that output would send them, else to an extra output.
    const sharing = rules.findIndex((r) => r.v1Output === fallback);
    if (sharing >= 0) options.fallbackOutput = sharing;
    else {
      options.fallbackOutput = 'extra';
      outputs[fallback].push(rules.length);
    }
  }
  return {
    type: 'switch',
    parameters: {
      mode: 'rules',
      rules: { values: rules.map((r) => r.rule) },
      looseTypeValidation: true,
      options,
    },
    outputs,
  };
}

function fromV2(p: Params, ctx: MapContext): MappedNode {
  if (p.mode === 'expression') {
    const count = typeof p.outputsAmount === 'number' ? p.outputsAmount : 4;
    return {
      type: 'switch',
      parameters: {
        mode: 'expression',
        numberOutputs: count,
        output: p.output ?? '',
        looseTypeValidation: true,
      },
      outputs: sameOutputs(count),
    };
  }
  const rules = legacyRules(p, ctx);
  const options: Params = { ignoreCase: false };
  const fallback = typeof p.fallbackOutput === 'number' ? p.fallbackOutput : Number(p.fallbackOutput ?? -1);
  if (fallback >= 0) options.fallbackOutput = fallback;
  return {
    type: 'switch',
    parameters: {
      mode: 'rules',
      rules: { values: rules.map((r) => r.rule) },
      looseTypeValidation: true,
      options,
    },
    outputs: sameOutputs(rules.length),
  };
}

function fromV3(p: Params, version: number): MappedNode {
  const out = clone(p);
  const options = record(out.options);
  if (version < 3.1 && out.looseTypeValidation === undefined && options.looseTypeValidation !== undefined) {
    out.looseTypeValidation = options.looseTypeValidation;
  }
  if (version < 3.2 && isRecord(out.rules)) {
    out.rules = {
      ...out.rules,
      values: list(out.rules.values).map((rule) =>
        isRecord(rule) ? { ...rule, conditions: withFilterVersion(rule.conditions ?? {}, 1) } : rule,
      ),
    };
  }
  return { type: 'switch', parameters: out, outputs: sameOutputs(switchOutputs(out).length) };
}

export function mapSwitch(p: Params, ctx: MapContext): MappedNode {
  if (ctx.version < 2) return fromV1(p, ctx);
  if (ctx.version < 3) return fromV2(p, ctx);
  return fromV3(p, ctx.version);
}
