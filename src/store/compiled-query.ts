/**
 * Kysely builds and compiles a query anew on every call, and on SQLite that costs more than running
 * a short one. The hottest statements (a run, its steps, a workflow read by id; a run's conditional
 * UPDATE) have a fixed shape: they are compiled once, with placeholders, and each call binds its
 * own values.
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

/**
 * A query with named parameters: `build` puts `parameter(name)` wherever a value goes (typed
 * `never`, so it fits any column); values it writes itself stay as compiled. Every name must be
 * used, so a value passed is never dropped.
 */
export function namedParameterQuery<N extends string, R>(
  names: readonly N[],
  build: (parameter: (name: N) => never) => Compilable<R>,
): (values: Readonly<Record<N, unknown>>) => CompiledQuery<R> {
  const tag = (name: N) => `${PLACEHOLDER}:${name}`;
  const compiled = build((name) => tag(name) as never).compile();
  const byTag = new Map(names.map((name) => [tag(name), name]));
  // Per position: the name whose value binds there, or undefined for a value compiled in.
  const slots = compiled.parameters.map((value) =>
    typeof value === 'string' ? byTag.get(value) : undefined,
  );
  const unused = names.filter((name) => !slots.includes(name));
  if (unused.length > 0) throw new Error(`parameters ${unused.join(', ')} not used in: ${compiled.sql}`);
  return (values) => ({
    ...compiled,
    parameters: slots.map((name, i) => (name === undefined ? compiled.parameters[i] : values[name])),
  });
}
