/**
 * Query strings and urlencoded forms as n8n sends them (the `qs` library behind its request helper):
 * nested objects become `a[b]=c`; arrays follow the node's "Array Format in Query Parameters"
 * option — `brackets` (`a[]=1&a[]=2`, the default), `indices` (`a[0]=1`) or `repeat` (`a=1&a=2`).
 * Keys and values are percent-encoded (RFC 3986); `undefined` values are left out, `null` becomes
 * an empty value, dates their ISO string.
 */

export type ArrayFormat = 'brackets' | 'indices' | 'repeat';

function scalar(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  if (value === null) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Flattens `{ a: { b: [1, 2] } }` into `[['a[b][]', '1'], ['a[b][]', '2']]`. */
export function flatten(
  value: Record<string, unknown>,
  format: ArrayFormat = 'brackets',
): [string, string][] {
  const out: [string, string][] = [];
  const walk = (key: string, v: unknown): void => {
    if (v === undefined) return;
    if (Array.isArray(v)) {
      v.forEach((element, i) => {
        const sub = format === 'repeat' ? key : format === 'indices' ? `${key}[${i}]` : `${key}[]`;
        // Objects inside arrays keep their index so their fields stay together (as qs does).
        const objectKey = format === 'repeat' ? key : `${key}[${i}]`;
        if (element !== null && typeof element === 'object' && !(element instanceof Date))
          walk(objectKey, element);
        else walk(sub, element);
      });
      return;
    }
    if (v !== null && typeof v === 'object' && !(v instanceof Date)) {
      for (const [k, inner] of Object.entries(v)) walk(`${key}[${k}]`, inner);
      return;
    }
    out.push([key, scalar(v)]);
  };
  for (const [k, v] of Object.entries(value)) walk(k, v);
  return out;
}

const encode = (s: string): string =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

export function stringify(pairs: readonly [string, string][]): string {
  return pairs.map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&');
}

/** Appends pairs to a URL's existing query (a next-page URL keeps its own parameters). */
export function withQuery(url: URL, pairs: readonly [string, string][]): URL {
  if (pairs.length === 0) return url;
  const out = new URL(url);
  const extra = stringify(pairs);
  out.search = out.search.length > 1 ? `${out.search.slice(1)}&${extra}` : extra;
  return out;
}

/**
 * n8n ≥ 4.3's key/value collection: a repeated name collects its values into an array (4.2 kept
 * only the last one; sending all of them is what such a workflow meant).
 */
export function collectPairs(entries: readonly { name: string; value: unknown }[]): Record<string, unknown> {
  const values = new Map<string, unknown[]>();
  for (const { name, value } of entries) {
    const list = values.get(name);
    if (list) list.push(value);
    else values.set(name, [value]);
  }
  const out: Record<string, unknown> = Object.create(null);
  for (const [name, list] of values) out[name] = list.length === 1 ? list[0] : list;
  return out;
}
