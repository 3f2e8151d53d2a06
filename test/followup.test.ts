/**
 * Follow-up questions without an LLM: the offline rewrite in the core, and /api/ask in
 * extractive mode answering "那青岛呢？" about 青岛.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { rewriteFollowUp } from '../src/core/answer/followup';
import type { AskResponse, ChatTurn } from '../src/core/answer/types';
import type { NodeRuntime } from '../src/node/runtime';
import { postJson, runtime, SEEDS_DIR } from './helpers';

let rt: NodeRuntime;
beforeAll(async () => {
  rt = await runtime();
});

const turns = (...questions: string[]): ChatTurn[] => questions.flatMap((q) => [{ role: 'user' as const, content: q }, { role: 'assistant' as const, content: '……[1]' }]);

describe('rewriteFollowUp (offline)', () => {
  it.each([
    ['那青岛呢？', ['邢台市完成食品抽检多少批次？'], '青岛市完成食品抽检多少批次？'],
    ['衢州呢？', ['邢台市完成食品抽检多少批次？', '那青岛呢？'], '衢州市完成食品抽检多少批次？'],
    ['那2021年呢？', ['邢台市2022年市场主体净增多少户？'], '邢台市2021年市场主体净增多少户？'],
    ['青岛的情况怎么样？', ['2022年市场主体净增多少户？'], '青岛市2022年市场主体净增多少户？'],
    ['那该市聘请了多少名药品协管员？', ['邢台市完成食品抽检多少批次？'], '邢台市聘请了多少名药品协管员？'],
    ['还有全市聘请了多少名药品协管员？', ['邢台市完成食品抽检多少批次？'], '邢台市全市聘请了多少名药品协管员？'],
    ['那青島呢？', ['邢台市完成食品抽检多少批次？'], '青島市完成食品抽檢多少批次？'],
    // Standalone questions, and questions without a conversation, stay as asked.
    ['青岛有多少家企业获省长质量奖？', ['邢台市完成食品抽检多少批次？'], '青岛有多少家企业获省长质量奖？'],
    ['为什么？', ['邢台市完成食品抽检多少批次？'], '为什么？'],
    ['那青岛呢？', [], '那青岛呢？'],
  ])('%s after %j → %s', (question, before, expected) => {
    expect(rewriteFollowUp(rt.engine().gazetteer, question, turns(...before)).question).toBe(expected);
  });
});

describe('follow-ups through /api/ask in extractive mode', () => {
  const history = [
    { role: 'user', content: '邢台市完成食品抽检多少批次？' },
    { role: 'assistant', content: '完成食品抽检3.43万批次,总体合格率98.45%。[1]' },
  ];

  it('"那青岛呢？" after a question about 邢台 is answered about 青岛, with the rewritten question', async () => {
    const body = (await (await postJson(rt.app, '/api/ask', { question: '那青岛呢？', history })).json()) as AskResponse;
    expect(body).toMatchObject({ mode: 'extractive', abstained: false, rewrittenQuestion: '青岛市完成食品抽检多少批次？' });
    expect(body.answer).toContain('8.8万批次');
    expect(body.citations[0].docId).toBe('004_a932931f13d09aac');
    for (const p of body.citations) expect(p.quote).toBe(readFileSync(`${SEEDS_DIR}${p.docId}.txt`, 'utf8').replace(/^\ufeff/, '').slice(p.start, p.end));
  });

  it('streams it too, the done event carrying the rewritten question', async () => {
    const raw = await (await postJson(rt.app, '/api/ask', { question: '那青岛呢？', history }, { Accept: 'text/event-stream' })).text();
    const done = JSON.parse(/event: done\ndata: (.*)/.exec(raw)![1]) as AskResponse;
    expect(done.rewrittenQuestion).toBe('青岛市完成食品抽检多少批次？');
    expect(done.answer).toContain('8.8万批次');
  });

  it('without history, nothing is rewritten and no rewrittenQuestion is returned', async () => {
    const body = (await (await postJson(rt.app, '/api/ask', { question: '那青岛呢？' })).json()) as AskResponse;
    expect(body.rewrittenQuestion).toBeUndefined();
    expect(body.abstained).toBe(true);
  });
});
