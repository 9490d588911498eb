import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runNode } from '../testing/run-node.js';
import { xmlNode } from './xml.node.js';

const PERSON = { id: 1, firstName: 'Adam', secondName: 'Smith', fullName: 'Adam Smith' };
const PRETTY =
  '<data>\n  <id>1</id>\n  <firstName>Adam</firstName>\n  <secondName>Smith</secondName>\n  <fullName>Adam Smith</fullName>\n</data>';
const DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>';

describe('xml node: JSON to XML (xml2js Builder)', () => {
  // Xml/test/node/workflow.xml.json pinData
  it('uses a one-key object as the root and writes the declaration', async () => {
    const { json } = await runNode(xmlNode, {
      parameters: { mode: 'jsonToxml', options: {} },
      items: [{ data: PERSON }],
    });
    assert.deepEqual(json, [[{ data: `${DECLARATION}\n${PRETTY}` }]]);
  });

  it('headless leaves the declaration out', async () => {
    const { json } = await runNode(xmlNode, {
      parameters: { mode: 'jsonToxml', options: { headless: true } },
      items: [{ data: PERSON }],
    });
    assert.deepEqual(json, [[{ data: PRETTY }]]);
  });

  it('wraps several keys in rootName; arrays repeat elements; attributes, text, escaping, empty', async () => {
    const { json } = await runNode(xmlNode, {
      parameters: { mode: 'jsonToxml', dataPropertyName: 'xml', options: { headless: true } },
      items: [{ a: [1, 2], b: { $: { id: 'x&y' }, _: 'a<b' }, c: '', d: null, e: { f: true } }],
    });
    assert.equal(
      json[0][0].xml,
      '<root>\n  <a>1</a>\n  <a>2</a>\n  <b id="x&amp;y">a&lt;b</b>\n  <c/>\n  <d/>\n  <e>\n    <f>true</f>\n  </e>\n</root>',
    );
  });

  it('cdata wraps text that needs escaping', async () => {
    const { json } = await runNode(xmlNode, {
      parameters: { mode: 'jsonToxml', options: { headless: true, cdata: true, rootName: 'r' } },
      items: [{ t: 'a & b', u: 'plain' }],
    });
    assert.equal(json[0][0].data, '<r>\n  <t><![CDATA[a & b]]></t>\n  <u>plain</u>\n</r>');
  });
});

describe('xml node: XML to JSON (xml2js Parser)', () => {
  it('parses with explicitRoot, merged attributes, text values (Xml tests pinData)', async () => {
    const xml = `${DECLARATION} <data> <id>1</id> <firstName>Adam</firstName> <secondName>Smith</secondName> <fullName>Adam Smith</fullName> </data>`;
    const { json } = await runNode(xmlNode, { parameters: { options: {} }, items: [{ data: xml }] });
    assert.deepEqual(json, [
      [{ data: { id: '1', firstName: 'Adam', secondName: 'Smith', fullName: 'Adam Smith' } }],
    ]);
  });

  it('round-trips what it builds', async () => {
    const built = await runNode(xmlNode, {
      parameters: { mode: 'jsonToxml' },
      items: [{ a: { b: { c: 1 } } }],
    });
    const { json } = await runNode(xmlNode, { parameters: {}, items: built.json[0] });
    assert.deepEqual(json, [[{ a: { b: { c: '1' } } }]]);
  });

  it('handles attributes, repeats, mixed text, entities, CDATA, comments, empty elements', async () => {
    const xml =
      '<!DOCTYPE x><r a="1"><!-- c --><i k="v">x</i><i>y</i><t>a &amp; b &#65;</t><m>hi<b>1</b></m><e/><w>  </w><d><![CDATA[<raw>]]></d></r>';
    const { json } = await runNode(xmlNode, { parameters: {}, items: [{ data: xml }] });
    assert.deepEqual(json[0][0], {
      r: {
        a: '1',
        i: [{ k: 'v', _: 'x' }, 'y'],
        t: 'a & b A',
        m: { _: 'hi', b: '1' },
        e: '',
        w: '  ',
        d: '<raw>',
      },
    });
  });

  it('options: explicitArray, attrkey without merging, explicitRoot off, normalizeTags, trim', async () => {
    const { json } = await runNode(xmlNode, {
      parameters: {
        options: {
          explicitArray: true,
          mergeAttrs: false,
          explicitRoot: false,
          normalizeTags: true,
          trim: true,
        },
      },
      items: [{ data: '<R><I n="1"> x </I></R>' }],
    });
    assert.deepEqual(json, [[{ i: [{ $: { n: '1' }, _: 'x' }] }]]);
  });

  it('fails clearly on malformed XML and on a missing field', async () => {
    await assert.rejects(runNode(xmlNode, { items: [{ data: '<a><b></a>' }] }), /Unexpected close tag/);
    await assert.rejects(runNode(xmlNode, { items: [{ other: 1 }] }), /No json property "data"/);
  });

  it('continues on fail with an error item', async () => {
    const { json } = await runNode(xmlNode, { items: [{ data: '<a>' }], onError: 'continue' });
    assert.match(String(json[0][0].error), /Unclosed root tag/);
  });
});
