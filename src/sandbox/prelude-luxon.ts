/**
 * JavaScript evaluated INSIDE the QuickJS sandbox: `DateTime`, `Duration`, `Interval`, `$now` and
 * `$today` (n8n's data proxy exposes them), backed by Luxon's own build, evaluated on first use.
 *
 * QuickJS has no `Intl`, so what Luxon asks `Intl` about IANA zones comes from the host (numbers
 * and strings), and offsets are remembered for the span the host says they hold. Parsing
 * (`fromISO`, `fromFormat`, ...), formatting (`toFormat`, `toLocaleString`, `toRelative`,
 * localized month and weekday names, `Duration#toFormat/toHuman`) and calendar arithmetic
 * (`plus`, `minus`, `set`, `startOf`, `endOf`) are done by the host's copy of the same Luxon
 * version, which has `Intl` (any locale, week settings) and is far faster than Luxon interpreted
 * by QuickJS (a parse costs about 1 ms there). Only plain data crosses: an instant, a zone name, a
 * locale, the arguments, and the resulting string, number or instant. Calls with arguments that
 * are not plain data (a Duration, a Zone object) stay in the guest's Luxon.
 *
 * The patches are appended to Luxon's source and evaluated with it (luxon-host.ts): a run that
 * never touches dates does not pay for parsing them. The loader runs after prelude-core.ts and
 * prelude-n8n.ts in the same function body (`boot`, `call`, ...).
 */
/** Evaluated in the guest's global scope right after Luxon's own source. */
export const LUXON_PATCHES = `
globalThis.__relaisPatchLuxon = function (lib, call) {
'use strict';
var PARSERS = { fromISO: false, fromSQL: false, fromRFC2822: false, fromHTTP: false, fromFormat: true };
var PARSE_OPTIONS = { zone: 'string', setZone: 'boolean', locale: 'string', numberingSystem: 'string', outputCalendar: 'string' };

function simpleOptions(opts) {
  if (opts === undefined) return true;
  if (typeof opts !== 'object' || opts === null) return false;
  var keys = Object.keys(opts);
  for (var i = 0; i < keys.length; i++) {
    var value = opts[keys[i]];
    if (value !== undefined && typeof value !== PARSE_OPTIONS[keys[i]]) return false;
  }
  return true;
}

function patchZones(lib) {
  var Zone = lib.IANAZone;
  var windows = {};
  var validity = {};
  Zone.isValidZone = function (zone) {
    if (!zone) return false;
    var name = String(zone);
    if (!(name in validity)) validity[name] = call('zoneValid', name) === true;
    return validity[name];
  };
  // Spans [from, to) where the zone's offset holds, as the host found them (a few per zone).
  Zone.prototype.offset = function (ts) {
    if (!this.valid) return NaN;
    var known = windows[this.name] || (windows[this.name] = []);
    for (var i = 0; i < known.length; i++) if (ts >= known[i].from && ts < known[i].to) return known[i].offset;
    var answer = call('zoneOffset', this.name, Number(ts));
    if (!answer) return NaN;
    if (known.length >= 16) known.shift();
    known[known.length] = answer;
    return answer.offset;
  };
  Zone.prototype.offsetName = function (ts, opts) {
    return call('zoneName', this.name, Number(ts), opts && opts.format, opts && opts.locale);
  };
  // The guest's clock has no zone of its own: its "system" zone is UTC (Date offsets are 0).
  Object.defineProperty(lib.SystemZone.prototype, 'name', { get: function () { return 'UTC'; }, configurable: true });
}

function patchParsers(lib) {
  var DateTime = lib.DateTime;
  Object.keys(PARSERS).forEach(function (method) {
    var original = DateTime[method];
    var withFormat = PARSERS[method];
    DateTime[method] = function (text, second, third) {
      var format = withFormat ? second : undefined;
      var opts = withFormat ? third : second;
      if (typeof text !== 'string' || (withFormat && typeof format !== 'string') || !simpleOptions(opts) ||
          lib.Settings.throwOnInvalid) {
        return original.apply(this, arguments);
      }
      opts = opts || {};
      var zone = opts.zone === undefined ? lib.Settings.defaultZone.name : opts.zone;
      if (/^(local|system)$/i.test(zone)) zone = 'UTC';
      var parsed = call('luxonParse', method, text, format, {
        zone: zone,
        setZone: opts.setZone === true,
        locale: opts.locale || lib.Settings.defaultLocale,
        numberingSystem: opts.numberingSystem,
        outputCalendar: opts.outputCalendar,
      });
      if (parsed.invalid) return DateTime.invalid(parsed.invalid, parsed.explanation);
      return DateTime.fromMillis(parsed.ts, {
        zone: parsed.zone,
        locale: opts.locale,
        numberingSystem: opts.numberingSystem,
        outputCalendar: opts.outputCalendar,
      });
    };
  });
}

/** Plain data only: what JSON carries unchanged. */
function plainData(value, depth) {
  if (value === null || value === undefined) return true;
  var type = typeof value;
  if (type === 'string' || type === 'boolean' || (type === 'number' && isFinite(value))) return true;
  if (type !== 'object' || depth > 4) return false;
  var proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== Array.prototype && proto !== null) return false;
  var keys = Object.keys(value);
  for (var i = 0; i < keys.length; i++) if (!plainData(value[keys[i]], depth + 1)) return false;
  return true;
}

function dateTimeState(dt) {
  var zoneType = dt.zone && dt.zone.type;
  if (!dt.isValid || (zoneType !== 'iana' && zoneType !== 'fixed' && zoneType !== 'system')) return null;
  return {
    ts: dt.toMillis(), zone: dt.zoneName, locale: dt.locale,
    numberingSystem: dt.numberingSystem, outputCalendar: dt.outputCalendar,
  };
}

function durationState(duration) {
  if (!duration.isValid) return null;
  return {
    values: duration.toObject(), locale: duration.locale, numberingSystem: duration.numberingSystem,
    conversionAccuracy: duration.conversionAccuracy,
  };
}

/** Replaces methods (or getters) of a prototype by the host's answer, when the call is plain data. */
function delegate(proto, kind, stateOf, names, getters) {
  names.forEach(function (name) {
    var original = proto[name];
    proto[name] = function () {
      var state = stateOf(this);
      var args = [];
      for (var i = 0; i < arguments.length; i++) args[args.length] = arguments[i];
      if (name === 'toRelative' || name === 'toRelativeCalendar') args = relativeArgs(this, args);
      if (!state || !args || !plainData(args, 0)) return original.apply(this, arguments);
      return fromHost(call('luxonFormat', kind, state, name, args));
    };
  });
  (getters || []).forEach(function (name) {
    var descriptor = Object.getOwnPropertyDescriptor(proto, name);
    Object.defineProperty(proto, name, {
      configurable: true,
      get: function () {
        var state = stateOf(this);
        return state ? call('luxonFormat', kind, state, name) : descriptor.get.call(this);
      },
    });
  });
}

/** A DateTime answered by the host crosses as its state and is rebuilt here. */
function fromHost(result) {
  if (result === null || typeof result !== 'object') return result;
  if (result.$invalid) return lib.DateTime.invalid(result.$invalid, result.explanation);
  if (!result.$dateTime) return result;
  var state = result.$dateTime;
  return lib.DateTime.fromMillis(state.ts, {
    zone: state.zone, locale: state.locale, numberingSystem: state.numberingSystem, outputCalendar: state.outputCalendar,
  });
}

/**
 * toRelative's base option is a DateTime: it crosses as its state. Without one, the base is now in
 * the DateTime's zone (what Luxon does), read from the guest's clock: the host's is the real time.
 */
function relativeArgs(dt, args) {
  var opts = args[0];
  if (opts !== undefined && (opts === null || typeof opts !== 'object')) return args;
  var base = opts && opts.base
    ? opts.base
    : lib.DateTime.fromMillis(lib.Settings.now(), { zone: dt.zone });
  if (!base.isLuxonDateTime) return null;
  var state = dateTimeState(base);
  if (!state) return null;
  var copy = {};
  if (opts) Object.keys(opts).forEach(function (key) { copy[key] = opts[key]; });
  copy.base = state;
  return [copy];
}

function patchFormatting(lib) {
  delegate(lib.DateTime.prototype, 'DateTime', dateTimeState,
    ['toFormat', 'toLocaleString', 'toLocaleParts', 'toRelative', 'toRelativeCalendar',
      'plus', 'minus', 'set', 'startOf', 'endOf'],
    ['monthLong', 'monthShort', 'weekdayLong', 'weekdayShort']);
  delegate(lib.Duration.prototype, 'Duration', durationState, ['toFormat', 'toHuman']);
}

patchZones(lib);
patchParsers(lib);
patchFormatting(lib);
};
`;

export const PRELUDE_LUXON = `
var luxon;

function loadLuxon() {
  if (luxon) return luxon;
  call('loadScript', 'luxon');
  var lib = G.luxon;
  var patch = G.__relaisPatchLuxon;
  delete G.__relaisPatchLuxon;
  patch(lib, call);
  lib.Settings.defaultLocale = 'en-US';
  lib.Settings.defaultNumberingSystem = 'latn';
  lib.Settings.defaultOutputCalendar = 'gregory';
  lib.Settings.defaultZone = boot.timezone;
  // DateTime.now(), DateTime.local(), ... read the run's clock (prelude-core.ts), even when the
  // code replaces Date.now.
  lib.Settings.now = clockNow;
  luxon = lib;
  return lib;
}

function lazyGlobal(name, make) {
  getter(name, function () {
    var value = make();
    define(name, value);
    return value;
  });
}
lazyGlobal('DateTime', function () { return loadLuxon().DateTime; });
lazyGlobal('Duration', function () { return loadLuxon().Duration; });
lazyGlobal('Interval', function () { return loadLuxon().Interval; });
lazyGlobal('$now', function () { return loadLuxon().DateTime.fromMillis(boot.now, { zone: boot.timezone }); });
lazyGlobal('$today', function () {
  return loadLuxon().DateTime.fromMillis(boot.now, { zone: boot.timezone }).startOf('day');
});
`;
