/**
 * Kysely builds and compiles a query anew on every call, and on SQLite that costs more than running
 * a short one. The hottest reads (a run, its steps, a workflow, each by id) have a fixed shape and
 * one parameter: they are compiled once, with a placeholder, and each call binds its own value.
 */
import type { Compilable, CompiledQuery } from 'kysely';

const PLACEHOLDER = '\u0000relais-parameter';

export function oneParameterQuery<R>(
  build: (parameter: string) => Compilable<R>,
): (value: unknown) => CompiledQuery<R> {
  const compiled = build(PLACEHOLDER).compile();
  if (compiled.parameters.length !== 1 || compiled.parameters[0] !== PLACEHOLDER) {
    throw new Error(`a one-parameter query has ${compiled.parameters.length} parameters: ${compiled.sql}`);
  }
  return (value) => ({ ...compiled, parameters: [value] });
}
