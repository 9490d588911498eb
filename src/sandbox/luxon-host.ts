/**
 * Luxon inside the sandbox (see prelude-luxon.ts): its browser build is evaluated in the guest on
 * first use of `DateTime`, `$now`, ... (about 15 ms for a run that uses it, nothing for the others).
 * The host answers what the guest's Luxon cannot do well: IANA zone facts (QuickJS has no `Intl`)
 * and string parsing (Luxon's regular expressions are slow in QuickJS). Answers are numbers and
 * strings; the parse runs the host's copy of the same Luxon version, so results are identical.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { DateTime, type DateTimeOptions, Duration, IANAZone } from 'luxon';
import { LUXON_PATCHES } from './prelude-luxon.js';
import type { HostOp } from './quickjs-sandbox.js';

let luxonSource: string | undefined;

/** Luxon's global build (`var luxon = ...`) followed by the guest's patches, read once per process. */
export function luxonScript(): string {
  if (luxonSource === undefined) {
    const require = createRequire(import.meta.url);
    const root = dirname(require.resolve('luxon/package.json'));
    luxonSource = `${readFileSync(join(root, 'build', 'global', 'luxon.min.js'), 'utf8')}\n${LUXON_PATCHES}`;
  }
  return luxonSource;
}

function zone(name: unknown): IANAZone {
  return IANAZone.create(String(name));
}

const DAY_MS = 86_400_000;
/** How far the host looks for the zone's neighbouring transitions (days, each way). */
const SEARCH_DAYS = 92;

/**
 * The offset at `ts` and the span around it where it holds: between the neighbouring transitions
 * (found day by day, then to the millisecond), at most about three months each way. The guest
 * reuses it for every instant in the span instead of asking again.
 */
function offsetWindow(name: unknown, ts: unknown): { offset: number; from: number; to: number } | null {
  const at = Number(ts);
  const z = zone(name);
  const offset = z.offset(at);
  if (!Number.isFinite(offset)) return null;
  const same = (t: number): boolean => z.offset(t) === offset;
  const edge = (inside: number, outside: number): number => {
    // Smallest distance from `inside` towards `outside` where the offset differs.
    let lo = inside;
    let hi = outside;
    while (Math.abs(hi - lo) > 1) {
      const mid = Math.trunc((lo + hi) / 2);
      if (same(mid)) lo = mid;
      else hi = mid;
    }
    return hi;
  };
  let to = at;
  let from = at;
  for (let day = 1; day <= SEARCH_DAYS; day++) {
    const next = at + day * DAY_MS;
    if (!same(next)) {
      to = edge(to, next);
      break;
    }
    to = next;
  }
  for (let day = 1; day <= SEARCH_DAYS; day++) {
    const previous = at - day * DAY_MS;
    if (!same(previous)) {
      from = edge(from, previous) + 1;
      break;
    }
    from = previous;
  }
  return { offset, from, to };
}

type Parser = 'fromISO' | 'fromSQL' | 'fromRFC2822' | 'fromHTTP' | 'fromFormat';
const PARSERS = new Set<Parser>(['fromISO', 'fromSQL', 'fromRFC2822', 'fromHTTP', 'fromFormat']);

function parse([method, text, format, opts]: unknown[]): object {
  if (!PARSERS.has(method as Parser)) throw new Error(`Unknown Luxon parser '${String(method)}'`);
  const given = (opts ?? {}) as Record<string, unknown>;
  const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  const options: DateTimeOptions = {
    zone: str(given.zone),
    setZone: given.setZone === true,
    locale: str(given.locale),
    numberingSystem: str(given.numberingSystem),
    outputCalendar: str(given.outputCalendar),
  };
  const input = String(text);
  const dt =
    method === 'fromFormat'
      ? DateTime.fromFormat(input, String(format), options)
      : DateTime[method as Exclude<Parser, 'fromFormat'>](input, options);
  if (!dt.isValid) return { invalid: dt.invalidReason, explanation: dt.invalidExplanation };
  return { ts: dt.toMillis(), zone: dt.zoneName };
}

/** What the guest may hand over to the host, by kind: methods, then getters. */
const FORMATTERS: Record<string, { methods: Set<string>; getters: Set<string> }> = {
  DateTime: {
    methods: new Set([
      'toFormat',
      'toLocaleString',
      'toLocaleParts',
      'toRelative',
      'toRelativeCalendar',
      'plus',
      'minus',
      'set',
      'startOf',
      'endOf',
    ]),
    getters: new Set(['monthLong', 'monthShort', 'weekdayLong', 'weekdayShort']),
  },
  Duration: { methods: new Set(['toFormat', 'toHuman']), getters: new Set() },
};

type State = Record<string, unknown>;
const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function dateTimeOf(state: State): DateTime {
  return DateTime.fromMillis(Number(state.ts), {
    zone: text(state.zone),
    locale: text(state.locale),
    numberingSystem: text(state.numberingSystem),
    outputCalendar: text(state.outputCalendar),
  });
}

function format([kind, state, name, args]: unknown[]): unknown {
  const allowed = FORMATTERS[String(kind)];
  const member = String(name);
  if (!allowed || !(allowed.methods.has(member) || allowed.getters.has(member))) {
    throw new Error(`Luxon ${String(kind)}.${member} cannot be delegated`);
  }
  const s = (state ?? {}) as State;
  const target: Record<string, unknown> =
    kind === 'DateTime'
      ? (dateTimeOf(s) as unknown as Record<string, unknown>)
      : (Duration.fromObject((s.values ?? {}) as Record<string, number>, {
          locale: text(s.locale),
          numberingSystem: text(s.numberingSystem),
          conversionAccuracy: s.conversionAccuracy === 'longterm' ? 'longterm' : 'casual',
        }) as unknown as Record<string, unknown>);
  if (allowed.getters.has(member)) return target[member];
  const list = Array.isArray(args) ? [...args] : [];
  const options = list[0] as { base?: State } | undefined;
  if ((member === 'toRelative' || member === 'toRelativeCalendar') && options?.base) {
    list[0] = { ...options, base: dateTimeOf(options.base) };
  }
  const result = (target[member] as (...a: unknown[]) => unknown).apply(target, list);
  if (!(result instanceof DateTime)) return result;
  if (!result.isValid) return { $invalid: result.invalidReason, explanation: result.invalidExplanation };
  return {
    $dateTime: {
      ts: result.toMillis(),
      zone: result.zoneName,
      locale: result.locale,
      numberingSystem: result.numberingSystem,
      outputCalendar: result.outputCalendar,
    },
  };
}

export const luxonOps: Readonly<Record<string, HostOp>> = {
  zoneValid: ([name]) => IANAZone.isValidZone(String(name)),
  zoneOffset: ([name, ts]) => offsetWindow(name, ts),
  zoneName: ([name, ts, format, locale]) =>
    zone(name).offsetName(Number(ts), {
      format: format === 'long' ? 'long' : 'short',
      locale: typeof locale === 'string' && locale ? locale : 'en-US',
    }),
  luxonParse: parse,
  luxonFormat: format,
};
