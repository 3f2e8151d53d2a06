/**
 * The LLM answerer from the environment: which provider, which model, the prompts from
 * `prompts/`. No LLM configured → the extractive answerer, as without this module.
 *
 *   LLM_PROVIDER   openai (any OpenAI-compatible server: vLLM, Ollama's /v1, DeepSeek, Qwen …),
 *                  ollama (Ollama's native API), none. Default: openai when LLM_BASE_URL or
 *                  LLM_MODEL is set, else none.
 *   LLM_BASE_URL   e.g. http://localhost:8000/v1 (vLLM), http://localhost:11434/v1 (Ollama, OpenAI API),
 *                  http://localhost:11434 (Ollama native), https://api.deepseek.com/v1
 *   LLM_API_KEY    bearer key for the server (local servers accept any)
 *   LLM_MODEL      model name as the server knows it (required with a provider)
 *   LLM_TIMEOUT_MS whole answer, follow-up rewrite included (default 20000)
 *   LLM_TEMPERATURE (default 0), LLM_MAX_TOKENS (default 800), LLM_MAX_RETRIES (default 0)
 *   PROMPTS_DIR    (default prompts)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ChatOllama } from '@langchain/ollama';
import { ChatOpenAICompletions } from '@langchain/openai';
import { z } from 'zod';
import { extractiveAnswerer } from '../core/answer/extractive';
import { createLlmAnswerer, type ChatModelLike } from '../core/answer/llm';
import { createPromptSet, PROMPT_FILES, type PromptName, type PromptSet } from '../core/answer/prompts';
import type { Answerer } from '../core/answer/types';

const schema = z.object({
  LLM_PROVIDER: z.enum(['openai', 'openai-compatible', 'vllm', 'ollama', 'none', 'extractive']).optional(),
  LLM_BASE_URL: z.string().url('LLM_BASE_URL must be a URL such as http://localhost:8000/v1').optional(),
  LLM_API_KEY: z.string().optional(),
  LLM_MODEL: z.string().min(1).optional(),
  LLM_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(20_000),
  LLM_TEMPERATURE: z.coerce.number().min(0).max(2).default(0),
  LLM_MAX_TOKENS: z.coerce.number().int().min(16).max(32_768).default(800),
  LLM_MAX_RETRIES: z.coerce.number().int().min(0).max(5).default(0),
  PROMPTS_DIR: z.string().default('prompts'),
});

export type LlmEnv = z.infer<typeof schema>;

export interface LlmSettings {
  provider: 'openai' | 'ollama' | 'none';
  baseUrl?: string;
  apiKey?: string;
  model?: string;
  timeoutMs: number;
  temperature: number;
  maxTokens: number;
  maxRetries: number;
  promptsDir: string;
}

export function readLlmEnv(source: Record<string, string | undefined> = process.env): LlmSettings {
  const parsed = schema.safeParse(Object.fromEntries(Object.entries(source).filter(([k, v]) => v !== '' && v !== undefined && k in schema.shape)));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`configuration: ${issue.path.join('.')}: ${issue.message}`);
  }
  const e = parsed.data;
  const named = e.LLM_PROVIDER;
  const provider = named === 'ollama' ? 'ollama' : named === 'none' || named === 'extractive' ? 'none' : named || e.LLM_BASE_URL || e.LLM_MODEL ? 'openai' : 'none';
  if (provider !== 'none' && !e.LLM_MODEL) throw new Error(`configuration: LLM_MODEL is required with LLM_PROVIDER=${provider} (the model name as the server knows it)`);
  return {
    provider,
    baseUrl: e.LLM_BASE_URL,
    apiKey: e.LLM_API_KEY,
    model: e.LLM_MODEL,
    timeoutMs: e.LLM_TIMEOUT_MS,
    temperature: e.LLM_TEMPERATURE,
    maxTokens: e.LLM_MAX_TOKENS,
    maxRetries: e.LLM_MAX_RETRIES,
    promptsDir: e.PROMPTS_DIR,
  };
}

/** Reads the prompt templates (plain files) from a directory. */
export function loadPromptFiles(dir: string): PromptSet {
  const texts = {} as Record<PromptName, string>;
  for (const [name, file] of Object.entries(PROMPT_FILES) as Array<[PromptName, string]>) {
    try {
      texts[name] = readFileSync(join(dir, file), 'utf8');
    } catch {
      throw new Error(`prompts: cannot read ${join(dir, file)} (set PROMPTS_DIR to the directory holding ${Object.values(PROMPT_FILES).join(', ')})`);
    }
  }
  return createPromptSet(texts);
}

/** The LangChain chat model for the settings; null without a provider. */
export function createChatModel(s: LlmSettings): ChatModelLike | null {
  if (s.provider === 'none') return null;
  if (s.provider === 'ollama') {
    const baseUrl = (s.baseUrl ?? 'http://127.0.0.1:11434').replace(/\/+$/, '').replace(/\/v1$/, '');
    // ChatOllama checks the abort signal only between chunks; the fetch below also cuts a
    // request that never answers, so no connection outlives the deadline by much.
    const limit = s.timeoutMs + 1000;
    const timedFetch: typeof fetch = (input, init) => fetch(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, AbortSignal.timeout(limit)]) : AbortSignal.timeout(limit) });
    return new ChatOllama({
      model: s.model!,
      baseUrl,
      temperature: s.temperature,
      numPredict: s.maxTokens,
      maxRetries: s.maxRetries,
      fetch: timedFetch,
      ...(s.apiKey ? { headers: { Authorization: `Bearer ${s.apiKey}` } } : {}),
    });
  }
  // Chat Completions explicitly: OpenAI-compatible servers do not implement the Responses API
  // that ChatOpenAI picks for some model names.
  return new ChatOpenAICompletions({
    model: s.model!,
    apiKey: s.apiKey || 'not-needed',
    configuration: { baseURL: s.baseUrl ?? 'https://api.openai.com/v1' },
    temperature: s.temperature,
    maxTokens: s.maxTokens,
    timeout: s.timeoutMs,
    maxRetries: s.maxRetries,
    // stream_options is not understood by every compatible server.
    streamUsage: false,
  });
}

export interface ConfiguredAnswerer {
  answerer: Answerer;
  mode: 'llm' | 'extractive';
  /** One line for the start-up log. */
  description: string;
  prompts?: PromptSet;
}

/** The answerer the environment asks for. Throws with a message naming the variable when misconfigured. */
export function answererFromEnv(source: Record<string, string | undefined> = process.env, opts: { log?: (msg: string) => void } = {}): ConfiguredAnswerer {
  const s = readLlmEnv(source);
  const model = createChatModel(s);
  if (!model) return { answerer: extractiveAnswerer, mode: 'extractive', description: 'extractive (no LLM configured)' };
  const prompts = loadPromptFiles(s.promptsDir);
  const where = s.provider === 'ollama' ? `Ollama ${s.baseUrl ?? 'http://127.0.0.1:11434'}` : `OpenAI-compatible ${s.baseUrl ?? 'https://api.openai.com/v1'}`;
  const answerer = createLlmAnswerer({ model, prompts, modelName: s.model, timeoutMs: s.timeoutMs, log: opts.log });
  return {
    answerer,
    mode: 'llm',
    prompts,
    description: `llm: ${s.model} via ${where}, timeout ${s.timeoutMs} ms, prompts ${s.promptsDir}/ sha256 ${prompts.hash}; extractive fallback`,
  };
}
