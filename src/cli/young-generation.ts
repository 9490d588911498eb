/**
 * A server process keeps its young generation small while it starts. Nearly everything allocated
 * at start lives on (module code, schemas, routes), and V8 answers such survival rates by growing
 * the young generation to its maximum (2 × 16 MB semi-spaces), which an idle server then keeps
 * committed: ~25–30 MB of resident memory for nothing. Growth is held off until the server is
 * serving; then V8's default applies again, so a loaded server grows it as before (throughput
 * unchanged). A `--max-semi-space-size` on the command line would also cap it under load, and
 * `relais` is started by `npm start`, npx or a service manager, none of which we can give flags.
 */
import { setFlagsFromString } from 'node:v8';

/** V8's default (`node --v8-options`): each growth doubles the semi-spaces. */
const DEFAULT_GROWTH_FACTOR = 2;

/** Whoever tunes the young generation with Node flags keeps their setting. */
function tunedByUser(): boolean {
  const flags = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].join(' ');
  return /semi[-_]space/.test(flags);
}

/** V8 flags are process-wide, and so is this: is the young generation held (by this module)? */
let held = false;

/** Holds the young generation at its initial size until `releaseYoungGeneration()`. */
export function holdYoungGeneration(): void {
  if (held || tunedByUser()) return;
  setFlagsFromString('--semi-space-growth-factor=1');
  held = true;
}

/** V8's default growth again; does nothing when nothing is held. */
export function releaseYoungGeneration(): void {
  if (!held) return;
  held = false;
  setFlagsFromString(`--semi-space-growth-factor=${DEFAULT_GROWTH_FACTOR}`);
}
