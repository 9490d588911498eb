/**
 * How a server process tunes V8's heap, with flags set from inside (`relais` is started by
 * `npm start`, npx or a service manager, none of which we can give flags). A user's own flags for
 * the same setting, on the command line or in NODE_OPTIONS, always win.
 *
 * - While it starts, the young generation stays small. Nearly everything allocated at start lives
 *   on (module code, schemas, routes), and V8 answers such survival rates by growing the young
 *   generation to its maximum (2 × 16 MB semi-spaces), which an idle server then keeps committed:
 *   ~25–30 MB of resident memory for nothing. Growth is held off until the server is serving; then
 *   V8's default applies again, so a loaded server grows it as before (throughput unchanged).
 * - The old generation grows by half of what lived after each full collection, not V8's default
 *   of up to 4×. Under load, a request's objects outlive a scavenge or two (they wait on the
 *   store and the socket), are promoted, and die old: with the default, a server left the webhook
 *   bench holding ~100 MB of such garbage (RSS 210–230 MB, of which 26 MB live). Measured with
 *   `npm run bench -- webhook`: RSS after the load 165–170 MB, throughput within the noise at 10
 *   connections and ~4% lower at 50.
 */
import { setFlagsFromString } from 'node:v8';

/** V8's default (`node --v8-options`): each growth doubles the semi-spaces. */
const DEFAULT_GROWTH_FACTOR = 2;

/** Old generation limit after a full collection: 1.5 × what survived it. */
const OLD_GENERATION_GROWING_PERCENT = 50;

/** The user's flags that set what each tuning sets (it then leaves it to them). */
export const YOUNG_GENERATION_FLAGS = /semi[-_]space/;
export const OLD_GENERATION_FLAGS = /heap[-_]growing|max[-_]old[-_]space|max[-_]heap[-_]size/;

/** Whether the user set a V8 flag matching `pattern` (in Node's arguments or NODE_OPTIONS). */
export function tunedByUser(
  pattern: RegExp,
  flags = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].join(' '),
): boolean {
  return pattern.test(flags);
}

/** V8 flags are process-wide, and so is this: is the young generation held (by this module)? */
let held = false;

/** Holds the young generation at its initial size until `releaseYoungGeneration()`. */
export function holdYoungGeneration(): void {
  if (held || tunedByUser(YOUNG_GENERATION_FLAGS)) return;
  setFlagsFromString('--semi-space-growth-factor=1');
  held = true;
}

/** V8's default growth again; does nothing when nothing is held. */
export function releaseYoungGeneration(): void {
  if (!held) return;
  held = false;
  setFlagsFromString(`--semi-space-growth-factor=${DEFAULT_GROWTH_FACTOR}`);
}

/** Lets the old generation grow by half of what survives each full collection (see the header). */
export function limitOldGenerationGrowth(): void {
  if (tunedByUser(OLD_GENERATION_FLAGS)) return;
  setFlagsFromString(`--heap-growing-percent=${OLD_GENERATION_GROWING_PERCENT}`);
}
