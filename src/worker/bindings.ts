/**
 * The Worker's environment: vars from wrangler.toml, secrets, and the bindings of
 * `[env.production]`. Binding types are the documented subsets this project uses (so tests can
 * pass fakes that follow the same interfaces, and no @cloudflare/workers-types is needed):
 *   Vectorize   https://developers.cloudflare.com/vectorize/reference/client-api/
 *   Workers AI  https://developers.cloudflare.com/workers-ai/configuration/bindings/
 *   Rate limit  https://developers.cloudflare.com/workers/runtime-apis/bindings/rate-limit/
 */

export interface VectorizeVector {
  id: string;
  values: number[] | Float32Array;
  namespace?: string;
  metadata?: Record<string, string | number | boolean>;
}

export interface VectorizeMatch {
  id: string;
  score: number;
  values?: number[];
  namespace?: string;
  metadata?: Record<string, unknown>;
}

export interface VectorizeQueryOptions {
  topK?: number;
  namespace?: string;
  returnValues?: boolean;
  returnMetadata?: boolean | 'none' | 'indexed' | 'all';
  filter?: Record<string, unknown>;
}

/** A Vectorize index binding (`[[env.production.vectorize]]`). */
export interface VectorizeIndex {
  query(vector: number[] | Float32Array, options?: VectorizeQueryOptions): Promise<{ count?: number; matches: VectorizeMatch[] }>;
  upsert(vectors: VectorizeVector[]): Promise<unknown>;
}

/** The Workers AI binding (`[env.production.ai]`). */
export interface WorkersAi {
  run(model: string, inputs: Record<string, unknown>, options?: Record<string, unknown>): Promise<unknown>;
}

/** A rate-limit binding (`[[env.production.ratelimits]]`). */
export interface RateLimitBinding {
  limit(options: { key: string }): Promise<{ success: boolean }>;
}

export interface WorkerEnv {
  /** `local` (default): the bundled index with an exact flat scan. `vectorize`: the VECTORIZE binding. */
  VECTOR_BACKEND?: string;
  /** Query embedder in vectorize mode: a Workers AI model (default `@cf/baai/bge-m3`) or `lsa`. */
  EMBEDDING_MODEL?: string;
  /** `extractive` (default) or `llm` (a Workers AI chat model; needs the AI binding). */
  ANSWER_MODE?: string;
  /** Workers AI text-generation model for ANSWER_MODE=llm. */
  CHAT_MODEL?: string;
  LLM_TIMEOUT_MS?: string;
  LLM_MAX_TOKENS?: string;
  LLM_TEMPERATURE?: string;
  MAX_QUESTION_CHARS?: string;
  QUESTION_TOO_LONG_STATUS?: string;
  MAX_BODY_BYTES?: string;
  ALLOWED_ORIGINS?: string;
  /** Per-isolate fallback limit when no RATE_LIMITER binding is configured; 0 = off. */
  RATE_LIMIT_PER_MIN?: string;
  /** Secret (`wrangler secret put WIDGET_SECRET`), never in wrangler.toml: asking then needs a signed widget token. */
  WIDGET_SECRET?: string;
  TITLE?: string;
  AI?: WorkersAi;
  VECTORIZE?: VectorizeIndex;
  RATE_LIMITER?: RateLimitBinding;
}
