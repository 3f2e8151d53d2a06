/**
 * Scale mode, LLM answers and the rate-limit binding inside workerd, with fake bindings injected
 * by a test entry (workerd-fakes-entry.ts) around the real Worker: the binding calls that
 * production makes, made by the production code, in the production runtime, offline.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectExactQuotes, postJson, type FetchLike } from '../contract/http-contract';
import { ROOT, startWorkerd, type RunningWorker } from './workerd';

let worker: RunningWorker;
let f: FetchLike;
beforeAll(async () => {
  worker = await startWorkerd({ entrypoint: `${ROOT}test/worker/workerd-fakes-entry.ts` });
  f = worker.fetch;
});
afterAll(async () => {
  await worker?.dispose();
});

describe('Worker in workerd with Vectorize, Workers AI and rate-limit bindings (fakes)', () => {
  it('answers through the LLM with grounded citations, dense retrieval from Vectorize and bge-m3 query embeddings', async () => {
    const res = await postJson(f, '/api/ask', { question: '邢台市2022年市场主体净增多少户？' }, { 'CF-Connecting-IP': '203.0.113.7' });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.mode).toBe('llm');
    expect(body.answer).toContain('7.06万户');
    expectExactQuotes(body.citations);
    const calls = await (await f('/__fakes')).json();
    expect(calls.ai).toEqual(expect.arrayContaining([{ model: '@cf/baai/bge-m3', keys: ['text'] }, { model: '@cf/fake/chat', keys: expect.arrayContaining(['messages', 'max_tokens']) }]));
    expect(calls.vectorize[0]).toMatchObject({ dims: 256, options: { namespace: expect.stringMatching(/^v-[0-9a-f]{12}\.bge-m3$/), returnMetadata: 'none' } });
    expect(calls.limiter).toContain('203.0.113.7');
  });

  it('streams the LLM answer as SSE', async () => {
    const res = await postJson(f, '/api/ask', { question: '邢台全市完成散煤、成品油抽检多少批次？' }, { Accept: 'text/event-stream' });
    const raw = await res.text();
    expect(raw).toMatch(/event: citations/);
    const done = JSON.parse(/event: done\ndata: (.*)/.exec(raw)![1]);
    expect(done.mode).toBe('llm');
    expectExactQuotes(done.citations);
  });

  it('searches and verifies with the dense side on Vectorize', async () => {
    const s = await (await postJson(f, '/api/search', { query: '邢台全市完成散煤、成品油抽检多少批次', k: 5 })).json();
    expect(s.results[0].text).toContain('5328批次');
    const v = await (await postJson(f, '/api/verify', { claim: '衢州全市12家“一站式”质量基础设施平台的服务事项已达320项。' })).json();
    expect(v.verdict).toBe('contradicted');
  });
});
