/**
 * The API settings both runtimes read from their environment (Node: process.env; Worker:
 * wrangler vars and secrets): one schema, one set of rules and messages, one mapping to AppConfig.
 */
import { z } from 'zod';
import type { AppConfig } from './app';
import { canonicalOrigin } from './widget-token';

const originList = (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean);
const isOrigin = (s: string) => {
  try {
    canonicalOrigin(s);
    return true;
  } catch {
    return false;
  }
};

export const apiEnvSchema = z.object({
  MAX_QUESTION_CHARS: z.coerce.number().int().min(10).max(100_000).default(2000),
  QUESTION_TOO_LONG_STATUS: z.enum(['400', '413']).default('413'),
  MAX_BODY_BYTES: z.coerce.number().int().min(1024).default(64 * 1024),
  ALLOWED_ORIGINS: z
    .string()
    .default('*')
    .refine((v) => v.trim() === '*' || originList(v).every(isOrigin), 'ALLOWED_ORIGINS must be * or comma-separated origins such as https://intranet.example (scheme://host[:port], no path)'),
  RATE_LIMIT_PER_MIN: z.coerce.number().int().min(0).default(0),
  /** Signs widget tokens (npm run token); when set, asking needs one. */
  WIDGET_SECRET: z.string().min(32, 'WIDGET_SECRET must be at least 32 characters').optional(),
  ANSWER_CACHE_SIZE: z.coerce.number().int().min(0).max(1_000_000).default(2000),
});

export type ApiEnv = z.infer<typeof apiEnvSchema>;

export function apiConfigFrom(e: ApiEnv): Partial<AppConfig> {
  return {
    maxQuestionChars: e.MAX_QUESTION_CHARS,
    questionTooLongStatus: e.QUESTION_TOO_LONG_STATUS === '400' ? 400 : 413,
    maxBodyBytes: e.MAX_BODY_BYTES,
    allowedOrigins: e.ALLOWED_ORIGINS.trim() === '*' ? '*' : originList(e.ALLOWED_ORIGINS).map(canonicalOrigin),
    rateLimitPerMin: e.RATE_LIMIT_PER_MIN,
    widgetSecret: e.WIDGET_SECRET ?? null,
    answerCacheSize: e.ANSWER_CACHE_SIZE,
  };
}
