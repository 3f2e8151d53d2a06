/**
 * The search engine over one loaded index: hybrid retrieval (BM25 + dense, fused by weighted
 * reciprocal rank), and sentence-level evidence scoring that answers and fact-checks share.
 * Immutable once built: a new index means a new Engine, swapped in atomically by the caller.
 */
import { Bm25Index } from './bm25';
import { Corpus } from './corpus';
import { extractFigures, isQuotable, unitFamily, type Figure } from './figures';
import type { Gazetteer } from './geo';
import type { EmbeddingsInterface } from '@langchain/core/embeddings';
import { LsaEmbeddings, type LsaModel } from './embed/lsa';
import type { Tokenizer, VectorSearch } from './ports';
import { analyzeQuery, Thesaurus, type QueryAnalysis } from './query';

export interface Passage {
  n: number;
  docId: string;
  title: string;
  start: number;
  end: number;
  quote: string;
  text: string;
  score: number;
}

export interface RetrievalSettings {
  /** Candidates taken from each retriever before fusion. */
  depth: number;
  /** Reciprocal-rank constant. */
  rrfK: number;
  bm25Weight: number;
  denseWeight: number;
  /** Multiplier for chunks outside the documents of a city the query names. */
  otherCityPenalty: number;
  /** Bonus for chunks holding a figure of the unit the query asks for. */
  unitBoost: number;
}

export const DEFAULT_RETRIEVAL: RetrievalSettings = { depth: 40, rrfK: 20, bm25Weight: 1, denseWeight: 0.5, otherCityPenalty: 0.25, unitBoost: 0.15 };

export interface RankedChunk {
  chunk: number;
  score: number;
}

export interface SentenceEvidence {
  sentence: number;
  /** Share of the query's term weight found in the sentence (context counts partly), 0..1. */
  coverage: number;
  /** coverage plus retrieval prior and figure bonuses; used for ranking. */
  score: number;
  figures: Figure[];
  /** The clause window (sentence-relative normalized offsets) that carries the answer. */
  focus: { start: number; end: number };
  /** Share of the question's weight in terms the corpus uses but this sentence and its context lack. */
  missing: number;
  /** Why a candidate cannot answer (wrong city, wrong year), if so. */
  rejected?: 'city' | 'year';
}

export interface EngineParts {
  corpus: Corpus;
  tokenizer: Tokenizer;
  bm25: Bm25Index;
  lsa: LsaModel;
  vectors: VectorSearch;
  gazetteer: Gazetteer;
  /** Embeds queries for the dense search; the LSA model unless the index used another embedder. */
  queryEmbedder?: EmbeddingsInterface;
  thesaurus?: Thesaurus;
  retrieval?: Partial<RetrievalSettings>;
}

export class Engine {
  readonly corpus: Corpus;
  readonly tokenizer: Tokenizer;
  readonly bm25: Bm25Index;
  readonly lsa: LsaModel;
  readonly vectors: VectorSearch;
  readonly gazetteer: Gazetteer;
  readonly settings: RetrievalSettings;
  readonly queryEmbedder: EmbeddingsInterface;
  readonly thesaurus: Thesaurus;
  private readonly sentenceTokens = new Map<number, Set<string>>();
  private readonly sentenceFigures = new Map<number, Figure[]>();
  private readonly chunkFigureUnits = new Map<number, Set<string>>();
  private readonly docCities: string[];
  private readonly maxIdf: number;

  constructor(parts: EngineParts) {
    this.corpus = parts.corpus;
    this.tokenizer = parts.tokenizer;
    this.bm25 = parts.bm25;
    this.lsa = parts.lsa;
    this.vectors = parts.vectors;
    this.gazetteer = parts.gazetteer;
    this.settings = { ...DEFAULT_RETRIEVAL, ...parts.retrieval };
    this.queryEmbedder = parts.queryEmbedder ?? new LsaEmbeddings(parts.lsa, parts.tokenizer);
    this.thesaurus = parts.thesaurus ?? new Thesaurus();
    this.docCities = this.corpus.documents.map((d) => d.city);
    this.maxIdf = Math.log(1 + (this.bm25.size + 0.5) / 0.5);
  }

  analyze(text: string): QueryAnalysis {
    return analyzeQuery(text, this.tokenizer, this.gazetteer, this.thesaurus);
  }

  /** Documents a query is restricted to by the cities it names; null when it names none we hold. */
  docsForCities(cities: string[]): Set<number> | null {
    if (cities.length === 0) return null;
    const docs = new Set<number>();
    this.docCities.forEach((c, i) => {
      if (cities.includes(c)) docs.add(i);
    });
    return docs.size > 0 ? docs : null;
  }

  /** Hybrid retrieval over chunks, best first, overlapping chunks removed. */
  async retrieve(q: QueryAnalysis, k: number, opts: { dense?: boolean; bm25?: boolean; boosts?: boolean } = {}): Promise<RankedChunk[]> {
    const s = this.settings;
    const useDense = opts.dense ?? true;
    const useBm25 = opts.bm25 ?? true;
    const fused = new Map<number, number>();
    if (useBm25) {
      const expanded = [...q.tokens, ...[...q.alternatives.values()].flat()];
      this.bm25.search(expanded, s.depth).forEach((hit, rank) => fused.set(hit.index, (fused.get(hit.index) ?? 0) + s.bm25Weight / (s.rrfK + rank + 1)));
    }
    if (useDense) {
      const vector = await this.queryEmbedder.embedQuery(q.normalized);
      const hits = await this.vectors.search(vector, s.depth);
      hits.forEach((hit, rank) => fused.set(hit.index, (fused.get(hit.index) ?? 0) + s.denseWeight / (s.rrfK + rank + 1)));
    }
    const maxPossible = ((useBm25 ? s.bm25Weight : 0) + (useDense ? s.denseWeight : 0)) / (s.rrfK + 1);
    const cityDocs = opts.boosts === false ? null : this.docsForCities(q.cities);
    const ranked: RankedChunk[] = [];
    for (const [chunk, raw] of fused) {
      let score = raw / maxPossible;
      if (opts.boosts !== false) {
        const doc = this.corpus.chunk(chunk).doc;
        if (cityDocs && !cityDocs.has(doc)) score *= s.otherCityPenalty;
        if (q.askedUnit && this.chunkUnits(chunk).has(q.askedUnit)) score *= 1 + s.unitBoost;
      }
      ranked.push({ chunk, score });
    }
    ranked.sort((a, b) => b.score - a.score || a.chunk - b.chunk);
    return this.dedupe(ranked).slice(0, k);
  }

  /** Drops a chunk when most of its sentences are already in a better-ranked one. */
  private dedupe(ranked: RankedChunk[]): RankedChunk[] {
    const taken = new Set<number>();
    const out: RankedChunk[] = [];
    for (const r of ranked) {
      const c = this.corpus.chunk(r.chunk);
      let overlap = 0;
      for (let i = c.first; i <= c.last; i++) if (taken.has(i)) overlap++;
      if (overlap * 2 > c.last - c.first + 1) continue;
      for (let i = c.first; i <= c.last; i++) taken.add(i);
      out.push(r);
    }
    return out;
  }

  private chunkUnits(chunk: number): Set<string> {
    let units = this.chunkFigureUnits.get(chunk);
    if (!units) {
      units = new Set(extractFigures(this.corpus.chunkText(chunk)).map(unitFamilyForQuestion));
      this.chunkFigureUnits.set(chunk, units);
    }
    return units;
  }

  tokensOfSentence(i: number): Set<string> {
    let t = this.sentenceTokens.get(i);
    if (!t) {
      t = new Set(this.tokenizer.tokenize(this.corpus.sentenceText(i)));
      this.sentenceTokens.set(i, t);
    }
    return t;
  }

  /** The figures an asked unit is checked against: ordinals too when the question asks 第几. */
  figuresFor(q: QueryAnalysis, i: number): Figure[] {
    return q.askedUnit === '第' ? [...this.figuresOfSentence(i), ...this.ordinalsOfSentence(i)] : this.figuresOfSentence(i);
  }

  figuresOfSentence(i: number): Figure[] {
    let f = this.sentenceFigures.get(i);
    if (!f) {
      f = extractFigures(this.corpus.sentenceText(i)).filter(isQuotable);
      this.sentenceFigures.set(i, f);
    }
    return f;
  }

  private readonly sentenceOrdinals = new Map<number, Figure[]>();

  /** Ordinals of a sentence (第三, 第五批): ranks that claims state and get wrong. */
  ordinalsOfSentence(i: number): Figure[] {
    let f = this.sentenceOrdinals.get(i);
    if (!f) {
      f = extractFigures(this.corpus.sentenceText(i)).filter((x) => x.kind === 'ordinal');
      this.sentenceOrdinals.set(i, f);
    }
    return f;
  }

  private readonly weights = new Map<string, number>();

  termWeight(term: string): number {
    let w = this.weights.get(term);
    if (w === undefined) {
      if (this.weights.size > 100_000) this.weights.clear();
      w = this.computeTermWeight(term);
      this.weights.set(term, w);
    }
    return w;
  }

  private computeTermWeight(term: string): number {
    // A word the corpus never uses is as often a paraphrase (减轻 for 减免) as a missing topic:
    // weigh it like an ordinary term, and let partial character credit do the rest.
    // Single characters (打, 发, 钱) are rarely what a question is about; they count half.
    const w = this.bm25.documentFrequency(term) > 0 ? this.bm25.idf(term) : this.maxIdf / 2;
    return term.length === 1 ? w / 2 : w;
  }

  /**
   * How much of the query's meaning a piece of text carries: each content term counts with its
   * IDF; found as a term or substring → 1, only in context → `contextCredit`, otherwise partial
   * credit for shared characters (paraphrases such as 退回/退还).
   */
  coverage(q: QueryAnalysis, tokens: Set<string>, text: string, context = '', contextCredit = 0.6, title = '', docText = ''): number {
    let total = 0;
    let found = 0;
    for (const term of q.contentTerms) {
      const w = this.termWeight(term) * titleDiscount(term, title);
      total += w;
      if (tokens.has(term) || has(q, term, text)) found += w;
      else if (context && has(q, term, context)) found += w * contextCredit;
      else if (q.setting.has(term) && docText && has(q, term, docText)) found += w * 0.6;
      else if (term.length >= 2) {
        let chars = 0;
        for (const ch of term) if (text.includes(ch)) chars++;
        found += w * 0.4 * (chars / term.length) * (chars >= 2 || term.length === 2 ? 1 : 0);
      }
    }
    return total > 0 ? found / total : 0;
  }

  /** Candidate sentences from the top chunks, scored as evidence for the query. */
  async evidence(q: QueryAnalysis, chunkDepth = 8): Promise<{ ranked: RankedChunk[]; sentences: SentenceEvidence[] }> {
    const ranked = await this.retrieve(q, chunkDepth);
    const cityDocs = this.docsForCities(q.cities);
    const seen = new Set<number>();
    const out: SentenceEvidence[] = [];
    ranked.forEach((r, rank) => {
      const c = this.corpus.chunk(r.chunk);
      for (let i = c.first; i <= c.last; i++) {
        if (seen.has(i)) continue;
        seen.add(i);
        out.push(this.scoreSentence(q, i, rank, cityDocs));
      }
    });
    out.sort((a, b) => b.score - a.score || a.sentence - b.sentence);
    return { ranked, sentences: out };
  }

  scoreSentence(q: QueryAnalysis, i: number, chunkRank: number, cityDocs: Set<number> | null): SentenceEvidence {
    const s = this.corpus.sentence(i);
    const doc = this.corpus.documents[s.doc];
    const text = this.corpus.sentenceText(i);
    const context = this.contextOf(i);
    const coverage = this.coverage(q, this.tokensOfSentence(i), text, context, 0.6, doc.title, doc.normalized);
    const figures = this.figuresFor(q, i);
    const focus = this.bestClause(q, i, context);
    let score = 0.35 * coverage + 0.65 * focus.score + 0.05 / (1 + chunkRank);
    if (!q.askedUnit && q.asksFigure) score += figures.length > 0 ? 0.05 : -0.15;
    // Headings and title lines (short, no closing punctuation) name topics; they rarely answer.
    if (text.length < 40 && !/[。！？!?；;:：]$/.test(text)) score -= 0.15;
    let rejected: SentenceEvidence['rejected'];
    if (q.cities.length > 0) {
      if (cityDocs ? !cityDocs.has(s.doc) : !q.cities.some((c) => text.includes(c) || doc.normalized.includes(c))) rejected = 'city';
    }
    if (!rejected && q.years.length > 0 && !this.yearFits(q.years, i)) rejected = 'year';
    // Near misses are judged on the sentence and the one before it: a paragraph's opening
    // ("狠抓食品、药品…") must not lend 药品 to a sentence about 食品抽检.
    const missing = this.missingShare(q, text, this.contextOf(i, 1), doc.normalized);
    return { sentence: i, coverage, score, figures, focus: focus.window, missing, ...(rejected ? { rejected } : {}) };
  }

  /**
   * How much of a clause is about the question: the share of its own term weight that the
   * question asks for. "新增“品字标”企业25家" is about 品字标, not about 服务企业.
   */
  purity(q: QueryAnalysis, piece: string): number {
    const asked = new Set(q.contentTerms);
    let total = 0;
    let matched = 0;
    for (const t of this.tokenSet(piece)) {
      if (/\d/.test(t)) continue;
      const w = this.termWeight(t);
      total += w;
      if (asked.has(t) || q.normalized.includes(t) || alternativesOf(q).has(t)) matched += w;
    }
    return total > 0 ? matched / total : 0;
  }

  /**
   * A term the corpus does use elsewhere, absent here, names something else (认证企业 is not 标准):
   * the clearest sign of a near miss. Words the corpus never uses are paraphrases and don't count.
   */
  missingShare(q: QueryAnalysis, text: string, context: string, docText = ''): number {
    let total = 0;
    let missing = 0;
    for (const term of q.contentTerms) {
      const w = this.termWeight(term) * (q.focus.get(term) ?? 1);
      total += w;
      if (this.bm25.documentFrequency(term) === 0) continue;
      // A setting term ("…的那个市，") may be anywhere in the document.
      if (!has(q, term, text) && !has(q, term, context) && !(q.setting.has(term) && has(q, term, docText))) missing += w;
    }
    return total > 0 ? missing / total : 0;
  }

  /**
   * The clause that best carries the question: its own terms count
   * fully, the rest of the sentence partly, the preceding text less. When the question asks for a
   * unit, the window must hold a figure of that unit — "服务企业1030次" does not answer "服务了多少家".
   */
  bestClause(q: QueryAnalysis, i: number, context: string): { score: number; window: { start: number; end: number } } {
    const text = this.corpus.sentenceText(i);
    const { title, normalized: docText } = this.corpus.documents[this.corpus.sentence(i).doc];
    const clauses = splitClauses(text);
    const figures = this.figuresFor(q, i);
    // A term sitting in another clause that states its own figure describes that figure
    // ("服务企业1030次"), so it lends this clause little.
    const boundElsewhere = (term: string) =>
      clauses.every((c) => !text.slice(c.start, c.end).includes(term) || figures.some((f) => f.start >= c.start && f.end <= c.end));
    let best = { score: -1, window: { start: 0, end: text.length } };
    for (let a = 0; a < clauses.length; a++) {
      for (let b = a; b <= a; b++) {
        const start = clauses[a].start;
        const end = clauses[b].end;
        const piece = text.slice(start, end);
        let total = 0;
        let found = 0;
        for (const term of q.contentTerms) {
          const w = this.termWeight(term) * titleDiscount(term, title);
          total += w;
          if (has(q, term, piece)) found += w;
          else if (has(q, term, text)) found += (boundElsewhere(term) ? 0.25 : 0.6) * w;
          else if (has(q, term, context)) found += 0.45 * w;
          else if (q.setting.has(term) && has(q, term, docText)) found += 0.45 * w;
          else if (term.length >= 2) found += w * 0.4 * partialChars(term, piece);
        }
        let score = total > 0 ? found / total : 0;
        score += 0.2 * this.purity(q, piece);
        const inside = figures.filter((f) => f.start >= start && f.end <= end);
        if (q.askedUnit) score += inside.some((f) => unitFamilyForQuestion(f) === q.askedUnit) ? 0.15 : -0.5;
        else if (q.asksFigure) score += inside.length > 0 ? 0.05 : -0.05;
        if (score > best.score) best = { score, window: { start, end } };
      }
    }
    return best;
  }

  /** The text just before a sentence: the subject or period it inherits ("2021年，…。一是…"). */
  contextOf(i: number, sentences = 3): string {
    const s = this.corpus.sentence(i);
    const doc = this.corpus.documents[s.doc];
    let from = s.normStart;
    for (let j = i - 1; j >= 0 && j >= i - sentences; j--) {
      const p = this.corpus.sentence(j);
      if (p.doc !== s.doc) break;
      from = p.normStart;
    }
    return doc.title + '\n' + doc.normalized.slice(from, s.normStart);
  }

  /**
   * A year the question names must be the sentence's year: stated in it, or, when it states
   * none, the last year stated before it in the document ("2021年，…。一是…。二是…"). A sentence
   * about another year does not answer.
   */
  private yearFits(years: number[], i: number): boolean {
    const own = this.yearsOfSentence(i);
    if (own.length > 0) return own.some((y) => years.includes(y));
    const previous = this.yearInForce(i);
    if (previous !== null) return years.includes(previous);
    const main = this.mainYear(this.corpus.sentence(i).doc);
    return main === null || years.includes(main);
  }

  private readonly docMainYear = new Map<number, number | null>();

  /** The year a document mostly speaks of (most mentioned; the later one on a tie). */
  mainYear(doc: number): number | null {
    if (this.docMainYear.has(doc)) return this.docMainYear.get(doc)!;
    const counts = new Map<number, number>();
    for (const y of yearsIn(this.corpus.documents[doc].normalized)) counts.set(y, (counts.get(y) ?? 0) + 1);
    const best = [...counts.entries()].sort((a, b) => b[1] - a[1] || b[0] - a[0])[0];
    const year = best ? best[0] : null;
    this.docMainYear.set(doc, year);
    return year;
  }

  private readonly sentenceYears = new Map<number, number[]>();
  private readonly yearBefore = new Map<number, number | null>();

  yearsOfSentence(i: number): number[] {
    let y = this.sentenceYears.get(i);
    if (!y) {
      y = yearsIn(this.corpus.sentenceText(i));
      this.sentenceYears.set(i, y);
    }
    return y;
  }

  /** The last year stated before sentence i in its document (within ~1,500 characters), if any. */
  yearInForce(i: number): number | null {
    const cached = this.yearBefore.get(i);
    if (cached !== undefined) return cached;
    const s = this.corpus.sentence(i);
    let found: number | null = null;
    for (let j = i - 1; j >= 0; j--) {
      const p = this.corpus.sentence(j);
      if (p.doc !== s.doc || s.normStart - p.normEnd > 1500) break;
      const ys = this.yearsOfSentence(j);
      if (ys.length > 0) {
        found = ys[ys.length - 1];
        break;
      }
    }
    this.yearBefore.set(i, found);
    return found;
  }

  private readonly textTokens = new Map<string, Set<string>>();

  /** Token sets of clauses and claims, cached: the same clauses come back query after query. */
  tokenSet(text: string): Set<string> {
    let t = this.textTokens.get(text);
    if (!t) {
      if (this.textTokens.size > 50_000) this.textTokens.clear();
      t = new Set(this.tokenizer.tokenize(text));
      this.textTokens.set(text, t);
    }
    return t;
  }

  /** A passage for a sentence range (inclusive), with exact original offsets. */
  passage(firstSentence: number, lastSentence: number, n: number, score: number): Passage {
    const a = this.corpus.sentence(firstSentence);
    const b = this.corpus.sentence(lastSentence);
    const doc = this.corpus.documents[a.doc];
    return {
      n,
      docId: doc.docId,
      title: doc.title,
      start: a.start,
      end: b.end,
      quote: doc.original.slice(a.start, b.end),
      text: doc.normalized.slice(a.normStart, b.normEnd),
      score: round(score),
    };
  }

  chunkPassage(chunk: number, n: number, score: number): Passage {
    const c = this.corpus.chunk(chunk);
    return this.passage(c.first, c.last, n, score);
  }

  /** `/api/search`: ranked chunk passages. */
  /**
   * `/api/search`: ranked chunk passages. The fused ranking is re-ordered by the best sentence
   * evidence inside each of the top chunks — the scoring answers use — so that the passage that
   * answers comes first; the rest keep their fused order.
   */
  async search(query: string, k: number, rerankDepth = 10): Promise<Passage[]> {
    const q = this.analyze(query);
    const ranked = await this.retrieve(q, Math.max(k, rerankDepth));
    const cityDocs = this.docsForCities(q.cities);
    const head = ranked.slice(0, rerankDepth).map((r, rank) => {
      const c = this.corpus.chunk(r.chunk);
      let best = -Infinity;
      for (let i = c.first; i <= c.last; i++) {
        const e = this.scoreSentence(q, i, rank, cityDocs);
        best = Math.max(best, e.rejected ? e.score - 1 : e.score);
      }
      return { ...r, evidence: best };
    });
    const combined = head.map((r) => ({ chunk: r.chunk, score: Math.max(0, r.evidence + 0.2 * r.score) }));
    combined.sort((a, b) => b.score - a.score || a.chunk - b.chunk);
    // Below the re-ranked head, the fused order continues with scores kept under the head's.
    const floor = combined.length ? combined[combined.length - 1].score : 1;
    const tailTop = ranked[rerankDepth]?.score ?? 1;
    const tail = ranked.slice(rerankDepth).map((r) => ({ chunk: r.chunk, score: (floor * r.score) / (tailTop || 1) * 0.99 }));
    return [...combined, ...tail].slice(0, k).map((r, i) => this.chunkPassage(r.chunk, i + 1, r.score));
  }
}

export function round(x: number): number {
  return Math.round(x * 10000) / 10000;
}

/** Years a text mentions, in order: 2022年, 2022-2024年, 2022年8月, and bare 2021 in "2021民生". */
function yearsIn(text: string): number[] {
  return extractFigures(text).flatMap((f) => {
    if (f.kind === 'year') return [f.value, ...(f.upper !== undefined ? rangeYears(f.value, f.upper) : [])];
    if (f.kind === 'date' && f.value > 10000) return [Math.floor(f.value / 10000)];
    if (f.kind === 'number' && f.unit === '' && Number.isInteger(f.value) && f.value >= 1990 && f.value <= 2100 && /^\d{4}$/.test(f.raw)) return [f.value];
    return [];
  });
}

function partialChars(term: string, text: string): number {
  let chars = 0;
  for (const ch of term) if (text.includes(ch)) chars++;
  return chars >= 2 || term.length === 2 ? chars / term.length : 0;
}

const CLAUSE_END = /[，,；;：:]/;

/** Clause spans of a sentence, split at commas and semicolons but not inside 2,000. */
export function splitClauses(text: string): Array<{ start: number; end: number }> {
  const out: Array<{ start: number; end: number }> = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (CLAUSE_END.test(text[i]) && !(/\d/.test(text[i - 1] ?? '') && /\d/.test(text[i + 1] ?? ''))) {
      out.push({ start, end: i + 1 });
      start = i + 1;
    }
  }
  if (start < text.length) out.push({ start, end: text.length });
  return out;
}

function rangeYears(a: number, b: number): number[] {
  const out: number[] = [];
  for (let y = a + 1; y <= b && y - a < 50; y++) out.push(y);
  return out;
}

/** The unit family as questions name it: 户, 家, %, 元, date (years and dates together). */
export function unitFamilyForQuestion(f: Figure): string {
  const u = unitFamily(f);
  return u === 'year' ? 'date' : u;
}

/** A query term, or one of its thesaurus alternatives, occurs in the text. */
function has(q: QueryAnalysis, term: string, text: string): boolean {
  if (text.includes(term)) return true;
  const alts = q.alternatives.get(term);
  return !!alts && alts.some((a) => text.includes(a));
}

/**
 * Words of a document's title name the document ("助推都市圈…的那份发言"): they pick the document,
 * every sentence of it inherits them, so within it they say little about which sentence answers.
 */
function titleDiscount(term: string, title: string): number {
  return title && term.length >= 2 && title.includes(term) ? 0.3 : 1;
}

const alternativeSets = new WeakMap<QueryAnalysis, Set<string>>();

/** Every thesaurus alternative of a query's terms, computed once per query. */
function alternativesOf(q: QueryAnalysis): Set<string> {
  let set = alternativeSets.get(q);
  if (!set) {
    set = new Set([...q.alternatives.values()].flat());
    alternativeSets.set(q, set);
  }
  return set;
}
