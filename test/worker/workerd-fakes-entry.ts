/**
 * A test-only Worker entry: the real Worker (src/worker/index.ts) with fake bindings put into its
 * env, so that scale mode (Vectorize + Workers AI embeddings), LLM answers (Workers AI chat) and
 * the rate-limit binding run inside workerd, offline. The fakes follow the documented binding
 * interfaces (test/worker/fakes.ts). The fake embedding model hashes character bigrams (it needs
 * no weights); the fake Vectorize is filled from the bundled corpus, as deploy:vectors would fill
 * the real one. GET /__fakes reports what the fakes were called with.
 */
import worker from '../../src/worker/index';
import corpusBytes from '../../build/worker/index/corpus.json.bin';
import manifestBytes from '../../build/worker/index/manifest.json.bin';
import { Corpus, type CorpusData } from '../../src/core/corpus';
import type { IndexManifest } from '../../src/core/index-format';
import type { WorkerEnv } from '../../src/worker/bindings';
import { vectorNamespace, vectorRecords } from '../../src/worker/vectorize';
import { fakeAi, fakeRateLimiter, fakeVectorize } from './fakes';

const DIMS = 256;
function bigramEmbedding(text: string): number[] {
  const v = new Array<number>(DIMS).fill(0);
  const t = text.replace(/[\s\p{P}]/gu, '');
  for (let i = 0; i + 1 < t.length; i++) {
    let h = 2166136261;
    for (const ch of t.slice(i, i + 2)) h = Math.imul(h ^ ch.codePointAt(0)!, 16777619);
    v[(h >>> 0) % DIMS] += 1;
  }
  const n = Math.hypot(...v) || 1;
  return v.map((x) => x / n);
}

/** Quotes the sentence of passage 1 that shares most character pairs with the question, cited [1]. */
function fakeChat(messages: unknown[]): string {
  const user = String((messages as Array<{ role: string; content: string }>).find((m) => m.role === 'user')?.content ?? '');
  const first = /<passage n="1"[^>]*>\n([\s\S]*?)\n<\/passage>/.exec(user)?.[1] ?? '';
  const question = /<question>\n([\s\S]*?)\n<\/question>/.exec(user)?.[1] ?? '';
  const pairs = (t: string) => new Set(Array.from({ length: Math.max(0, t.length - 1) }, (_, i) => t.slice(i, i + 2)));
  const q = pairs(question);
  const best = first
    .split(/(?<=[。！？])|\n/)
    .map((s) => s.trim())
    .filter((s) => s.length > 6 && /\d/.test(s))
    .map((s) => ({ s, score: [...pairs(s)].filter((p) => q.has(p)).length }))
    .sort((a, b) => b.score - a.score)[0];
  return best ? `${best.s.replace(/[。！？，,；;]+$/, '')}[1]。` : '文件中没有找到相关信息。';
}

const ai = fakeAi({ embed: (texts) => texts.map(bigramEmbedding), chat: fakeChat });
const vectorize = fakeVectorize();
const limiter = fakeRateLimiter(1000);
const manifest = JSON.parse(new TextDecoder().decode(manifestBytes)) as IndexManifest;
const corpus = new Corpus(JSON.parse(new TextDecoder().decode(corpusBytes)) as CorpusData);
const filled = vectorize.upsert(
  vectorRecords(
    corpus,
    Array.from({ length: corpus.chunkCount }, (_, i) => bigramEmbedding(corpus.chunkText(i))),
    vectorNamespace(manifest.data, '@cf/baai/bge-m3'),
  ),
);

let env: WorkerEnv | undefined;

export default {
  async fetch(request: Request, base: WorkerEnv, ctx: unknown): Promise<Response> {
    await filled;
    if (new URL(request.url).pathname === '/__fakes') {
      return Response.json({ ai: ai.calls.map((c) => ({ model: c.model, keys: Object.keys(c.inputs) })), vectorize: vectorize.queries, limiter: limiter.keys });
    }
    env ??= { ...base, VECTOR_BACKEND: 'vectorize', ANSWER_MODE: 'llm', CHAT_MODEL: '@cf/fake/chat', AI: ai, VECTORIZE: vectorize, RATE_LIMITER: limiter };
    return worker.fetch(request, env, ctx);
  },
};
