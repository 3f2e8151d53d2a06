/**
 * Worker configuration from wrangler.toml vars and secrets, validated once per isolate; the same
 * names and rules as the Node server's (src/node/config.ts) where they apply. A bad value fails
 * every request with a 503 naming the variable, instead of odd behaviour.
 */
import { z } from 'zod';
import { AppError } from '../core/errors';
import type { AppConfig } from '../http/app';
import { canonicalOrigin } from '../http/widget-token';
import type { WorkerEnv } from './bindings';

const originList = (v: string) => v.split(',').map((o) => o.trim()).filter(Boolean);
const isOrigin = (o: string) => {
  try {
    canonicalOrigin(o);
    return true;
  } catch {
    return false;
  }
};

export const DEFAULT_EMBEDDING_MODEL = '@cf/baai/bge-m3';
export const DEFAULT_CHAT_MODEL = '@cf/meta/llama-3.3-70b-instruct-fp8-fast';

const schema = z.object({
  VECTOR_BACKEND: z.enum(['local', 'vectorize']).default('local'),
  EMBEDDING_MODEL: z.string().min(1).default(DEFAULT_EMBEDDING_MODEL),
  ANSWER_MODE: z.enum(['extractive', 'llm']).default('extractive'),
  CHAT_MODEL: z.string().min(1).default(DEFAULT_CHAT_MODEL),
  LLM_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(20_000),
  LLM_MAX_TOKENS: z.coerce.number().int().min(16).max(32_768).default(800),
  LLM_TEMPERATURE: z.coerce.number().min(0).max(2).default(0),
  MAX_QUESTION_CHARS: z.coerce.number().int().min(10).max(100_000).default(2000),
  QUESTION_TOO_LONG_STATUS: z.enum(['400', '413']).default('413'),
  MAX_BODY_BYTES: z.coerce.number().int().min(1024).default(64 * 1024),
  ALLOWED_ORIGINS: z
    .string()
    .default('*')
    .refine((v) => v.trim() === '*' || originList(v).every(isOrigin), 'ALLOWED_ORIGINS must be * or comma-separated origins such as https://intranet.example'),
  RATE_LIMIT_PER_MIN: z.coerce.number().int().min(0).default(0),
  /** Secret: signs widget tokens (npm run token); when set, asking needs one. */
  WIDGET_SECRET: z.string().min(32, 'WIDGET_SECRET must be at least 32 characters').optional(),
  TITLE: z.string().optional(),
});

export type WorkerSettings = z.infer<typeof schema>;

export function readWorkerSettings(env: WorkerEnv): WorkerSettings {
  const vars = Object.fromEntries(
    Object.entries(env).filter(([k, v]) => typeof v === 'string' && v !== '' && k in schema.shape),
  );
  const parsed = schema.safeParse(vars);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AppError('misconfigured', `configuration: ${issue.path.join('.')}: ${issue.message}`, 503);
  }
  const s = parsed.data;
  if (s.VECTOR_BACKEND === 'vectorize') {
    if (!env.VECTORIZE) throw new AppError('misconfigured', 'configuration: VECTOR_BACKEND=vectorize needs the VECTORIZE binding', 503);
    if (s.EMBEDDING_MODEL !== 'lsa' && !env.AI) throw new AppError('misconfigured', `configuration: EMBEDDING_MODEL=${s.EMBEDDING_MODEL} needs the AI binding`, 503);
  }
  if (s.ANSWER_MODE === 'llm' && !env.AI) throw new AppError('misconfigured', 'configuration: ANSWER_MODE=llm needs the AI binding', 503);
  return s;
}

export function appConfigFromSettings(s: WorkerSettings): Partial<AppConfig> {
  return {
    maxQuestionChars: s.MAX_QUESTION_CHARS,
    questionTooLongStatus: s.QUESTION_TOO_LONG_STATUS === '400' ? 400 : 413,
    maxBodyBytes: s.MAX_BODY_BYTES,
    allowedOrigins: s.ALLOWED_ORIGINS.trim() === '*' ? '*' : originList(s.ALLOWED_ORIGINS).map(canonicalOrigin),
    rateLimitPerMin: s.RATE_LIMIT_PER_MIN,
    // The Worker is read-only: no /api/admin (documents are added on a Node server, then redeployed).
    adminToken: null,
    widgetSecret: s.WIDGET_SECRET ?? null,
    ...(s.TITLE ? { title: s.TITLE } : {}),
  };
}
