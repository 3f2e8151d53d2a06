/**
 * Settings for adding documents at run time, from the environment (validated once):
 *   LIBRARY_DIR          where added documents are kept (default library, next to seeds/)
 *   MAX_UPLOAD_BYTES     largest upload (default 10 MiB)
 *   MAX_UPLOAD_PAGES     largest PDF page count (default 500)
 *   MAX_UPLOAD_CHARS     longest extracted text (default 2,000,000 characters)
 *   DENSE_REFIT_DRIFT    refit the LSA model when the added text's unknown-word share exceeds
 *                        the fitted corpus's by more than this (default 0.2)
 *   DENSE_REFIT_GROWTH   …or when the corpus grew by more than this share since the fit (default 0.5)
 *   INDEX_WATCH_MS       the server reloads an index another process committed (npm run docs)
 *                        within this many ms (default 2000; 0 turns it off)
 */
import { z } from 'zod';
import { DEFAULT_EXTRACT_LIMITS, type ExtractLimits } from '../extract/index';
import { DEFAULT_DRIFT, type DriftSettings } from './incremental';

const schema = z.object({
  LIBRARY_DIR: z.string().default('library'),
  MAX_UPLOAD_BYTES: z.coerce.number().int().min(1024).default(DEFAULT_EXTRACT_LIMITS.maxBytes),
  MAX_UPLOAD_PAGES: z.coerce.number().int().min(1).default(DEFAULT_EXTRACT_LIMITS.maxPages),
  MAX_UPLOAD_CHARS: z.coerce.number().int().min(100).default(DEFAULT_EXTRACT_LIMITS.maxChars),
  DENSE_REFIT_DRIFT: z.coerce.number().min(0).max(1).default(DEFAULT_DRIFT.drift),
  DENSE_REFIT_GROWTH: z.coerce.number().min(0).default(DEFAULT_DRIFT.growth),
  INDEX_WATCH_MS: z.coerce.number().int().min(0).default(2000),
});

export interface DocsEnv {
  libraryDir: string;
  limits: ExtractLimits;
  drift: DriftSettings;
  watchMs: number;
}

export function readDocsEnv(source: Record<string, string | undefined> = process.env): DocsEnv {
  const parsed = schema.safeParse(Object.fromEntries(Object.entries(source).filter(([, v]) => v !== '')));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`configuration: ${issue.path.join('.')}: ${issue.message}`);
  }
  const e = parsed.data;
  return {
    libraryDir: e.LIBRARY_DIR,
    limits: { maxBytes: e.MAX_UPLOAD_BYTES, maxPages: e.MAX_UPLOAD_PAGES, maxChars: e.MAX_UPLOAD_CHARS },
    drift: { drift: e.DENSE_REFIT_DRIFT, growth: e.DENSE_REFIT_GROWTH },
    watchMs: e.INDEX_WATCH_MS,
  };
}
