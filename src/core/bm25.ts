/**
 * Okapi BM25 over tokenizer terms, serializable. Postings are kept per term as
 * [docIndex, termFrequency] pairs; IDF uses the BM25+ style floor so common terms never go negative.
 */
export interface Bm25Params {
  k1: number;
  b: number;
}

export interface Bm25Data {
  formatVersion: 1;
  params: Bm25Params;
  docLengths: number[];
  postings: Record<string, Array<[number, number]>>;
}

export class Bm25Index {
  private readonly avgLength: number;
  private readonly idfCache = new Map<string, number>();

  constructor(private readonly data: Bm25Data) {
    const total = data.docLengths.reduce((a, b) => a + b, 0);
    this.avgLength = data.docLengths.length ? total / data.docLengths.length : 0;
  }

  static build(docs: string[][], params: Bm25Params = { k1: 1.2, b: 0.75 }): Bm25Index {
    const postings: Record<string, Array<[number, number]>> = Object.create(null);
    docs.forEach((tokens, docIndex) => {
      const tf = new Map<string, number>();
      for (const t of tokens) tf.set(t, (tf.get(t) ?? 0) + 1);
      for (const [term, count] of tf) (postings[term] ??= []).push([docIndex, count]);
    });
    // Sorted keys: the serialized index is byte-identical across builds.
    const sorted: Record<string, Array<[number, number]>> = {};
    for (const term of Object.keys(postings).sort()) sorted[term] = postings[term];
    return new Bm25Index({ formatVersion: 1, params, docLengths: docs.map((d) => d.length), postings: sorted });
  }

  toJSON(): Bm25Data {
    return this.data;
  }

  get size(): number {
    return this.data.docLengths.length;
  }

  documentFrequency(term: string): number {
    return this.data.postings[term]?.length ?? 0;
  }

  idf(term: string): number {
    let v = this.idfCache.get(term);
    if (v === undefined) {
      const n = this.data.docLengths.length;
      const df = this.documentFrequency(term);
      v = Math.log(1 + (n - df + 0.5) / (df + 0.5));
      this.idfCache.set(term, v);
    }
    return v;
  }

  /** Scores every document that shares a term with the query; best first. */
  search(queryTerms: string[], k: number, filter?: (docIndex: number) => boolean): Array<{ index: number; score: number }> {
    const { k1, b } = this.data.params;
    const scores = new Map<number, number>();
    for (const term of new Set(queryTerms)) {
      const list = this.data.postings[term];
      if (!list) continue;
      const idf = this.idf(term);
      for (const [doc, tf] of list) {
        if (filter && !filter(doc)) continue;
        const len = this.data.docLengths[doc];
        const s = (idf * tf * (k1 + 1)) / (tf + k1 * (1 - b + (b * len) / (this.avgLength || 1)));
        scores.set(doc, (scores.get(doc) ?? 0) + s);
      }
    }
    return [...scores.entries()]
      .map(([index, score]) => ({ index, score }))
      .sort((x, y) => y.score - x.score || x.index - y.index)
      .slice(0, k);
  }
}
