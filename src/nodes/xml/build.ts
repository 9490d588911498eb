/**
 * JSON → XML text as n8n's XML node gets it from xml2js (`new Builder(options).buildObject(json)`,
 * `xml2js/lib/builder.js`) rendered by xmlbuilder with xml2js' defaults: an XML declaration
 * (`version="1.0" encoding="UTF-8" standalone="yes"`) unless `headless`, two-space indentation,
 * `<a/>` for empty elements, `$` for attributes and `_` for text. A one-key object names the root
 * element itself (unless `rootName` is set), otherwise the root is `rootName` ('root').
 */

export interface XmlBuildOptions {
  attrkey: string;
  charkey: string;
  rootName: string;
  headless: boolean;
  cdata: boolean;
}

export const DEFAULT_ROOT_NAME = 'root';

interface XmlElement {
  name: string;
  attributes: [string, string][];
  children: (XmlElement | { text: string; raw: boolean })[];
}

const el = (name: string): XmlElement => ({ name, attributes: [], children: [] });

function escapeText(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#xD;');
}

function escapeAttribute(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/"/g, '&quot;')
    .replace(/\t/g, '&#x9;')
    .replace(/\n/g, '&#xA;')
    .replace(/\r/g, '&#xD;');
}

const requiresCdata = (value: string) => /[&<>]/.test(value);
const wrapCdata = (value: string) => `<![CDATA[${value.replace(/]]>/g, ']]]]><![CDATA[>')}]]>`;

function str(value: unknown): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

function addText(element: XmlElement, value: unknown, options: XmlBuildOptions): void {
  const text = str(value);
  if (options.cdata && requiresCdata(text)) element.children.push({ text: wrapCdata(text), raw: true });
  else element.children.push({ text, raw: false });
}

function child(element: XmlElement, name: string): XmlElement {
  const created = el(name);
  element.children.push(created);
  return created;
}

/** xml2js' `render`. */
function render(element: XmlElement, obj: unknown, options: XmlBuildOptions): void {
  if (typeof obj !== 'object' || obj === null) {
    addText(element, obj, options);
    return;
  }
  if (Array.isArray(obj)) {
    for (const entry of obj) {
      if (typeof entry !== 'object' || entry === null) continue;
      for (const [key, value] of Object.entries(entry)) render(child(element, key), value, options);
    }
    return;
  }
  for (const [key, value] of Object.entries(obj)) {
    if (key === options.attrkey) {
      if (typeof value === 'object' && value !== null) {
        for (const [name, attr] of Object.entries(value)) element.attributes.push([name, str(attr)]);
      }
    } else if (key === options.charkey) {
      addText(element, value, options);
    } else if (Array.isArray(value)) {
      for (const entry of value) {
        if (typeof entry === 'object' && entry !== null) render(child(element, key), entry, options);
        else addText(child(element, key), entry, options);
      }
    } else if (typeof value === 'object' && value !== null) {
      render(child(element, key), value, options);
    } else {
      addText(child(element, key), value, options);
    }
  }
}

/** xmlbuilder's pretty writer: text-only elements inline, others one child per indented line. */
function write(element: XmlElement, depth: number, out: string[]): void {
  const indent = '  '.repeat(depth);
  const attrs = element.attributes.map(([k, v]) => ` ${k}="${escapeAttribute(v)}"`).join('');
  const texts = element.children.every((c) => !('name' in c));
  const empty = element.children.every((c) => !('name' in c) && c.text === '');
  if (empty) {
    out.push(`${indent}<${element.name}${attrs}/>`);
    return;
  }
  if (texts) {
    const body = element.children
      .map((c) => ('raw' in c && c.raw ? c.text : escapeText((c as { text: string }).text)))
      .join('');
    out.push(`${indent}<${element.name}${attrs}>${body}</${element.name}>`);
    return;
  }
  out.push(`${indent}<${element.name}${attrs}>`);
  for (const c of element.children) {
    if ('name' in c) write(c, depth + 1, out);
    else out.push(`${'  '.repeat(depth + 1)}${c.raw ? c.text : escapeText(c.text)}`);
  }
  out.push(`${indent}</${element.name}>`);
}

export function buildXml(json: unknown, options: XmlBuildOptions): string {
  let rootName = options.rootName;
  let rootObj = json;
  if (
    typeof json === 'object' &&
    json !== null &&
    !Array.isArray(json) &&
    Object.keys(json).length === 1 &&
    options.rootName === DEFAULT_ROOT_NAME
  ) {
    rootName = Object.keys(json)[0];
    rootObj = (json as Record<string, unknown>)[rootName];
  }
  const root = el(rootName);
  render(root, rootObj, options);
  const out: string[] = [];
  if (!options.headless) out.push('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>');
  write(root, 0, out);
  return out.join('\n');
}
