export type SourceFormat = 'txt' | 'md' | 'html' | 'docx' | 'pdf';

export interface ExtractLimits {
  /** Largest accepted upload, checked before any parsing. */
  maxBytes: number;
  /** Largest accepted PDF page count. */
  maxPages: number;
  /** Largest accepted length (UTF-16 code units) of the extracted text. */
  maxChars: number;
}

export const DEFAULT_EXTRACT_LIMITS: Readonly<ExtractLimits> = Object.freeze({
  maxBytes: 10 * 1024 * 1024,
  maxPages: 500,
  maxChars: 2_000_000,
});

export interface ExtractedDocument {
  /** The document's ORIGINAL text from now on: citations are exact slices of it. */
  text: string;
  /** From <title>/<h1>, docx first heading / core props title, pdf metadata title, md first '# ' heading, else null. */
  title: string | null;
  format: SourceFormat;
  /** For text formats (txt, md, html): 'utf-8' | 'utf-8-bom' | 'utf-16le' | 'utf-16be' | 'gb18030' | 'big5' (or a charset declared by an HTML page). */
  encoding?: string;
  /** PDF page count. */
  pages?: number;
}
