/**
 * Configuration from the environment, validated once at start. Bad values stop the server with
 * a message naming the variable, instead of surfacing later as odd behaviour.
 */
import { z } from 'zod';
import type { AppConfig } from '../http/app';
import { apiConfigFrom, apiEnvSchema } from '../http/config-env';

const env = apiEnvSchema.extend({
  PORT: z.coerce.number().int().min(0).max(65535).default(8787),
  HOST: z.string().default('0.0.0.0'),
  INDEX_DIR: z.string().default('index'),
  SEEDS_DIR: z.string().default('seeds'),
  ADMIN_TOKEN: z.string().min(16, 'ADMIN_TOKEN must be at least 16 characters').optional(),
  /** Reverse proxies in front of the server whose X-Forwarded-For is trusted (0: use the socket address). */
  TRUST_PROXY: z.coerce.number({ invalid_type_error: 'TRUST_PROXY must be a number of proxies (0, 1, …)' }).int().min(0).max(10).default(0),
  VECTOR_STORE: z.enum(['hnswlib', 'flat']).default('hnswlib'),
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
  return { ...apiConfigFrom(e), adminToken: e.ADMIN_TOKEN ?? null };
}
