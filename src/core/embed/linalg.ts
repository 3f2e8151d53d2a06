/** Small dense linear algebra for the LSA embedder: deterministic, allocation-light. */

/** Deterministic PRNG (mulberry32) so that builds are byte-identical. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal samples by Box–Muller. */
export function gaussian(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  const v = rand();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Orthonormalizes the columns of an (rows × cols) column-major matrix in place (modified Gram–Schmidt). */
export function orthonormalizeColumns(m: Float64Array, rows: number, cols: number): void {
  for (let j = 0; j < cols; j++) {
    const cj = j * rows;
    for (let p = 0; p < j; p++) {
      const cp = p * rows;
      let dot = 0;
      for (let r = 0; r < rows; r++) dot += m[cp + r] * m[cj + r];
      for (let r = 0; r < rows; r++) m[cj + r] -= dot * m[cp + r];
    }
    let norm = 0;
    for (let r = 0; r < rows; r++) norm += m[cj + r] * m[cj + r];
    norm = Math.sqrt(norm);
    if (norm < 1e-12) {
      for (let r = 0; r < rows; r++) m[cj + r] = 0;
    } else {
      for (let r = 0; r < rows; r++) m[cj + r] /= norm;
    }
  }
}

/**
 * Eigen-decomposition of a small symmetric matrix (n × n, row-major) by cyclic Jacobi
 * rotations. Returns eigenvalues descending and eigenvectors as columns (row-major n × n).
 */
export function symmetricEigen(a: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const A = Float64Array.from(a);
  const V = new Float64Array(n * n);
  for (let i = 0; i < n; i++) V[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += A[p * n + q] * A[p * n + q];
    if (off < 1e-22) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = A[p * n + q];
        if (Math.abs(apq) < 1e-300) continue;
        const app = A[p * n + p];
        const aqq = A[q * n + q];
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = A[k * n + p];
          const akq = A[k * n + q];
          A[k * n + p] = c * akp - s * akq;
          A[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = A[p * n + k];
          const aqk = A[q * n + k];
          A[p * n + k] = c * apk - s * aqk;
          A[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = V[k * n + p];
          const vkq = V[k * n + q];
          V[k * n + p] = c * vkp - s * vkq;
          V[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => A[j * n + j] - A[i * n + i] || i - j);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((src, dst) => {
    values[dst] = A[src * n + src];
    // Fix the sign: largest-magnitude component positive, so builds agree exactly.
    let best = 0;
    for (let k = 0; k < n; k++) if (Math.abs(V[k * n + src]) > Math.abs(V[best * n + src])) best = k;
    const sign = V[best * n + src] < 0 ? -1 : 1;
    for (let k = 0; k < n; k++) vectors[k * n + dst] = sign * V[k * n + src];
  });
  return { values, vectors };
}

export function l2normalize(v: Float64Array | number[]): number[] {
  let n = 0;
  for (const x of v) n += x * x;
  n = Math.sqrt(n) || 1;
  return Array.from(v, (x) => x / n);
}
