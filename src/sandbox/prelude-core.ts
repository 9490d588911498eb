/**
 * JavaScript evaluated INSIDE the QuickJS sandbox, before the user's code: the bridge to the host
 * (JSON strings only), `console`, virtual timers, the run's clock (`Date`) and the description of
 * thrown values. It runs in the body of `function (host, bootJson, userFn)` (see prelude.ts), so
 * `host` stays in a closure and never appears on `globalThis`.
 *
 * Written as ES5-ish plain JavaScript in a string: it is never executed by Node, only by QuickJS.
 * The sandbox's built-ins the drivers rely on are captured here, before user code runs, so user code
 * that replaces `JSON.stringify` or `Array.prototype.push` only breaks its own run; the host checks
 * whatever string comes back anyway.
 */
export const PRELUDE_CORE = String.raw`
var G = globalThis;
var stringify = JSON.stringify;
var parse = JSON.parse;
var defineProperty = Object.defineProperty;
var objectKeys = Object.keys;
var isArray = Array.isArray;
var HOST_ERROR = Symbol('relais.hostError');

function define(name, value) {
  defineProperty(G, name, { value: value, writable: true, configurable: true, enumerable: false });
}
function getter(name, get) {
  defineProperty(G, name, { get: get, configurable: true, enumerable: false });
}

/** An error that reads like one raised by the host (n8n's data proxy): no "[line N]" suffix. */
function hostError(message, description, name) {
  var error = new Error(message);
  if (name) error.name = name;
  defineProperty(error, HOST_ERROR, { value: { message: message, description: description, name: name } });
  return error;
}

/** Calls a host operation. Arguments and result cross as JSON text: never a host object or function. */
function call(op) {
  var args = [];
  for (var i = 1; i < arguments.length; i++) args[args.length] = arguments[i];
  var reply = host(op, stringify(args));
  if (typeof reply !== 'string') {
    var oom = new Error('out of memory');
    oom.name = 'InternalError';
    throw oom;
  }
  var parsed = parse(reply);
  if (parsed.e) throw hostError(parsed.e.message, parsed.e.description, parsed.e.name);
  return parsed.v;
}

// ---------------------------------------------------------------- console

var MAX_DEPTH = 2;
var MAX_ITEMS = 100;
var IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

function quote(s) {
  return "'" + s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n') + "'";
}

/** A one-line approximation of Node's util.inspect, enough to read values in the run inspector. */
function inspect(value, depth, seen) {
  var type = typeof value;
  if (value === null) return 'null';
  if (type === 'undefined') return 'undefined';
  if (type === 'string') return quote(value);
  if (type === 'number') return value === 0 && 1 / value < 0 ? '-0' : String(value);
  if (type === 'bigint') return String(value) + 'n';
  if (type === 'boolean' || type === 'symbol') return value.toString();
  if (type === 'function') return '[Function: ' + (value.name || '(anonymous)') + ']';
  if (seen.indexOf(value) !== -1) return '[Circular]';
  try {
    if (value instanceof Date) return isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
    if (value instanceof RegExp) return String(value);
    if (value instanceof Error) {
      var stack = typeof value.stack === 'string' && value.stack ? '\n' + value.stack.replace(/\s+$/, '') : '';
      return String(value) + stack;
    }
    if (value.isLuxonDateTime || value.isLuxonDuration || value.isLuxonInterval) return value.toString();
    if (value instanceof Promise) return 'Promise {}';
    var inner = seen.concat([value]);
    if (value instanceof Map || value instanceof Set) {
      if (depth > MAX_DEPTH) return value instanceof Map ? '[Map]' : '[Set]';
      var entries = [];
      value.forEach(function (v, k) {
        entries[entries.length] = value instanceof Map
          ? inspect(k, depth + 1, inner) + ' => ' + inspect(v, depth + 1, inner)
          : inspect(v, depth + 1, inner);
      });
      var label = (value instanceof Map ? 'Map(' : 'Set(') + value.size + ') ';
      return label + (entries.length ? '{ ' + entries.join(', ') + ' }' : '{}');
    }
    if (isArray(value)) {
      if (depth > MAX_DEPTH) return '[Array]';
      var parts = [];
      for (var i = 0; i < value.length && i < MAX_ITEMS; i++) parts[parts.length] = inspect(value[i], depth + 1, inner);
      if (value.length > MAX_ITEMS) parts[parts.length] = '... ' + (value.length - MAX_ITEMS) + ' more items';
      return parts.length ? '[ ' + parts.join(', ') + ' ]' : '[]';
    }
    var proto = Object.getPrototypeOf(value);
    var prefix = proto === null ? '[Object: null prototype] ' : '';
    var ctor = proto && proto.constructor && proto.constructor.name;
    if (ctor && ctor !== 'Object') prefix = ctor + ' ';
    if (depth > MAX_DEPTH) return '[' + (ctor || 'Object') + ']';
    var keys = objectKeys(value);
    var fields = [];
    for (var j = 0; j < keys.length && j < MAX_ITEMS; j++) {
      var key = IDENTIFIER.test(keys[j]) ? keys[j] : quote(keys[j]);
      fields[fields.length] = key + ': ' + inspect(value[keys[j]], depth + 1, inner);
    }
    if (keys.length > MAX_ITEMS) fields[fields.length] = '... ' + (keys.length - MAX_ITEMS) + ' more properties';
    return prefix + (fields.length ? '{ ' + fields.join(', ') + ' }' : '{}');
  } catch (error) {
    return '[Uninspectable]';
  }
}

function logger(level) {
  return function () {
    var parts = [];
    for (var i = 0; i < arguments.length; i++) {
      var arg = arguments[i];
      parts[parts.length] = typeof arg === 'string' ? arg : inspect(arg, 0, []);
    }
    call('log', level, parts.join(' '));
  };
}

define('console', {
  log: logger('log'),
  info: logger('info'),
  debug: logger('debug'),
  warn: logger('warn'),
  error: logger('error'),
  trace: logger('debug'),
});

// ---------------------------------------------------------------- virtual timers
// Timers never wait for real: once no promise job is left, the host fires the next due timer and
// advances a virtual clock. "await sleep(1000)" keeps its order and costs nothing; an endless
// setInterval is stopped by the time limit like any endless loop.

var timers = [];
var timerSeq = 0;
var virtualNow = 0;

function addTimer(fn, delay, args, repeat, immediate) {
  if (typeof fn !== 'function') throw new TypeError('The "callback" argument must be of type function');
  var ms = Number(delay);
  ms = ms >= 1 && ms <= 2147483647 ? Math.floor(ms) : 1;
  if (immediate) ms = 0;
  var id = ++timerSeq;
  timers[timers.length] = { id: id, at: virtualNow + ms, fn: fn, args: args, every: repeat ? ms : 0 };
  return id;
}
function clearTimer(id) {
  for (var i = 0; i < timers.length; i++) {
    if (timers[i].id === id) {
      timers.splice(i, 1);
      return;
    }
  }
}
function restArgs(all, from) {
  var out = [];
  for (var i = from; i < all.length; i++) out[out.length] = all[i];
  return out;
}

define('setTimeout', function (fn, delay) { return addTimer(fn, delay, restArgs(arguments, 2), false, false); });
define('setInterval', function (fn, delay) { return addTimer(fn, delay, restArgs(arguments, 2), true, false); });
define('setImmediate', function (fn) { return addTimer(fn, 0, restArgs(arguments, 1), false, true); });
define('clearTimeout', clearTimer);
define('clearInterval', clearTimer);
define('clearImmediate', clearTimer);
define('queueMicrotask', function (fn) {
  if (typeof fn !== 'function') throw new TypeError('The "callback" argument must be of type function');
  Promise.resolve().then(function () { fn(); });
});

/**
 * Fires the next due timer. Called by the host between job runs: 0 when no timer is left, 1 when one
 * fired, or the JSON description of what its callback threw (an uncaught error, as in Node).
 */
function tick() {
  if (!timers.length) return 0;
  var next = 0;
  for (var i = 1; i < timers.length; i++) {
    if (timers[i].at < timers[next].at || (timers[i].at === timers[next].at && timers[i].id < timers[next].id)) next = i;
  }
  var timer = timers[next];
  virtualNow = timer.at;
  if (timer.every) timer.at += timer.every;
  else timers.splice(next, 1);
  try {
    timer.fn.apply(undefined, timer.args);
  } catch (error) {
    return serialize({ uncaught: describe(error) });
  }
  return 1;
}

// ---------------------------------------------------------------- the run's clock
// Date.now(), new Date() (no argument), Date() and Luxon's DateTime.now() read the run's clock, as
// expressions do (src/expressions/builtins.ts): the instant the engine's clock gave this node
// execution (boot.now, the same reading as $now, so a test's ManualClock or a replay sees exactly
// that time), plus the virtual time the timers above have advanced (so "await sleep(1000)" moves
// Date.now() by 1000, as it would for real). Expressions read the clock once per node execution
// too, so the time does not run during the code: a loop waiting for Date.now() to move never ends
// by itself and is stopped by the time limit, which the host measures in real time.
// boot is parsed by prelude-n8n.ts before any user code runs.

var RealDate = Date;
var construct = Reflect.construct;

function clockNow() {
  return boot.now + virtualNow;
}

var ClockDate = function Date() {
  if (new.target === undefined) return new RealDate(clockNow()).toString();
  return construct(RealDate, arguments.length === 0 ? [clockNow()] : arguments, new.target);
};
defineProperty(ClockDate, 'length', { value: 7, configurable: true });
defineProperty(ClockDate, 'prototype', { value: RealDate.prototype, writable: false });
defineProperty(RealDate.prototype, 'constructor', { value: ClockDate, writable: true, configurable: true });
function staticMember(name, value) {
  defineProperty(ClockDate, name, { value: value, writable: true, configurable: true, enumerable: false });
}
staticMember('now', function now() { return clockNow(); });
staticMember('parse', RealDate.parse);
staticMember('UTC', RealDate.UTC);
define('Date', ClockDate);

// ---------------------------------------------------------------- module access, refused

define('require', function (name) {
  throw hostError("Module '" + String(name) + "' is disallowed");
});

// ---------------------------------------------------------------- thrown values

/** What the host needs to word an error the way n8n does (see error-format.ts). */
function describe(error) {
  try {
    if (error !== null && typeof error === 'object' && error[HOST_ERROR]) {
      var h = error[HOST_ERROR];
      return { type: 'host', message: String(h.message), description: h.description, name: h.name };
    }
    if (error !== null && typeof error === 'object' && typeof error.message === 'string') {
      var text;
      try { text = String(error); } catch (e) { text = 'Error: ' + error.message; }
      return {
        type: 'error',
        name: typeof error.name === 'string' ? error.name : 'Error',
        message: error.message,
        text: text,
        stack: typeof error.stack === 'string' ? error.stack : undefined,
      };
    }
    var json;
    try { json = stringify(error); } catch (e) { json = String(error); }
    return { type: 'value', json: json };
  } catch (e) {
    return { type: 'value', json: 'Unknown error' };
  }
}

/** Out of memory or interrupted (time limit): no point running further items. */
function isFatal(description) {
  return description.type === 'error' && description.name === 'InternalError' &&
    (description.message === 'out of memory' || description.message === 'interrupted');
}

function serialize(value) {
  try {
    return stringify(value);
  } catch (error) {
    return stringify({ unserializable: describe(error) });
  }
}
`;
