/**
 * The compile cache: each distinct expression string is parsed and compiled once. Bounded: past
 * CACHE_SIZE entries the oldest is dropped (workflows are few; this only guards against expressions
 * built dynamically, e.g. by `$evaluateExpression`).
 */
import { ExpressionError } from '../engine/errors.js';
import { type CompiledTemplate, compileTemplate } from './template.js';

const CACHE_SIZE = 10_000;
const cache = new Map<string, CompiledTemplate>();
let compilations = 0;

function failed(error: unknown): CompiledTemplate {
  // Deeply nested input can exhaust the parser's stack: still an ExpressionError for the caller.
  const reported =
    error instanceof ExpressionError
      ? error
      : new ExpressionError(`invalid expression: ${error instanceof Error ? error.message : String(error)}`);
  return {
    run: () => {
      throw reported;
    },
  };
}

export function compiled(expression: string): CompiledTemplate {
  let template = cache.get(expression);
  if (template === undefined) {
    compilations++;
    try {
      template = compileTemplate(expression);
    } catch (error) {
      // Cached too: a broken expression used on 100,000 items is parsed once.
      template = failed(error);
    }
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value as string);
    cache.set(expression, template);
  }
  return template;
}

/** For tests and metrics: how many compilations happened, how many entries are kept. */
export function cacheStats(): { compilations: number; size: number } {
  return { compilations, size: cache.size };
}
