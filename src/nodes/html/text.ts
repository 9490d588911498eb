/**
 * HTML → readable text, as the HTML node (v1.2) gets it from `html-to-text`'s `convert(html,
 * { selectors: skip })` with its defaults: only the `body` when there is one; whitespace collapsed;
 * blocks separated by line breaks (the larger of the closing block's trailing and the opening
 * block's leading count): paragraphs 2/2, divs and other sections 1/1, headings 3/2 in capitals,
 * lists 2/2 with ` * ` or `1. ` items, `<br>` a break, `<hr>` a line of dashes; links as
 * `text [href]`, images as `alt [src]`; lines wrapped at 80 characters; nothing at either end.
 */
import { attribute, type HtmlElement, type HtmlNode } from './dom.js';
import { select } from './select.js';

const WRAP = 80;

interface Block {
  leading: number;
  trailing: number;
  uppercase?: boolean;
}

const BLOCKS: Record<string, Block> = {
  p: { leading: 2, trailing: 2 },
  h1: { leading: 3, trailing: 2, uppercase: true },
  h2: { leading: 3, trailing: 2, uppercase: true },
  h3: { leading: 3, trailing: 2, uppercase: true },
  h4: { leading: 2, trailing: 2, uppercase: true },
  h5: { leading: 2, trailing: 2, uppercase: true },
  h6: { leading: 2, trailing: 2, uppercase: true },
  ul: { leading: 2, trailing: 2 },
  ol: { leading: 2, trailing: 2 },
  blockquote: { leading: 2, trailing: 2 },
  pre: { leading: 2, trailing: 2 },
  table: { leading: 2, trailing: 2 },
  hr: { leading: 2, trailing: 2 },
};
const ONE_LINE = new Set([
  'div',
  'section',
  'article',
  'aside',
  'header',
  'footer',
  'main',
  'nav',
  'form',
  'fieldset',
  'figure',
  'figcaption',
  'address',
  'dl',
  'dt',
  'dd',
  'tr',
  'caption',
  'details',
  'summary',
  'li',
]);
const SKIPPED = new Set([
  'script',
  'style',
  'head',
  'title',
  'noscript',
  'template',
  'input',
  'select',
  'button',
]);

class Builder {
  private readonly lines: string[] = [];
  private words: string[] = [];
  private space = false;
  private pendingBreaks = 0;
  private started = false;
  uppercase = 0;
  prefix = '';

  /** Inline text: whitespace becomes one space between words. */
  text(value: string): void {
    const parts = value.split(/[ \t\n\r\f\u200b]+/);
    parts.forEach((part, i) => {
      if (i > 0) this.space = true;
      if (part === '') return;
      this.word(this.uppercase > 0 ? part.toUpperCase() : part);
    });
  }

  /** A word glued to what precedes it unless there was whitespace. */
  word(value: string): void {
    if (this.words.length === 0) this.words.push(this.prefix + value);
    else if (this.space) this.words.push(value);
    else this.words[this.words.length - 1] += value;
    this.space = false;
  }

  spaceBefore(): void {
    if (this.words.length > 0) this.space = true;
  }

  breaks(count: number): void {
    this.flush();
    this.pendingBreaks = Math.max(this.pendingBreaks, count);
    this.space = false;
  }

  private flush(): void {
    if (this.words.length === 0) return;
    if (this.started) for (let i = 0; i < Math.max(1, this.pendingBreaks); i++) this.lines.push('');
    let line = '';
    for (const word of this.words) {
      if (line !== '' && line.length + 1 + word.length > WRAP) {
        this.append(line);
        line = word;
      } else line = line === '' ? word : `${line} ${word}`;
    }
    this.append(line);
    this.words = [];
    this.pendingBreaks = 0;
    this.started = true;
  }

  /** The last of the empty lines a break run pushed is where the text goes. */
  private append(line: string): void {
    if (this.lines.length > 0 && this.lines[this.lines.length - 1] === '')
      this.lines[this.lines.length - 1] = line;
    else this.lines.push(line);
  }

  result(): string {
    this.flush();
    return this.lines.join('\n').replace(/[ \t]+$/gm, '');
  }
}

function render(node: HtmlNode, out: Builder, skip: (el: HtmlElement) => boolean): void {
  if (node.type === 'text') {
    out.text(node.value);
    return;
  }
  const el = node;
  if (SKIPPED.has(el.name) || skip(el)) return;
  const children = () => {
    for (const child of el.children) render(child, out, skip);
  };
  switch (el.name) {
    case 'br':
      out.breaks(1);
      return;
    case 'wbr':
      return;
    case 'hr':
      out.breaks(2);
      out.word('-'.repeat(40));
      out.breaks(2);
      return;
    case 'img': {
      const alt = attribute(el, 'alt') ?? '';
      const src = attribute(el, 'src') ?? '';
      const text = [alt, src ? `[${src}]` : ''].filter(Boolean).join(' ');
      if (text) {
        out.spaceBefore();
        for (const [i, w] of text.split(/\s+/).entries()) {
          if (i > 0) out.spaceBefore();
          out.word(w);
        }
      }
      return;
    }
    case 'a': {
      children();
      const href = attribute(el, 'href');
      if (href && !href.startsWith('#') && !href.startsWith('mailto:')) {
        out.spaceBefore();
        out.word(`[${href}]`);
      } else if (href?.startsWith('mailto:')) {
        out.spaceBefore();
        out.word(`[${href.slice(7)}]`);
      }
      return;
    }
    case 'ul':
    case 'ol': {
      out.breaks(2);
      let n = 0;
      for (const child of el.children) {
        if (child.type !== 'element' || child.name !== 'li') continue;
        n++;
        out.breaks(1);
        const previous = out.prefix;
        out.prefix = el.name === 'ol' ? `${n}. ` : ' * ';
        for (const c of child.children) render(c, out, skip);
        out.prefix = previous;
      }
      out.breaks(2);
      return;
    }
    case 'td':
    case 'th':
      out.spaceBefore();
      children();
      out.spaceBefore();
      return;
  }
  const block = BLOCKS[el.name] ?? (ONE_LINE.has(el.name) ? { leading: 1, trailing: 1 } : undefined);
  if (!block) {
    children();
    return;
  }
  out.breaks(block.leading);
  if (block.uppercase) out.uppercase++;
  children();
  if (block.uppercase) out.uppercase--;
  out.breaks(block.trailing);
}

/** `convert(html, { selectors: skip.map((s) => ({ selector: s, format: 'skip' })) })`. */
export function htmlToText(root: HtmlElement, skipSelectors: string[] = []): string {
  const skipped = new Set(skipSelectors.flatMap((s) => select(root, s)));
  const body = select(root, 'body')[0] ?? root;
  const out = new Builder();
  for (const child of body.children) render(child, out, (el) => skipped.has(el));
  return out.result();
}
