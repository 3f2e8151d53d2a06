/**
 * Exact nearest neighbours by a full scan (cosine on L2-normalized vectors). The Worker's
 * default store, and the reference the HNSW store is checked against.
 */
import type { VectorSearch } from '../ports';

export class FlatVectorSearch implements VectorSearch {
  readonly id = 'flat-cosine';

  constructor(private readonly vectors: Float32Array, private readonly dims: number) {}

  get size(): number {
    return this.vectors.length / this.dims;
  }

  async search(query: number[], k: number): Promise<Array<{ index: number; score: number }>> {
    const n = this.size;
    const d = this.dims;
    const scores = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      const base = i * d;
      for (let j = 0; j < d; j++) s += this.vectors[base + j] * query[j];
      scores[i] = s;
    }
    // Partial selection: keep the k best without sorting all n.
    const best: Array<{ index: number; score: number }> = [];
    for (let i = 0; i < n; i++) {
      const s = scores[i];
      if (best.length < k) {
        best.push({ index: i, score: s });
        if (best.length === k) best.sort((a, b) => b.score - a.score || a.index - b.index);
      } else if (s > best[k - 1].score) {
        best[k - 1] = { index: i, score: s };
        for (let j = k - 1; j > 0 && (best[j].score > best[j - 1].score); j--) [best[j], best[j - 1]] = [best[j - 1], best[j]];
      }
    }
    return best.sort((a, b) => b.score - a.score || a.index - b.index);
  }
}

export function vectorsToFloat32(vectors: number[][], dims: number): Float32Array {
  const out = new Float32Array(vectors.length * dims);
  vectors.forEach((v, i) => out.set(v, i * dims));
  return out;
}
