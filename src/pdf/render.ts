/**
 * Renders a document description with pdfkit, using the built-in Helvetica (no font files to
 * ship). Helvetica's WinAnsi encoding covers French and German accents, « », €, ’ and –; it has no
 * glyphs for other scripts (Greek, Cyrillic, CJK), emoji or most symbols, which print as wrong
 * characters. Output is deterministic for a given `creationDate` (tests compare bytes).
 */
import { lazyImport } from '../lazy-import.js';
import { type Block, type DocumentDescription, formatValue, type TableColumn, winAnsiSafe } from './model.js';

export interface RenderOptions {
  creationDate: Date;
  /** Image bytes by binary property name (the node reads them from the item). */
  images?: Record<string, Buffer>;
  /** Tests turn compression off to read the content streams directly. */
  compress?: boolean;
}

const FONT = 'Helvetica';
const BOLD = 'Helvetica-Bold';
const HEADING_SIZES = [0, 16, 13, 11.5];

const pdfkit = lazyImport(() => import('pdfkit').then((m) => m.default));

export async function renderPdf(doc: DocumentDescription, opts: RenderOptions): Promise<Buffer> {
  const PDFDocument = await pdfkit();
  const pdf = new PDFDocument({
    size: 'A4',
    margin: 50,
    bufferPages: true,
    compress: opts.compress ?? true,
    // pdfkit writes every key it is given: an undefined Author would break it.
    info: {
      Title: winAnsiSafe(doc.title),
      ...(doc.author === undefined ? {} : { Author: winAnsiSafe(doc.author) }),
      Producer: 'Relais',
      Creator: 'Relais',
      CreationDate: opts.creationDate,
      ModDate: opts.creationDate,
    },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    pdf.on('data', (chunk: Buffer) => chunks.push(chunk));
    pdf.on('end', () => resolve(Buffer.concat(chunks)));
    pdf.on('error', reject);
  });
  pdf.font(BOLD).fontSize(20).text(winAnsiSafe(doc.title));
  if (doc.subtitle) pdf.font(FONT).fontSize(13).fillColor('#444').text(winAnsiSafe(doc.subtitle));
  if (doc.author) pdf.font(FONT).fontSize(10).fillColor('#666').text(winAnsiSafe(doc.author));
  pdf.fillColor('black').moveDown();
  for (const block of doc.blocks) renderBlock(pdf, block, doc, opts.images ?? {});
  if (doc.pageNumbers) numberPages(pdf);
  pdf.end();
  return done;
}

function renderBlock(
  pdf: PDFKit.PDFDocument,
  block: Block,
  doc: DocumentDescription,
  images: Record<string, Buffer>,
): void {
  switch (block.type) {
    case 'heading':
      pdf.moveDown(0.5).font(BOLD).fontSize(HEADING_SIZES[block.level]).text(winAnsiSafe(block.text));
      pdf.moveDown(0.3);
      return;
    case 'paragraph':
      pdf.font(FONT).fontSize(10).text(winAnsiSafe(block.text), { align: 'left' }).moveDown(0.5);
      return;
    case 'list':
      pdf.font(FONT).fontSize(10).list(block.items.map(winAnsiSafe), { bulletRadius: 1.5 }).moveDown(0.5);
      return;
    case 'keyValue': {
      const left = pdf.page.margins.left;
      const width = contentWidth(pdf);
      for (const row of block.rows) {
        const value = formatValue(row.value, undefined, doc.locale, doc.currency);
        const height = Math.max(
          pdf
            .font(BOLD)
            .fontSize(10)
            .heightOfString(winAnsiSafe(row.key), { width: width * 0.35 }),
          pdf.font(FONT).heightOfString(value, { width: width * 0.63 }),
        );
        ensureRoom(pdf, height + 4);
        const y = pdf.y;
        pdf.font(BOLD).text(winAnsiSafe(row.key), left, y, { width: width * 0.35 });
        pdf.font(FONT).text(value, left + width * 0.37, y, { width: width * 0.63 });
        pdf.x = left;
        pdf.y = y + height + 4;
      }
      pdf.moveDown(0.5);
      return;
    }
    case 'table':
      renderTable(pdf, block, doc);
      return;
    case 'image': {
      const bytes = images[block.binaryProperty];
      const width = Math.min(block.width ?? contentWidth(pdf), contentWidth(pdf));
      // The height is unknown before opening the image: leave room for a square at worst.
      ensureRoom(pdf, Math.min(width, 300));
      pdf.image(bytes, pdf.page.margins.left, pdf.y, { width });
      pdf.moveDown(0.5);
      return;
    }
    case 'pageBreak':
      pdf.addPage();
      return;
  }
}

function renderTable(
  pdf: PDFKit.PDFDocument,
  block: Extract<Block, { type: 'table' }>,
  doc: DocumentDescription,
): void {
  const left = pdf.page.margins.left;
  const widths = columnWidths(block.columns, contentWidth(pdf));
  const pad = 3;
  const row = (cells: string[], font: string, fill?: string): void => {
    pdf.font(font).fontSize(9);
    const height =
      Math.max(...cells.map((c, i) => pdf.heightOfString(c, { width: widths[i] - 2 * pad }))) + 2 * pad;
    ensureRoom(pdf, height);
    const y = pdf.y;
    if (fill) pdf.rect(left, y, sum(widths), height).fill(fill).fillColor('black');
    let x = left;
    cells.forEach((cell, i) => {
      pdf.font(font).text(cell, x + pad, y + pad, {
        width: widths[i] - 2 * pad,
        align: block.columns[i].align ?? 'left',
      });
      x += widths[i];
    });
    pdf
      .moveTo(left, y + height)
      .lineTo(left + sum(widths), y + height)
      .lineWidth(0.5)
      .strokeColor('#bbb')
      .stroke();
    pdf.x = left;
    pdf.y = y + height;
  };
  row(
    block.columns.map((c) => winAnsiSafe(c.header)),
    BOLD,
    '#eeeeee',
  );
  for (const data of block.rows) {
    row(
      block.columns.map((c) => formatValue(data[c.field], c.format, doc.locale, doc.currency)),
      FONT,
    );
  }
  const lastFormat = block.columns[block.columns.length - 1].format;
  for (const total of block.totals ?? []) {
    // Totals sit under the last column, their label in the columns before it.
    const cells = block.columns.map(() => '');
    const value = formatValue(total.value, total.format ?? lastFormat, doc.locale, doc.currency);
    cells[cells.length - 1] = value;
    if (cells.length > 1) cells[cells.length - 2] = winAnsiSafe(total.label);
    else cells[0] = `${winAnsiSafe(total.label)} ${value}`;
    row(cells, BOLD);
  }
  pdf.moveDown(0.8);
}

function columnWidths(columns: readonly TableColumn[], total: number): number[] {
  const fixed = sum(columns.map((c) => c.width ?? 0));
  const free = columns.filter((c) => c.width === undefined).length;
  const share = free > 0 ? Math.max((total - fixed) / free, 30) : 0;
  const widths = columns.map((c) => c.width ?? share);
  // Too wide: scale everything down to the page.
  const scale = Math.min(1, total / sum(widths));
  return widths.map((w) => w * scale);
}

function numberPages(pdf: PDFKit.PDFDocument): void {
  const range = pdf.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    pdf.switchToPage(i);
    const bottom = pdf.page.margins.bottom;
    // Writing inside the bottom margin would otherwise make pdfkit open a new page.
    pdf.page.margins.bottom = 0;
    pdf
      .font(FONT)
      .fontSize(8)
      .fillColor('#666')
      .text(`Page ${i + 1} / ${range.count}`, pdf.page.margins.left, pdf.page.height - 35, {
        width: contentWidth(pdf),
        align: 'center',
        lineBreak: false,
      });
    pdf.page.margins.bottom = bottom;
  }
}

function ensureRoom(pdf: PDFKit.PDFDocument, height: number): void {
  if (pdf.y + height > pdf.page.height - pdf.page.margins.bottom) pdf.addPage();
}

function contentWidth(pdf: PDFKit.PDFDocument): number {
  return pdf.page.width - pdf.page.margins.left - pdf.page.margins.right;
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
