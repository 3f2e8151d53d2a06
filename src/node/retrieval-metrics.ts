/**
 * Retrieval quality of the ranking alone: MRR@10 and hit@5 of the chunk holding each answer's
 * evidence, for hybrid fusion, its BM25 and dense halves, and a plain BM25 baseline over the raw
 * (un-normalized) text with character bigrams — what an off-the-shelf index would do.
 */
import { Bm25Index } from '../core/bm25';
import type { Engine } from '../core/engine';
import { normalizeQuery } from '../core/normalize';
import type { EvalQuestion } from './evaluate';

export interface RetrievalScores {
  mrr10: number;
  hit5: number;
  n: number;
}

const canon = (s: string) => normalizeQuery(s).replace(/[\s,，]/g, '');

function score(ranks: number[]): RetrievalScores {
  const n = ranks.length || 1;
  return {
    mrr10: ranks.reduce((a, r) => a + (r >= 0 && r < 10 ? 1 / (r + 1) : 0), 0) / n,
    hit5: ranks.filter((r) => r >= 0 && r < 5).length / n,
    n: ranks.length,
  };
}

const rawBigrams = (text: string) => {
  const out: string[] = [];
  const t = text.replace(/\s+/g, '');
  for (let i = 0; i + 1 < t.length; i++) out.push(t.slice(i, i + 2));
  return out;
};

export async function retrievalComparison(engine: Engine, questions: EvalQuestion[]): Promise<Record<string, RetrievalScores>> {
  const answerable = questions.filter((q) => q.docId && q.evidence);
  const holds = (chunk: number, q: EvalQuestion) => engine.corpus.documents[engine.corpus.chunk(chunk).doc].docId === q.docId && canon(engine.corpus.chunkText(chunk)).includes(canon(q.evidence!));
  const variants: Record<string, { dense?: boolean; bm25?: boolean; boosts?: boolean }> = {
    'hybrid fusion (before re-rank)': {},
    'hybrid, no city/unit boosts': { boosts: false },
    'BM25 only (jieba, normalized)': { dense: false },
    'dense only (LSA)': { bm25: false },
  };
  const out: Record<string, RetrievalScores> = {};
  const served: number[] = [];
  for (const q of answerable) {
    const passages = await engine.search(q.question, 10);
    served.push(passages.findIndex((p) => p.docId === q.docId && canon(p.text).includes(canon(q.evidence!))));
  }
  out['served by /api/search (hybrid + evidence re-rank)'] = score(served);
  for (const [name, opts] of Object.entries(variants)) {
    const ranks: number[] = [];
    for (const q of answerable) {
      const ranked = await engine.retrieve(engine.analyze(q.question), 10, opts);
      ranks.push(ranked.findIndex((r) => holds(r.chunk, q)));
    }
    out[name] = score(ranks);
  }
  // Plain baseline: BM25 over raw original chunk text, character bigrams, no normalization.
  const raw = Array.from({ length: engine.corpus.chunkCount }, (_, i) => {
    const span = engine.corpus.chunkSpan(i);
    return engine.corpus.documents[engine.corpus.chunk(i).doc].original.slice(span.start, span.end);
  });
  const plain = Bm25Index.build(raw.map(rawBigrams));
  out['plain BM25 baseline (raw text, bigrams)'] = score(answerable.map((q) => plain.search(rawBigrams(q.question), 10).findIndex((h) => holds(h.index, q))));
  return out;
}
