/**
 * CSS selectors over the `dom.ts` tree, the subset HTML extraction uses: type, `*`, `#id`,
 * `.class`, attribute tests (`[a]`, `=`, `~=`, `|=`, `^=`, `$=`, `*=`, with `i`), `:first-child`,
 * `:last-child`, `:only-child`, `:nth-child(n|odd|even|an+b)`, `:first-of-type`, `:last-of-type`,
 * `:not(...)`, `:contains("text")` (cheerio's), `:empty`, `:checked`, combinators (descendant,
 * `>`, `+`, `~`) and `,` lists. Matches come back in document order, each once.
 */
import { attribute, type HtmlElement, type HtmlNode, textContent } from './dom.js';

type Test = (el: HtmlElement) => boolean;
type Step = { combinator: ' ' | '>' | '+' | '~'; test: Test };

export class SelectorError extends Error {}

const elementsOf = (nodes: HtmlNode[]): HtmlElement[] =>
  nodes.filter((n): n is HtmlElement => n.type === 'element');
const siblings = (el: HtmlElement): HtmlElement[] => (el.parent ? elementsOf(el.parent.children) : [el]);

function nth(expr: string): (index: number) => boolean {
  const e = expr.replace(/\s+/g, '').toLowerCase();
  if (e === 'odd') return (i) => i % 2 === 1;
  if (e === 'even') return (i) => i % 2 === 0;
  const m = /^([+-]?\d*)n([+-]\d+)?$/.exec(e);
  if (!m) {
    const n = Number(e);
    if (!Number.isInteger(n)) throw new SelectorError(`Unsupported :nth-child(${expr})`);
    return (i) => i === n;
  }
  const a = m[1] === '' || m[1] === '+' ? 1 : m[1] === '-' ? -1 : Number(m[1]);
  const b = m[2] ? Number(m[2]) : 0;
  return (i) => (a === 0 ? i === b : (i - b) / a >= 0 && (i - b) % a === 0);
}

function attributeTest(body: string): Test {
  const m = /^\s*([^\s~|^$*!=]+)\s*(?:([~|^$*]?=)\s*(?:"([^"]*)"|'([^']*)'|([^\s\]]+))\s*(i)?)?\s*$/.exec(
    body,
  );
  if (!m) throw new SelectorError(`Unsupported attribute selector [${body}]`);
  const [, name, op, q1, q2, bare, flag] = m;
  const expected = q1 ?? q2 ?? bare ?? '';
  const norm = (s: string) => (flag ? s.toLowerCase() : s);
  return (el) => {
    const raw = attribute(el, name.toLowerCase());
    if (raw === undefined) return false;
    if (!op) return true;
    const v = norm(raw);
    const x = norm(expected);
    switch (op) {
      case '=':
        return v === x;
      case '~=':
        return v.split(/\s+/).includes(x);
      case '|=':
        return v === x || v.startsWith(`${x}-`);
      case '^=':
        return x !== '' && v.startsWith(x);
      case '$=':
        return x !== '' && v.endsWith(x);
      default:
        return x !== '' && v.includes(x);
    }
  };
}

/** Reads a parenthesised argument starting at `s[i] === '('`; returns it and the index after `)`. */
function argument(s: string, i: number): [string, number] {
  let depth = 0;
  for (let j = i; j < s.length; j++) {
    if (s[j] === '(') depth++;
    else if (s[j] === ')' && --depth === 0) return [s.slice(i + 1, j), j + 1];
  }
  throw new SelectorError(`Unclosed ( in ${s}`);
}

function pseudo(name: string, arg: string | undefined): Test {
  switch (name) {
    case 'first-child':
      return (el) => siblings(el)[0] === el;
    case 'last-child':
      return (el) => siblings(el).at(-1) === el;
    case 'only-child':
      return (el) => siblings(el).length === 1;
    case 'first-of-type':
      return (el) => siblings(el).find((s) => s.name === el.name) === el;
    case 'last-of-type':
      return (el) =>
        siblings(el)
          .filter((s) => s.name === el.name)
          .at(-1) === el;
    case 'nth-child': {
      const test = nth(arg ?? '');
      return (el) => test(siblings(el).indexOf(el) + 1);
    }
    case 'nth-of-type': {
      const test = nth(arg ?? '');
      return (el) =>
        test(
          siblings(el)
            .filter((s) => s.name === el.name)
            .indexOf(el) + 1,
        );
    }
    case 'not': {
      const inner = compile(arg ?? '');
      return (el) => !inner.some((chain) => matches(el, chain));
    }
    case 'contains': {
      const text = (arg ?? '').trim().replace(/^(["'])(.*)\1$/, '$2');
      return (el) => textContent(el).includes(text);
    }
    case 'empty':
      return (el) => el.children.length === 0;
    case 'checked':
      return (el) => attribute(el, 'checked') !== undefined || attribute(el, 'selected') !== undefined;
    default:
      throw new SelectorError(`Unsupported pseudo-class :${name}`);
  }
}

/** One compound selector (`div.a[b]:first-child`) as a test. */
function compound(s: string): Test {
  const tests: Test[] = [];
  let i = 0;
  const ident = () => {
    const m = /^(?:\\.|[\w\u00a0-\uffff-])+/.exec(s.slice(i));
    if (!m) throw new SelectorError(`Unexpected '${s[i]}' in selector '${s}'`);
    i += m[0].length;
    return m[0].replace(/\\(.)/g, '$1');
  };
  if (s[0] === '*') i = 1;
  else if (/[\w-]/.test(s[0] ?? '')) {
    const name = ident().toLowerCase();
    tests.push((el) => el.name === name);
  }
  while (i < s.length) {
    const ch = s[i++];
    if (ch === '#') {
      const id = ident();
      tests.push((el) => attribute(el, 'id') === id);
    } else if (ch === '.') {
      const cls = ident();
      tests.push((el) => (attribute(el, 'class') ?? '').split(/\s+/).includes(cls));
    } else if (ch === '[') {
      const end = s.indexOf(']', i);
      if (end < 0) throw new SelectorError(`Unclosed [ in '${s}'`);
      tests.push(attributeTest(s.slice(i, end)));
      i = end + 1;
    } else if (ch === ':') {
      if (s[i] === ':') throw new SelectorError(`Pseudo-elements are not supported: '${s}'`);
      const name = ident().toLowerCase();
      let arg: string | undefined;
      if (s[i] === '(') [arg, i] = argument(s, i);
      tests.push(pseudo(name, arg));
    } else throw new SelectorError(`Unexpected '${ch}' in selector '${s}'`);
  }
  return (el) => tests.every((t) => t(el));
}

/** Splits at top-level occurrences of characters in `stops` (outside quotes, brackets, parentheses). */
function tokens(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote = '';
  let part = '';
  for (const ch of s) {
    if (quote) {
      if (ch === quote) quote = '';
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '(' || ch === '[') depth++;
    else if (ch === ')' || ch === ']') depth--;
    else if (depth === 0 && (ch === ',' || ch === '>' || ch === '+' || ch === '~' || /\s/.test(ch))) {
      if (part) out.push(part);
      out.push(/\s/.test(ch) ? ' ' : ch);
      part = '';
      continue;
    }
    part += ch;
  }
  if (part) out.push(part);
  return out;
}

/** A selector list as chains of steps, right-most compound last. */
function compile(selector: string): Step[][] {
  const chains: Step[][] = [[]];
  let combinator: Step['combinator'] = ' ';
  for (const token of tokens(selector.trim())) {
    if (token === ',') {
      chains.push([]);
      combinator = ' ';
    } else if (token === ' ') {
      // Descendant, unless a `>`, `+` or `~` comes before the next compound.
    } else if (token === '>' || token === '+' || token === '~') combinator = token;
    else {
      chains[chains.length - 1].push({ combinator, test: compound(token) });
      combinator = ' ';
    }
  }
  if (chains.some((c) => c.length === 0)) throw new SelectorError(`Empty selector in '${selector}'`);
  return chains;
}

function matches(el: HtmlElement, chain: Step[], index = chain.length - 1): boolean {
  const step = chain[index];
  if (!step.test(el)) return false;
  if (index === 0) return true;
  switch (step.combinator) {
    case '>':
      return el.parent !== undefined && el.parent.name !== '#root' && matches(el.parent, chain, index - 1);
    case '+': {
      const sibs = siblings(el);
      const before = sibs[sibs.indexOf(el) - 1];
      return before !== undefined && matches(before, chain, index - 1);
    }
    case '~': {
      const sibs = siblings(el);
      return sibs.slice(0, sibs.indexOf(el)).some((s) => matches(s, chain, index - 1));
    }
    default:
      for (let p = el.parent; p && p.name !== '#root'; p = p.parent)
        if (matches(p, chain, index - 1)) return true;
      return false;
  }
}

/** Every element under `root` matching `selector`, in document order. */
export function select(root: HtmlElement, selector: string): HtmlElement[] {
  const chains = compile(selector);
  const out: HtmlElement[] = [];
  const walk = (node: HtmlElement) => {
    for (const child of elementsOf(node.children)) {
      if (chains.some((chain) => matches(child, chain))) out.push(child);
      walk(child);
    }
  };
  walk(root);
  return out;
}
