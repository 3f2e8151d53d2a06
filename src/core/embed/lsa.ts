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
  /**
   * Rows the SVD is fitted on: larger corpora are sampled evenly (vocabulary and IDF still come
   * from every row, and every row is embedded). Bounds the fit's cost at scale; corpora up to
   * this size are fitted on every row exactly as before.
   */
  maxFitRows: number;
  minDf: number;
  seed: number;
  powerIterations: number;
}

export const DEFAULT_LSA: LsaSettings = { dims: 128, maxFeatures: 40000, minDf: 1, seed: 42, powerIterations: 3, maxFitRows: 20000 };

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
  return lsaFeaturesOf(tokenizer.tokenize(text), text);
}

/** lsaFeatures from terms the tokenizer already produced for `text` (the array is not modified). */
export function lsaFeaturesOf(tokens: string[], text: string): string[] {
  const feats = tokens.slice();
  const cjkRuns = text.match(/[\u3400-\u9fff]+/g) ?? [];
  for (const run of cjkRuns) for (let i = 0; i + 1 < run.length; i++) feats.push(`#${run.slice(i, i + 2)}`);
  return feats;
}

/** What a fit saw: rows, feature occurrences, and how many of those the kept vocabulary covers. */
export interface LsaFitStats {
  rows: number;
  occurrences: number;
  known: number;
}

/** Sparse rows (CSR): row r is col/val[ptr[r] .. ptr[r+1]), feature index and L2-normalized weight. */
interface Sparse {
  ptr: Int32Array;
  col: Int32Array;
  val: Float64Array;
}

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

  /**
   * Fits the model on the chunk texts; returns it with the chunk vectors and the share of
   * feature occurrences its vocabulary covers (the baseline for the refit-drift rule).
   * `opts.tokens` (the tokenizer's terms per text, as BM25 indexes them) saves a second
   * tokenization pass.
   *
   * Scale notes (bench:scale, 100k chunks): rows are interned feature ids and a CSR matrix
   * instead of per-row tuple arrays (≈10× less memory), and the products with X run over
   * row-major copies so the inner loops are contiguous. Every sum keeps its original order,
   * so the fitted model is bit-for-bit what the straightforward version computed.
   */
  static fit(
    tokenizer: Tokenizer,
    texts: string[],
    settings: LsaSettings = DEFAULT_LSA,
    opts: { tokens?: string[][] } = {},
  ): { model: LsaModel; vectors: number[][]; stats: LsaFitStats } {
    const n = texts.length;
    // Pass 1: intern every feature; document frequency via a last-row stamp. CJK bigrams are
    // looked up by their two code units, so the 30M-odd bigram strings of a 100k-chunk corpus
    // are never built (a feature's name is made once, when first seen).
    const intern = new Map<string, number>();
    const bigramIds = new Map<number, number>();
    const names: string[] = [];
    const dfOf: number[] = [];
    const lastRow: number[] = [];
    const rows: Int32Array[] = new Array(n);
    let occurrences = 0;
    const isCjk = (u: number) => u >= 0x3400 && u <= 0x9fff;
    const newId = (name: string) => {
      const id = names.length;
      names.push(name);
      dfOf.push(0);
      lastRow.push(-1);
      intern.set(name, id);
      return id;
    };
    const termId = (term: string) => {
      let id = intern.get(term);
      if (id === undefined) {
        id = newId(term);
        // A term spelled like a bigram feature ("#质量") is that feature, as in lsaFeatures.
        if (term.length === 3 && term.charCodeAt(0) === 35 && isCjk(term.charCodeAt(1)) && isCjk(term.charCodeAt(2))) bigramIds.set(term.charCodeAt(1) * 65536 + term.charCodeAt(2), id);
      }
      return id;
    };
    const bigramId = (a: number, b: number) => {
      const key = a * 65536 + b;
      let id = bigramIds.get(key);
      if (id === undefined) {
        const name = `#${String.fromCharCode(a, b)}`;
        id = intern.get(name) ?? newId(name);
        bigramIds.set(key, id);
      }
      return id;
    };
    for (let r = 0; r < n; r++) {
      const text = texts[r];
      const tokens = opts.tokens ? opts.tokens[r] : tokenizer.tokenize(text);
      let bigrams = 0;
      for (let i = 0; i + 1 < text.length; i++) if (isCjk(text.charCodeAt(i)) && isCjk(text.charCodeAt(i + 1))) bigrams++;
      // Same features in the same order as lsaFeaturesOf: the terms, then each CJK run's bigrams.
      const ids = new Int32Array(tokens.length + bigrams);
      let o = 0;
      for (const t of tokens) ids[o++] = termId(t);
      for (let i = 0; i + 1 < text.length; i++) {
        const a = text.charCodeAt(i);
        const b = text.charCodeAt(i + 1);
        if (isCjk(a) && isCjk(b)) ids[o++] = bigramId(a, b);
      }
      for (let i = 0; i < ids.length; i++) {
        const id = ids[i];
        if (lastRow[id] !== r) {
          lastRow[id] = r;
          dfOf[id]++;
        }
      }
      rows[r] = ids;
      occurrences += ids.length;
    }
    const selected = names
      .map((_, id) => id)
      .filter((id) => dfOf[id] >= settings.minDf)
      .sort((a, b) => dfOf[b] - dfOf[a] || (names[a] < names[b] ? -1 : 1))
      .slice(0, settings.maxFeatures)
      .sort((a, b) => (names[a] < names[b] ? -1 : names[a] > names[b] ? 1 : 0));
    const features = selected.map((id) => names[id]);
    const column = new Int32Array(names.length).fill(-1);
    selected.forEach((id, i) => (column[id] = i));
    const idf = selected.map((id) => Math.log((1 + n) / (1 + dfOf[id])) + 1);
    // The SVD sees at most maxFitRows rows, spread evenly over the corpus (m = n when smaller).
    const m = Math.min(n, Math.max(1, settings.maxFitRows || n));
    const X = csrRows(m < n ? Array.from({ length: m }, (_, i) => rows[Math.floor((i * n) / m)]) : rows, column, idf);
    let known = 0;
    for (const ids of rows) for (let i = 0; i < ids.length; i++) if (column[ids[i]] >= 0) known++;
    const f = features.length;
    const k = Math.max(1, Math.min(settings.dims, m - 1, f));
    const l = Math.min(m, f, k + 10);

    // Randomized range finder: Q spans the top singular directions of X (n × f).
    const rand = seededRandom(settings.seed);
    let Z: Float64Array = new Float64Array(f * l); // f × l column-major
    for (let i = 0; i < Z.length; i++) Z[i] = gaussian(rand);
    let Q: Float64Array = multiplyXZ(X, Z, m, f, l);
    orthonormalizeColumns(Q, m, l);
    for (let it = 0; it < settings.powerIterations; it++) {
      Z = multiplyXtQ(X, Q, m, f, l);
      orthonormalizeColumns(Z, f, l);
      Q = multiplyXZ(X, Z, m, f, l);
      orthonormalizeColumns(Q, m, l);
    }
    // B = Qᵀ X (l × f); eigen-decompose B Bᵀ (l × l) for its right singular vectors.
    const B = multiplyXtQ(X, Q, m, f, l); // f × l column-major == Bᵀ
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
    // V = Bᵀ W Σ⁻¹ (f × k), stored row-major per feature; sums over `a` in the same order as
    // a per-element dot product, accumulated a row of k at a time over a row-major copy of B.
    const projection = new Float32Array(f * k);
    const sigma = new Float64Array(k);
    for (let j = 0; j < k; j++) sigma[j] = Math.sqrt(Math.max(values[j], 1e-12));
    const Brow = colToRow(B, f, l);
    const acc = new Float64Array(k);
    for (let r = 0; r < f; r++) {
      acc.fill(0);
      for (let a = 0; a < l; a++) {
        const b = Brow[r * l + a];
        const w = a * l;
        for (let j = 0; j < k; j++) acc[j] += b * vectors[w + j];
      }
      for (let j = 0; j < k; j++) projection[r * k + j] = acc[j] / sigma[j];
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
    // Chunk vectors exactly as embed() computes them (tfidfRow with the rounded idf, projection,
    // L2 normalization, float32), from the interned ids: no strings, no map lookups.
    const idfRounded = model.data.idf;
    const proj = model.projection;
    const count = new Float64Array(f);
    const cols: number[] = [];
    const out = rows.map((ids) => {
      cols.length = 0;
      for (let i = 0; i < ids.length; i++) {
        const c = column[ids[i]];
        if (c < 0) continue;
        if (count[c] === 0) cols.push(c);
        count[c]++;
      }
      cols.sort((a, b) => a - b);
      const w = new Float64Array(cols.length);
      let norm = 0;
      for (let p = 0; p < cols.length; p++) {
        const c = cols[p];
        const x = (1 + Math.log(count[c])) * idfRounded[c];
        count[c] = 0;
        w[p] = x;
        norm += x * x;
      }
      norm = Math.sqrt(norm) || 1;
      const v = new Float64Array(k);
      for (let p = 0; p < cols.length; p++) {
        const wn = w[p] / norm;
        const base = cols[p] * k;
        for (let j = 0; j < k; j++) v[j] += wn * proj[base + j];
      }
      return l2normalize(v).map((x) => Math.fround(x));
    });
    return { model, vectors: out, stats: { rows: n, occurrences, known } };
  }

  /** Embeds normalized text: project its TF-IDF row, L2-normalize. */
  embed(tokenizer: Tokenizer, text: string): number[] {
    return this.embedFeatures(lsaFeatures(tokenizer, text));
  }

  /** How many of these feature occurrences the model's vocabulary knows (refit-drift rule). */
  knownCount(feats: string[]): number {
    let known = 0;
    for (const f of feats) if (this.featureIndex.has(f)) known++;
    return known;
  }

  /** embed() for features already computed (lsaFeatures / lsaFeaturesOf). */
  embedFeatures(feats: string[]): number[] {
    const row = tfidfRow(feats, this.featureIndex, this.data.idf);
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

/**
 * TF-IDF rows in CSR form, as tfidfRow computes them (same order of terms and sums), from
 * interned feature ids; `column[id]` is the kept feature's index or -1.
 */
function csrRows(rows: Int32Array[], column: Int32Array, idf: number[]): Sparse {
  const f = idf.length;
  const stamp = new Int32Array(f).fill(-1);
  const ptr = new Int32Array(rows.length + 1);
  rows.forEach((ids, r) => {
    let unique = 0;
    for (let i = 0; i < ids.length; i++) {
      const c = column[ids[i]];
      if (c >= 0 && stamp[c] !== r) {
        stamp[c] = r;
        unique++;
      }
    }
    ptr[r + 1] = ptr[r] + unique;
  });
  const col = new Int32Array(ptr[rows.length]);
  const val = new Float64Array(ptr[rows.length]);
  const count = new Float64Array(f);
  rows.forEach((ids, r) => {
    const from = ptr[r];
    let m = from;
    for (let i = 0; i < ids.length; i++) {
      const c = column[ids[i]];
      if (c < 0) continue;
      if (count[c] === 0) col[m++] = c;
      count[c]++;
    }
    col.subarray(from, m).sort();
    let norm = 0;
    for (let p = from; p < m; p++) {
      const c = col[p];
      const w = (1 + Math.log(count[c])) * idf[c];
      count[c] = 0;
      val[p] = w;
      norm += w * w;
    }
    norm = Math.sqrt(norm) || 1;
    for (let p = from; p < m; p++) val[p] /= norm;
  });
  return { ptr, col, val };
}

/** Column-major (rows × cols) → row-major copy. */
function colToRow(m: Float64Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let j = 0; j < cols; j++) for (let i = 0; i < rows; i++) out[i * cols + j] = m[j * rows + i];
  return out;
}

/** Row-major (rows × cols) → column-major copy. */
function rowToCol(m: Float64Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = m[i * cols + j];
  return out;
}

/** X (n × f, sparse rows) · Z (f × l, column-major) → n × l column-major. */
function multiplyXZ(X: Sparse, Z: Float64Array, n: number, f: number, l: number): Float64Array {
  const Zr = colToRow(Z, f, l);
  const out = new Float64Array(n * l); // row-major while accumulating: contiguous inner loop
  for (let r = 0; r < n; r++) {
    const o = r * l;
    for (let p = X.ptr[r]; p < X.ptr[r + 1]; p++) {
      const w = X.val[p];
      const z = X.col[p] * l;
      for (let j = 0; j < l; j++) out[o + j] += w * Zr[z + j];
    }
  }
  return rowToCol(out, n, l);
}

/** Xᵀ (f × n) · Q (n × l, column-major) → f × l column-major. */
function multiplyXtQ(X: Sparse, Q: Float64Array, n: number, f: number, l: number): Float64Array {
  const Qr = colToRow(Q, n, l);
  const out = new Float64Array(f * l); // row-major while accumulating
  for (let r = 0; r < n; r++) {
    const q = r * l;
    for (let p = X.ptr[r]; p < X.ptr[r + 1]; p++) {
      const w = X.val[p];
      const o = X.col[p] * l;
      for (let j = 0; j < l; j++) out[o + j] += w * Qr[q + j];
    }
  }
  return rowToCol(out, f, l);
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
