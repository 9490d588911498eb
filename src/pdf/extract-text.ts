/**
 * Reads the text back from a pdfkit PDF (tests and diagnostics; no PDF library needed): inflates
 * each Flate content stream and decodes the hex strings of `TJ`/`Tj` operators, which pdfkit writes
 * for its standard fonts as WinAnsi bytes. Returns one string per text operator, in page order.
 */
import { inflateSync } from 'node:zlib';

export function extractPdfText(pdf: Buffer): string[] {
  const source = pdf.toString('latin1');
  const out: string[] = [];
  const streamRe = /<<([\s\S]*?)>>\s*stream\r?\n/g;
  for (let match = streamRe.exec(source); match; match = streamRe.exec(source)) {
    const start = match.index + match[0].length;
    const end = source.indexOf('endstream', start);
    if (end < 0) break;
    let body = pdf.subarray(start, end);
    if (/\/FlateDecode/.test(match[1])) {
      try {
        body = inflateSync(body);
      } catch {
        continue; // images and fonts may not inflate cleanly; they hold no text anyway
      }
    } else if (/\/Subtype\s*\/Image/.test(match[1])) {
      continue;
    }
    out.push(...textOperators(body.toString('latin1')));
    streamRe.lastIndex = end;
  }
  return out;
}

function textOperators(content: string): string[] {
  const found: string[] = [];
  const opRe = /\[((?:<[0-9a-fA-F]*>|[-\d.\s])*)\]\s*TJ|<([0-9a-fA-F]*)>\s*Tj/g;
  for (let m = opRe.exec(content); m; m = opRe.exec(content)) {
    const hexes = m[1] !== undefined ? [...m[1].matchAll(/<([0-9a-fA-F]*)>/g)].map((h) => h[1]) : [m[2]];
    found.push(hexes.map((h) => decodeWinAnsi(Buffer.from(h, 'hex'))).join(''));
  }
  return found;
}

/** WinAnsi is Latin-1 except in 0x80–0x9F. */
const CP1252: Record<number, string> = {
  128: '€',
  130: '‚',
  132: '„',
  133: '…',
  145: '‘',
  146: '’',
  147: '“',
  148: '”',
  149: '•',
  150: '–',
  151: '—',
  153: '™',
};

function decodeWinAnsi(bytes: Buffer): string {
  let s = '';
  for (const b of bytes) s += CP1252[b] ?? String.fromCharCode(b);
  return s;
}
