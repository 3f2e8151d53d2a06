/**
 * The default embedder: latent semantic analysis learned from the corpus at index time.
 * Features are tokenizer terms plus character bigrams of CJK runs, weighted by sublinear
 * TF-IDF; a randomized truncated SVD (seeded, so builds are byte-identical) projects them to
 * `dims` dimensions. Pure TypeScript: the Worker embeds queries exactly as Node does.
 */
import { Embeddings } from '@langchain/core/embeddings';
import type { Tokenizer } from '../ports';
import { gaussian, l2normalize, orthonormalizeColumns, seededRandom, symmetricEigen } from './linalg';

export interface LsaSettings {
  dims: number;
  maxFeatures: number;
  minDf: number;
  seed: number;
  powerIterations: number;
}

export const DEFAULT_LSA: LsaSettings = { dims: 128, maxFeatures: 40000, minDf: 1, seed: 42, powerIterations: 3 };

export interface LsaModelData {
  formatVersion: 1;
  id: string;
  dims: number;
  features: string[];
  idf: number[];
  /** features × dims, row-major Float32, base64. */
  projection: string;
}

export function lsaFeatures(tokenizer: Tokenizer, text: string): string[] {
  const feats = tokenizer.tokenize(text);
  const cjkRuns = text.match(/[\u3400-\u9fff]+/g) ?? [];
  for (const run of cjkRuns) for (let i = 0; i + 1 < run.length; i++) feats.push(`#${run.slice(i, i + 2)}`);
  return feats;
}

type Sparse = Array<Array<[number, number]>>; // per row: [featureIndex, weight], L2-normalized

export class LsaModel {
  private readonly featureIndex: Map<string, number>;
  private readonly projection: Float32Array;

  constructor(readonly data: LsaModelData) {
    this.featureIndex = new Map(data.features.map((f, i) => [f, i]));
    this.projection = decodeFloat32(data.projection);
  }

  get id(): string {
    return this.data.id;
  }

  get dims(): number {
    return this.data.dims;
  }

  /** Fits the model on the chunk texts; returns it with the chunk vectors. */
  static fit(tokenizer: Tokenizer, texts: string[], settings: LsaSettings = DEFAULT_LSA): { model: LsaModel; vectors: number[][] } {
    const rowsFeatures = texts.map((t) => lsaFeatures(tokenizer, t));
    const df = new Map<string, number>();
    for (const feats of rowsFeatures) for (const f of new Set(feats)) df.set(f, (df.get(f) ?? 0) + 1);
    const features = [...df.entries()]
      .filter(([, d]) => d >= settings.minDf)
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, settings.maxFeatures)
      .map(([f]) => f)
      .sort();
    const n = texts.length;
    const idf = features.map((f) => Math.log((1 + n) / (1 + (df.get(f) ?? 0))) + 1);
    const index = new Map(features.map((f, i) => [f, i]));
    const X: Sparse = rowsFeatures.map((feats) => tfidfRow(feats, index, idf));
    const f = features.length;
    const k = Math.max(1, Math.min(settings.dims, n - 1, f));
    const l = Math.min(n, f, k + 10);

    // Randomized range finder: Q spans the top singular directions of X (n × f).
    const rand = seededRandom(settings.seed);
    let Z = new Float64Array(f * l); // f × l column-major
    for (let i = 0; i < Z.length; i++) Z[i] = gaussian(rand);
    let Q = multiplyXZ(X, Z, n, f, l);
    orthonormalizeColumns(Q, n, l);
    for (let it = 0; it < settings.powerIterations; it++) {
      Z = multiplyXtQ(X, Q, n, f, l);
      orthonormalizeColumns(Z, f, l);
      Q = multiplyXZ(X, Z, n, f, l);
      orthonormalizeColumns(Q, n, l);
    }
    // B = Qᵀ X (l × f); eigen-decompose B Bᵀ (l × l) for its right singular vectors.
    const B = multiplyXtQ(X, Q, n, f, l); // f × l column-major == Bᵀ
    const C = new Float64Array(l * l);
    for (let a = 0; a < l; a++) {
      for (let b = a; b < l; b++) {
        let s = 0;
        const ca = a * f;
        const cb = b * f;
        for (let r = 0; r < f; r++) s += B[ca + r] * B[cb + r];
        C[a * l + b] = s;
        C[b * l + a] = s;
      }
    }
    const { values, vectors } = symmetricEigen(C, l);
    // V = Bᵀ W Σ⁻¹ (f × k), stored row-major per feature.
    const projection = new Float32Array(f * k);
    for (let j = 0; j < k; j++) {
      const sigma = Math.sqrt(Math.max(values[j], 1e-12));
      for (let r = 0; r < f; r++) {
        let s = 0;
        for (let a = 0; a < l; a++) s += B[a * f + r] * vectors[a * l + j];
        projection[r * k + j] = s / sigma;
      }
    }
    const data: LsaModelData = {
      formatVersion: 1,
      id: `lsa-${k}d-bigram+jieba-s${settings.seed}`,
      dims: k,
      features,
      idf: idf.map((v) => Number(v.toFixed(6))),
      projection: encodeFloat32(projection),
    };
    const model = new LsaModel(data);
    return { model, vectors: texts.map((t) => model.embed(tokenizer, t)) };
  }

  /** Embeds normalized text: project its TF-IDF row, L2-normalize. */
  embed(tokenizer: Tokenizer, text: string): number[] {
    const row = tfidfRow(lsaFeatures(tokenizer, text), this.featureIndex, this.data.idf);
    const k = this.data.dims;
    const out = new Float64Array(k);
    for (const [fi, w] of row) {
      const base = fi * k;
      for (let j = 0; j < k; j++) out[j] += w * this.projection[base + j];
    }
    return l2normalize(out).map((x) => Math.fround(x));
  }
}

/** LangChain `Embeddings` over an LSA model, so HNSWLib and any LangChain store can use it. */
export class LsaEmbeddings extends Embeddings {
  constructor(private readonly model: LsaModel, private readonly tokenizer: Tokenizer) {
    super({});
  }

  async embedDocuments(texts: string[]): Promise<number[][]> {
    return texts.map((t) => this.model.embed(this.tokenizer, t));
  }

  async embedQuery(text: string): Promise<number[]> {
    return this.model.embed(this.tokenizer, text);
  }
}

function tfidfRow(feats: string[], index: Map<string, number>, idf: number[]): Array<[number, number]> {
  const tf = new Map<number, number>();
  for (const f of feats) {
    const i = index.get(f);
    if (i !== undefined) tf.set(i, (tf.get(i) ?? 0) + 1);
  }
  const row: Array<[number, number]> = [...tf.entries()].sort((a, b) => a[0] - b[0]).map(([i, c]) => [i, (1 + Math.log(c)) * idf[i]]);
  let norm = 0;
  for (const [, w] of row) norm += w * w;
  norm = Math.sqrt(norm) || 1;
  return row.map(([i, w]) => [i, w / norm]);
}

/** X (n × f, sparse rows) · Z (f × l, column-major) → n × l column-major. */
function multiplyXZ(X: Sparse, Z: Float64Array, n: number, f: number, l: number): Float64Array {
  const out = new Float64Array(n * l);
  for (let r = 0; r < n; r++) {
    for (const [c, w] of X[r]) {
      for (let j = 0; j < l; j++) out[j * n + r] += w * Z[j * f + c];
    }
  }
  return out;
}

/** Xᵀ (f × n) · Q (n × l, column-major) → f × l column-major. */
function multiplyXtQ(X: Sparse, Q: Float64Array, n: number, f: number, l: number): Float64Array {
  const out = new Float64Array(f * l);
  for (let r = 0; r < n; r++) {
    for (const [c, w] of X[r]) {
      for (let j = 0; j < l; j++) out[j * f + c] += w * Q[j * n + r];
    }
  }
  return out;
}

function encodeFloat32(a: Float32Array): string {
  const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

function decodeFloat32(s: string): Float32Array {
  const bin = atob(s);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return new Float32Array(bytes.buffer);
}
