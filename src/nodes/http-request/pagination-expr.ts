/**
 * Evaluates pagination parameters with n8n's extra globals `$response` ({ body, headers,
 * statusCode } of the last page), `$pageCount` (pages fetched so far) and `$request` (the request
 * as configured).
 *
 * The expression evaluator reads globals only from `ExpressionData`, which has no slot for
 * node-specific globals. Until it has one, this module rewrites those three identifiers to a
 * member of `$vars` — `$response.body` becomes `$vars["…"].$response.body` — and evaluates
 * against the item's data with that member added. The rewrite works on tokens (acorn), so strings,
 * property names (`a.$response`) and object keys are left alone; everything else (`$json`, `$('X')`,
 * extensions) behaves as in any other parameter. Only this file changes when the evaluator grows
 * an `extraGlobals` slot.
 */
import { tokenizer } from 'acorn';
import type { JsonObject } from '../../engine/items.js';
import { isExpression, resolveParameters } from '../../expressions/index.js';
import { ItemData } from '../../expressions/item-data.js';
import { splitExpression } from '../../expressions/template.js';
import type { NodeContext } from '../sdk.js';

export interface PaginationGlobals {
  $response: JsonObject;
  $pageCount: number;
  $request: JsonObject;
}

const NAMES = new Set(['$response', '$pageCount', '$request']);
/** A `$vars` key no instance variable can have (variable names are identifiers). */
const CARRIER = 'relais:http-pagination';
const PREFIX = `$vars[${JSON.stringify(CARRIER)}].`;

function rewriteCode(code: string): string {
  if (![...NAMES].some((name) => code.includes(name))) return code;
  type Tok = { label: string; value: unknown; start: number; end: number };
  const tokens: Tok[] = [];
  try {
    for (const t of tokenizer(code, { ecmaVersion: 2022 })) {
      tokens.push({
        label: t.type.label,
        value: (t as { value?: unknown }).value,
        start: t.start,
        end: t.end,
      });
    }
  } catch {
    return code; // a syntax error is reported by the evaluator, with its position
  }
  let out = code;
  for (let i = tokens.length - 1; i >= 0; i--) {
    const t = tokens[i];
    if (t.label !== 'name' || !NAMES.has(String(t.value))) continue;
    const prev = tokens[i - 1]?.label;
    const next = tokens[i + 1]?.label;
    if (prev === '.' || prev === '?.') continue; // `a.$response`: a property, not the global
    if ((prev === '{' || prev === ',') && next === ':') continue; // `{ $response: 1 }`: a key
    out = out.slice(0, t.start) + PREFIX + out.slice(t.start);
  }
  return out;
}

const cache = new Map<string, string>();
const CACHE_LIMIT = 2000;

/** `={{ $response.body.next }}` → `={{ $vars["relais:http-pagination"].$response.body.next }}`. */
export function rewriteExpression(expression: string): string {
  const hit = cache.get(expression);
  if (hit !== undefined) return hit;
  const chunks = splitExpression(expression.slice(1));
  let changed = false;
  const body = chunks
    .map((chunk) => {
      if (chunk.type === 'text') return chunk.text;
      const code = rewriteCode(chunk.text);
      if (code !== chunk.text) changed = true;
      return `{{${code}}}`;
    })
    .join('');
  const result = changed ? `=${body}` : expression;
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
  cache.set(expression, result);
  return result;
}

function rewriteDeep(value: unknown): unknown {
  if (isExpression(value)) return rewriteExpression(value);
  if (Array.isArray(value)) return value.map(rewriteDeep);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      Object.defineProperty(out, k, {
        value: rewriteDeep(v),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  return value;
}

/** Evaluates a (possibly nested) pagination parameter for an item, with the pagination globals. */
export function evaluateWithPagination(
  ctx: NodeContext<unknown>,
  value: unknown,
  itemIndex: number,
  globals: PaginationGlobals,
  parameter: string,
): unknown {
  const base = ctx.expressionData(itemIndex);
  const vars = { ...base.vars, [CARRIER]: globals } as unknown as Readonly<Record<string, string>>;
  return resolveParameters(rewriteDeep(value), new ItemData(base, itemIndex, vars), parameter);
}
