/** n8n's object extensions (`packages/workflow/src/extensions/object-extensions.ts`). */
import { safeString } from '../ops.js';
import { dataValue, setOwn } from '../security.js';
import { compactObject, type Extension, extensionError, mergeObjects } from './shared.js';

type Obj = Record<string, unknown>;

function copyWithout(value: Obj, drop: (key: string, v: unknown) => boolean): Obj {
  const out: Obj = {};
  for (const key of Object.keys(value)) if (!drop(key, value[key])) setOwn(out, key, value[key]);
  return out;
}

function matchArg(args: unknown[], message: string): string {
  const match = args[0];
  if (typeof match !== 'string' || match === '') throw extensionError(message);
  return match;
}

export const objectExtensions: ReadonlyMap<string, Extension<Obj>> = new Map<string, Extension<Obj>>([
  ['isEmpty', (v) => Object.keys(v).length === 0],
  ['isNotEmpty', (v) => Object.keys(v).length > 0],
  ['hasField', (v, args) => safeString(args[0]) in v],
  [
    'removeField',
    (v, args) => {
      const name = safeString(args[0]);
      return name in v ? copyWithout(v, (k) => k === name) : v;
    },
  ],
  [
    'removeFieldsContaining',
    (v, args) => {
      const match = matchArg(args, 'removeFieldsContaining(): expected non-empty string arg');
      return copyWithout(v, (_k, field) => typeof field === 'string' && field.includes(match));
    },
  ],
  [
    'keepFieldsContaining',
    (v, args) => {
      const match = matchArg(args, 'argument of keepFieldsContaining must be a non-empty string');
      return copyWithout(v, (_k, field) => typeof field !== 'string' || !field.includes(match));
    },
  ],
  ['compact', (v) => compactObject(v)],
  [
    'urlEncode',
    (v) => {
      const params = new URLSearchParams();
      for (const key of Object.keys(v)) params.append(key, safeString(v[key]));
      return params.toString();
    },
  ],
  ['keys', (v) => Object.keys(v)],
  ['values', (v) => Object.values(v).map(dataValue)],
  ['merge', (v, args) => mergeObjects(v, args[0])],
  ['toJsonString', (v) => JSON.stringify(v)],
  ['toInt', () => undefined],
  ['toFloat', () => undefined],
  ['toBoolean', () => undefined],
  ['toDateTime', () => undefined],
]);
