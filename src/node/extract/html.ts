/**
 * HTML: main text only. Boilerplate (scripts, styles, navigation, page
 * header/footer, hidden elements, comments) is dropped; @mozilla/readability
 * picks the article when it finds one with enough text, otherwise the cleaned
 * <body> is used.
 */
import { Readability } from '@mozilla/readability';

import { decodeText } from './encoding';
import { cleanInlineText, elementToText, parseHtmlDocument, removeAll, type DomDocument } from './dom';
import { normalizeNewlines } from './text';
import type { ExtractedDocument } from './types';

/** Charset declared in the first bytes: <meta charset>, <meta http-equiv content="…; charset=…">, or an XML prolog. */
export function sniffDeclaredCharset(bytes: Uint8Array): string | null {
  const head = new TextDecoder('latin1').decode(bytes.subarray(0, 4096));
  const meta = /<meta\b[^>]*?\bcharset\s*=\s*["']?\s*([a-z0-9_:.\-]+)/i.exec(head);
  if (meta?.[1]) return meta[1];
  const xml = /^\s*<\?xml\b[^>]*\bencoding\s*=\s*["']([a-z0-9_:.\-]+)["']/i.exec(head);
  return xml?.[1] ?? null;
}

const NON_CONTENT = [
  'script', 'style', 'noscript', 'template', 'iframe', 'object', 'embed', 'svg', 'canvas',
  'nav', '[role="navigation"]', '[hidden]', '[aria-hidden="true"]',
].join(', ');

/** Strip boilerplate in place. */
function removeBoilerplate(doc: DomDocument): void {
  removeAll(doc, NON_CONTENT);
  // Page-level header/footer/banners are boilerplate; an <article>'s own header/footer is content.
  for (const el of Array.from(doc.querySelectorAll('header, footer, [role="banner"], [role="contentinfo"]'))) {
    if (!el.closest('article, main')) el.remove();
  }
}

function nonSpaceLength(s: string): number {
  return s.replace(/\s+/g, '').length;
}

/** Readability's article text, or null when it finds nothing convincing. */
function readabilityText(cleanedHtml: string): string | null {
  try {
    const doc = parseHtmlDocument(cleanedHtml);
    const reader = new Readability(doc as unknown as ConstructorParameters<typeof Readability>[0], { charThreshold: 300 });
    const article = reader.parse();
    if (!article?.content) return null;
    const contentDoc = parseHtmlDocument(`<html><head></head><body>${article.content}</body></html>`);
    return contentDoc.body ? elementToText(contentDoc.body) : null;
  } catch {
    return null;
  }
}

export function htmlTitle(doc: DomDocument): string | null {
  return cleanInlineText(doc.title) ?? cleanInlineText(doc.querySelector('h1')?.textContent);
}

/** Text of an HTML string already decoded (also used for tests / other callers). */
export function htmlToDocumentText(html: string): { text: string; title: string | null } {
  const doc = parseHtmlDocument(normalizeNewlines(html));
  const title = htmlTitle(doc);
  removeBoilerplate(doc);
  const root = doc.body ?? doc.documentElement;
  const bodyText = root ? elementToText(root) : '';
  const bodyLen = nonSpaceLength(bodyText);
  let text = bodyText;
  if (bodyLen >= 200) {
    const article = readabilityText(doc.toString());
    // Use the article only when it is substantial, both absolutely and relative to the page.
    if (article !== null) {
      const len = nonSpaceLength(article);
      if (len >= 140 && len >= bodyLen * 0.25) {
        // Readability drops a headline that duplicates <title>; the document's heading belongs in its text.
        const heading = cleanInlineText(doc.querySelector('h1')?.textContent);
        text = heading && !article.includes(heading) && bodyText.includes(heading) ? `${heading}\n\n${article}` : article;
      }
    }
  }
  return { text, title };
}

export function extractHtml(bytes: Uint8Array): ExtractedDocument {
  const { text: html, encoding } = decodeText(bytes, { declared: sniffDeclaredCharset(bytes) });
  const { text, title } = htmlToDocumentText(html);
  return { text, title, format: 'html', encoding };
}
