/**
 * Configuration from the environment, validated once at start. Bad values stop the server with
 * a message naming the variable, instead of surfacing later as odd behaviour.
 */
import { z } from 'zod';
import type { AppConfig } from '../http/app';
import { canonicalOrigin } from '../http/widget-token';

const isOrigin = (s: string) => {
  try {
    canonicalOrigin(s);
    return true;
  } catch {
    return false;
  }
};
const originList = (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean);

const env = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8787),
  HOST: z.string().default('0.0.0.0'),
  INDEX_DIR: z.string().default('index'),
  SEEDS_DIR: z.string().default('seeds'),
  MAX_QUESTION_CHARS: z.coerce.number().int().min(10).max(100_000).default(2000),
  QUESTION_TOO_LONG_STATUS: z.enum(['400', '413']).default('413'),
  MAX_BODY_BYTES: z.coerce.number().int().min(1024).default(64 * 1024),
  ALLOWED_ORIGINS: z
    .string()
    .default('*')
    .refine((v) => v.trim() === '*' || originList(v).every(isOrigin), 'ALLOWED_ORIGINS must be * or comma-separated origins such as https://intranet.example (scheme://host[:port], no path)'),
  RATE_LIMIT_PER_MIN: z.coerce.number().int().min(0).default(0),
  ADMIN_TOKEN: z.string().min(16, 'ADMIN_TOKEN must be at least 16 characters').optional(),
  /** Signs widget tokens (npm run token); when set, asking needs one. */
  WIDGET_SECRET: z.string().min(32, 'WIDGET_SECRET must be at least 32 characters').optional(),
  /** Reverse proxies in front of the server whose X-Forwarded-For is trusted (0: use the socket address). */
  TRUST_PROXY: z.coerce.number({ invalid_type_error: 'TRUST_PROXY must be a number of proxies (0, 1, …)' }).int().min(0).max(10).default(0),
  VECTOR_STORE: z.enum(['hnswlib', 'flat']).default('hnswlib'),
  ANSWER_CACHE_SIZE: z.coerce.number().int().min(0).max(1_000_000).default(2000),
});

export type NodeEnv = z.infer<typeof env>;

export function readEnv(source: Record<string, string | undefined> = process.env): NodeEnv {
  const parsed = env.safeParse(Object.fromEntries(Object.entries(source).filter(([, v]) => v !== '')));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`configuration: ${issue.path.join('.')}: ${issue.message}`);
  }
  return parsed.data;
}

export function appConfigFrom(e: NodeEnv): Partial<AppConfig> {
  return {
    maxQuestionChars: e.MAX_QUESTION_CHARS,
    questionTooLongStatus: e.QUESTION_TOO_LONG_STATUS === '400' ? 400 : 413,
    maxBodyBytes: e.MAX_BODY_BYTES,
    allowedOrigins: e.ALLOWED_ORIGINS.trim() === '*' ? '*' : originList(e.ALLOWED_ORIGINS).map(canonicalOrigin),
    rateLimitPerMin: e.RATE_LIMIT_PER_MIN,
    answerCacheSize: e.ANSWER_CACHE_SIZE,
    adminToken: e.ADMIN_TOKEN ?? null,
    widgetSecret: e.WIDGET_SECRET ?? null,
  };
}
