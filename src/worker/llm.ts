/**
 * LLM answers on the edge (ANSWER_MODE=llm): core's LLM answerer (src/core/answer/llm.ts) — the
 * same prompts (prompts/*.md, bundled by the build), the same grounding check, the same extractive
 * fallback as the Node server — with a Workers AI chat model (CHAT_MODEL) through the AI binding.
 * runtime.ts imports this module lazily, on the first LLM answer.
 */
import { createLlmAnswerer } from '../core/answer/llm';
import type { PromptSet } from '../core/answer/prompts';
import type { Answerer } from '../core/answer/types';
import { AppError } from '../core/errors';
import type { WorkerEnv } from './bindings';
import type { WorkerSettings } from './config';
import { ChatWorkersAI } from './workers-ai-chat';

export function workersAiAnswerer(env: WorkerEnv, settings: WorkerSettings, prompts: PromptSet | null, log?: (msg: string) => void): Answerer {
  if (!env.AI) throw new AppError('misconfigured', 'configuration: ANSWER_MODE=llm needs the AI binding', 503);
  if (!prompts) throw new AppError('misconfigured', 'configuration: ANSWER_MODE=llm but the Worker bundle has no prompts (rebuild it)', 503);
  const model = new ChatWorkersAI(env.AI, settings.CHAT_MODEL, { maxTokens: settings.LLM_MAX_TOKENS, temperature: settings.LLM_TEMPERATURE });
  return createLlmAnswerer({
    model,
    prompts,
    modelName: settings.CHAT_MODEL,
    timeoutMs: settings.LLM_TIMEOUT_MS,
    log: (m) => (log ?? console.warn)(`[policy-qa] ${m}`),
  });
}
