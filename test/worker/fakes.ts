/**
 * Fake Cloudflare bindings that follow the documented interfaces (src/worker/bindings.ts):
 * Vectorize `query(vector, { topK, namespace, returnMetadata })` → `{ matches: [{ id, score }] }`
 * and `upsert(vectors)`; Workers AI `run(model, inputs)`; the rate-limit binding `limit({ key })`.
 */
import type { RateLimitBinding, VectorizeIndex, VectorizeQueryOptions, VectorizeVector, WorkersAi } from '../../src/worker/bindings';

export interface FakeVectorize extends VectorizeIndex {
  readonly queries: Array<{ dims: number; options: VectorizeQueryOptions }>;
  readonly namespaces: Map<string, Map<string, VectorizeVector>>;
  failWith: Error | null;
  /** Upserts the records of an NDJSON upload file (what `wrangler vectorize insert --file` sends). */
  insertNdjson(text: string): Promise<void>;
}

export function fakeVectorize(): FakeVectorize {
  const namespaces = new Map<string, Map<string, VectorizeVector>>();
  const queries: FakeVectorize['queries'] = [];
  const self: FakeVectorize = {
    queries,
    namespaces,
    failWith: null,
    async upsert(vectors) {
      for (const v of vectors) {
        const ns = v.namespace ?? '';
        if (!namespaces.has(ns)) namespaces.set(ns, new Map());
        namespaces.get(ns)!.set(v.id, { ...v, values: Array.from(v.values) });
      }
      return { mutationId: `m${queries.length}` };
    },
    async query(vector, options = {}) {
      queries.push({ dims: vector.length, options });
      if (self.failWith) throw self.failWith;
      const topK = options.topK ?? 5;
      if (topK > 100 || (topK > 20 && options.returnMetadata && options.returnMetadata !== 'none')) throw new Error(`VECTOR_QUERY_ERROR: topK ${topK} too large`);
      const q = Array.from(vector);
      const qn = Math.hypot(...q) || 1;
      const matches = [...(namespaces.get(options.namespace ?? '')?.values() ?? [])]
        .map((v) => {
          const vals = v.values as number[];
          if (vals.length !== q.length) throw new Error(`VECTOR_QUERY_ERROR: query has ${q.length} dimensions, index ${vals.length}`);
          let dot = 0;
          for (let i = 0; i < q.length; i++) dot += q[i] * vals[i];
          return { id: v.id, score: dot / (qn * (Math.hypot(...vals) || 1)), ...(options.returnMetadata && options.returnMetadata !== 'none' ? { metadata: v.metadata } : {}) };
        })
        .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1))
        .slice(0, topK);
      return { count: matches.length, matches };
    },
    async insertNdjson(text) {
      await self.upsert(text.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as VectorizeVector));
    },
  };
  return self;
}

export interface FakeAi extends WorkersAi {
  readonly calls: Array<{ model: string; inputs: Record<string, unknown> }>;
  failWith: Error | null;
}

/** Workers AI: embedding models answer `{ shape, data }` from `embed`; chat models `{ response }` from `chat`. */
export function fakeAi(opts: { embed?: (texts: string[]) => Promise<number[][]> | number[][]; chat?: (messages: unknown[]) => string }): FakeAi {
  const calls: FakeAi['calls'] = [];
  const self: FakeAi = {
    calls,
    failWith: null,
    async run(model, inputs) {
      calls.push({ model, inputs });
      if (self.failWith) throw self.failWith;
      if (Array.isArray(inputs.text)) {
        if (!opts.embed) throw new Error(`no embedding model ${model}`);
        const data = await opts.embed(inputs.text as string[]);
        return { shape: [data.length, data[0]?.length ?? 0], data };
      }
      if (Array.isArray(inputs.messages)) {
        const text = opts.chat?.(inputs.messages) ?? '';
        if (inputs.stream) {
          const enc = new TextEncoder();
          return new ReadableStream<Uint8Array>({
            start(c) {
              for (const piece of text.match(/.{1,4}/gsu) ?? []) c.enqueue(enc.encode(`data: ${JSON.stringify({ response: piece })}\n\n`));
              c.enqueue(enc.encode('data: [DONE]\n\n'));
              c.close();
            },
          });
        }
        return { response: text };
      }
      throw new Error(`unexpected inputs for ${model}`);
    },
  };
  return self;
}

export function fakeRateLimiter(limit: number): RateLimitBinding & { keys: string[] } {
  const counts = new Map<string, number>();
  const keys: string[] = [];
  return {
    keys,
    async limit({ key }) {
      keys.push(key);
      const n = (counts.get(key) ?? 0) + 1;
      counts.set(key, n);
      return { success: n <= limit };
    },
  };
}
