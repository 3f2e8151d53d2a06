/**
 * Fact-checking a claim against the documents: its figures are aligned with the figures of the
 * passages that state the same indicator for the same subject, and the verdict follows:
 * supported (same value at the claim's precision, hedges respected), contradicted (another
 * value, or the figure belongs to another city or year), or not_found.
 */
import type { Engine, Passage, SentenceEvidence } from './engine';
import { splitClauses, unitFamilyForQuestion } from './engine';
import { isQuotable, sameQuantity, unitFamily, type Figure } from './figures';
import { MEASURE_WORDS, type QueryAnalysis } from './query';

export type Verdict = 'supported' | 'contradicted' | 'not_found';

export interface FigureCheck {
  claimed: string;
  found: string | null;
  match: boolean;
}

export interface VerifyResponse {
  verdict: Verdict;
  figures: FigureCheck[];
  evidence: Passage[];
  explanation: string;
}

export interface VerifySettings {
  /** Coverage a passage needs to be about the claim's indicator and subject. */
  minCoverage: number;
  /** Coverage a claim without figures needs to count as stated. */
  minStatementCoverage: number;
  maxMissing: number;
}

export const DEFAULT_VERIFY: VerifySettings = { minCoverage: 0.6, minStatementCoverage: 0.8, maxMissing: 0.15 };

interface Alignment {
  evidence: SentenceEvidence;
  checks: Array<{ claimed: Figure; found: Figure | null; match: boolean }>;
  /** How well the aligned figures' clauses match the claim. */
  fit: number;
}

/** The figures a claim asserts: its non-period figures, or its years when it states nothing else. */
export function claimedFigures(q: QueryAnalysis): Figure[] {
  // Ordinals count in claims: "全省第一" vs "全省第三", "第三批" vs "第五批".
  const quotable = q.figures.filter((f) => isQuotable(f) || f.kind === 'ordinal');
  const nonYear = quotable.filter((f) => f.kind !== 'year');
  return nonYear.length > 0 ? nonYear : quotable;
}

/** How well an alignment's figures sit in clauses that say what the claim says. */
function a_fit(a: Alignment): number {
  return a.fit;
}

function matches(claimed: Figure, found: Figure): boolean {
  if (claimed.qualifier === 'over') return found.value >= claimed.value;
  if (claimed.qualifier === 'plus') {
    // "70余家" is seventy-something: from 70 up to the next step of its last significant digit.
    const integer = String(Math.round(claimed.value / (claimed.precision || 1)));
    const zeros = integer.length - integer.replace(/0+$/, '').length;
    const step = Math.pow(10, zeros) * (claimed.precision || 1);
    return unitFamily(claimed) === unitFamily(found) && found.value >= claimed.value && found.value < claimed.value + step;
  }
  if (claimed.qualifier === 'under') return found.value <= claimed.value;
  if (claimed.qualifier === 'approx') {
    return unitFamilyForQuestion(claimed) === unitFamilyForQuestion(found) && Math.abs(found.value - claimed.value) <= Math.max(claimed.precision, Math.abs(claimed.value) * 0.05);
  }
  return sameQuantity(claimed, found);
}

export async function verifyClaim(engine: Engine, claim: string, settings: VerifySettings = DEFAULT_VERIFY): Promise<VerifyResponse> {
  const q0 = engine.analyze(claim);
  const claimed = claimedFigures(q0);
  const yearsAreTheClaim = claimed.length > 0 && claimed.every((f) => f.kind === 'year');
  // A claim's years are a constraint on where to look unless the years are what it claims.
  // The claim's figure plays the part of the question's 多少: its unit steers the evidence to
  // clauses that state a figure of that unit.
  const families = [...new Set(claimed.map((f) => unitFamilyForQuestion(f)))];
  const steered: QueryAnalysis = families.length === 1 && claimed[0].kind !== 'ordinal' ? { ...q0, askedUnit: families[0], asksFigure: true } : q0;
  const q: QueryAnalysis = yearsAreTheClaim ? { ...steered, years: [] } : steered;
  const { sentences } = await engine.evidence(q, 10);
  const about = sentences.filter((s) => s.coverage >= settings.minCoverage && s.missing <= settings.maxMissing);

  if (claimed.length === 0) {
    // A statement without figures must be made by one sentence: every term the corpus knows is
    // in that sentence itself ("省政府质量奖" does not state "国家质量奖").
    const best = about.find(
      (s) => !s.rejected && s.coverage >= settings.minStatementCoverage && engine.missingShare(q, engine.corpus.sentenceText(s.sentence), '') === 0,
    );
    if (best) {
      return { verdict: 'supported', figures: [], evidence: [engine.passage(best.sentence, best.sentence, 1, best.score)], explanation: `文件中有相同的表述：“${clip(engine.corpus.sentenceText(best.sentence))}”` };
    }
    return { verdict: 'not_found', figures: [], evidence: [], explanation: '文件中没有找到与这一说法对应的表述。' };
  }

  const alignments = about.map((s) => align(engine, q, s, claimed)).filter((a): a is Alignment => a !== null);
  // Where the claim's figure sits (its clause) matters more than how well the sentence matches overall.
  const fits = (a: Alignment) => 2 * a.fit + a.evidence.score;
  alignments.sort((a, b) => fits(b) - fits(a));

  // The sentence that states the claim's indicator best decides: a matching figure elsewhere
  // ("到2035年，…跻身全国先进") does not support a claim about another statement ("到2027年…").
  const supported = alignments.find((a) => !a.evidence.rejected && a.checks.every((c) => c.match));
  const against = alignments.find((a) => !a.evidence.rejected && a.checks.some((c) => c.found && !c.match));
  if (supported && (!against || a_fit(supported) >= a_fit(against) - 0.05)) return respond(engine, 'supported', supported, claimed);

  // The same figure stated for another city or another year: the claim moves it. Look beyond
  // the claim's city too, since retrieval favoured that city's documents.
  let misattributed = alignments.find((a) => a.evidence.rejected && a.checks.every((c) => c.match) && a.evidence.coverage >= 0.75);
  if (!misattributed && q.cities.length > 0) {
    const anywhere = { ...q, cities: [] };
    const { sentences: more } = await engine.evidence(anywhere, 10);
    const cityDocs = engine.docsForCities(q.cities);
    misattributed = more
      .filter((s) => s.coverage >= 0.75 && s.missing <= settings.maxMissing && !cityDocs?.has(engine.corpus.sentence(s.sentence).doc))
      .map((s) => align(engine, anywhere, { ...s, rejected: 'city' }, claimed))
      .find((a): a is Alignment => a !== null && a.checks.every((c) => c.match));
  }
  const conflicting = alignments.find((a) => !a.evidence.rejected && a.checks.some((c) => c.found && !c.match));
  if (conflicting && (!misattributed || fits(conflicting) >= fits(misattributed))) return respond(engine, 'contradicted', conflicting, claimed);
  if (misattributed) {
    // The figure is another city's. Show, first, what the claim's own city's documents state for
    // the same indicator, when they state it (looser bar: the indicator is already identified).
    const own = sentences
      .filter((s) => !s.rejected && s.coverage >= 0.5)
      .map((s) => align(engine, q, s, claimed))
      .filter((a): a is Alignment => a !== null && a.fit >= 0.5 && a.checks.some((c) => c.found && !c.match))
      .sort((a, b) => fits(b) - fits(a))[0];
    const res = respond(engine, 'contradicted', misattributed, claimed);
    if (!own) return res;
    const primary = respond(engine, 'contradicted', own, claimed);
    return {
      ...primary,
      evidence: [...primary.evidence, ...res.evidence.map((e) => ({ ...e, n: primary.evidence.length + e.n }))],
      explanation: `${primary.explanation}${res.explanation}`,
    };
  }
  return {
    verdict: 'not_found',
    figures: claimed.map((c) => ({ claimed: c.raw, found: null, match: false })),
    evidence: [],
    explanation: `文件中没有找到关于这一数据（${claimed.map((c) => c.raw).join('、')}）的表述。`,
  };
}

/** Pairs each claimed figure with the sentence figure of its unit whose clause best fits the claim. */
function align(engine: Engine, q: QueryAnalysis, s: SentenceEvidence, claimed: Figure[]): Alignment | null {
  const text = engine.corpus.sentenceText(s.sentence);
  const clauses = splitClauses(text);
  const docFigures = [...engine.figuresOfSentence(s.sentence), ...engine.ordinalsOfSentence(s.sentence)];
  const checks: Alignment['checks'] = [];
  let fit = 0;
  for (const c of claimed) {
    const family = unitFamily(c);
    const candidates = docFigures.filter((f) => unitFamily(f) === family && (f.kind !== 'count' || f.unit === c.unit));
    if (candidates.length === 0) {
      checks.push({ claimed: c, found: null, match: false });
      continue;
    }
    const claimContext = clauseAround(q.normalized, c);
    const scored = candidates.map((f) => {
      // The figure's clause and its neighbours: "1月28日," often leads the clause it dates.
      const at = Math.max(0, clauses.findIndex((cl) => f.start >= cl.start && f.end <= cl.end));
      const own = text.slice(clauses[at].start, clauses[at].end);
      // Neighbouring clauses lend their words ("1月28日," leads the clause it dates) unless they
      // state a figure of their own, which their words describe instead.
      const free = (k: number) => k >= 0 && k < clauses.length && !docFigures.some((g) => g.start >= clauses[k].start && g.end <= clauses[k].end);
      const around = [at - 1, at, at + 1].filter((k) => k === at || free(k)).map((k) => text.slice(clauses[k].start, clauses[k].end)).join('');
      const score = Math.max(overlap(engine, claimContext, own), 0.7 * overlap(engine, claimContext, around));
      return { f, score, equal: matches(c, f) };
    });
    scored.sort((a, b) => b.score - a.score || Number(b.equal) - Number(a.equal));
    const top = scored[0];
    const equal = scored.find((x) => x.equal && x.score >= top.score - 0.15);
    const chosen = equal ?? top;
    checks.push({ claimed: c, found: chosen.f, match: chosen.equal });
    fit += chosen.score;
  }
  if (checks.every((c) => c.found === null)) return null;
  return { evidence: s, checks, fit: fit / claimed.length };
}

/** The claim clause a figure sits in, minus the figure: what the figure is said about. */
function clauseAround(text: string, f: Figure): string {
  const clauses = splitClauses(text);
  const c = clauses.find((cl) => f.start >= cl.start && f.end <= cl.end) ?? { start: 0, end: text.length };
  return text.slice(c.start, f.start) + text.slice(f.end, c.end);
}

/** Weighted share of the claim clause's terms found in a document clause. */
function overlap(engine: Engine, claimClause: string, docClause: string): number {
  // Longest terms first; a found compound (市场主体) stands for its search-mode parts (市场, 主体,
  // 场主), which would otherwise count it four times over a distinguishing word like 总量.
  const terms = [...engine.tokenSet(claimClause)].filter((t) => !/\d/.test(t)).sort((a, b) => b.length - a.length || (a < b ? -1 : 1));
  const covered: string[] = [];
  let total = 0;
  let found = 0;
  for (const t of terms) {
    if (covered.some((c) => c.includes(t))) continue;
    // The city is checked on its own; words that measure (拥有量) rather than name an indicator count little.
    if (engine.gazetteer.citiesIn(t).length > 0) continue;
    const w = engine.termWeight(t) * (MEASURE_WORDS.has(t) ? 0.3 : 1);
    total += w;
    if (docClause.includes(t)) {
      found += w;
      covered.push(t);
    }
  }
  return total > 0 ? found / total : 0;
}

function respond(engine: Engine, verdict: Verdict, a: Alignment, claimed: Figure[]): VerifyResponse {
  const figures = claimed.map((c) => {
    const check = a.checks.find((x) => x.claimed === c)!;
    return { claimed: c.raw, found: check.found?.raw ?? null, match: check.match };
  });
  const evidence = [engine.passage(a.evidence.sentence, a.evidence.sentence, 1, a.evidence.score)];
  const doc = engine.corpus.documents[engine.corpus.sentence(a.evidence.sentence).doc];
  let explanation: string;
  if (verdict === 'supported') {
    explanation = `文件称${figures.map((f) => f.found).join('、')}，与说法一致。`;
  } else if (a.evidence.rejected === 'city') {
    explanation = `文件中的${figures.map((f) => f.found).join('、')}是${doc.city === '未具名' ? '另一城市' : doc.city}的数据，而非说法所指的城市。`;
  } else if (a.evidence.rejected === 'year') {
    explanation = `文件中的${figures.map((f) => f.found).join('、')}属于另一年份，与说法所指年份不符。`;
  } else {
    const wrong = figures.filter((f) => f.found && !f.match);
    explanation = `文件称${wrong.map((f) => f.found).join('、')}，而非${wrong.map((f) => f.claimed).join('、')}。`;
  }
  return { verdict, figures, evidence, explanation };
}

function clip(s: string, n = 60): string {
  return s.length > n ? `${s.slice(0, n)}…` : s;
}
