import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runNode } from '../testing/run-node.js';
import { htmlNode } from './html.node.js';

const PAGE = `<html><body>
  <h1 class="title">Hello <b>world</b></h1>
  <ul id="list"><li><a href="/a" data-x="1">A</a></li><li><a href="/b">B</a></li><li class="last">C</li></ul>
  <form><input name="q" value="search"><textarea>long text</textarea>
  <select name="s"><option value="1">one</option><option value="2" selected>two</option></select></form>
</body></html>`;

function extract(values: Record<string, unknown>[], extra: Record<string, unknown> = {}) {
  return runNode(htmlNode, {
    parameters: { operation: 'extractHtmlContent', extractionValues: { values }, ...extra },
    items: [{ data: PAGE }],
  });
}

describe('html node: extractHtmlContent', () => {
  it('text (1.2: the inner HTML of the match rendered like html-to-text), html, attribute, value', async () => {
    const { json } = await extract([
      { key: 'title', cssSelector: 'h1.title' },
      { key: 'inner', cssSelector: 'h1', returnValue: 'html' },
      { key: 'href', cssSelector: '#list a', returnValue: 'attribute', attribute: 'href' },
      { key: 'attrs', cssSelector: 'a[data-x]', returnValue: 'attribute' },
      { key: 'q', cssSelector: 'input[name=q]', returnValue: 'value' },
      { key: 'area', cssSelector: 'textarea', returnValue: 'value' },
      { key: 's', cssSelector: 'select', returnValue: 'value' },
      { key: 'missing', cssSelector: '.nothing', returnValue: 'html' },
    ]);
    assert.deepEqual(json, [
      [
        {
          title: 'Hello world', // the inner HTML is converted: the h1 itself is not a heading there
          inner: 'Hello <b>world</b>',
          href: '/a',
          attrs: { href: '/a', 'data-x': '1' },
          q: 'search',
          area: 'long text',
          s: '2',
        },
      ],
    ]);
  });

  it('textVersion 1/1.1: cheerio .text() of every match, joined; returnArray gives one value per match', async () => {
    const { json } = await extract(
      [
        { key: 'all', cssSelector: 'li' },
        { key: 'each', cssSelector: 'li', returnArray: true },
        {
          key: 'links',
          cssSelector: 'li > a',
          returnValue: 'attribute',
          attribute: 'href',
          returnArray: true,
        },
      ],
      { textVersion: 1 },
    );
    assert.deepEqual(json, [[{ all: 'ABC', each: ['A', 'B', 'C'], links: ['/a', '/b'] }]]);
  });

  it('selectors: pseudo-classes and combinators', async () => {
    const { json } = await extract(
      [
        { key: 'first', cssSelector: 'li:first-child' },
        { key: 'last', cssSelector: 'ul > li.last' },
        { key: 'second', cssSelector: 'li:nth-child(2)' },
        { key: 'not', cssSelector: 'li:not(.last)', returnArray: true },
        { key: 'contains', cssSelector: 'li:contains("B")' },
      ],
      { textVersion: 1.1 },
    );
    assert.deepEqual(json, [[{ first: 'A', last: 'C', second: 'B', not: ['A', 'B'], contains: 'B' }]]);
  });

  it('trimValues and cleanUpText only when set; an array field gives one item per string', async () => {
    const { json } = await runNode(htmlNode, {
      parameters: {
        operation: 'extractHtmlContent',
        dataPropertyName: 'pages',
        extractionValues: { values: [{ key: 't', cssSelector: 'p' }] },
        options: { cleanUpText: true },
        textVersion: 1,
      },
      items: [{ pages: ['<p>  a\n  b  </p>', '<p>c</p>'] }],
    });
    assert.deepEqual(json, [[{ t: 'a b' }, { t: 'c' }]]);
  });

  it('fails clearly on a missing field or a bad selector', async () => {
    await assert.rejects(
      runNode(htmlNode, {
        parameters: { operation: 'extractHtmlContent', dataPropertyName: 'nope' },
        items: [{ data: PAGE }],
      }),
      /No property named "nope" exists!/,
    );
    await assert.rejects(extract([{ key: 'x', cssSelector: 'li:hover' }]), /Invalid CSS selector 'li:hover'/);
  });
});

describe('html node: generateHtmlTemplate and convertToHtmlTable', () => {
  it('evaluates each {{ }} of the template for the item', async () => {
    const { json } = await runNode(htmlNode, {
      parameters: {
        operation: 'generateHtmlTemplate',
        html: '<p>{{ $json.name }} has {{ $json.n * 2 }}</p>',
      },
      items: [{ name: 'Ada', n: 2 }],
    });
    assert.deepEqual(json, [[{ html: '<p>Ada has 4</p>' }]]);
  });

  it('writes every item as a row of one table, with n8n’s markup', async () => {
    const { json } = await runNode(htmlNode, {
      parameters: { operation: 'convertToHtmlTable', options: { customStyling: true, capitalize: true } },
      items: [
        { first_name: 'Ada', ok: true },
        { first_name: 'Bob', ok: false },
      ],
    });
    assert.deepEqual(json, [
      [
        {
          table:
            '<table  ><thead  ><tr><th>First Name</th><th>Ok</th></tr></thead><tbody>' +
            '<tr  ><td  >Ada</td><td  ><input type="checkbox" checked="checked"/></td></tr>' +
            '<tr  ><td  >Bob</td><td  ><input type="checkbox" /></td></tr></tbody></table>',
        },
      ],
    ]);
  });
});
