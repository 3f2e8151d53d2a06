/**
 * Format detection from CONTENT (magic bytes, zip members, HTML sniffing); the
 * filename's extension is only a hint / tie-break. The filename is never used
 * as a path.
 */
import { ExtractError } from './errors';
import type { SourceFormat } from './types';
import { detectBom } from './encoding';
import { isZip, zipMemberNames } from './zip';

/** Lower-cased extension of the last path segment, without the dot ('' when none). */
export function extensionOf(filename: string): string {
  const base = filename.split(/[\\/]/).pop() ?? '';
  const dot = base.lastIndexOf('.');
  if (dot <= 0 || dot === base.length - 1) return '';
  return base.slice(dot + 1).trim().toLowerCase();
}

function hasPrefix(bytes: Uint8Array, sig: readonly number[], at = 0): boolean {
  if (bytes.length < at + sig.length) return false;
  for (let i = 0; i < sig.length; i++) if (bytes[at + i] !== sig[i]) return false;
  return true;
}

function ascii(s: string): number[] {
  return Array.from(s, (c) => c.charCodeAt(0));
}

function indexOfBytes(bytes: Uint8Array, sig: readonly number[], limit: number): number {
  const end = Math.min(bytes.length - sig.length, limit);
  outer: for (let i = 0; i <= end; i++) {
    for (let j = 0; j < sig.length; j++) if (bytes[i + j] !== sig[j]) continue outer;
    return i;
  }
  return -1;
}

const PDF_MAGIC = ascii('%PDF-');

export function isPdf(bytes: Uint8Array): boolean {
  // The spec allows junk before the header; readers look within the first KiB.
  return indexOfBytes(bytes, PDF_MAGIC, 1024) >= 0;
}

/** Well-known non-text signatures, for a helpful "unsupported" message. */
const SIGNATURES: ReadonlyArray<{ name: string; test: (b: Uint8Array) => boolean }> = [
  { name: 'a PNG image', test: (b) => hasPrefix(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) },
  { name: 'a JPEG image', test: (b) => hasPrefix(b, [0xff, 0xd8, 0xff]) },
  { name: 'a GIF image', test: (b) => hasPrefix(b, ascii('GIF87a')) || hasPrefix(b, ascii('GIF89a')) },
  { name: 'a WebP image', test: (b) => hasPrefix(b, ascii('RIFF')) && hasPrefix(b, ascii('WEBP'), 8) },
  { name: 'a TIFF image', test: (b) => hasPrefix(b, [0x49, 0x49, 0x2a, 0x00]) || hasPrefix(b, [0x4d, 0x4d, 0x00, 0x2a]) },
  { name: 'a Photoshop image', test: (b) => hasPrefix(b, ascii('8BPS')) },
  { name: 'an audio/video file', test: (b) => hasPrefix(b, ascii('ftyp'), 4) || hasPrefix(b, ascii('ID3')) || hasPrefix(b, ascii('OggS')) || hasPrefix(b, ascii('fLaC')) || (hasPrefix(b, ascii('RIFF')) && (hasPrefix(b, ascii('WAVE'), 8) || hasPrefix(b, ascii('AVI '), 8))) },
  {
    name: 'an OLE2 compound file (legacy Word .doc / WPS, or a password-protected Office document); save it as .docx or PDF first',
    test: (b) => hasPrefix(b, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]),
  },
  { name: 'an RTF document; save it as .docx or PDF first', test: (b) => hasPrefix(b, ascii('{\\rtf')) },
  { name: 'a PostScript file', test: (b) => hasPrefix(b, ascii('%!PS')) },
  { name: 'a gzip archive', test: (b) => hasPrefix(b, [0x1f, 0x8b]) },
  { name: 'a bzip2 archive', test: (b) => hasPrefix(b, ascii('BZh')) && hasPrefix(b, [0x31, 0x41, 0x59, 0x26, 0x53, 0x59], 4) },
  { name: 'an xz archive', test: (b) => hasPrefix(b, [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]) },
  { name: 'a 7-Zip archive', test: (b) => hasPrefix(b, [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c]) },
  { name: 'a RAR archive', test: (b) => hasPrefix(b, ascii('Rar!\x1a\x07')) },
  { name: 'an executable', test: (b) => hasPrefix(b, [0x7f, 0x45, 0x4c, 0x46]) || hasPrefix(b, [0xca, 0xfe, 0xba, 0xbe]) || hasPrefix(b, [0xcf, 0xfa, 0xed, 0xfe]) || hasPrefix(b, [0x00, 0x61, 0x73, 0x6d]) },
  { name: 'an SQLite database', test: (b) => hasPrefix(b, ascii('SQLite format 3\0')) },
];

function knownBinary(bytes: Uint8Array): string | null {
  for (const s of SIGNATURES) if (s.test(bytes)) return s.name;
  return null;
}

/** NUL bytes, or more than a trace of other C0 control bytes, mean "not text" (unless UTF-16 with BOM). */
export function looksBinary(bytes: Uint8Array): boolean {
  const bom = detectBom(bytes);
  if (bom === 'utf-16le' || bom === 'utf-16be' || bom === 'utf-32') return false;
  if (bytes.indexOf(0) !== -1) return true;
  let controls = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] ?? 0;
    // Allowed: \t \n \v \f \r, ESC, and a DOS end-of-file SUB at the very end.
    if ((b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0b && b !== 0x0c && b !== 0x0d && b !== 0x1b && !(b === 0x1a && i === bytes.length - 1)) || b === 0x7f) {
      controls++;
    }
  }
  return controls > 8 + bytes.length * 0.001;
}

/** The first ~1 KiB as a string good enough for tag sniffing (UTF-16 aware, otherwise Latin-1). */
function sniffPrefix(bytes: Uint8Array): string {
  const bom = detectBom(bytes);
  if (bom === 'utf-16le' || bom === 'utf-16be') return new TextDecoder(bom).decode(bytes.subarray(2, 2050));
  const start = bom === 'utf-8-bom' ? 3 : bom === 'gb18030' ? 4 : 0;
  return new TextDecoder('latin1').decode(bytes.subarray(start, start + 1024));
}

/** Document *starts* with markup: optional XML prolog / comments / doctype, then <html>, <head> or <body>. */
const HTML_STRONG = /^\s*(?:<\?xml[^>]*>\s*)?(?:<!--[\s\S]*?-->\s*)*(?:<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>])/i;
/** Markup somewhere near the start. */
const HTML_WEAK = /<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>]/i;

export function sniffHtml(bytes: Uint8Array): 'strong' | 'weak' | null {
  const prefix = sniffPrefix(bytes);
  if (HTML_STRONG.test(prefix)) return 'strong';
  if (HTML_WEAK.test(prefix)) return 'weak';
  return null;
}

function classifyZip(bytes: Uint8Array, ext: string): SourceFormat {
  const names = zipMemberNames(bytes);
  const has = (n: string): boolean => names.includes(n);
  if (has('word/document.xml') || (has('[Content_Types].xml') && names.some((n) => n.startsWith('word/') && n.endsWith('.xml')))) {
    return 'docx';
  }
  if (ext === 'docx') {
    const why = names.length === 0 ? 'the ZIP container is unreadable' : 'it has no word/document.xml part';
    throw new ExtractError('corrupt_file', `The file is named .docx but is not a valid Word document: ${why}.`);
  }
  let kind = 'a ZIP archive';
  if (has('xl/workbook.xml')) kind = 'an Excel workbook (.xlsx)';
  else if (has('ppt/presentation.xml')) kind = 'a PowerPoint presentation (.pptx)';
  else if (has('OFD.xml')) kind = 'an OFD document; export it to PDF first';
  else if (has('mimetype') && has('content.xml')) kind = 'an OpenDocument file; save it as .docx or PDF first';
  else if (has('META-INF/container.xml')) kind = 'an EPUB book';
  throw new ExtractError('unsupported_format', `Unsupported file: this is ${kind}. Supported formats: .txt, .md, .html, .docx, .pdf.`);
}

/**
 * Decide the format. Throws `unsupported_format` (415) for binaries we do not
 * read, `corrupt_file` (422) for a file that claims to be .docx/.pdf but is not.
 */
export function detectFormat(bytes: Uint8Array, filename: string): SourceFormat {
  const ext = extensionOf(filename);

  if (isPdf(bytes)) return 'pdf';
  if (isZip(bytes)) return classifyZip(bytes, ext);

  const binary = knownBinary(bytes);
  if (binary) {
    throw new ExtractError('unsupported_format', `Unsupported file: this is ${binary}. Supported formats: .txt, .md, .html, .docx, .pdf.`);
  }

  if (looksBinary(bytes)) {
    if (ext === 'pdf') throw new ExtractError('corrupt_file', 'The file is named .pdf but is not a PDF (no %PDF- header).');
    if (ext === 'docx') throw new ExtractError('corrupt_file', 'The file is named .docx but is not a Word document (not a ZIP container).');
    throw new ExtractError('unsupported_format', 'Unsupported file: binary data (not text, HTML, DOCX or PDF).');
  }

  // Text from here on; the extension can only choose between text flavours.
  const html = sniffHtml(bytes);
  if (html === 'strong') return 'html';
  if (ext === 'html' || ext === 'htm' || ext === 'xhtml') return 'html';
  if (ext === 'md' || ext === 'markdown') return 'md';
  if (ext === 'txt' || ext === 'text') return 'txt';
  if (html === 'weak') return 'html';
  // Unknown extensions, or .docx/.pdf names on what is really plain text: content wins.
  return 'txt';
}
