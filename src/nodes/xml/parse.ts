/**
 * XML text → JSON the way n8n's XML node gets it from xml2js (`new Parser(options).parseString`):
 * a strict SAX-style scan (declaration, comments, processing instructions and DOCTYPE skipped;
 * the five XML entities and numeric references decoded; CDATA kept as text), then xml2js'
 * object building (`xml2js/lib/parser.js`, onopentag/onclosetag): attributes merged into the
 * element or kept under `attrkey`, text under `charkey` unless it is the element's only content,
 * whitespace-only text dropped, an empty element as '', repeated children as arrays
 * (`explicitArray` false) and the root element's name as the top key (`explicitRoot`).
 */

export interface XmlParseOptions {
  attrkey: string;
  charkey: string;
  explicitArray: boolean;
  explicitRoot: boolean;
  ignoreAttrs: boolean;
  mergeAttrs: boolean;
  normalize: boolean;
  normalizeTags: boolean;
  trim: boolean;
}

export class XmlSyntaxError extends Error {}

type Obj = Record<string, unknown>;

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(text: string, line: () => number): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[A-Za-z][A-Za-z0-9]*);/g, (whole, ref: string) => {
    if (ref[0] === '#') {
      const code = ref[1] === 'x' ? Number.parseInt(ref.slice(2), 16) : Number.parseInt(ref.slice(1), 10);
      return Number.isFinite(code) && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    const named = NAMED[ref];
    if (named === undefined)
      throw new XmlSyntaxError(`Invalid character entity\nLine: ${line()}\nEntity: ${ref}`);
    return named;
  });
}

/** xml2js' assignOrPush. */
function assignOrPush(target: Obj, key: string, value: unknown, explicitArray: boolean): void {
  if (!(key in target)) {
    target[key] = explicitArray ? [value] : value;
    return;
  }
  const current = target[key];
  target[key] = Array.isArray(current) ? [...current, value] : [current, value];
}

interface Frame {
  name: string;
  obj: Obj;
  cdata: boolean;
}

const ATTRIBUTE = /([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

export function parseXml(xml: string, options: XmlParseOptions): unknown {
  const { attrkey, charkey } = options;
  const stack: Frame[] = [];
  let result: unknown;
  let i = 0;
  const line = () => xml.slice(0, i).split('\n').length - 1;
  const fail = (message: string): never => {
    throw new XmlSyntaxError(`${message}\nLine: ${line()}\nColumn: ${i - xml.lastIndexOf('\n', i - 1) - 1}`);
  };
  const text = (value: string, cdata = false) => {
    const top = stack[stack.length - 1];
    if (top) {
      top.obj[charkey] = `${top.obj[charkey] as string}${value}`;
      if (cdata) top.cdata = true;
    } else if (value.trim() !== '') fail('Non-whitespace before first tag.');
  };

  while (i < xml.length) {
    const lt = xml.indexOf('<', i);
    if (lt < 0) {
      text(decode(xml.slice(i), line));
      break;
    }
    if (lt > i) text(decode(xml.slice(i, lt), line));
    i = lt;
    if (xml.startsWith('<!--', i)) {
      const end = xml.indexOf('-->', i + 4);
      if (end < 0) fail('Unclosed comment');
      i = end + 3;
    } else if (xml.startsWith('<![CDATA[', i)) {
      const end = xml.indexOf(']]>', i + 9);
      if (end < 0) fail('Unclosed CDATA');
      text(xml.slice(i + 9, end), true);
      i = end + 3;
    } else if (xml.startsWith('<?', i)) {
      const end = xml.indexOf('?>', i + 2);
      if (end < 0) fail('Unclosed processing instruction');
      i = end + 2;
    } else if (xml.startsWith('<!', i)) {
      // DOCTYPE, possibly with an internal subset in brackets.
      let depth = 0;
      let j = i + 2;
      for (; j < xml.length; j++) {
        if (xml[j] === '[') depth++;
        else if (xml[j] === ']') depth--;
        else if (xml[j] === '>' && depth <= 0) break;
      }
      i = j + 1;
    } else if (xml[i + 1] === '/') {
      const end = xml.indexOf('>', i);
      if (end < 0) fail('Unclosed close tag');
      let name = xml.slice(i + 2, end).trim();
      if (options.normalizeTags) name = name.toLowerCase();
      const frame = stack.pop();
      if (!frame || frame.name !== name) fail('Unexpected close tag');
      i = end + 1;
      result = close(frame as Frame);
    } else {
      const end = findTagEnd(xml, i);
      if (end < 0) fail('Unclosed tag');
      const body = xml.slice(i + 1, end);
      const selfClosing = body.endsWith('/');
      const inner = selfClosing ? body.slice(0, -1) : body;
      const nameMatch = /^[^\s/>]+/.exec(inner);
      if (!nameMatch) fail('Invalid tag name');
      let name = (nameMatch as RegExpExecArray)[0];
      if (options.normalizeTags) name = name.toLowerCase();
      if (stack.length === 0 && result !== undefined) fail('Text data outside of root node.');
      const obj: Obj = { [charkey]: '' };
      if (!options.ignoreAttrs) {
        for (const m of inner.slice(name.length).matchAll(ATTRIBUTE)) {
          const value = decode(m[2] ?? m[3] ?? '', line);
          if (options.mergeAttrs) assignOrPush(obj, m[1], value, options.explicitArray);
          else {
            obj[attrkey] ??= {};
            (obj[attrkey] as Obj)[m[1]] = value;
          }
        }
      }
      i = end + 1;
      const frame: Frame = { name, obj, cdata: false };
      if (selfClosing) result = close(frame);
      else stack.push(frame);
    }
  }
  if (stack.length > 0) fail('Unclosed root tag');
  if (result === undefined) throw new XmlSyntaxError('Non-whitespace before first tag.');
  return result;

  function close(frame: Frame): unknown {
    let obj: unknown = frame.obj;
    const o = frame.obj;
    const chars = o[charkey] as string;
    let emptyText = '';
    if (/^\s*$/.test(chars) && !frame.cdata) {
      emptyText = chars;
      delete o[charkey];
    } else {
      let value = chars;
      if (options.trim) value = value.trim();
      if (options.normalize) value = value.replace(/\s{2,}/g, ' ').trim();
      o[charkey] = value;
    }
    if (Object.keys(o).length === 0) obj = emptyText;
    else if (Object.keys(o).length === 1 && charkey in o) obj = o[charkey];
    const parent = stack[stack.length - 1];
    if (parent) {
      assignOrPush(parent.obj, frame.name, obj, options.explicitArray);
      return result;
    }
    if (!options.explicitRoot) return obj;
    return { [frame.name]: obj };
  }
}

/** The `>` ending the tag opened at `start`, skipping quoted attribute values. */
function findTagEnd(xml: string, start: number): number {
  let quote = '';
  for (let j = start + 1; j < xml.length; j++) {
    const ch = xml[j];
    if (quote) {
      if (ch === quote) quote = '';
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '>') return j;
  }
  return -1;
}
