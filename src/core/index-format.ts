/**
 * The index on disk (or in a Worker bundle): file names, format version, manifest, checksums.
 * Pure: callers read and write the bytes; this module builds and checks them.
 */
import { Bm25Index, type Bm25Data } from './bm25';
import { Corpus, type CorpusData } from './corpus';
import { LsaModel, type LsaModelData } from './embed/lsa';
import { AppError } from './errors';

export const INDEX_FORMAT_VERSION = 3;

export const FILES = {
  corpus: 'corpus.json',
  bm25: 'bm25.json',
  lsa: 'lsa.json',
  vectors: 'vectors.f32',
} as const;

export interface IndexManifest {
  formatVersion: number;
  /** Directory (under index/) that holds this build's files. */
  data: string;
  /** SHA-256 over every source document's id and content hash, in docId order. */
  sourcesSha256: string;
  /**
   * The same fingerprint over the seed documents only, and over the added (library) documents
   * only: the seeds staleness check compares the first with seeds/, so added documents never
   * make the index look stale. Absent in indexes built before documents could be added.
   */
  seedsSha256?: string;
  librarySha256?: string;
  documents: ManifestDocument[];
  tokenizer: string;
  embedder: { id: string; dims: number };
  vectorStores: string[];
  chunker: CorpusData['chunker'];
  counts: { documents: number; sentences: number; chunks: number };
  /** SHA-256 of every file in `data`, by relative path. */
  files: Record<string, string>;
  /** The LSA model's fit and what was added since (the refit-drift rule reads it). */
  dense?: DenseState;
}

export interface ManifestDocument {
  docId: string;
  /** SHA-256 of the document's original text (BOM stripped). */
  sha256: string;
  /** Source format: txt, md, html, docx, pdf. */
  format: string;
  chars: number;
  /** 'library' for documents added at run time (library/); seeds carry no origin. */
  origin?: 'library';
  /** Library documents: SHA-256 of the uploaded file's bytes, and when it was added. */
  originalSha256?: string;
  addedAt?: string;
}

export interface DenseState {
  /** Chunks the LSA model was fitted on. */
  fittedChunks: number;
  /** Share of the fitted chunks' feature occurrences outside the kept vocabulary (the feature cap). */
  fitUnknownShare: number;
  /** Chunks embedded with the existing model since the fit, their feature occurrences, and how many of those the vocabulary lacks. */
  addedChunks: number;
  addedOccurrences: number;
  addedUnknown: number;
}

export async function sha256Hex(data: string | Uint8Array): Promise<string> {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  const digest = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

export async function sourcesFingerprint(docs: Array<{ docId: string; text: string }>): Promise<{ sha256: string; perDoc: Map<string, string> }> {
  const perDoc = new Map<string, string>();
  const sorted = [...docs].sort((a, b) => (a.docId < b.docId ? -1 : a.docId > b.docId ? 1 : 0));
  for (const d of sorted) perDoc.set(d.docId, await sha256Hex(d.text.replace(/^\ufeff/, '')));
  const sha256 = await fingerprintOf(sorted.map((d) => ({ docId: d.docId, sha256: perDoc.get(d.docId)! })));
  return { sha256, perDoc };
}

/** sourcesFingerprint from per-document hashes already known (e.g. a manifest's documents). */
export async function fingerprintOf(docs: Array<{ docId: string; sha256: string }>): Promise<string> {
  const sorted = [...docs].sort((a, b) => (a.docId < b.docId ? -1 : a.docId > b.docId ? 1 : 0));
  return sha256Hex(sorted.map((d) => `${d.docId}:${d.sha256}`).join('\n'));
}

export interface LoadedIndexParts {
  corpus: Corpus;
  bm25: Bm25Index;
  lsa: LsaModel;
  vectors: Float32Array;
}

/** Parses the core files, checking each against the manifest's checksum first. */
export async function parseIndexFiles(manifest: IndexManifest, read: (name: string) => Uint8Array | undefined, tokenizerId: string): Promise<LoadedIndexParts> {
  if (manifest.formatVersion !== INDEX_FORMAT_VERSION) {
    throw new AppError('index_mismatch', `index format ${manifest.formatVersion} is not ${INDEX_FORMAT_VERSION}: rebuild it with npm run index`, 503);
  }
  if (manifest.tokenizer !== tokenizerId) {
    throw new AppError('index_mismatch', `index was built with tokenizer ${manifest.tokenizer}, this runtime has ${tokenizerId}: rebuild it with npm run index`, 503);
  }
  const decoder = new TextDecoder();
  const checked = async (name: string): Promise<Uint8Array> => {
    const bytes = read(name);
    if (!bytes) throw new AppError('index_mismatch', `index file ${name} is missing`, 503);
    const expected = manifest.files[name];
    if (!expected || (await sha256Hex(bytes)) !== expected) throw new AppError('index_mismatch', `index file ${name} is corrupt (checksum mismatch)`, 503);
    return bytes;
  };
  const corpus = new Corpus(JSON.parse(decoder.decode(await checked(FILES.corpus))) as CorpusData);
  const bm25 = new Bm25Index(JSON.parse(decoder.decode(await checked(FILES.bm25))) as Bm25Data);
  const lsa = new LsaModel(JSON.parse(decoder.decode(await checked(FILES.lsa))) as LsaModelData);
  const vbytes = await checked(FILES.vectors);
  const vectors = new Float32Array(vbytes.buffer.slice(vbytes.byteOffset, vbytes.byteOffset + vbytes.byteLength));
  if (vectors.length !== corpus.chunkCount * manifest.embedder.dims) throw new AppError('index_mismatch', 'vector count does not match chunk count', 503);
  return { corpus, bm25, lsa, vectors };
}
