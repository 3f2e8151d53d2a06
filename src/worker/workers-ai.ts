/**
 * Workers AI behind LangChain's interfaces: `WorkersAiEmbeddings` (an `Embeddings`, default model
 * `@cf/baai/bge-m3`) for the dense side in vectorize mode, and `workersAiChat`, a small chat
 * adapter (messages in, text or a text stream out) for LLM answers.
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

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ChatOptions {
  maxTokens?: number;
  temperature?: number;
  signal?: AbortSignal;
}

/** A chat model as the LLM answerer needs it: one completion, or the same as a stream of text. */
export interface EdgeChatModel {
  readonly id: string;
  complete(messages: ChatMessage[], opts?: ChatOptions): Promise<string>;
  stream(messages: ChatMessage[], opts?: ChatOptions): AsyncGenerator<string>;
}

/** A Workers AI text-generation model (`{ messages }` in; `{ response }` or an SSE stream out). */
export function workersAiChat(ai: WorkersAi, model: string): EdgeChatModel {
  const inputs = (messages: ChatMessage[], opts: ChatOptions, stream: boolean) => ({
    messages,
    max_tokens: opts.maxTokens ?? 1024,
    temperature: opts.temperature ?? 0,
    ...(stream ? { stream: true } : {}),
  });
  return {
    id: `workers-ai:${model}`,
    async complete(messages, opts = {}) {
      const out = (await ai.run(model, inputs(messages, opts, false))) as { response?: unknown } | null;
      if (typeof out?.response !== 'string') throw new Error(`Workers AI ${model} returned no response text`);
      return out.response;
    },
    async *stream(messages, opts = {}) {
      const out = await ai.run(model, inputs(messages, opts, true));
      if (!(out instanceof ReadableStream)) {
        const text = (out as { response?: unknown } | null)?.response;
        if (typeof text === 'string') yield text;
        return;
      }
      yield* parseAiSse(out as ReadableStream<Uint8Array>);
    },
  };
}

/** Workers AI streams `data: {"response":"…"}` events, ending with `data: [DONE]`. */
export async function* parseAiSse(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buf = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      buf += decoder.decode(value ?? new Uint8Array(), { stream: !done });
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (!line.startsWith('data:')) continue;
        const data = line.slice(5).trim();
        if (data === '[DONE]') return;
        try {
          const piece = (JSON.parse(data) as { response?: unknown }).response;
          if (typeof piece === 'string' && piece) yield piece;
        } catch {
          // a keep-alive or partial line: skip
        }
      }
      if (done) return;
    }
  } finally {
    reader.releaseLock();
  }
}
