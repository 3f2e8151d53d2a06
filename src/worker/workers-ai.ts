/**
 * Workers AI embeddings behind LangChain's `Embeddings` (default model `@cf/baai/bge-m3`), the
 * query embedder of vectorize mode. The chat model for LLM answers is in workers-ai-chat.ts
 * (loaded only when ANSWER_MODE=llm).
 *
 * Both talk to `env.AI.run(model, inputs)` only (the binding's documented interface), so the tests
 * drive them with a fake binding. The index-time twin of the embedder, for `npm run deploy:vectors`,
 * is `restEmbedder()` in src/node/cli/deploy-vectors.ts (same model, Cloudflare's REST API).
 */
import { Embeddings } from '@langchain/core/embeddings';
import type { WorkersAi } from './bindings';

/** Documented output of Workers AI text-embedding models: `{ shape: [n, dims], data: number[][] }`. */
export function embeddingsFromAiOutput(out: unknown, expected: number): number[][] {
  const data = (out as { data?: unknown } | null)?.data;
  if (!Array.isArray(data) || data.length !== expected || !data.every((v) => Array.isArray(v) && v.length > 0)) {
    throw new Error(`Workers AI returned no usable embeddings (expected ${expected})`);
  }
  return data as number[][];
}

export class WorkersAiEmbeddings extends Embeddings {
  readonly model: string;

  constructor(private readonly ai: WorkersAi, model: string, private readonly batchSize = 50) {
    // One retry at most: a query is waiting, and the caller falls back to the local index.
    super({ maxRetries: 1 });
    this.model = model;
  }

  async embedDocuments(texts: string[]): Promise<number[][]> {
    const out: number[][] = [];
    for (let i = 0; i < texts.length; i += this.batchSize) {
      const batch = texts.slice(i, i + this.batchSize);
      const res = await this.caller.call(() => this.ai.run(this.model, { text: batch }));
      out.push(...embeddingsFromAiOutput(res, batch.length));
    }
    return out;
  }

  async embedQuery(text: string): Promise<number[]> {
    return (await this.embedDocuments([text]))[0];
  }
}
