/**
 * Vectorize as the dense index (scale mode), behind core's ports: the Engine gets a query
 * embedder (Workers AI bge-m3, or LSA) and a VectorSearch that queries the VECTORIZE binding.
 *
 * Vectors live in a namespace named after the index build and the embedder
 * (`v-78256ca022a8.bge-m3`), so a Worker only ever matches vectors uploaded from the very
 * index it bundles; ids are `docId:start-end` and map back to chunks through the corpus.
 * When Workers AI or Vectorize fails, or the namespace is empty (vectors not uploaded yet),
 * the query falls back to the bundled LSA vectors with the exact flat scan, and says so once.
 */
import type { EmbeddingsInterface } from '@langchain/core/embeddings';
import type { Corpus } from '../core/corpus';
import type { VectorSearch } from '../core/ports';
import type { VectorizeIndex } from './bindings';

/** Vectorize namespaces are at most 64 bytes; build ids are `v-<12 hex>`. */
export function vectorNamespace(indexData: string, embedder: string): string {
  const short = embedder === 'lsa' ? 'lsa' : (embedder.split('/').pop() ?? embedder);
  return `${indexData}.${short}`.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 64);
}

export function chunkVectorId(docId: string, start: number, end: number): string {
  return `${docId}:${start}-${end}`;
}

export interface VectorRecord {
  id: string;
  values: number[];
  namespace: string;
  metadata: { docId: string; chunk: number; start: number; end: number };
}

/** One record per chunk, in chunk order, for `wrangler vectorize insert` or the binding's upsert. */
export function vectorRecords(corpus: Corpus, vectors: ArrayLike<number>[], namespace: string): VectorRecord[] {
  if (vectors.length !== corpus.chunkCount) throw new Error(`${vectors.length} vectors for ${corpus.chunkCount} chunks`);
  return vectors.map((v, chunk) => {
    const { start, end } = corpus.chunkSpan(chunk);
    const docId = corpus.documents[corpus.chunk(chunk).doc].docId;
    return { id: chunkVectorId(docId, start, end), values: Array.from(v, (x) => Math.fround(x)), namespace, metadata: { docId, chunk, start, end } };
  });
}

/** Vectorize's NDJSON upload format: one `{ id, values, namespace, metadata }` object per line. */
export function toNdjson(records: VectorRecord[]): string {
  return records.map((r) => JSON.stringify(r)).join('\n') + (records.length ? '\n' : '');
}

/** Splits a Float32Array of n×dims into rows. */
export function rows(vectors: Float32Array, dims: number): Float32Array[] {
  const out: Float32Array[] = [];
  for (let i = 0; i + dims <= vectors.length; i += dims) out.push(vectors.subarray(i, i + dims));
  return out;
}

export interface VectorizeDenseOptions {
  index: VectorizeIndex;
  namespace: string;
  corpus: Corpus;
  /** The remote query embedder (Workers AI), or null when the uploaded vectors are the LSA ones. */
  remote: EmbeddingsInterface | null;
  /** The bundled LSA embedder and exact flat store: the fallback. */
  local: { embeddings: EmbeddingsInterface; search: VectorSearch };
  log?: (msg: string) => void;
}

/**
 * The dense side in vectorize mode. `embeddings` is handed to the Engine as its query embedder and
 * this object as its VectorSearch; a vector embedded here remembers its text, so a failed or
 * empty Vectorize query can be answered from the bundled index instead.
 */
export class VectorizeDense implements VectorSearch {
  readonly id: string;
  readonly embeddings: EmbeddingsInterface;
  private readonly texts = new WeakMap<number[], string>();
  private readonly fallbackVectors = new WeakSet<number[]>();
  private readonly byId: Map<string, number>;
  private readonly warned = new Set<string>();
  /** Counts for /healthz-style diagnostics and tests. */
  readonly stats = { remote: 0, fallback: 0 };

  constructor(private readonly opts: VectorizeDenseOptions) {
    this.id = `vectorize:${opts.namespace}`;
    this.byId = new Map();
    for (let i = 0; i < opts.corpus.chunkCount; i++) {
      const { start, end } = opts.corpus.chunkSpan(i);
      this.byId.set(chunkVectorId(opts.corpus.documents[opts.corpus.chunk(i).doc].docId, start, end), i);
    }
    const self = this;
    const embedQuery = async (text: string): Promise<number[]> => {
      let v: number[];
      if (!opts.remote) v = await opts.local.embeddings.embedQuery(text);
      else {
        try {
          v = await opts.remote.embedQuery(text);
        } catch (err) {
          self.warn('embed', `Workers AI embedding failed (${(err as Error).message}); using the bundled index`);
          v = await opts.local.embeddings.embedQuery(text);
          self.fallbackVectors.add(v);
        }
      }
      self.texts.set(v, text);
      return v;
    };
    this.embeddings = {
      embedQuery,
      embedDocuments: async (texts: string[]) => Promise.all(texts.map(embedQuery)),
    };
  }

  async search(query: number[], k: number): Promise<Array<{ index: number; score: number }>> {
    if (this.fallbackVectors.has(query)) return this.local(query, k);
    try {
      // Without values or metadata Vectorize returns up to 100 matches.
      const res = await this.opts.index.query(query, { topK: Math.min(k, 100), namespace: this.opts.namespace, returnMetadata: 'none' });
      const hits: Array<{ index: number; score: number }> = [];
      for (const m of res.matches ?? []) {
        const index = this.byId.get(m.id);
        if (index !== undefined) hits.push({ index, score: m.score });
      }
      if (hits.length === 0) {
        this.warn('empty', `Vectorize namespace ${this.opts.namespace} has no vectors of this index: run npm run deploy:vectors; using the bundled index`);
        return this.local(query, k);
      }
      this.stats.remote++;
      return hits.slice(0, k);
    } catch (err) {
      this.warn('query', `Vectorize query failed (${(err as Error).message}); using the bundled index`);
      return this.local(query, k);
    }
  }

  private async local(query: number[], k: number): Promise<Array<{ index: number; score: number }>> {
    this.stats.fallback++;
    if (!this.opts.remote || this.fallbackVectors.has(query)) return this.opts.local.search.search(query, k);
    // A Workers AI vector cannot be scanned against the LSA vectors: re-embed its text with LSA.
    const text = this.texts.get(query);
    if (text === undefined) return [];
    return this.opts.local.search.search(await this.opts.local.embeddings.embedQuery(text), k);
  }

  private warn(kind: string, msg: string): void {
    if (this.warned.has(kind)) return;
    this.warned.add(kind);
    (this.opts.log ?? console.warn)(`[policy-qa] ${msg}`);
  }
}
