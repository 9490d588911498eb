/**
 * A heavy module needed by some workflows only (a database driver, pdfkit, nodemailer, BullMQ) is
 * loaded the first time it is used, not at start: `relais start` stays quick and small for the
 * many installations that never use it.
 */
export function lazyImport<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | undefined;
  return () => {
    loaded ??= load();
    return loaded;
  };
}
