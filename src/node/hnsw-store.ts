/**
 * HNSW vector search through LangChain's HNSWLib (hnswlib-node), behind the VectorSearch port.
 * Chunk numbers travel in each document's metadata, so results map straight back to chunks.
 */
import { HNSWLib } from '@langchain/community/vectorstores/hnswlib';
import { Document } from '@langchain/core/documents';
import type { EmbeddingsInterface } from '@langchain/core/embeddings';
import type { VectorSearch } from '../core/ports';

export async function buildHnsw(vectors: number[][], chunkTexts: string[], embeddings: EmbeddingsInterface, dims: number): Promise<HNSWLib> {
  const store = new HNSWLib(embeddings, { space: 'cosine', numDimensions: dims });
  const docs = chunkTexts.map((text, chunk) => new Document({ pageContent: text, metadata: { chunk } }));
  if (vectors.length > 0) await store.addVectors(vectors, docs);
  return store;
}

export async function loadHnsw(dir: string, embeddings: EmbeddingsInterface): Promise<HNSWLib> {
  return HNSWLib.load(dir, embeddings);
}

export class HnswVectorSearch implements VectorSearch {
  readonly id = 'hnswlib-cosine';

  constructor(private readonly store: HNSWLib, private readonly size: number) {
    // A wider beam than the default keeps recall at 1.0 on corpora of this size.
    this.store.index.setEf(Math.max(64, Math.min(400, size)));
  }

  async search(query: number[], k: number): Promise<Array<{ index: number; score: number }>> {
    if (this.size === 0) return [];
    const hits = await this.store.similaritySearchVectorWithScore(query, Math.min(k, this.size));
    // hnswlib's cosine space returns a distance (1 − cosine).
    return hits.map(([doc, distance]) => ({ index: doc.metadata.chunk as number, score: 1 - distance }));
  }
}
