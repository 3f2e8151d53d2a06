/**
 * The dense embedder by configuration. Default: the corpus-learned LSA model (offline,
 * deterministic). With EMBEDDINGS_BASE_URL and EMBEDDINGS_MODEL set, any OpenAI-compatible
 * `/v1/embeddings` server (bge-m3 on Ollama / vLLM / TEI, or a cloud API) embeds chunks at index
 * time and questions at query time. The index records which embedder built it, and loading
 * refuses an index whose embedder is not the one configured.
 */
import { OpenAIEmbeddings } from '@langchain/openai';
import type { ExternalEmbedder } from '../core/index-build';

export function embedderFromEnv(env: Record<string, string | undefined> = process.env): ExternalEmbedder | null {
  const baseURL = env.EMBEDDINGS_BASE_URL?.trim();
  const model = env.EMBEDDINGS_MODEL?.trim();
  if (!baseURL && !model) return null;
  if (!baseURL || !model) throw new Error('configuration: set both EMBEDDINGS_BASE_URL and EMBEDDINGS_MODEL (or neither, for the built-in LSA embedder)');
  const embeddings = new OpenAIEmbeddings({
    model,
    apiKey: env.EMBEDDINGS_API_KEY || 'not-needed',
    configuration: { baseURL },
    maxRetries: 2,
    timeout: Number(env.EMBEDDINGS_TIMEOUT_MS ?? 30000),
  });
  return { id: `openai-compatible:${model}@${new URL(baseURL).host}`, embeddings };
}
