import { beforeAll, describe, expect, it } from 'vitest';
import { evaluate, formatReport, type EvalClaim, type EvalQuestion, type EvalReport } from '../src/node/evaluate';
import { readJsonl, runtime } from './helpers';

let report: EvalReport;

beforeAll(async () => {
  const rt = await runtime();
  const fetchFn = async (path: string, init?: RequestInit) => rt.app.request(path, init);
  const questions = [...readJsonl<EvalQuestion>('./eval/dev-questions.jsonl'), ...readJsonl<EvalQuestion>('./eval/own-questions.jsonl')];
  const claims = [...readJsonl<EvalClaim>('./eval/dev-claims.jsonl'), ...readJsonl<EvalClaim>('./eval/own-claims.jsonl')];
  report = await evaluate(fetchFn, questions, claims);
  console.log(formatReport(report));
});

describe('evaluation on the dev set and our own questions (floors from the issues)', () => {
  it('answer accuracy ≥ 0.9', () => expect(report.answerAccuracy).toBeGreaterThanOrEqual(0.9));
  it('citation hit@5 ≥ 0.95', () => expect(report.citationHit5).toBeGreaterThanOrEqual(0.95));
  it('search MRR@10 ≥ 0.9', () => expect(report.mrr10).toBeGreaterThanOrEqual(0.9));
  it('abstention accuracy ≥ 0.8', () => expect(report.abstentionAccuracy).toBeGreaterThanOrEqual(0.8));
  it('zero citations whose quote differs from the original slice', () => expect(report.quoteMismatches).toBe(0));
  it('claim verdict accuracy ≥ 0.9, contradicted evidence holds the real figure', () => {
    expect(report.claims!.accuracy).toBeGreaterThanOrEqual(0.9);
    expect(report.claims!.contradictedWithFigure).toBe(report.claims!.contradicted);
  });
});
