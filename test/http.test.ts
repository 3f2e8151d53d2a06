import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { NodeRuntime } from '../src/node/runtime';
import { postJson, runtime, SEEDS_DIR } from './helpers';

let rt: NodeRuntime;
beforeAll(async () => {
  rt = await runtime();
});

const original = (docId: string) => readFileSync(`${SEEDS_DIR}${docId}.txt`, 'utf8').replace(/^\ufeff/, '');

function expectExactQuotes(passages: Array<{ docId: string; start: number; end: number; quote: string }>) {
  for (const p of passages) expect(p.quote).toBe(original(p.docId).slice(p.start, p.end));
}

describe('GET endpoints', () => {
  it('healthz counts documents and chunks', async () => {
    const res = await rt.app.request('/healthz');
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ status: 'ok', documents: 5 });
    expect(body.chunks).toBeGreaterThan(30);
  });

  it('lists documents with title, chars, chunks and script', async () => {
    const body = await (await rt.app.request('/api/documents')).json();
    expect(body.documents).toHaveLength(5);
    const qd = body.documents.find((d: { docId: string }) => d.docId === '004_a932931f13d09aac');
    expect(qd).toMatchObject({ script: 'traditional', chars: original('004_a932931f13d09aac').length });
    expect(body.documents.find((d: { docId: string }) => d.docId === '001_857d87e6a2c63903').title).toBe('邢台市推进质量强市建设新闻发布会全程实录');
  });

  it('returns a document original text, and 404 JSON for an unknown id', async () => {
    const body = await (await rt.app.request('/api/documents/003_18ac6a71cbbcfb40')).json();
    expect(body.text).toBe(original('003_18ac6a71cbbcfb40'));
    const res = await rt.app.request('/api/documents/nope');
    expect(res.status).toBe(404);
    expect((await res.json()).error.code).toBe('not_found');
  });

  it('serves the source viewer with the span marked', async () => {
    const text = original('001_857d87e6a2c63903');
    const start = text.indexOf('2022年全市市场主体净增7.06万户');
    const res = await rt.app.request(`/doc/001_857d87e6a2c63903?start=${start}&end=${start + 20}`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain(`<mark id="hl" tabindex="-1">${text.slice(start, start + 20)}</mark>`);
  });
});

describe('POST /api/ask', () => {
  it('answers with [n] markers and citations whose quote is the exact original slice', async () => {
    const res = await postJson(rt.app, '/api/ask', { question: '邢台市2022年市场主体净增多少户？' });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ mode: 'extractive', abstained: false });
    expect(body.answer).toContain('7.06万户');
    expect(body.answer).toMatch(/\[1\]/);
    expect(body.citations[0]).toMatchObject({ n: 1, docId: '001_857d87e6a2c63903' });
    for (const m of body.answer.matchAll(/\[(\d+)\]/g)) expect(body.citations.some((c: { n: number }) => c.n === Number(m[1]))).toBe(true);
    expectExactQuotes(body.citations);
  });

  it('answers a traditional question in traditional Chinese, quotes unchanged', async () => {
    const body = await (await postJson(rt.app, '/api/ask', { question: '邢臺市全市聘請了多少名藥品協管員？' })).json();
    expect(body.answer).toContain('5397名');
    expect(body.answer).toMatch(/聘請|藥品|協管員/);
    expect(body.answer).not.toMatch(/药品协管员/);
    expectExactQuotes(body.citations);
  });

  it('retrieves for a pinyin-annotated or traditional question what its simplified form retrieves', async () => {
    const a = await (await postJson(rt.app, '/api/search', { query: '衢州有效發(fā)明專(zhuān)利擁有量' })).json();
    const b = await (await postJson(rt.app, '/api/search', { query: '衢州有效发明专利拥有量' })).json();
    expect(a.results.map((r: { start: number }) => r.start)).toEqual(b.results.map((r: { start: number }) => r.start));
  });

  it('is deterministic', async () => {
    const q = { question: '黄石的质量奖培育计划已深入多少家企业开展专题服务？' };
    const a = await (await postJson(rt.app, '/api/ask', q)).json();
    const b = await (await postJson(rt.app, '/api/ask', q)).json();
    expect(a).toEqual(b);
  });

  it('abstains politely for another city, another year, a neighbouring indicator', async () => {
    for (const question of ['青岛市2021年知识产权质押融资金额是多少？', '邢台市2021年市场主体净增多少户？', '衢州市2024年新增“浙江制造”认证企业多少家？']) {
      const body = await (await postJson(rt.app, '/api/ask', { question })).json();
      expect(body.abstained, question).toBe(true);
      expect(body.answer).toMatch(/^文件中没有找到/);
      expect(body.answer).not.toMatch(/\[\d+\]/);
    }
  });

  it('respects topK', async () => {
    const body = await (await postJson(rt.app, '/api/ask', { question: '青岛有多少家企业入选全省高端品牌培育名单？', topK: 2 })).json();
    expect(body.citations.length).toBeLessThanOrEqual(2);
  });

  it('streams SSE: citations, deltas, then done with the full response', async () => {
    const res = await postJson(rt.app, '/api/ask', { question: '邢台全市完成散煤、成品油抽检多少批次？' }, { Accept: 'text/event-stream' });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const raw = await res.text();
    const events = raw
      .split('\n\n')
      .filter((f) => f.trim())
      .map((f) => ({ event: /event: (.*)/.exec(f)?.[1], data: JSON.parse(/data: (.*)/.exec(f)![1]) }));
    expect(events[0].event).toBe('citations');
    expect(events.at(-1)!.event).toBe('done');
    const deltas = events.filter((e) => e.event === 'delta').map((e) => e.data.text).join('');
    const done = events.at(-1)!.data;
    expect(deltas).toBe(done.answer);
    expect(done.answer).toContain('5328批次');
    expect(events[0].data).toEqual(done.citations);
  });
});

describe('bad input gets a clear 4xx, never a 500', () => {
  const cases: Array<[string, string, string | object, number, Record<string, string>?]> = [
    ['non-JSON body', '/api/ask', 'question=hi', 400],
    ['JSON array', '/api/ask', [], 400],
    ['missing question', '/api/ask', {}, 400],
    ['empty question', '/api/ask', { question: '' }, 400],
    ['whitespace question', '/api/ask', { question: '  \n\t ' }, 400],
    ['non-string question', '/api/ask', { question: 42 }, 400],
    ['question over 2000 chars', '/api/ask', { question: '质'.repeat(2001) }, 413],
    ['topK 0', '/api/ask', { question: '质量', topK: 0 }, 400],
    ['topK 21', '/api/ask', { question: '质量', topK: 21 }, 400],
    ['topK not integer', '/api/ask', { question: '质量', topK: 2.5 }, 400],
    ['topK string', '/api/ask', { question: '质量', topK: '5' }, 400],
    ['search k 51', '/api/search', { query: '质量', k: 51 }, 400],
    ['search missing query', '/api/search', { q: '质量' }, 400],
    ['verify missing claim', '/api/verify', {}, 400],
    ['body over 64 KB', '/api/ask', { question: '质量', pad: 'x'.repeat(70_000) }, 413],
  ];
  it.each(cases)('%s', async (_name, path, body, status) => {
    const res = await postJson(rt.app, path, body);
    expect(res.status).toBe(status);
    const json = await res.json();
    expect(json.error.code).toMatch(/bad_request|too_large/);
    expect(typeof json.error.message).toBe('string');
  });

  it('unknown routes are JSON 404s', async () => {
    const res = await rt.app.request('/api/nope');
    expect(res.status).toBe(404);
    expect((await res.json()).error.code).toBe('not_found');
  });

  it('garbage and odd unicode are answered or abstained, not crashed', async () => {
    for (const question of ['\u0000\uffff\ud800', '？？？', 'SELECT * FROM docs;', '<script>alert(1)</script>', '質(zhì)'.repeat(300)]) {
      const res = await postJson(rt.app, '/api/ask', { question });
      expect(res.status).toBe(200);
    }
  });
});

describe('POST /api/search', () => {
  it('ranks the passage holding the answer first, with exact quotes', async () => {
    const body = await (await postJson(rt.app, '/api/search', { query: '邢台全市完成散煤、成品油抽检多少批次', k: 5 })).json();
    expect(body.results).toHaveLength(5);
    expect(body.results[0].text).toContain('5328批次');
    expect(body.results[0].score).toBeGreaterThanOrEqual(body.results[1].score);
    expectExactQuotes(body.results);
  });
});

describe('answer cache', () => {
  it('serves a repeated question identically, also when streamed, and never shares mutable objects', async () => {
    const q = { question: '青岛有多少家企业入选全省高端品牌培育名单？' };
    const a = await (await postJson(rt.app, '/api/ask', q)).json();
    const b = await (await postJson(rt.app, '/api/ask', q)).json();
    expect(b).toEqual(a);
    const raw = await (await postJson(rt.app, '/api/ask', q, { Accept: 'text/event-stream' })).text();
    const done = JSON.parse(/event: done\ndata: (.*)/.exec(raw)![1]);
    expect(done).toEqual(a);
    const deltas = [...raw.matchAll(/event: delta\ndata: (.*)/g)].map((m) => JSON.parse(m[1]).text).join('');
    expect(deltas).toBe(a.answer);
  });
});
