/**
 * PDF via unpdf (a serverless build of Mozilla pdf.js): text in content-stream
 * (reading) order, one line per text line, pages joined by a blank line.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { ExtractError, describeError } from './errors';
import { cleanInlineText } from './dom';
import type { ExtractedDocument } from './types';

type UnpdfModule = typeof import('unpdf');
type PdfProxy = Awaited<ReturnType<UnpdfModule['getDocumentProxy']>>;
type PdfPage = Awaited<ReturnType<PdfProxy['getPage']>>;

export interface PdfOptions {
  maxPages: number;
  maxChars: number;
}

/** pdf.js verbosity: 0 = errors only (no "Warning: …" console noise). */
const PDFJS_ERRORS_ONLY = 0;

type PdfDataKind = 'cMapUrl' | 'standardFontDataUrl' | 'wasmUrl';

/**
 * Reads pdf.js data files (CMaps, standard fonts) from disk. unpdf points pdf.js at pdfjs-dist's
 * `cmaps/` as a file: URL, but its serverless build fetch()es them, which Node cannot do for
 * file: URLs — so Chinese PDFs with non-embedded fonts (STSong-Light + UniGB-UCS2-H) came out
 * empty. pdf.js 5 lets the caller supply this factory (with `useWorkerFetch: false`).
 */
class FsBinaryDataFactory {
  private readonly dirs: Partial<Record<PdfDataKind, string | null>>;

  constructor(opts: Partial<Record<PdfDataKind, string | null>>) {
    this.dirs = opts;
  }

  async fetch({ kind, filename }: { kind: PdfDataKind; filename: string }): Promise<Uint8Array> {
    const dir = this.dirs[kind];
    if (!dir || /[\\/]/.test(filename)) throw new Error(`pdf.js data ${kind}/${filename} is not available`);
    return new Uint8Array(await readFile(join(dir, filename)));
  }
}

let pdfjsData: Record<string, unknown> | undefined;

/** pdf.js options for its data files, when pdfjs-dist (which ships them) is installed. */
function pdfjsDataOptions(): Record<string, unknown> {
  if (pdfjsData) return pdfjsData;
  try {
    const root = dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json'));
    pdfjsData = {
      // pdf.js insists on a trailing slash; the factory above joins the file name itself.
      cMapUrl: `${join(root, 'cmaps')}/`,
      cMapPacked: true,
      standardFontDataUrl: `${join(root, 'standard_fonts')}/`,
      useWorkerFetch: false,
      BinaryDataFactory: FsBinaryDataFactory,
    };
  } catch {
    pdfjsData = {};
  }
  return pdfjsData;
}

/** Common junk in PDF Title metadata written by converters. */
function cleanPdfTitle(raw: unknown): string | null {
  if (typeof raw !== 'string') return null;
  const t = cleanInlineText(raw.replace(/^Microsoft (?:Word|PowerPoint|Excel) - /, '').replace(/\.(?:docx?|wps|pdf|xlsx?|pptx?)$/i, ''));
  if (!t || /^(?:untitled|无标题|未命名)$/i.test(t)) return null;
  return t;
}

async function pdfTitle(pdf: PdfProxy): Promise<string | null> {
  try {
    const { info, metadata } = await pdf.getMetadata();
    const fromInfo = cleanPdfTitle((info as Record<string, unknown> | null)?.['Title']);
    if (fromInfo) return fromInfo;
    return cleanPdfTitle(metadata?.get('dc:title'));
  } catch {
    return null;
  }
}

/** Text of one page: items in content order, a newline at each end of line. */
async function pageText(page: PdfPage): Promise<string> {
  const content = await page.getTextContent();
  let out = '';
  let lastY: number | null = null;
  for (const item of content.items) {
    if (!('str' in item)) continue;
    const y = item.transform[5];
    const size = Math.abs(item.height) || Math.abs(item.transform[3] ?? 0) || 10;
    // A new baseline without pdf.js having flagged an end-of-line: still a new line.
    if (item.str.trim() && lastY !== null && y !== undefined && out && !out.endsWith('\n') && Math.abs(y - lastY) > size * 0.6) {
      out += '\n';
    }
    out += item.str;
    if (item.hasEOL) out += '\n';
    if (item.str.trim() && y !== undefined) lastY = y;
  }
  return out
    .replace(/\u0000/g, '')
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((l) => l.replace(/\s+$/, ''))
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .replace(/^\n+|\n+$/g, '');
}

/** Does any of the first pages draw text (even if it could not be decoded to Unicode)? */
async function drawsText(unpdf: UnpdfModule, pdf: PdfProxy): Promise<boolean> {
  try {
    const { OPS } = await unpdf.getResolvedPDFJS();
    const textOps = new Set<number>([OPS.showText, OPS.showSpacedText, OPS.nextLineShowText, OPS.nextLineSetSpacingShowText]);
    for (let n = 1; n <= Math.min(pdf.numPages, 3); n++) {
      const page = await pdf.getPage(n);
      const ops = await page.getOperatorList();
      if (ops.fnArray.some((fn) => textOps.has(fn))) return true;
    }
  } catch {
    // best effort only
  }
  return false;
}

export async function extractPdf(bytes: Uint8Array, opts: PdfOptions): Promise<ExtractedDocument> {
  const unpdf = await import('unpdf');
  let pdf: PdfProxy;
  try {
    // pdf.js may take ownership of (detach) the buffer it is given: hand it a copy.
    pdf = await unpdf.getDocumentProxy(bytes.slice(), {
      verbosity: PDFJS_ERRORS_ONLY,
      disableFontFace: true,
      isEvalSupported: false,
      stopAtErrors: false,
      ...pdfjsDataOptions(),
    });
  } catch (err) {
    const name = err instanceof Error ? err.name : '';
    if (name === 'PasswordException') {
      throw new ExtractError('corrupt_file', 'The PDF is password-protected; upload an unencrypted copy.');
    }
    throw new ExtractError('corrupt_file', `The PDF could not be read (corrupt or truncated): ${describeError(err)}`);
  }

  try {
    const pages = pdf.numPages;
    if (pages > opts.maxPages) {
      throw new ExtractError('too_many_pages', `The PDF has ${pages} pages; the limit is ${opts.maxPages}.`, 413);
    }
    const texts: string[] = [];
    let total = 0;
    for (let n = 1; n <= pages; n++) {
      let text: string;
      try {
        text = await pageText(await pdf.getPage(n));
      } catch (err) {
        throw new ExtractError('corrupt_file', `The PDF could not be read: page ${n} is damaged (${describeError(err)}).`);
      }
      if (!text.trim()) continue;
      texts.push(text);
      total += text.length + 2;
      if (total > opts.maxChars) {
        throw new ExtractError('too_large', `The PDF contains more than ${opts.maxChars.toLocaleString('en-US')} characters of text.`, 413);
      }
    }
    const text = texts.join('\n\n');
    if (!text.trim()) {
      if (await drawsText(unpdf, pdf)) {
        throw new ExtractError(
          'no_text_layer',
          'The PDF draws text but it could not be converted to Unicode (fonts without a usable character map, e.g. non-embedded CJK fonts) — OCR it first.',
        );
      }
      throw new ExtractError('no_text_layer', 'PDF has no text layer (scanned?) — OCR it first.');
    }
    return { text, title: await pdfTitle(pdf), format: 'pdf', pages };
  } finally {
    await pdf.destroy().catch(() => undefined);
  }
}
