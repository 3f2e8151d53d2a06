/**
 * Builds the index artifacts from source documents: corpus → BM25 → LSA model and vectors →
 * serialized files and manifest. Pure and deterministic: the same sources give the same bytes.
 */
import { Bm25Index } from './bm25';
import { Corpus, buildCorpus, type SourceDocument } from './corpus';
import { DEFAULT_CHUNKER, type ChunkerSettings } from './chunk';
import { DEFAULT_LSA, LsaModel, type LsaSettings } from './embed/lsa';
import { FILES, INDEX_FORMAT_VERSION, sha256Hex, sourcesFingerprint, type IndexManifest } from './index-format';
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

export async function buildIndex(
  sources: SourceDocument[],
  tokenizer: Tokenizer,
  opts: { chunker?: ChunkerSettings; lsa?: Partial<LsaSettings> } = {},
): Promise<BuiltIndex> {
  const ordered = [...sources].sort((a, b) => (a.docId < b.docId ? -1 : a.docId > b.docId ? 1 : 0));
  const corpus = new Corpus(buildCorpus(ordered, opts.chunker ?? DEFAULT_CHUNKER));
  const chunkTexts = Array.from({ length: corpus.chunkCount }, (_, i) => corpus.chunkText(i));
  const bm25 = Bm25Index.build(chunkTexts.map((t) => tokenizer.tokenize(t)));
  const { model: lsa, vectors } = LsaModel.fit(tokenizer, chunkTexts, { ...DEFAULT_LSA, ...opts.lsa });
  const encoder = new TextEncoder();
  const files: Record<string, Uint8Array> = {
    [FILES.corpus]: encoder.encode(JSON.stringify(corpus.data)),
    [FILES.bm25]: encoder.encode(JSON.stringify(bm25.toJSON())),
    [FILES.lsa]: encoder.encode(JSON.stringify(lsa.data)),
    [FILES.vectors]: new Uint8Array(vectorsToFloat32(vectors, lsa.dims).buffer),
  };
  const fp = await sourcesFingerprint(ordered);
  return {
    corpus,
    bm25,
    lsa,
    vectors,
    files,
    manifestBase: {
      formatVersion: INDEX_FORMAT_VERSION,
      sourcesSha256: fp.sha256,
      documents: corpus.documents.map((d) => ({ docId: d.docId, sha256: fp.perDoc.get(d.docId)!, format: d.format, chars: d.original.length })),
      tokenizer: tokenizer.id,
      embedder: { id: lsa.id, dims: lsa.dims },
      chunker: corpus.data.chunker,
      counts: { documents: corpus.documents.length, sentences: corpus.sentenceCount, chunks: corpus.chunkCount },
    },
  };
}

export async function checksums(files: Record<string, Uint8Array>): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(files).sort()) out[name] = await sha256Hex(files[name]);
  return out;
}
