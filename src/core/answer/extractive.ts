/**
 * The offline answerer: picks the one to three sentences that answer the question, quotes the
 * clauses that matter with [n] markers, and abstains when no sentence carries enough of the
 * question. Deterministic: the same question and index always give the same answer.
 */
import type { Engine, Passage, SentenceEvidence } from '../engine';
import { round, splitClauses, unitFamilyForQuestion } from '../engine';
import type { QueryAnalysis } from '../query';
import { simplifiedToTraditional } from '../script';
import { rewriteFollowUp } from './followup';
import type { Answerer, AskResponse } from './types';

export interface ExtractiveSettings {
  /** Minimum coverage of the question's terms for the best sentence to be an answer. */
  minCoverage: number;
  /** A further sentence joins the answer when its score is this close to the best one. */
  secondSentenceRatio: number;
  maxAnswerSentences: number;
  /** Maximum share of question weight in corpus terms the sentence lacks (near misses). */
  maxMissing: number;
  /** Sentences longer than this are cut down to their best clauses. */
  maxSnippetChars: number;
}

export const DEFAULT_EXTRACTIVE: ExtractiveSettings = { minCoverage: 0.56, secondSentenceRatio: 0.97, maxAnswerSentences: 3, maxSnippetChars: 90, maxMissing: 0.19 };

export function abstentionText(q: QueryAnalysis): string {
  // The question is not echoed back: it may carry figures the documents never state.
  const text = '文件中没有找到能回答这个问题的信息。';
  return q.script === 'traditional' ? simplifiedToTraditional(text) : text;
}

/** The evidence an answer can stand on: not rejected, and covering enough of the question. */
export function answerableEvidence(q: QueryAnalysis, sentences: SentenceEvidence[], settings = DEFAULT_EXTRACTIVE): SentenceEvidence[] {
  return sentences.filter((s) => !s.rejected && s.coverage >= settings.minCoverage && (!q.asksFigure || s.missing <= settings.maxMissing) && (!q.askedUnit || s.figures.some((f) => unitFamilyForQuestion(f) === q.askedUnit)));
}

export async function answerExtractive(engine: Engine, question: string, topK = 5, settings: ExtractiveSettings = DEFAULT_EXTRACTIVE): Promise<AskResponse> {
  const q = engine.analyze(question);
  const { ranked, sentences } = await engine.evidence(q);
  const usable = answerableEvidence(q, sentences, settings);
  if (usable.length === 0) {
    // Nothing answers: show the closest passages, uncited, so the reader can look for themselves.
    const closest = ranked.slice(0, Math.min(3, topK)).map((r, i) => engine.chunkPassage(r.chunk, i + 1, r.score));
    return { answer: abstentionText(q), mode: 'extractive', abstained: true, citations: closest };
  }
  const best = usable[0];
  const chosen: SentenceEvidence[] = [best];
  for (const s of usable.slice(1)) {
    if (chosen.length >= settings.maxAnswerSentences) break;
    if (s.score < best.score * settings.secondSentenceRatio) continue;
    // A sentence restating figures already quoted (a transcript repeating its numbers) adds nothing.
    const known = new Set(chosen.flatMap((c) => c.figures.map((f) => f.raw)));
    if (s.figures.length > 0 && s.figures.every((f) => known.has(f.raw))) continue;
    chosen.push(s);
  }
  // Keep document order within the answer so that it reads naturally.
  chosen.sort((a, b) => a.sentence - b.sentence);
  const citations: Passage[] = [];
  const parts: string[] = [];
  chosen.forEach((s, i) => {
    const n = i + 1;
    citations.push(engine.passage(s.sentence, s.sentence, n, s.score));
    parts.push(`${snippet(engine, q, s, settings.maxSnippetChars)}[${n}]`);
  });
  // Further context passages (not cited in the answer) up to topK, for the reader to check.
  for (const r of ranked) {
    if (citations.length >= topK) break;
    const c = engine.corpus.chunk(r.chunk);
    if (chosen.some((s) => s.sentence >= c.first && s.sentence <= c.last)) continue;
    citations.push(engine.chunkPassage(r.chunk, citations.length + 1, r.score));
  }
  let answer = parts.join('');
  if (q.script === 'traditional') answer = simplifiedToTraditional(answer);
  return { answer, mode: 'extractive', abstained: false, citations: citations.map((c) => ({ ...c, score: round(c.score) })) };
}

/** The clauses of a sentence that carry the answer, ending in sentence punctuation. */
export function snippet(engine: Engine, q: QueryAnalysis, evidence: SentenceEvidence, maxChars: number): string {
  const text = engine.corpus.sentenceText(evidence.sentence);
  let result = text;
  if (text.length > maxChars) {
    const clauses = splitClauses(text);
    let lo = clauses.findIndex((c) => c.end > evidence.focus.start);
    let hi = clauses.findIndex((c) => c.end >= evidence.focus.end);
    if (lo < 0) lo = 0;
    if (hi < lo) hi = lo;
    // Grow around the focus while it stays short: a bare "净增7.06万户" needs its subject.
    while (clauses[hi].end - clauses[lo].start < 24 && (lo > 0 || hi < clauses.length - 1)) {
      if (lo > 0) lo--;
      else hi++;
    }
    result = text.slice(clauses[lo].start, clauses[hi].end);
  }
  result = result.replace(/[，,；;：:、\s]+$/u, '');
  return /[。！？!?]$/.test(result) ? result : `${result}。`;
}

/** Streams an answer clause by clause. */
export function streamPieces(answer: string): string[] {
  return answer.match(/[^，,。；;]+[，,。；;]?/g) ?? [answer];
}

/**
 * The extractive answerer behind the Answerer port; streams its answer clause by clause. A
 * follow-up ("那青岛呢？") is first made standalone by carrying over the previous question's subject.
 */
export const extractiveAnswerer: Answerer = {
  id: 'extractive',
  async ask(engine, req, stream) {
    const history = req.history ?? [];
    const question = history.length > 0 ? rewriteFollowUp(engine.gazetteer, req.question, history).question : req.question;
    const res = await answerExtractive(engine, question, req.topK);
    stream?.onCitations?.(res.citations);
    if (stream?.onDelta) for (const piece of streamPieces(res.answer)) stream.onDelta(piece);
    return history.length > 0 ? { ...res, rewrittenQuestion: question } : res;
  },
};
