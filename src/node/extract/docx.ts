/**
 * DOCX via mammoth.convertToHtml (keeps headings and table structure, unlike
 * extractRawText), then the shared DOM walker: paragraphs in order, headings on
 * their own lines, each table row on one line with tab-separated cells.
 */
import { ExtractError, describeError } from './errors';
import { cleanInlineText, elementToText, parseHtmlDocument, removeAll } from './dom';
import type { ExtractedDocument } from './types';
import { listZipEntries, readZipMember } from './zip';

const STYLE_MAP = [
  "p[style-name='Title'] => h1:fresh",
  "p[style-name='title'] => h1:fresh",
  "p[style-name='Subtitle'] => h2:fresh",
  "p[style-name='标题'] => h1:fresh",
  "p[style-name='副标题'] => h2:fresh",
];

/** Decompressed size above which we refuse to let mammoth inflate the main part (zip-bomb guard). */
const MAX_DOCUMENT_XML_BYTES = 64 * 2 ** 20; // 64 MiB unpacked: a policy document is a few MiB at most

function decodeXmlEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (m, e: string) => {
    const l = e.toLowerCase();
    if (l === 'amp') return '&';
    if (l === 'lt') return '<';
    if (l === 'gt') return '>';
    if (l === 'quot') return '"';
    if (l === 'apos') return "'";
    const cp = l.startsWith('#x') ? parseInt(l.slice(2), 16) : parseInt(l.slice(1), 10);
    return Number.isFinite(cp) && cp > 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : m;
  });
}

/** dc:title from docProps/core.xml, if any. */
export function docxCoreTitle(bytes: Uint8Array): string | null {
  const core = readZipMember(bytes, 'docProps/core.xml', 1024 * 1024);
  if (!core) return null;
  const xml = new TextDecoder('utf-8').decode(core);
  const m = /<dc:title(?:\s[^>]*)?>([\s\S]*?)<\/dc:title>/i.exec(xml);
  return cleanInlineText(m?.[1] ? decodeXmlEntities(m[1]) : null);
}

function corrupt(detail: string): ExtractError {
  return new ExtractError('corrupt_file', `The Word document could not be read (corrupt or not a .docx): ${detail}`);
}

export async function extractDocx(bytes: Uint8Array): Promise<ExtractedDocument> {
  // Zip-bomb guard (declared sizes; mammoth/jszip itself reports truncated or damaged archives).
  const entries = listZipEntries(bytes);
  // All members count: a bomb can hide in any part mammoth reads (styles, numbering, headers).
  const declared = (entries ?? []).reduce((sum, e) => sum + e.uncompressedSize, 0);
  if (declared > MAX_DOCUMENT_XML_BYTES) {
    throw new ExtractError('too_large', `The Word document expands to more than ${Math.round(MAX_DOCUMENT_XML_BYTES / 2 ** 20)} MiB; refusing to unpack it.`, 413);
  }

  const mammoth = (await import('mammoth')).default;
  let html: string;
  try {
    const result = await mammoth.convertToHtml(
      { buffer: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) },
      {
        styleMap: STYLE_MAP,
        // Images are irrelevant for text: skip mammoth's base64 encoding of every picture.
        convertImage: mammoth.images.imgElement(() => Promise.resolve({ src: '' })),
        externalFileAccess: false,
      },
    );
    html = result.value;
  } catch (err) {
    if (entries && !entries.some((e) => e.name === 'word/document.xml') && /main document part/i.test(describeError(err))) {
      throw corrupt('it has no main document part (word/document.xml).');
    }
    throw corrupt(describeError(err));
  }

  const doc = parseHtmlDocument(`<html><head></head><body>${html}</body></html>`);
  // Footnote/endnote back-links ("↑").
  removeAll(doc, 'a[href^="#footnote-ref-"], a[href^="#endnote-ref-"], a[href^="#comment-ref-"]');
  const firstHeading = doc.querySelector('h1, h2, h3, h4, h5, h6');
  const title = cleanInlineText(firstHeading?.textContent) ?? docxCoreTitle(bytes);
  const text = doc.body ? elementToText(doc.body) : '';
  return { text, title, format: 'docx' };
}
