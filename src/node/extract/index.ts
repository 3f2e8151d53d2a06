/**
 * Uploaded file → plain text.
 *
 *   const doc = await extractDocument(bytes, 'notice.pdf');
 *   doc.text   // the document's original text from now on: citations are exact slices of it
 *
 * Bad input only ever raises ExtractError (code + HTTP status), never a library error.
 */
import { detectFormat } from './detect';
import { extractDocx } from './docx';
import { ExtractError, describeError } from './errors';
import { extractHtml } from './html';
import { extractPdf } from './pdf';
import { extractPlainText } from './text';
import { DEFAULT_EXTRACT_LIMITS, type ExtractLimits, type ExtractedDocument, type SourceFormat } from './types';

export { ExtractError, EXTRACT_ERROR_STATUS, isExtractError } from './errors';
export type { ExtractErrorCode, ExtractErrorStatus } from './errors';
export { DEFAULT_EXTRACT_LIMITS } from './types';
export type { ExtractLimits, ExtractedDocument, SourceFormat } from './types';
export { detectFormat, extensionOf } from './detect';

function resolveLimits(limits: Partial<ExtractLimits> | undefined): ExtractLimits {
  const pick = (key: keyof ExtractLimits): number => {
    const v = limits?.[key];
    return typeof v === 'number' && Number.isFinite(v) && v > 0 ? Math.floor(v) : DEFAULT_EXTRACT_LIMITS[key];
  };
  return { maxBytes: pick('maxBytes'), maxPages: pick('maxPages'), maxChars: pick('maxChars') };
}

function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1).replace(/\.0$/, '')} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1).replace(/\.0$/, '')} KiB`;
  return `${n} bytes`;
}

async function extractByFormat(bytes: Uint8Array, format: SourceFormat, limits: ExtractLimits): Promise<ExtractedDocument> {
  switch (format) {
    case 'txt':
    case 'md':
      return extractPlainText(bytes, format);
    case 'html':
      return extractHtml(bytes);
    case 'docx':
      return extractDocx(bytes);
    case 'pdf':
      return extractPdf(bytes, { maxPages: limits.maxPages, maxChars: limits.maxChars });
  }
}

/**
 * Detect the format of an upload from its content (the filename's extension is
 * only a hint; the filename is never used as a path) and extract its text.
 */
export async function extractDocument(
  bytes: Uint8Array,
  filename: string,
  limits?: Partial<ExtractLimits>,
): Promise<ExtractedDocument> {
  const lim = resolveLimits(limits);
  if (!(bytes instanceof Uint8Array)) {
    throw new ExtractError('unsupported_format', 'Expected the file content as bytes.', 400);
  }
  if (bytes.byteLength > lim.maxBytes) {
    throw new ExtractError('too_large', `The file is ${formatBytes(bytes.byteLength)}; the limit is ${formatBytes(lim.maxBytes)}.`, 413);
  }
  if (bytes.byteLength === 0) throw new ExtractError('empty_document', 'The file is empty.');

  let format: SourceFormat | null = null;
  try {
    format = detectFormat(bytes, typeof filename === 'string' ? filename : '');
    const doc = await extractByFormat(bytes, format, lim);
    if (doc.text.trim() === '') {
      throw new ExtractError('empty_document', `The ${format.toUpperCase()} document contains no text.`);
    }
    if (doc.text.length > lim.maxChars) {
      throw new ExtractError(
        'too_large',
        `The extracted text has ${doc.text.length.toLocaleString('en-US')} characters; the limit is ${lim.maxChars.toLocaleString('en-US')}.`,
        413,
      );
    }
    return doc;
  } catch (err) {
    if (err instanceof ExtractError) throw err;
    // Anything else is a library choking on malformed input.
    const what = format ? format.toUpperCase() : 'file';
    throw new ExtractError('corrupt_file', `The ${what} could not be read: ${describeError(err)}`);
  }
}
