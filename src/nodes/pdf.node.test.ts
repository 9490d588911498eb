import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { deflateSync } from 'node:zlib';
import { BINARY } from '../binary/access.js';
import { BinaryStore } from '../binary/store.js';
import { extractPdfText } from '../pdf/extract-text.js';
import { runNode } from '../testing/run-node.js';
import { pdfNode } from './pdf.node.js';

function pdfOf(result: Awaited<ReturnType<typeof runNode>>, index = 0, prop = 'data'): Buffer {
  const binary = result.outputs[0][index].binary?.[prop];
  assert.ok(binary?.data, 'inline binary data');
  return Buffer.from(binary.data, 'base64');
}

function textOf(pdf: Buffer): string {
  return extractPdfText(pdf).join('\n');
}

/** A tiny valid RGB PNG (w×h, one colour), built by hand. */
function png(w: number, h: number): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf: Buffer): number => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer): Buffer => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(body));
    return Buffer.concat([len, body, sum]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const raw = Buffer.alloc((w * 3 + 1) * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) raw.set([200, 30, 30], y * (w * 3 + 1) + 1 + x * 3);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const invoice = {
  number: 'F-2026-001',
  client: 'Société Dupont SA',
  lines: [
    { description: 'Prestation conseil', quantity: 1, unitPrice: 500, total: 500 },
    { description: 'Développement module X', quantity: 3, unitPrice: 150, total: 450 },
  ],
  subtotal: 950,
  vatRate: 8.1,
  vatAmount: 76.95,
  total: 1026.95,
};

const invoiceDocument = {
  title: 'Facture F-2026-001',
  subtitle: 'Société Dupont SA',
  author: 'Relais SA',
  blocks: [
    { type: 'heading', text: 'Détail', level: 2 },
    {
      type: 'keyValue',
      rows: [
        { key: 'Client', value: 'Société Dupont SA' },
        { key: 'Échéance', value: '30 jours' },
      ],
    },
    {
      type: 'table',
      columns: [
        { header: 'Description', field: 'description' },
        { header: 'Qté', field: 'quantity', align: 'right', format: 'number', width: 50 },
        { header: 'Prix unitaire', field: 'unitPrice', align: 'right', format: 'currency', width: 100 },
        { header: 'Total', field: 'total', align: 'right', format: 'currency', width: 100 },
      ],
      rows: invoice.lines,
      totals: [
        { label: 'Sous-total', value: 950 },
        { label: 'TVA 8,1 %', value: 76.95 },
        { label: 'Total', value: 1026.95 },
      ],
    },
    { type: 'paragraph', text: 'Merci de votre confiance — à bientôt.' },
    { type: 'list', items: ['Paiement à 30 jours', 'IBAN CH00 0000'] },
  ],
};

test('document mode: title, headings, key/values, table cells and totals are in the PDF', async () => {
  const result = await runNode(pdfNode, { parameters: { document: invoiceDocument }, items: [invoice] });
  const item = result.outputs[0][0];
  assert.deepEqual(item.json, invoice);
  assert.equal(item.binary?.data.mimeType, 'application/pdf');
  assert.equal(item.binary?.data.fileName, 'document.pdf');
  const pdf = pdfOf(result);
  assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');
  const text = textOf(pdf);
  for (const expected of [
    'Facture F-2026-001',
    'Société Dupont SA',
    'Détail',
    'Échéance',
    '30 jours',
    'Prestation conseil',
    'Développement module X',
    'Prix unitaire',
    'Sous-total',
    'TVA 8,1 %',
    'Merci de votre confiance — à bientôt.',
    'Paiement à 30 jours',
    'Page 1 / 1',
  ]) {
    assert.ok(text.includes(expected), `missing '${expected}' in:\n${text}`);
  }
  // fr-CH currency formatting, with the narrow no-break space made drawable.
  assert.match(text, /CHF\u00a01\u00a0026\.95|1\u00a0026\.95/);
  assert.match(text, /76\.95/);
});

test('the output is deterministic (creation date from the workflow clock) and named by parameters', async () => {
  const opts = {
    parameters: { document: invoiceDocument, fileName: 'facture.pdf', binaryPropertyName: 'pdf' },
    items: [invoice],
    now: '2026-03-01T10:00:00Z',
  };
  const a = await runNode(pdfNode, opts);
  const b = await runNode(pdfNode, opts);
  assert.equal(a.outputs[0][0].binary?.pdf.fileName, 'facture.pdf');
  assert.ok(pdfOf(a, 0, 'pdf').equals(pdfOf(b, 0, 'pdf')));
  assert.match(pdfOf(a, 0, 'pdf').toString('latin1'), /\(D:20260301100000Z\)/);
});

test('with a binary store, the PDF is stored as a file of the run (past the inline limit)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'relais-pdf-'));
  try {
    const store = new BinaryStore({ dataDir: dir, inlineLimit: 100 });
    const result = await runNode(pdfNode, {
      parameters: { document: invoiceDocument },
      items: [invoice],
      services: { [BINARY.name]: store },
    });
    const binary = result.outputs[0][0].binary?.data;
    assert.ok(binary?.id, 'stored by id');
    assert.equal(binary.data, undefined);
    assert.equal(binary.mimeType, 'application/pdf');
    const bytes = await store.get(binary);
    assert.equal(binary.fileSize, bytes.byteLength);
    assert.ok(textOf(bytes).includes('Facture F-2026-001'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a description given as JSON text through an expression, per item', async () => {
  const result = await runNode(pdfNode, {
    parameters: { document: '={{ JSON.stringify({ title: "Lead " + $json.commune, blocks: [] }) }}' },
    items: [{ commune: 'Lausanne' }, { commune: 'Genève' }],
  });
  assert.equal(result.outputs[0].length, 2);
  assert.ok(textOf(pdfOf(result, 0)).includes('Lead Lausanne'));
  assert.ok(textOf(pdfOf(result, 1)).includes('Lead Genève'));
  assert.deepEqual(result.outputs[0][1].pairedItem, { item: 1 });
});

test('page numbers on every page of a multi-page document', async () => {
  const rows = Array.from({ length: 120 }, (_, i) => ({ n: i + 1, label: `Ligne ${i + 1}` }));
  const result = await runNode(pdfNode, {
    parameters: {
      document: {
        title: 'Dossier lead',
        blocks: [
          { type: 'heading', text: 'Synthèse', level: 1 },
          {
            type: 'table',
            columns: [
              { header: 'N°', field: 'n' },
              { header: 'Libellé', field: 'label' },
            ],
            rows,
          },
          { type: 'pageBreak' },
          { type: 'heading', text: 'Sources', level: 1 },
        ],
      },
    },
    items: [{}],
  });
  const text = textOf(pdfOf(result));
  const pages = [...text.matchAll(/Page (\d+) \/ (\d+)/g)];
  const count = Number(pages[0][2]);
  assert.ok(count >= 3, `expected several pages, got ${count}`);
  assert.deepEqual(
    pages.map((m) => Number(m[1])),
    Array.from({ length: count }, (_, i) => i + 1),
  );
  assert.ok(text.includes('Ligne 120'));
  assert.ok(text.includes('Sources'));
});

test('the lead dossier of seeds/004: cover page, synthesis, sources (template mode)', async () => {
  const lead = {
    commune: 'Yverdon-les-Bains',
    parcelle: '1234',
    surface: 5230.5,
    zone: 'Zone à bâtir',
    score: 87,
    sources: ['Registre foncier', 'Géoportail VD'],
  };
  const template = `{
    "title": "Dossier lead — {{commune}}",
    "subtitle": "Parcelle {{parcelle}}",
    "author": "Relais",
    "blocks": [
      { "type": "pageBreak" },
      { "type": "heading", "text": "Synthèse", "level": 1 },
      { "type": "keyValue", "rows": [
        { "key": "Commune", "value": {{json commune}} },
        { "key": "Zone", "value": {{json zone}} },
        { "key": "Score qualité", "value": {{score}} } ] },
      { "type": "table", "columns": [
          { "header": "Indicateur", "field": "k" },
          { "header": "Valeur", "field": "v", "align": "right", "format": "number" } ],
        "rows": [ { "k": "Surface (m²)", "v": {{surface}} } ] },
      { "type": "heading", "text": "Sources", "level": 2 },
      { "type": "list", "items": {{json sources}} }
    ]
  }`;
  const result = await runNode(pdfNode, {
    parameters: { mode: 'template', template, fileName: 'dossier.pdf' },
    items: [lead],
  });
  const lines = extractPdfText(pdfOf(result));
  const text = lines.join('\n');
  for (const expected of [
    'Dossier lead — Yverdon-les-Bains',
    'Parcelle 1234',
    'Synthèse',
    'Zone à bâtir',
    'Surface (m²)',
    'Registre foncier',
    'Géoportail VD',
    'Page 1 / 2',
    'Page 2 / 2',
  ]) {
    assert.ok(text.includes(expected), `missing '${expected}' in:\n${text}`);
  }
  assert.match(text, /5\u00a0230[.,]5/);
  // The cover is alone on page 1: the synthesis comes after its page number.
  const at = (t: string): number => lines.findIndex((l) => l.includes(t));
  assert.ok(at('Dossier lead') < at('Page 1 / 2') && at('Page 1 / 2') < at('Synthèse'), lines.join(' | '));
});

test('pageNumbers false leaves them out', async () => {
  const result = await runNode(pdfNode, {
    parameters: { document: { title: 'Sans numéros', pageNumbers: false } },
    items: [{}],
  });
  assert.ok(!textOf(pdfOf(result)).includes('Page 1'));
});

test('images come from the item binary data', async () => {
  const image = png(4, 3);
  const result = await runNode(pdfNode, {
    parameters: {
      document: { title: 'Carte', blocks: [{ type: 'image', binaryProperty: 'map', width: 200 }] },
    },
    items: [
      {
        json: {},
        binary: { map: { data: image.toString('base64'), mimeType: 'image/png', fileName: 'map.png' } },
      },
    ],
  });
  const pdf = pdfOf(result).toString('latin1');
  assert.match(pdf, /\/Subtype \/Image/);
  assert.match(pdf, /\/Width 4/);
  assert.match(pdf, /\/Height 3/);
  // The source binary stays on the item beside the PDF.
  assert.ok(result.outputs[0][0].binary?.map);
});

test('a missing image binary is a clear error', async () => {
  await assert.rejects(
    runNode(pdfNode, {
      parameters: { document: { title: 'Carte', blocks: [{ type: 'image', binaryProperty: 'map' }] } },
      items: [{ json: {}, binary: {} }],
    }),
    /binary file 'map'/,
  );
});

test('template mode: a Handlebars template rendering the description with the item as data', async () => {
  const template = `{
    "title": {{json number}},
    "subtitle": "Client : {{client}}",
    "blocks": [
      { "type": "table",
        "columns": [ { "header": "Description", "field": "description" }, { "header": "Total", "field": "total", "format": "currency" } ],
        "rows": {{json lines}},
        "totals": [ { "label": "Total TTC", "value": {{total}} } ] },
      {{#each lines}}{ "type": "paragraph", "text": {{json description}} }{{#unless @last}},{{/unless}}{{/each}}
    ]
  }`;
  const result = await runNode(pdfNode, { parameters: { mode: 'template', template }, items: [invoice] });
  const text = textOf(pdfOf(result));
  for (const expected of [
    'F-2026-001',
    'Client : Société Dupont SA',
    'Total TTC',
    'Développement module X',
  ]) {
    assert.ok(text.includes(expected), `missing '${expected}'`);
  }
});

test('template mode: a template that does not render JSON is a clear error', async () => {
  await assert.rejects(
    runNode(pdfNode, {
      parameters: { mode: 'template', template: '{ "title": {{client}} }' },
      items: [invoice],
    }),
    (error: Error) =>
      error.name === 'NonRetryableError' && /'template' is not valid JSON/.test(error.message),
  );
  await assert.rejects(
    runNode(pdfNode, { parameters: { mode: 'template' }, items: [{}] }),
    /'template' is required/,
  );
});

test('a bad description is a NonRetryableError naming the field', async () => {
  const cases: [unknown, RegExp][] = [
    [{ blocks: [] }, /at 'title'/],
    [
      { title: 'x', blocks: [{ type: 'table', columns: [{ header: 'A' }], rows: [] }] },
      /at 'blocks\[0\]\.columns\[0\]\.field'/,
    ],
    [{ title: 'x', blocks: [{ type: 'chart' }] }, /at 'blocks\[0\]\.type'/],
    [{ title: 'x', blocks: [{ type: 'heading', text: 'h', level: 7 }] }, /at 'blocks\[0\]\.level'/],
    ['{ not json', /'document' is not valid JSON/],
  ];
  for (const [document, message] of cases) {
    await assert.rejects(
      runNode(pdfNode, { parameters: { document }, items: [{}] }),
      (error: Error) => error.name === 'NonRetryableError' && message.test(error.message),
      String(message),
    );
  }
  await assert.rejects(runNode(pdfNode, { parameters: {}, items: [{}] }), /'document' is required/);
});

test('continue on fail turns a bad description into an error item; no input, no output', async () => {
  const failed = await runNode(pdfNode, {
    parameters: { document: { blocks: [] } },
    items: [{}],
    onError: 'continue',
  });
  assert.match(String(failed.json[0][0].error), /'title'/);
  const empty = await runNode(pdfNode, { parameters: { document: invoiceDocument }, items: [] });
  assert.deepEqual(empty.json, [[]]);
});
