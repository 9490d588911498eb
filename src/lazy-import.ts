/**
 * A heavy module needed by some workflows only (a database driver, pdfkit, nodemailer, BullMQ, the
 * QuickJS sandbox, Handlebars) is loaded the first time it is used, not at start: `relais start`
 * stays quick and small for the many installations that never use it.
 */
import { createRequire } from 'node:module';

/** `make()` once, on the first call; every call gets what it made. */
export function lazy<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => {
    made ??= { value: make() };
    return made.value;
  };
}

/** An ES module (or a chunk of the bundle) imported on the first call. */
export function lazyImport<T>(load: () => Promise<T>): () => Promise<T> {
  return lazy(load);
}

// Not named `require`: the bundle declares that one for the CommonJS packages inside it.
const requireCommonJs = createRequire(import.meta.url);

/**
 * A CommonJS package for synchronous code (Handlebars compiles inside a node's synchronous steps),
 * from node_modules: the bundler leaves it out. Call it inside `lazy`.
 */
export function requirePackage<T>(name: string): T {
  return requireCommonJs(name) as T;
}
