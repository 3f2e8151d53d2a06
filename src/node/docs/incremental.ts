/**
 * Incremental index updates: add documents to, or remove them from, the index in force without
 * rebuilding it. Only the new documents are chunked and tokenized (core appendDocument), their
 * BM25 postings appended, their chunks embedded with the existing dense model — unless the drift
 * rule says the model has fallen behind the corpus, when it is refit on every chunk.
 *
 * The update is built in index/.tmp-*, then committed by the same atomic rename + manifest swap
 * as a full build (commitBuild): a failed or killed update leaves the previous index in force
 * and intact on disk.
 *
 * Drift rule (DENSE_REFIT_DRIFT, DENSE_REFIT_GROWTH): the LSA vocabulary is fixed at fit time,
 * and words it does not know contribute nothing to a chunk's vector. Since the last fit we count
 * the feature occurrences (jieba terms + CJK bigrams) of every chunk embedded with the existing
 * model and how many of them the vocabulary lacks. The model is refit when
 *   unknown share of the added chunks − unknown share of the fitted corpus  >  DENSE_REFIT_DRIFT
 *     (default 0.2: a fifth of the new text is words the model cannot see), or
 *   chunks added since the fit / chunks fitted  >  DENSE_REFIT_GROWTH   (default 0.5).
 * The fitted corpus's own unknown share is non-zero only when the feature cap dropped rare
 * features; subtracting it makes the rule measure novelty rather than the cap. Removals never
 * trigger a refit. BM25 needs no refit: its statistics are exact after every update.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Bm25Index } from '../../core/bm25';
import { appendDocument, Corpus, type CorpusData, type SourceDocument, CHUNK_STRIDE, SENTENCE_STRIDE } from '../../core/corpus';
import { DEFAULT_LSA, LsaEmbeddings, lsaFeaturesOf, LsaModel, type LsaSettings } from '../../core/embed/lsa';
import { l2normalize } from '../../core/embed/linalg';
import { AppError } from '../../core/errors';
import type { ExternalEmbedder } from '../../core/index-build';
import { FILES, fingerprintOf, parseIndexFiles, sha256Hex, type DenseState, type IndexManifest, type ManifestDocument } from '../../core/index-format';
import type { Tokenizer } from '../../core/ports';
import { buildHnsw, loadHnsw } from '../hnsw-store';
import { commitBuild, HNSW_DIR, makeBuildDir, readManifest } from '../index-store';

export interface DriftSettings {
  /** Refit when the added chunks' unknown-feature share exceeds the fitted corpus's by more than this. */
  drift: number;
  /** Refit when the chunks added since the fit exceed this share of the chunks fitted. */
  growth: number;
}

export const DEFAULT_DRIFT: DriftSettings = { drift: 0.2, growth: 0.5 };

export interface DriftMeasure {
  /** Unknown-feature share of all chunks added since the fit, minus the fitted corpus's. */
  drift: number;
  /** Chunks added since the fit / chunks fitted. */
  growth: number;
}

/** The refit decision, separated for testing. */
export function refitDecision(dense: DenseState, settings: DriftSettings): { refit: boolean; reason: string; measure: DriftMeasure } {
  const addedShare = dense.addedOccurrences > 0 ? dense.addedUnknown / dense.addedOccurrences : 0;
  const measure = { drift: round4(addedShare - dense.fitUnknownShare), growth: round4(dense.fittedChunks > 0 ? dense.addedChunks / dense.fittedChunks : Infinity) };
  if (dense.fittedChunks === 0) return { refit: true, reason: 'the model was fitted on no chunks', measure };
  if (measure.drift > settings.drift) return { refit: true, reason: `vocabulary drift ${pct(measure.drift)} > ${pct(settings.drift)} (DENSE_REFIT_DRIFT)`, measure };
  if (measure.growth > settings.growth) return { refit: true, reason: `corpus grew ${pct(measure.growth)} since the fit > ${pct(settings.growth)} (DENSE_REFIT_GROWTH)`, measure };
  return { refit: false, reason: `drift ${pct(measure.drift)} ≤ ${pct(settings.drift)}, growth ${pct(measure.growth)} ≤ ${pct(settings.growth)}`, measure };
}

export type ProgressFn = (stage: string, done: number, total: number) => void;

export interface UpdateRequest {
  add?: SourceDocument[];
  remove?: string[];
  /** Refit the dense model whatever the drift. */
  refit?: boolean;
}

export interface UpdateOptions {
  drift?: DriftSettings;
  lsa?: Partial<LsaSettings>;
  /** The external embedder the index was built with, when it was not LSA. */
  embedder?: ExternalEmbedder | null;
  onProgress?: ProgressFn;
  /** Test hook: awaited at named points ('built': files written, before the commit). */
  checkpoint?: (point: 'built') => Promise<void>;
}

export interface UpdateReport {
  manifest: IndexManifest;
  corpus: Corpus;
  added: string[];
  removed: string[];
  newChunks: number;
  refit: boolean;
  refitReason: string;
  drift: DriftMeasure | null;
  ms: number;
  stages: Record<string, number>;
}

export async function updateIndex(indexDir: string, tokenizer: Tokenizer, req: UpdateRequest, opts: UpdateOptions = {}): Promise<UpdateReport> {
  const t0 = performance.now();
  const stages: Record<string, number> = {};
  let lap = performance.now();
  const stage = (name: string) => {
    const now = performance.now();
    stages[name] = Math.round(now - lap);
    lap = now;
  };
  const progress = opts.onProgress ?? (() => {});
  const manifest = readManifest(indexDir);
  if (!manifest) throw new AppError('index_mismatch', `no index at ${indexDir}: run npm run index first`, 503);
  const dataDir = join(indexDir, manifest.data);
  const raw = new Map<string, Uint8Array>();
  const read = (name: string) => {
    const p = join(dataDir, name);
    if (!existsSync(p)) return undefined;
    const bytes = new Uint8Array(readFileSync(p));
    raw.set(name, bytes);
    return bytes;
  };
  progress('load', 0, 1);
  const parts = await parseIndexFiles(manifest, read, tokenizer.id);
  progress('load', 1, 1);
  stage('load');
  const external = manifest.embedder.id !== parts.lsa.id;
  if (external && opts.embedder?.id !== manifest.embedder.id) {
    throw new AppError('index_mismatch', `the index's vectors come from embedder ${manifest.embedder.id}; configure it to add documents (or rebuild with npm run index)`, 503);
  }
  const dims = manifest.embedder.dims;

  let data: CorpusData = parts.corpus.data;
  let bm25 = parts.bm25;
  let vectors = parts.vectors;
  let lsa = parts.lsa;
  let lsaChanged = false;
  const removed: string[] = [];
  let structural = false; // chunk numbers changed: the HNSW graph is rebuilt

  // Removal: drop the documents, renumber documents, sentences and chunks, and remap BM25.
  const toRemove = new Set(req.remove ?? []);
  if (toRemove.size > 0) {
    for (const id of toRemove) if (parts.corpus.docIndex(id) === undefined) throw new AppError('not_found', `no document ${id}`, 404);
    const r = withoutDocuments(data, toRemove);
    data = r.data;
    bm25 = bm25.withoutDocuments(r.chunkMap);
    const kept = new Float32Array(r.keptChunks * dims);
    let o = 0;
    for (let c = 0; c < r.chunkMap.length; c++) if (r.chunkMap[c] >= 0) kept.set(vectors.subarray(c * dims, (c + 1) * dims), (o++) * dims);
    vectors = kept;
    removed.push(...toRemove);
    structural = true;
    stage('remove');
  } else {
    data = copyCorpusData(data);
  }

  // Addition: chunk only the new documents; tokenize only their chunks.
  const add = req.add ?? [];
  for (const src of add) {
    if (data.documents.some((d) => d.docId === src.docId)) throw new AppError('conflict', `document ${src.docId} is already indexed`, 409);
  }
  const firstNew = data.chunks.length / CHUNK_STRIDE;
  add.forEach((src, i) => {
    appendDocument(data, src);
    progress('chunk', i + 1, add.length);
  });
  const corpus = new Corpus(data);
  const newChunks = corpus.chunkCount - firstNew;
  const newTexts: string[] = [];
  const newTokens: string[][] = [];
  for (let c = firstNew; c < corpus.chunkCount; c++) {
    newTexts.push(corpus.chunkText(c));
    newTokens.push(tokenizer.tokenize(newTexts[newTexts.length - 1]));
    progress('tokenize', c - firstNew + 1, newChunks);
  }
  if (newChunks > 0) bm25 = bm25.withDocuments(newTokens);
  stage('chunk+tokenize');

  // Dense side: drift bookkeeping, then embed the new chunks with the model in force or refit.
  let dense: DenseState = manifest.dense ?? { fittedChunks: manifest.counts.chunks, fitUnknownShare: 0, addedChunks: 0, addedOccurrences: 0, addedUnknown: 0 };
  const newFeatures = newTexts.map((t, i) => lsaFeaturesOf(newTokens[i], t));
  if (newChunks > 0) {
    let occurrences = 0;
    let unknown = 0;
    for (const feats of newFeatures) {
      occurrences += feats.length;
      unknown += feats.length - lsa.knownCount(feats);
    }
    dense = { ...dense, addedChunks: dense.addedChunks + newChunks, addedOccurrences: dense.addedOccurrences + occurrences, addedUnknown: dense.addedUnknown + unknown };
  }
  const decision = newChunks > 0 || req.refit ? refitDecision(dense, opts.drift ?? DEFAULT_DRIFT) : null;
  const refit = req.refit === true || decision?.refit === true;
  const refitReason = req.refit ? 'refit requested' : decision?.reason ?? 'no chunks added';
  if (refit) {
    // Refit on every chunk: tokenize the old ones again (the index keeps no token lists).
    progress('refit', 0, 1);
    const texts = Array.from({ length: corpus.chunkCount }, (_, c) => corpus.chunkText(c));
    const tokens = texts.map((t, c) => (c >= firstNew ? newTokens[c - firstNew] : tokenizer.tokenize(t)));
    const fit = LsaModel.fit(tokenizer, texts, { ...DEFAULT_LSA, ...opts.lsa }, { tokens });
    lsa = fit.model;
    lsaChanged = true;
    dense = {
      fittedChunks: corpus.chunkCount,
      fitUnknownShare: fit.stats.occurrences > 0 ? Number((1 - fit.stats.known / fit.stats.occurrences).toFixed(6)) : 0,
      addedChunks: 0,
      addedOccurrences: 0,
      addedUnknown: 0,
    };
    if (!external) {
      vectors = new Float32Array(corpus.chunkCount * lsa.dims);
      fit.vectors.forEach((v, c) => vectors.set(v, c * lsa.dims));
      structural = true;
    }
    progress('refit', 1, 1);
    stage('refit');
  }
  let newVectors: number[][] = [];
  if (newChunks > 0 && !(refit && !external)) {
    if (external) {
      for (let i = 0; i < newTexts.length; i += 64) {
        const batch = await opts.embedder!.embeddings.embedDocuments(newTexts.slice(i, i + 64));
        newVectors.push(...batch.map((v) => l2normalize(v)));
        progress('embed', Math.min(i + 64, newTexts.length), newTexts.length);
      }
    } else {
      newVectors = newFeatures.map((feats, i) => {
        progress('embed', i + 1, newFeatures.length);
        return lsa.embedFeatures(feats);
      });
    }
    const grown = new Float32Array(vectors.length + newVectors.length * dims);
    grown.set(vectors);
    newVectors.forEach((v, i) => grown.set(v, vectors.length + i * dims));
    vectors = grown;
    stage('embed');
  }
  const vdims = external ? dims : lsa.dims;

  // Write the new build next to the one in force.
  const tmp = makeBuildDir(indexDir);
  try {
    progress('write', 0, 1);
    const encoder = new TextEncoder();
    writeFileSync(join(tmp, FILES.corpus), encoder.encode(JSON.stringify(data)));
    writeFileSync(join(tmp, FILES.bm25), encoder.encode(JSON.stringify(bm25.toJSON())));
    writeFileSync(join(tmp, FILES.lsa), lsaChanged ? encoder.encode(JSON.stringify(lsa.data)) : raw.get(FILES.lsa)!);
    writeFileSync(join(tmp, FILES.vectors), new Uint8Array(vectors.buffer, vectors.byteOffset, vectors.byteLength));
    stage('write');
    progress('hnsw', 0, 1);
    await writeHnsw(tmp, dataDir, { structural, vectors, dims: vdims, chunkCount: corpus.chunkCount, firstNew, newVectors, lsa, tokenizer, corpus });
    progress('hnsw', 1, 1);
    stage('hnsw');

    const documents = await manifestDocuments(manifest, corpus, add, toRemove);
    const base: Omit<IndexManifest, 'data' | 'files' | 'vectorStores'> = {
      formatVersion: manifest.formatVersion,
      sourcesSha256: await fingerprintOf(documents),
      seedsSha256: await fingerprintOf(documents.filter((d) => d.origin !== 'library')),
      librarySha256: await fingerprintOf(documents.filter((d) => d.origin === 'library')),
      documents,
      tokenizer: manifest.tokenizer,
      embedder: external ? manifest.embedder : { id: lsa.id, dims: lsa.dims },
      chunker: data.chunker,
      counts: { documents: corpus.documents.length, sentences: corpus.sentenceCount, chunks: corpus.chunkCount },
      dense,
    };
    await opts.checkpoint?.('built');
    const committed = await commitBuild(indexDir, tmp, base, manifest.vectorStores);
    stage('commit');
    return {
      manifest: committed,
      corpus,
      added: add.map((s) => s.docId),
      removed,
      newChunks,
      refit,
      refitReason,
      drift: decision?.measure ?? null,
      ms: performance.now() - t0,
      stages,
    };
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}

/** HNSW: extend the graph in force when chunk numbers are unchanged, else build it anew. */
async function writeHnsw(
  tmp: string,
  dataDir: string,
  x: { structural: boolean; vectors: Float32Array; dims: number; chunkCount: number; firstNew: number; newVectors: number[][]; lsa: LsaModel; tokenizer: Tokenizer; corpus: Corpus },
): Promise<void> {
  if (x.chunkCount === 0) return;
  const embeddings = new LsaEmbeddings(x.lsa, x.tokenizer);
  const oldDir = join(dataDir, HNSW_DIR);
  // Chunk texts only travel as the store's page contents; HnswVectorSearch reads metadata.chunk.
  const doc = (c: number) => ({ pageContent: x.corpus.chunkText(c), metadata: { chunk: c }, id: undefined });
  if (!x.structural && x.firstNew > 0 && existsSync(join(oldDir, 'hnswlib.index'))) {
    const store = await loadHnsw(oldDir, embeddings);
    if (x.newVectors.length > 0) await store.addVectors(x.newVectors, x.newVectors.map((_, i) => doc(x.firstNew + i)));
    await store.save(join(tmp, HNSW_DIR));
    // HNSWLib.save serializes its live args (docstore and index objects included): keep the file clean.
    writeFileSync(join(tmp, HNSW_DIR, 'args.json'), JSON.stringify({ space: 'cosine', numDimensions: x.dims }));
    return;
  }
  const rows: number[][] = [];
  const texts: string[] = [];
  for (let c = 0; c < x.chunkCount; c++) {
    rows.push(Array.from(x.vectors.subarray(c * x.dims, (c + 1) * x.dims)));
    texts.push(x.corpus.chunkText(c));
  }
  const store = await buildHnsw(rows, texts, embeddings, x.dims);
  await store.save(join(tmp, HNSW_DIR));
}

/** The manifest's document list in corpus order: entries in force, plus the added ones. */
async function manifestDocuments(manifest: IndexManifest, corpus: Corpus, add: SourceDocument[], removed: Set<string>): Promise<ManifestDocument[]> {
  const inForce = new Map(manifest.documents.filter((d) => !removed.has(d.docId)).map((d) => [d.docId, d]));
  const added = new Map(add.map((s) => [s.docId, s]));
  const out: ManifestDocument[] = [];
  for (const d of corpus.documents) {
    const src = added.get(d.docId);
    if (!src) {
      out.push(inForce.get(d.docId)!);
      continue;
    }
    const entry: ManifestDocument = { docId: d.docId, sha256: await sha256Hex(d.original), format: d.format, chars: d.original.length };
    if (src.origin === 'library') Object.assign(entry, { origin: 'library', originalSha256: src.originalSha256, addedAt: src.addedAt });
    out.push(entry);
  }
  return out;
}

/** A copy of the corpus tables that appendDocument may extend (documents are shared, immutable). */
function copyCorpusData(data: CorpusData): CorpusData {
  return { ...data, documents: data.documents.slice(), sentences: data.sentences.slice(), chunks: data.chunks.slice() };
}

/** The corpus without some documents, renumbered; chunkMap[old] is the new chunk number or -1. */
function withoutDocuments(data: CorpusData, remove: Set<string>): { data: CorpusData; chunkMap: Int32Array; keptChunks: number } {
  const docMap = new Int32Array(data.documents.length).fill(-1);
  const documents = data.documents.filter((d) => !remove.has(d.docId));
  let next = 0;
  data.documents.forEach((d, i) => (docMap[i] = remove.has(d.docId) ? -1 : next++));
  const sentenceCount = data.sentences.length / SENTENCE_STRIDE;
  const sentenceMap = new Int32Array(sentenceCount).fill(-1);
  const sentences: number[] = [];
  for (let s = 0, o = 0; s < sentenceCount; s++, o += SENTENCE_STRIDE) {
    const doc = docMap[data.sentences[o]];
    if (doc < 0) continue;
    sentenceMap[s] = sentences.length / SENTENCE_STRIDE;
    sentences.push(doc, data.sentences[o + 1], data.sentences[o + 2], data.sentences[o + 3], data.sentences[o + 4]);
  }
  const chunkCount = data.chunks.length / CHUNK_STRIDE;
  const chunkMap = new Int32Array(chunkCount).fill(-1);
  const chunks: number[] = [];
  for (let c = 0, o = 0; c < chunkCount; c++, o += CHUNK_STRIDE) {
    const doc = docMap[data.chunks[o]];
    if (doc < 0) continue;
    chunkMap[c] = chunks.length / CHUNK_STRIDE;
    chunks.push(doc, sentenceMap[data.chunks[o + 1]], sentenceMap[data.chunks[o + 2]]);
  }
  return { data: { ...data, documents, sentences, chunks }, chunkMap, keptChunks: chunks.length / CHUNK_STRIDE };
}

function round4(x: number): number {
  return Number.isFinite(x) ? Math.round(x * 10000) / 10000 : x;
}

function pct(x: number): string {
  return Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : '∞';
}
