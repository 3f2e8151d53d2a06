/**
 * The one error type thrown by the extractor for bad input. The HTTP layer maps
 * `status` straight onto the response code and shows `message` to the user.
 */
export type ExtractErrorCode =
  | 'unsupported_format'
  | 'bad_encoding'
  | 'corrupt_file'
  | 'no_text_layer'
  | 'too_large'
  | 'too_many_pages'
  | 'empty_document';

export type ExtractErrorStatus = 400 | 413 | 415 | 422;

/** Default HTTP status per code (used when the constructor gets no explicit status). */
export const EXTRACT_ERROR_STATUS: Readonly<Record<ExtractErrorCode, ExtractErrorStatus>> = {
  unsupported_format: 415,
  bad_encoding: 422,
  corrupt_file: 422,
  no_text_layer: 422,
  too_large: 413,
  too_many_pages: 413,
  empty_document: 422,
};

export class ExtractError extends Error {
  readonly code: ExtractErrorCode;
  readonly status: ExtractErrorStatus;

  constructor(code: ExtractErrorCode, message: string, status: ExtractErrorStatus = EXTRACT_ERROR_STATUS[code]) {
    super(message);
    this.name = 'ExtractError';
    this.code = code;
    this.status = status;
  }
}

export function isExtractError(err: unknown): err is ExtractError {
  return err instanceof ExtractError;
}

/** A short, single-line description of an unknown thrown value (for wrapping library errors). */
export function describeError(err: unknown): string {
  const raw = err instanceof Error ? err.message : typeof err === 'string' ? err : String(err);
  const oneLine = raw.replace(/\s+/g, ' ').trim();
  return oneLine.length > 200 ? `${oneLine.slice(0, 200)}…` : oneLine || 'unknown error';
}
