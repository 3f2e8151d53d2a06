/**
 * The one error type the service throws for anything a caller did wrong.
 * The HTTP layer turns it into `{ error: { code, message } }` with `status`;
 * anything else that escapes is a bug and becomes a 500.
 */
export type ErrorCode =
  | 'bad_request'
  | 'too_large'
  | 'not_found'
  | 'rate_limited'
  | 'unauthorized'
  | 'unsupported_format'
  | 'unprocessable'
  | 'conflict'
  | 'index_mismatch'
  | 'internal'
  // Uploads that cannot be read (src/node/extract via the admin API): 422.
  | 'bad_encoding'
  | 'corrupt_file'
  | 'no_text_layer'
  | 'empty_document'
  | 'misconfigured';

export class AppError extends Error {
  constructor(
    public readonly code: ErrorCode,
    message: string,
    public readonly status: 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 429 | 500 | 503 = 400,
    public readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'AppError';
  }
}
