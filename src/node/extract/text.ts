/** Plain text and Markdown: decode, normalise line endings, keep everything else verbatim. */
import { ExtractError } from './errors';
import { decodeText } from './encoding';
import type { ExtractedDocument } from './types';

export function normalizeNewlines(text: string): string {
  return text.replace(/\r\n?/g, '\n');
}

/** First ATX level-1 heading ("# Title"), ignoring fenced code blocks. */
export function markdownTitle(text: string): string | null {
  let fence: string | null = null;
  for (const line of text.split('\n', 5000)) {
    const f = /^ {0,3}(`{3,}|~{3,})/.exec(line);
    if (f?.[1]) {
      if (fence === null) fence = f[1][0] ?? null;
      else if (f[1][0] === fence) fence = null;
      continue;
    }
    if (fence !== null) continue;
    const h = /^ {0,3}#[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/.exec(line);
    if (h) {
      const title = (h[1] ?? '').trim();
      if (title) return title;
    }
  }
  return null;
}

export function extractPlainText(bytes: Uint8Array, format: 'txt' | 'md'): ExtractedDocument {
  const { text: raw, encoding } = decodeText(bytes);
  if (raw.includes('\u0000')) {
    throw new ExtractError('bad_encoding', 'The decoded text contains NUL characters; this does not look like a text file.');
  }
  const text = normalizeNewlines(raw);
  return { text, title: format === 'md' ? markdownTitle(text) : null, format, encoding };
}
