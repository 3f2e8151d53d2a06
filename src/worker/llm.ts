/**
 * LLM answers on Workers AI (ANSWER_MODE=llm). PLACEHOLDER until core's LLM answerer
 * (src/core/answer/llm.ts) lands: see the README section "Cloudflare Workers".
 */
import type { Answerer } from '../core/answer/types';
import { AppError } from '../core/errors';
import type { WorkerEnv } from './bindings';
import type { WorkerSettings } from './config';

export function llmAnswererFor(_env: WorkerEnv, _settings: WorkerSettings): Answerer {
  throw new AppError('misconfigured', 'configuration: ANSWER_MODE=llm is not available in this build yet', 503);
}
