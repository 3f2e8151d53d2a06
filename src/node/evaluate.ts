/**
 * Evaluation over the HTTP contract: answer accuracy, citation hit@5, search MRR@10, abstention
 * accuracy (by question type), verdict accuracy for claims, exact-quote checks, latency.
 * Used by `npm run eval` (over loopback HTTP) and by the tests (in-process).
 */
import { normalizeQuery } from '../core/normalize';

export interface EvalQuestion {
  id: string;
  question: string;
  docId: string | null;
  answer: string | null;
  evidence: string | null;
  type: string;
}

export interface EvalClaim {
  id: string;
  claim: string;
  verdict: 'supported' | 'contradicted' | 'not_found';
  docId: string | null;
  evidence: string | null;
  correct: string | null;
}

type Fetch = (path: string, init?: RequestInit) => Promise<Response>;

interface PassageLike {
  docId: string;
  start: number;
  end: number;
  quote: string;
  text: string;
}

const canon = (s: string) => normalizeQuery(s).replace(/[\s,，]/g, '');

export interface QuestionResult {
  id: string;
  type: string;
  answerable: boolean;
  correct: boolean;
  hit5: boolean;
  reciprocalRank: number;
  abstained: boolean;
  ms: number;
  answer: string;
}

export interface EvalReport {
  questions: QuestionResult[];
  answerAccuracy: number;
  citationHit5: number;
  mrr10: number;
  abstentionAccuracy: number;
  falseAbstentions: number;
  quoteMismatches: number;
  byType: Record<string, { n: number; correct: number }>;
  askP50: number;
  askP95: number;
  claims?: { n: number; correct: number; accuracy: number; contradictedWithFigure: number; contradicted: number; results: Array<{ id: string; expected: string; got: string; ok: boolean }> };
}

const holds = (p: PassageLike, docId: string | null, evidence: string | null) => !!docId && !!evidence && p.docId === docId && canon(p.text).includes(canon(evidence));

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

async function post(fetchFn: Fetch, path: string, body: unknown): Promise<any> {
  const res = await fetchFn(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${path} → ${res.status}: ${await res.text()}`);
  return res.json();
}

export async function evaluate(fetchFn: Fetch, questions: EvalQuestion[], claims: EvalClaim[] = []): Promise<EvalReport> {
  const originals = new Map<string, string>();
  const original = async (docId: string) => {
    if (!originals.has(docId)) originals.set(docId, (await (await fetchFn(`/api/documents/${docId}`)).json()).text);
    return originals.get(docId)!;
  };
  let quoteMismatches = 0;
  const checkQuotes = async (ps: PassageLike[]) => {
    for (const p of ps) if ((await original(p.docId)).slice(p.start, p.end) !== p.quote) quoteMismatches++;
  };
  const results: QuestionResult[] = [];
  for (const q of questions) {
    const t0 = performance.now();
    const ask = await post(fetchFn, '/api/ask', { question: q.question });
    const ms = performance.now() - t0;
    const search = await post(fetchFn, '/api/search', { query: q.question, k: 10 });
    await checkQuotes(ask.citations);
    await checkQuotes(search.results);
    const answerable = q.answer !== null;
    const correct = answerable ? !ask.abstained && canon(ask.answer).includes(canon(q.answer!)) : ask.abstained;
    const hit5 = answerable && ask.citations.slice(0, 5).some((c: PassageLike) => holds(c, q.docId, q.evidence));
    const rank = search.results.findIndex((r: PassageLike) => holds(r, q.docId, q.evidence));
    results.push({ id: q.id, type: q.type, answerable, correct, hit5, reciprocalRank: rank >= 0 ? 1 / (rank + 1) : 0, abstained: ask.abstained, ms, answer: ask.answer });
  }
  const answerable = results.filter((r) => r.answerable);
  const unanswerable = results.filter((r) => !r.answerable);
  const byType: EvalReport['byType'] = {};
  for (const r of results) {
    byType[r.type] ??= { n: 0, correct: 0 };
    byType[r.type].n++;
    if (r.correct) byType[r.type].correct++;
  }
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 1);
  const report: EvalReport = {
    questions: results,
    answerAccuracy: mean(answerable.map((r) => Number(r.correct))),
    citationHit5: mean(answerable.map((r) => Number(r.hit5))),
    mrr10: mean(answerable.map((r) => r.reciprocalRank)),
    abstentionAccuracy: mean(unanswerable.map((r) => Number(r.correct))),
    falseAbstentions: answerable.filter((r) => r.abstained).length,
    quoteMismatches,
    byType,
    askP50: percentile(results.map((r) => r.ms), 50),
    askP95: percentile(results.map((r) => r.ms), 95),
  };
  if (claims.length > 0) {
    const out: Array<{ id: string; expected: string; got: string; ok: boolean }> = [];
    let contradictedWithFigure = 0;
    for (const c of claims) {
      const r = await post(fetchFn, '/api/verify', { claim: c.claim });
      await checkQuotes(r.evidence);
      let ok = r.verdict === c.verdict;
      if (ok && c.verdict === 'contradicted' && c.correct) {
        const figure = canon(c.correct).replace(/底$/, '');
        const has = r.evidence.some((e: PassageLike) => canon(e.text).includes(figure));
        if (has) contradictedWithFigure++;
        ok = has;
      }
      out.push({ id: c.id, expected: c.verdict, got: r.verdict, ok });
    }
    const correct = out.filter((o) => o.ok).length;
    report.claims = { n: claims.length, correct, accuracy: correct / claims.length, contradictedWithFigure, contradicted: claims.filter((c) => c.verdict === 'contradicted').length, results: out };
  }
  return report;
}

export function formatReport(r: EvalReport): string {
  const pct = (x: number) => x.toFixed(3);
  const lines = [
    `questions: ${r.questions.length} (answerable ${r.questions.filter((q) => q.answerable).length}, unanswerable ${r.questions.filter((q) => !q.answerable).length})`,
    `answer accuracy   ${pct(r.answerAccuracy)}`,
    `citation hit@5    ${pct(r.citationHit5)}`,
    `search MRR@10     ${pct(r.mrr10)}`,
    `abstention acc.   ${pct(r.abstentionAccuracy)}  (false abstentions on answerable: ${r.falseAbstentions})`,
    `quote mismatches  ${r.quoteMismatches}`,
    `ask latency       p50 ${r.askP50.toFixed(1)} ms, p95 ${r.askP95.toFixed(1)} ms`,
    'by type:',
    ...Object.entries(r.byType).map(([t, v]) => `  ${t.padEnd(12)} ${v.correct}/${v.n}`),
  ];
  if (r.claims) {
    lines.push(`claims: verdict accuracy ${pct(r.claims.accuracy)} (${r.claims.correct}/${r.claims.n}); contradicted with the document's figure in evidence: ${r.claims.contradictedWithFigure}/${r.claims.contradicted}`);
    for (const c of r.claims.results.filter((x) => !x.ok)) lines.push(`  ✗ ${c.id}: expected ${c.expected}, got ${c.got}`);
  }
  for (const q of r.questions.filter((x) => !x.correct)) lines.push(`  ✗ ${q.id} (${q.type}): ${q.answer.slice(0, 80)}`);
  return lines.join('\n');
}
