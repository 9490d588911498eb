/**
 * A small, forgiving HTML parser and serializer, enough for the HTML node's extraction: the tree
 * cheerio (parse5) would build for the pages workflows read. It follows parse5 where results show:
 * CR LF becomes LF; void elements have no end tag; `script`, `style`, `textarea`, `title` hold raw
 * text; a `<p>` closes when a block starts, `<li>`/`<option>`/table cells close their open
 * sibling; missing `html`/`head`/`body` are implied, and whatever follows `</body>` or `</html>`
 * stays in the body. Serialization is parse5's (`cheerio.html()`): attribute values in double
 * quotes with `&`, `"` and no-break spaces escaped, text with `&`, `<`, `>` and no-break spaces.
 */

export interface HtmlElement {
  type: 'element';
  name: string;
  attributes: [string, string][];
  children: HtmlNode[];
  parent?: HtmlElement;
}

export interface HtmlText {
  type: 'text';
  value: string;
  parent?: HtmlElement;
}

export type HtmlNode = HtmlElement | HtmlText;

export const VOID = new Set([
  'area',
  'base',
  'br',
  'col',
  'embed',
  'hr',
  'img',
  'input',
  'link',
  'meta',
  'source',
  'track',
  'wbr',
]);
const RAW_TEXT = new Set(['script', 'style', 'textarea', 'title', 'xmp', 'noscript']);
const CLOSES_P = new Set([
  'address',
  'article',
  'aside',
  'blockquote',
  'div',
  'dl',
  'fieldset',
  'footer',
  'form',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'header',
  'hr',
  'main',
  'nav',
  'ol',
  'p',
  'pre',
  'section',
  'table',
  'ul',
  'li',
]);
const HEAD = new Set(['title', 'meta', 'link', 'style', 'base', 'script', 'noscript']);
/** An open element of the key's name is closed by these start tags. */
const SIBLING_CLOSERS: Record<string, Set<string>> = {
  li: new Set(['li']),
  option: new Set(['option', 'optgroup']),
  td: new Set(['td', 'th', 'tr']),
  th: new Set(['td', 'th', 'tr']),
  tr: new Set(['tr']),
  dt: new Set(['dt', 'dd']),
  dd: new Set(['dt', 'dd']),
};

const ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: '\u00a0',
  copy: '©',
  reg: '®',
  euro: '€',
  hellip: '…',
  mdash: '—',
  ndash: '–',
  laquo: '«',
  raquo: '»',
  eacute: 'é',
  egrave: 'è',
  agrave: 'à',
  ccedil: 'ç',
  ecirc: 'ê',
  ocirc: 'ô',
  ucirc: 'û',
  icirc: 'î',
  acirc: 'â',
  euml: 'ë',
  iuml: 'ï',
  uuml: 'ü',
  ouml: 'ö',
  auml: 'ä',
  szlig: 'ß',
  rsquo: '’',
  lsquo: '‘',
  rdquo: '”',
  ldquo: '“',
  bull: '•',
  deg: '°',
};

export function decodeEntities(text: string): string {
  return text.replace(/&(#[xX][0-9a-fA-F]+|#[0-9]+|[A-Za-z][A-Za-z0-9]*);?/g, (whole, ref: string) => {
    if (ref[0] === '#') {
      const code =
        ref[1] === 'x' || ref[1] === 'X'
          ? Number.parseInt(ref.slice(2), 16)
          : Number.parseInt(ref.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[ref] ?? whole;
  });
}

function element(name: string, attributes: [string, string][] = []): HtmlElement {
  return { type: 'element', name, attributes, children: [] };
}

function append(parent: HtmlElement, node: HtmlNode): void {
  const last = parent.children[parent.children.length - 1];
  if (node.type === 'text' && last?.type === 'text') {
    last.value += node.value;
    return;
  }
  node.parent = parent;
  parent.children.push(node);
}

const ATTRIBUTE = /([^\s"'=<>/`]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;

/** Parses a document (or fragment) into a root holding one `html` element with `head` and `body`. */
export function parseHtml(input: string): HtmlElement {
  const html = input.replace(/\r\n?/g, '\n');
  const root = element('#root');
  const htmlEl = element('html');
  const head = element('head');
  const body = element('body');
  append(root, htmlEl);
  append(htmlEl, head);
  append(htmlEl, body);
  let current: HtmlElement = body;
  let inBody = false;
  const stack: HtmlElement[] = [];
  const closeTo = (name: string): boolean => {
    const at = stack.map((e) => e.name).lastIndexOf(name);
    if (at < 0) return false;
    stack.length = at;
    current = stack[stack.length - 1] ?? body;
    return true;
  };

  let i = 0;
  while (i < html.length) {
    const lt = html.indexOf('<', i);
    const textEnd = lt < 0 ? html.length : lt;
    if (textEnd > i) {
      const value = decodeEntities(html.slice(i, textEnd));
      // Whitespace before the body starts belongs nowhere that extraction looks at.
      if (inBody || stack.length > 0 || value.trim() !== '') {
        inBody = true;
        append(current, { type: 'text', value });
      }
    }
    if (lt < 0) break;
    i = lt;
    if (html.startsWith('<!--', i)) {
      const end = html.indexOf('-->', i + 4);
      i = end < 0 ? html.length : end + 3;
      continue;
    }
    if (html.startsWith('<!', i) || html.startsWith('<?', i)) {
      const end = html.indexOf('>', i);
      i = end < 0 ? html.length : end + 1;
      continue;
    }
    const close = html[i + 1] === '/';
    const m = /^<\/?([A-Za-z][^\s/>]*)/.exec(html.slice(i));
    if (!m) {
      append(current, { type: 'text', value: '<' });
      i++;
      continue;
    }
    const end = tagEnd(html, i);
    const name = m[1].toLowerCase();
    const inner = html.slice(i + m[0].length, end);
    i = end + 1;
    if (close) {
      if (name === 'body' || name === 'html' || name === 'head') continue;
      if (name === 'p' && !stack.some((e) => e.name === 'p')) append(current, element('p'));
      else closeTo(name);
      continue;
    }
    if (name === 'html' || name === 'body' || name === 'head') {
      const target = name === 'html' ? htmlEl : name === 'head' ? head : body;
      for (const a of attributesOf(inner))
        if (!target.attributes.some(([k]) => k === a[0])) target.attributes.push(a);
      if (name === 'body') inBody = true;
      continue;
    }
    if (CLOSES_P.has(name) && stack.some((e) => e.name === 'p')) closeTo('p');
    const top = stack[stack.length - 1];
    if (top && SIBLING_CLOSERS[top.name]?.has(name)) closeTo(top.name);
    const el = element(name, attributesOf(inner));
    const intoHead = !inBody && stack.length === 0 && HEAD.has(name);
    append(intoHead ? head : current, el);
    if (!intoHead) inBody = true;
    if (VOID.has(name) || inner.trimEnd().endsWith('/')) continue;
    if (RAW_TEXT.has(name)) {
      const closeAt = html.toLowerCase().indexOf(`</${name}`, i);
      const raw = html.slice(i, closeAt < 0 ? html.length : closeAt);
      if (raw !== '')
        append(el, {
          type: 'text',
          value: name === 'textarea' || name === 'title' ? decodeEntities(raw) : raw,
        });
      i = closeAt < 0 ? html.length : tagEnd(html, closeAt) + 1;
      continue;
    }
    stack.push(el);
    current = el;
  }
  return root;
}

function tagEnd(html: string, start: number): number {
  let quote = '';
  for (let j = start + 1; j < html.length; j++) {
    const ch = html[j];
    if (quote) {
      if (ch === quote) quote = '';
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '>') return j;
  }
  return html.length;
}

function attributesOf(inner: string): [string, string][] {
  const out: [string, string][] = [];
  for (const m of inner.matchAll(ATTRIBUTE)) {
    const name = m[1].toLowerCase();
    if (name === '/' || out.some(([k]) => k === name)) continue;
    out.push([name, decodeEntities(m[2] ?? m[3] ?? m[4] ?? '')]);
  }
  return out;
}

const escapeText = (s: string) =>
  s
    .replace(/&/g, '&amp;')
    .replace(/\u00a0/g, '&nbsp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
const escapeAttr = (s: string) =>
  s
    .replace(/&/g, '&amp;')
    .replace(/\u00a0/g, '&nbsp;')
    .replace(/"/g, '&quot;');

/** parse5's serialization of a node (outer HTML). */
export function outerHtml(node: HtmlNode): string {
  if (node.type === 'text') {
    return node.parent &&
      RAW_TEXT.has(node.parent.name) &&
      node.parent.name !== 'textarea' &&
      node.parent.name !== 'title'
      ? node.value
      : escapeText(node.value);
  }
  const attrs = node.attributes.map(([k, v]) => ` ${k}="${escapeAttr(v)}"`).join('');
  if (VOID.has(node.name)) return `<${node.name}${attrs}>`;
  return `<${node.name}${attrs}>${innerHtml(node)}</${node.name}>`;
}

export function innerHtml(node: HtmlElement): string {
  return node.children.map(outerHtml).join('');
}

/** Every text below `node`, in document order (domutils' textContent, as cheerio's `.text()`). */
export function textContent(node: HtmlNode): string {
  return node.type === 'text' ? node.value : node.children.map(textContent).join('');
}

export function attribute(node: HtmlElement, name: string): string | undefined {
  return node.attributes.find(([k]) => k === name)?.[1];
}
