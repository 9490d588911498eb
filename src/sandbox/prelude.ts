/**
 * The whole prelude evaluated in each sandbox before user code: one function expression that takes
 * the host bridge, the boot data (JSON text) and the compiled user function, installs the globals
 * and returns `{ run, tick }` for the host's job loop (quickjs-sandbox.ts).
 */
import { PRELUDE_CORE } from './prelude-core.js';
import { PRELUDE_LUXON } from './prelude-luxon.js';
import { PRELUDE_N8N } from './prelude-n8n.js';

export const PRELUDE_SOURCE: string = [
  '(function (host, bootJson, userFn) {',
  "'use strict';",
  PRELUDE_CORE,
  PRELUDE_N8N,
  PRELUDE_LUXON,
  'return { run: run, tick: tick };',
  '})',
].join('\n');
