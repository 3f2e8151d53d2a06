/**
 * Worker configuration from wrangler.toml vars and secrets, validated once per isolate; the same
 * names and rules as the Node server's (src/node/config.ts) where they apply. A bad value fails
 * every request with a 503 naming the variable, instead of odd behaviour.
 */
import { z } from 'zod';
import { AppError } from '../core/errors';
import type { AppConfig } from '../http/app';
import { apiConfigFrom, apiEnvSchema } from '../http/config-env';
import type { WorkerEnv } from './bindings';

export const DEFAULT_EMBEDDING_MODEL = '@cf/baai/bge-m3';
export const DEFAULT_CHAT_MODEL = '@cf/meta/llama-3.3-70b-instruct-fp8-fast';

const schema = apiEnvSchema.extend({
  VECTOR_BACKEND: z.enum(['local', 'vectorize']).default('local'),
  EMBEDDING_MODEL: z.string().min(1).default(DEFAULT_EMBEDDING_MODEL),
  ANSWER_MODE: z.enum(['extractive', 'llm']).default('extractive'),
  CHAT_MODEL: z.string().min(1).default(DEFAULT_CHAT_MODEL),
  LLM_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(20_000),
  LLM_MAX_TOKENS: z.coerce.number().int().min(16).max(32_768).default(800),
  LLM_TEMPERATURE: z.coerce.number().min(0).max(2).default(0),
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
    ...apiConfigFrom(s),
    // The Worker is read-only: no /api/admin (documents are added on a Node server, then redeployed).
    adminToken: null,
    ...(s.TITLE ? { title: s.TITLE } : {}),
  };
}
