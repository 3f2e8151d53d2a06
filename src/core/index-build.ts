/**
 * Builds the index artifacts from source documents: corpus → BM25 → LSA model and vectors →
 * serialized files and manifest. Pure and deterministic: the same sources give the same bytes.
 */
import { Bm25Index } from './bm25';
import { Corpus, buildCorpus, type SourceDocument } from './corpus';
import { DEFAULT_CHUNKER, type ChunkerSettings } from './chunk';
import { DEFAULT_LSA, LsaModel, type LsaSettings } from './embed/lsa';
import { FILES, INDEX_FORMAT_VERSION, fingerprintOf, sha256Hex, sourcesFingerprint, type IndexManifest, type ManifestDocument } from './index-format';
import type { EmbeddingsInterface } from '@langchain/core/embeddings';
import { l2normalize } from './embed/linalg';
import type { Tokenizer } from './ports';
import { vectorsToFloat32 } from './vector/flat';

export interface BuiltIndex {
  corpus: Corpus;
  bm25: Bm25Index;
  lsa: LsaModel;
  vectors: number[][];
  /** Serialized core files by name (HNSW files are added by the Node adapter). */
  files: Record<string, Uint8Array>;
  manifestBase: Omit<IndexManifest, 'data' | 'files' | 'vectorStores'>;
}

/** A dense embedder other than the built-in LSA (e.g. an OpenAI-compatible /v1/embeddings). */
export interface ExternalEmbedder {
  id: string;
  embeddings: EmbeddingsInterface;
}

export async function buildIndex(
  sources: SourceDocument[],
  tokenizer: Tokenizer,
  opts: { chunker?: ChunkerSettings; lsa?: Partial<LsaSettings>; embedder?: ExternalEmbedder } = {},
): Promise<BuiltIndex> {
  const ordered = [...sources].sort((a, b) => (a.docId < b.docId ? -1 : a.docId > b.docId ? 1 : 0));
  const corpus = new Corpus(buildCorpus(ordered, opts.chunker ?? DEFAULT_CHUNKER));
  const chunkTexts = Array.from({ length: corpus.chunkCount }, (_, i) => corpus.chunkText(i));
  // Tokenized once: BM25 indexes these terms and the LSA fit starts from them. Equal terms share
  // one string (at 100k chunks the token lists shrink from ~450 MB to ~120 MB, and it is faster).
  const pool = new Map<string, string>();
  const tokens = chunkTexts.map((t) => tokenizer.tokenize(t).map((w) => pool.get(w) ?? (pool.set(w, w), w)));
  const bm25 = Bm25Index.build(tokens);
  // The LSA model is always fit (it is small and the Worker's fallback); the dense vectors come from
  // the external embedder when one is configured, L2-normalized for cosine search.
  const { model: lsa, vectors: lsaVectors, stats } = LsaModel.fit(tokenizer, chunkTexts, { ...DEFAULT_LSA, ...opts.lsa }, { tokens });
  const vectors = opts.embedder ? (await embedInBatches(opts.embedder.embeddings, chunkTexts)).map((v) => l2normalize(v)) : lsaVectors;
  const dims = vectors[0]?.length ?? lsa.dims;
  const embedderId = opts.embedder?.id ?? lsa.id;
  const encoder = new TextEncoder();
  const files: Record<string, Uint8Array> = {
    [FILES.corpus]: encoder.encode(JSON.stringify(corpus.data)),
    [FILES.bm25]: encoder.encode(JSON.stringify(bm25.toJSON())),
    [FILES.lsa]: encoder.encode(JSON.stringify(lsa.data)),
    [FILES.vectors]: new Uint8Array(vectorsToFloat32(vectors, dims).buffer),
  };
  const fp = await sourcesFingerprint(ordered);
  const byId = new Map(ordered.map((s) => [s.docId, s]));
  const documents: ManifestDocument[] = corpus.documents.map((d) => {
    const src = byId.get(d.docId);
    const entry: ManifestDocument = { docId: d.docId, sha256: fp.perDoc.get(d.docId)!, format: d.format, chars: d.original.length };
    if (src?.origin === 'library') Object.assign(entry, { origin: 'library', originalSha256: src.originalSha256, addedAt: src.addedAt });
    return entry;
  });
  return {
    corpus,
    bm25,
    lsa,
    vectors,
    files,
    manifestBase: {
      formatVersion: INDEX_FORMAT_VERSION,
      sourcesSha256: fp.sha256,
      seedsSha256: await fingerprintOf(documents.filter((d) => d.origin !== 'library')),
      librarySha256: await fingerprintOf(documents.filter((d) => d.origin === 'library')),
      documents,
      tokenizer: tokenizer.id,
      embedder: { id: embedderId, dims },
      chunker: corpus.data.chunker,
      counts: { documents: corpus.documents.length, sentences: corpus.sentenceCount, chunks: corpus.chunkCount },
      dense: {
        fittedChunks: corpus.chunkCount,
        fitUnknownShare: stats.occurrences > 0 ? Number((1 - stats.known / stats.occurrences).toFixed(6)) : 0,
        addedChunks: 0,
        addedOccurrences: 0,
        addedUnknown: 0,
      },
    },
  };
}

export async function checksums(files: Record<string, Uint8Array>): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(files).sort()) out[name] = await sha256Hex(files[name]);
  return out;
}

async function embedInBatches(embeddings: EmbeddingsInterface, texts: string[], batch = 64): Promise<number[][]> {
  const out: number[][] = [];
  for (let i = 0; i < texts.length; i += batch) out.push(...(await embeddings.embedDocuments(texts.slice(i, i + batch))));
  return out;
}
