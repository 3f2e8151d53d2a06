/**
 * The corpus as the index stores it: documents (original and normalized text), sentences and
 * chunks with both normalized and original offsets. Built from source documents by ingest;
 * everything downstream (BM25, embeddings, answers, citations) reads this.
 */
import { chunkSentences, DEFAULT_CHUNKER, splitSentences, type ChunkerSettings } from './chunk';
import { extractFigures, isQuotable } from './figures';
import { detectGarbled } from './garble';
import { normalize, toOriginalSpan } from './normalize';
import { detectScript, type Script } from './script';

export interface SourceDocument {
  docId: string;
  /** The original text (BOM stripped). Citations are exact slices of it. */
  text: string;
  title?: string;
  city?: string;
  date?: string;
  source?: string;
  format?: string;
  /** 'library' for documents added at run time; recorded in the index manifest, not the corpus. */
  origin?: 'library';
  /** Library documents: SHA-256 of the uploaded file, and when it was added. */
  originalSha256?: string;
  addedAt?: string;
}

export interface DocumentEntry {
  docId: string;
  title: string;
  city: string;
  date: string | null;
  source: string | null;
  format: string;
  script: Script;
  original: string;
  normalized: string;
  annotationsRemoved: number;
  /** Garbled stretches, as original offsets. */
  garbled: Array<{ start: number; end: number }>;
}

/** Flat numeric tables keep the index compact and fast to load. */
export interface CorpusData {
  formatVersion: 1;
  chunker: ChunkerSettings;
  documents: DocumentEntry[];
  /** Per sentence: doc, normStart, normEnd, origStart, origEnd. */
  sentences: number[];
  /** Per chunk: doc, firstSentence, lastSentence (global sentence indexes, inclusive). */
  chunks: number[];
}

export const SENTENCE_STRIDE = 5;
export const CHUNK_STRIDE = 3;

export function ingestDocument(src: SourceDocument): { entry: DocumentEntry; sentenceSpans: Array<[number, number, number, number]> } {
  const original = src.text.replace(/^\ufeff/, '');
  const norm = normalize(original);
  const spans = splitSentences(norm.text);
  const sentenceSpans = spans.map((s): [number, number, number, number] => {
    const o = toOriginalSpan(norm, s.start, s.end);
    return [s.start, s.end, o.start, o.end];
  });
  const garbled = detectGarbled(norm.text).map((g) => toOriginalSpan(norm, g.start, g.end));
  const entry: DocumentEntry = {
    docId: src.docId,
    title: src.title?.trim() || guessTitle(norm.text) || src.docId,
    city: src.city ?? '未具名',
    date: src.date ?? null,
    source: src.source ?? null,
    format: src.format ?? 'txt',
    script: detectScript(original.slice(0, 4000)),
    original,
    normalized: norm.text,
    annotationsRemoved: norm.annotationsRemoved,
    garbled,
  };
  return { entry, sentenceSpans };
}

/** First substantial line: policy pages open with their headline more often than not. */
function guessTitle(text: string): string | null {
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (t.length >= 6 && t.length <= 60 && !/^[\d\s:-]+$/.test(t)) return t;
  }
  return null;
}

export function buildCorpus(sources: SourceDocument[], chunker: ChunkerSettings = DEFAULT_CHUNKER): CorpusData {
  const corpus: CorpusData = { formatVersion: 1, chunker, documents: [], sentences: [], chunks: [] };
  for (const src of sources) appendDocument(corpus, src);
  return corpus;
}

/** Adds one document's sentences and chunks at the end (incremental ingest). */
export function appendDocument(corpus: CorpusData, src: SourceDocument): DocumentEntry {
  const { entry, sentenceSpans } = ingestDocument(src);
  const docIndex = corpus.documents.length;
  corpus.documents.push(entry);
  const firstSentence = corpus.sentences.length / SENTENCE_STRIDE;
  for (const s of sentenceSpans) corpus.sentences.push(docIndex, ...s);
  const spans = sentenceSpans.map(([start, end]) => ({ start, end }));
  for (const [a, b] of chunkSentences(spans, corpus.chunker)) corpus.chunks.push(docIndex, firstSentence + a, firstSentence + b);
  return entry;
}

/** Read-only views over CorpusData. */
export class Corpus {
  readonly sentenceCount: number;
  readonly chunkCount: number;
  private readonly docIndexById: Map<string, number>;

  constructor(readonly data: CorpusData) {
    this.sentenceCount = data.sentences.length / SENTENCE_STRIDE;
    this.chunkCount = data.chunks.length / CHUNK_STRIDE;
    this.docIndexById = new Map(data.documents.map((d, i) => [d.docId, i]));
  }

  get documents(): DocumentEntry[] {
    return this.data.documents;
  }

  docIndex(docId: string): number | undefined {
    return this.docIndexById.get(docId);
  }

  sentence(i: number): { doc: number; normStart: number; normEnd: number; start: number; end: number } {
    const o = i * SENTENCE_STRIDE;
    const s = this.data.sentences;
    return { doc: s[o], normStart: s[o + 1], normEnd: s[o + 2], start: s[o + 3], end: s[o + 4] };
  }

  sentenceText(i: number): string {
    const s = this.sentence(i);
    return this.data.documents[s.doc].normalized.slice(s.normStart, s.normEnd);
  }

  chunk(i: number): { doc: number; first: number; last: number } {
    const o = i * CHUNK_STRIDE;
    const c = this.data.chunks;
    return { doc: c[o], first: c[o + 1], last: c[o + 2] };
  }

  chunkText(i: number): string {
    const c = this.chunk(i);
    const a = this.sentence(c.first);
    const b = this.sentence(c.last);
    return this.data.documents[c.doc].normalized.slice(a.normStart, b.normEnd);
  }

  chunkSpan(i: number): { start: number; end: number } {
    const c = this.chunk(i);
    return { start: this.sentence(c.first).start, end: this.sentence(c.last).end };
  }

  /** Per-document ingest statistics for the report (only the documents `only` names, when given). */
  report(only?: ReadonlySet<string>): Array<{ docId: string; title: string; script: Script; chars: number; annotationsRemoved: number; garbled: number; chunks: number; figures: number }> {
    const chunksPerDoc = new Map<number, number>();
    for (let i = 0; i < this.chunkCount; i++) chunksPerDoc.set(this.chunk(i).doc, (chunksPerDoc.get(this.chunk(i).doc) ?? 0) + 1);
    return this.data.documents.flatMap((d, i) => (only && !only.has(d.docId) ? [] : [{
      docId: d.docId,
      title: d.title,
      script: d.script,
      chars: d.original.length,
      annotationsRemoved: d.annotationsRemoved,
      garbled: d.garbled.length,
      chunks: chunksPerDoc.get(i) ?? 0,
      figures: extractFigures(d.normalized).filter(isQuotable).length,
    }]));
  }
}
