/**
 * A Workers AI text-generation model as a LangChain chat model (`ChatWorkersAI`), for core's LLM
 * answerer. Imported lazily (ANSWER_MODE=llm only): LangChain's chat-model machinery is not
 * evaluated at startup by Workers that answer extractively.
 *
 * Talks to `env.AI.run(model, inputs)` only (the binding's documented interface); the tests drive
 * it with a fake binding.
 */
import type { CallbackManagerForLLMRun } from '@langchain/core/callbacks/manager';
import { SimpleChatModel } from '@langchain/core/language_models/chat_models';
import { AIMessageChunk, type BaseMessage } from '@langchain/core/messages';
import { ChatGenerationChunk } from '@langchain/core/outputs';
import type { WorkersAi } from './bindings';

export interface ChatWorkersAiOptions {
  maxTokens?: number;
  temperature?: number;
}

type Role = 'system' | 'user' | 'assistant';

/** LangChain messages → Workers AI `messages` (text content only). */
export function toAiMessages(messages: BaseMessage[]): Array<{ role: Role; content: string }> {
  return messages.map((m) => {
    const type = m.getType();
    const role: Role = type === 'system' ? 'system' : type === 'ai' ? 'assistant' : 'user';
    const content = typeof m.content === 'string' ? m.content : m.content.map((p) => (typeof p === 'string' ? p : p.type === 'text' ? String((p as { text?: unknown }).text ?? '') : '')).join('');
    return { role, content };
  });
}

/** The reply text of a Workers AI text-generation result: `{ response }` or OpenAI-style `choices`. */
export function textFromAiOutput(out: unknown): string {
  const o = out as { response?: unknown; choices?: Array<{ message?: { content?: unknown } }> } | null;
  if (typeof o?.response === 'string') return o.response;
  const c = o?.choices?.[0]?.message?.content;
  if (typeof c === 'string') return c;
  throw new Error('Workers AI returned no response text');
}

/**
 * A Workers AI text-generation model as a LangChain chat model, for core's LLM answerer
 * (src/core/answer/llm.ts): `invoke` → `env.AI.run(model, { messages, max_tokens, temperature })`,
 * `stream` → the same with `stream: true`, read as server-sent events. No retries: the answerer
 * has its own deadline and falls back to the extractive answer.
 */
export class ChatWorkersAI extends SimpleChatModel {
  readonly model: string;
  private readonly settings: Required<ChatWorkersAiOptions>;

  constructor(private readonly ai: WorkersAi, model: string, opts: ChatWorkersAiOptions = {}) {
    super({ maxRetries: 0 });
    this.model = model;
    this.settings = { maxTokens: opts.maxTokens ?? 800, temperature: opts.temperature ?? 0 };
  }

  _llmType(): string {
    return 'workers-ai';
  }

  private inputs(messages: BaseMessage[], stream: boolean): Record<string, unknown> {
    return { messages: toAiMessages(messages), max_tokens: this.settings.maxTokens, temperature: this.settings.temperature, ...(stream ? { stream: true } : {}) };
  }

  async _call(messages: BaseMessage[], options: this['ParsedCallOptions']): Promise<string> {
    options.signal?.throwIfAborted();
    return textFromAiOutput(await this.ai.run(this.model, this.inputs(messages, false), options.signal ? { signal: options.signal } : undefined));
  }

  override async *_streamResponseChunks(messages: BaseMessage[], options: this['ParsedCallOptions'], runManager?: CallbackManagerForLLMRun): AsyncGenerator<ChatGenerationChunk> {
    options.signal?.throwIfAborted();
    const out = await this.ai.run(this.model, this.inputs(messages, true), options.signal ? { signal: options.signal } : undefined);
    const pieces = out instanceof ReadableStream ? parseAiSse(out as ReadableStream<Uint8Array>) : (async function* () {
      yield textFromAiOutput(out);
    })();
    for await (const text of pieces) {
      options.signal?.throwIfAborted();
      yield new ChatGenerationChunk({ text, message: new AIMessageChunk({ content: text }) });
      await runManager?.handleLLMNewToken(text);
    }
  }
}

/** Workers AI streams `data: {"response":"…"}` events (OpenAI-style models: `choices[0].delta`), ending with `data: [DONE]`. */
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
          const event = JSON.parse(data) as { response?: unknown; choices?: Array<{ delta?: { content?: unknown } }> };
          const piece = typeof event.response === 'string' ? event.response : event.choices?.[0]?.delta?.content;
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
