/**
 * The HTTP contract (shared/DESIGN.md §1) as one suite, run against every runtime: the Node
 * server's app (node.contract.test.ts) and the Worker in workerd (test/worker/workerd.test.ts).
 * A runtime is reached only through a fetch-like function, so the same cases prove the same
 * behaviour: answers, citations with exact offsets, search, verify, pages, errors.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';

export type FetchLike = (path: string, init?: RequestInit) => Promise<Response>;

const SEEDS = new URL('../../seeds/', import.meta.url);
const originals = new Map<string, string>();
export function originalText(docId: string): string {
  let t = originals.get(docId);
  if (t === undefined) {
    t = readFileSync(new URL(`${docId}.txt`, SEEDS), 'utf8').replace(/^\ufeff/, '');
    originals.set(docId, t);
  }
  return t;
}

export function expectExactQuotes(passages: Array<{ docId: string; start: number; end: number; quote: string }>): void {
  for (const p of passages) {
    expect(Number.isInteger(p.start) && Number.isInteger(p.end) && p.start < p.end, `${p.docId} ${p.start}-${p.end}`).toBe(true);
    expect(p.quote).toBe(originalText(p.docId).slice(p.start, p.end));
  }
}

export function postJson(fetch: FetchLike, path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
}

/** Registers the contract suite; `connect` runs once, in beforeAll. */
export function httpContract(runtime: string, connect: () => Promise<FetchLike>): void {
  let f: FetchLike;
  const ask = async (body: object, headers: Record<string, string> = {}) => postJson(f, '/api/ask', body, headers);

  describe(`HTTP contract: ${runtime}`, () => {
    beforeAll(async () => {
      f = await connect();
    });

    describe('GET endpoints', () => {
      it('healthz counts documents and chunks', async () => {
        const res = await f('/healthz');
        expect(res.status).toBe(200);
        const body = await res.json();
        expect(body).toMatchObject({ status: 'ok', documents: 5 });
        expect(body.chunks).toBeGreaterThan(30);
      });

      it('lists documents with title, chars, chunks and script', async () => {
        const body = await (await f('/api/documents')).json();
        expect(body.documents).toHaveLength(5);
        const qd = body.documents.find((d: { docId: string }) => d.docId === '004_a932931f13d09aac');
        expect(qd).toMatchObject({ script: 'traditional', chars: originalText('004_a932931f13d09aac').length });
        expect(body.documents.find((d: { docId: string }) => d.docId === '001_857d87e6a2c63903').title).toBe('邢台市推进质量强市建设新闻发布会全程实录');
      });

      it('returns a document original text, and a 404 JSON error for an unknown id', async () => {
        const body = await (await f('/api/documents/003_18ac6a71cbbcfb40')).json();
        expect(body).toMatchObject({ docId: '003_18ac6a71cbbcfb40', text: originalText('003_18ac6a71cbbcfb40') });
        const res = await f('/api/documents/nope');
        expect(res.status).toBe(404);
        expect((await res.json()).error.code).toBe('not_found');
      });

      it('serves the source viewer with the span marked', async () => {
        const text = originalText('001_857d87e6a2c63903');
        const start = text.indexOf('2022年全市市场主体净增7.06万户');
        const res = await f(`/doc/001_857d87e6a2c63903?start=${start}&end=${start + 20}`);
        expect(res.status).toBe(200);
        const html = await res.text();
        const marked = /<mark id="hl"[^>]*>([^<]*)<\/mark>/.exec(html);
        expect(marked?.[1]).toBe(text.slice(start, start + 20));
      });

      it('serves the demo page and the widget script', async () => {
        const page = await f('/');
        expect(page.status).toBe(200);
        expect(page.headers.get('content-type')).toContain('text/html');
        expect(page.headers.get('content-security-policy')).toBeTruthy();
        expect(await page.text()).toContain('/widget.js');
        const js = await f('/widget.js');
        expect(js.status).toBe(200);
        expect(js.headers.get('content-type')).toContain('javascript');
        expect((await js.text()).length).toBeGreaterThan(5000);
      });

      it('exports figures as JSON and CSV', async () => {
        const body = await (await f(`/api/figures?q=${encodeURIComponent('市场主体')}`)).json();
        expect(body.count).toBeGreaterThan(0);
        const csv = await f(`/api/figures?q=${encodeURIComponent('市场主体')}&format=csv`);
        expect(csv.headers.get('content-type')).toContain('text/csv');
      });
    });

    describe('POST /api/ask', () => {
      it('answers with [n] markers and citations whose quote is the exact original slice', async () => {
        const res = await ask({ question: '邢台市2022年市场主体净增多少户？' });
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
        const body = await (await ask({ question: '邢臺市全市聘請了多少名藥品協管員？' })).json();
        expect(body.answer).toContain('5397名');
        expect(body.answer).not.toMatch(/药品协管员/);
        expectExactQuotes(body.citations);
      });

      it('cites a traditional-script document with exact original offsets', async () => {
        const body = await (await ask({ question: '2021年青岛升级改造了多少处农贸市场？' })).json();
        expect(body.abstained).toBe(false);
        expect(body.answer).toContain('13处');
        expect(body.citations.some((c: { docId: string }) => c.docId === '004_a932931f13d09aac')).toBe(true);
        expectExactQuotes(body.citations);
      });

      it('is deterministic', async () => {
        const q = { question: '黄石的质量奖培育计划已深入多少家企业开展专题服务？' };
        expect(await (await ask(q)).json()).toEqual(await (await ask(q)).json());
      });

      it('abstains politely when the documents do not answer', async () => {
        for (const question of ['青岛市2021年知识产权质押融资金额是多少？', '邢台市2021年市场主体净增多少户？']) {
          const body = await (await ask({ question })).json();
          expect(body.abstained, question).toBe(true);
          expect(body.answer).toMatch(/^文件中没有找到/);
          expect(body.answer).not.toMatch(/\[\d+\]/);
        }
      });

      it('respects topK', async () => {
        const body = await (await ask({ question: '青岛有多少家企业入选全省高端品牌培育名单？', topK: 2 })).json();
        expect(body.citations.length).toBeLessThanOrEqual(2);
      });

      it('streams SSE: citations, deltas, then done with the full response', async () => {
        const res = await ask({ question: '邢台全市完成散煤、成品油抽检多少批次？' }, { Accept: 'text/event-stream' });
        expect(res.headers.get('content-type')).toContain('text/event-stream');
        const events = (await res.text())
          .split('\n\n')
          .filter((fr) => fr.trim())
          .map((fr) => ({ event: /event: (.*)/.exec(fr)?.[1], data: JSON.parse(/data: (.*)/.exec(fr)![1]) }));
        expect(events[0].event).toBe('citations');
        expect(events.at(-1)!.event).toBe('done');
        const done = events.at(-1)!.data;
        expect(events.filter((e) => e.event === 'delta').map((e) => e.data.text).join('')).toBe(done.answer);
        expect(done.answer).toContain('5328批次');
        expect(events[0].data).toEqual(done.citations);
        expectExactQuotes(done.citations);
      });
    });

    describe('POST /api/search', () => {
      it('ranks the passage holding the answer first, with exact quotes', async () => {
        const body = await (await postJson(f, '/api/search', { query: '邢台全市完成散煤、成品油抽检多少批次', k: 5 })).json();
        expect(body.results).toHaveLength(5);
        expect(body.results[0].text).toContain('5328批次');
        for (let i = 1; i < body.results.length; i++) expect(body.results[i - 1].score).toBeGreaterThanOrEqual(body.results[i].score);
        expectExactQuotes(body.results);
      });

      it('retrieves for a traditional or pinyin-annotated query what its simplified form retrieves', async () => {
        const a = await (await postJson(f, '/api/search', { query: '衢州有效發(fā)明專(zhuān)利擁有量' })).json();
        const b = await (await postJson(f, '/api/search', { query: '衢州有效发明专利拥有量' })).json();
        expect(a.results.map((r: { start: number }) => r.start)).toEqual(b.results.map((r: { start: number }) => r.start));
      });
    });

    describe('POST /api/verify', () => {
      it('supports a claim the documents state, with exact evidence', async () => {
        const body = await (await postJson(f, '/api/verify', { claim: '邢台累计制定食品相关地方标准、团体标准82项。' })).json();
        expect(body.verdict).toBe('supported');
        expect(body.evidence.length).toBeGreaterThan(0);
        expectExactQuotes(body.evidence);
      });

      it('contradicts a wrong figure and cites the passage holding the real one', async () => {
        const body = await (await postJson(f, '/api/verify', { claim: '衢州全市12家“一站式”质量基础设施平台的服务事项已达320项。' })).json();
        expect(body.verdict).toBe('contradicted');
        expect(body.figures.some((x: { claimed: string; match: boolean }) => x.claimed.includes('320') && !x.match)).toBe(true);
        expect(body.evidence.some((e: { quote: string }) => e.quote.includes('220'))).toBe(true);
        expectExactQuotes(body.evidence);
        expect(typeof body.explanation).toBe('string');
      });

      it('reports not_found for a claim the documents do not address', async () => {
        const body = await (await postJson(f, '/api/verify', { claim: '深圳市2022年新增独角兽企业12家。' })).json();
        expect(body.verdict).toBe('not_found');
      });
    });

    describe('OpenAI-compatible API', () => {
      it('lists the model and answers /v1/chat/completions with the same answer and citations', async () => {
        const models = await (await f('/v1/models')).json();
        expect(models.data.map((m: { id: string }) => m.id)).toContain('policy-qa');
        const res = await postJson(f, '/v1/chat/completions', { model: 'policy-qa', messages: [{ role: 'user', content: '邢台市2022年市场主体净增多少户？' }] });
        expect(res.status).toBe(200);
        const body = await res.json();
        expect(body.object).toBe('chat.completion');
        expect(body.choices[0].message.content).toContain('7.06万户');
        expectExactQuotes(body.citations);
      });

      it('answers errors in OpenAI error shape', async () => {
        const res = await postJson(f, '/v1/chat/completions', { model: 'policy-qa', messages: [] });
        expect(res.status).toBe(400);
        expect((await res.json()).error).toMatchObject({ type: 'invalid_request_error', message: expect.any(String) });
      });
    });

    describe('bad input gets a clear 4xx JSON error, never a 500', () => {
      const cases: Array<[string, string, string | object, number]> = [
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
        ['search k 51', '/api/search', { query: '质量', k: 51 }, 400],
        ['search missing query', '/api/search', { q: '质量' }, 400],
        ['verify missing claim', '/api/verify', {}, 400],
        ['body over 64 KB', '/api/ask', { question: '质量', pad: 'x'.repeat(70_000) }, 413],
      ];
      it.each(cases)('%s', async (_name, path, body, status) => {
        const res = await postJson(f, path, body);
        expect(res.status).toBe(status);
        const json = await res.json();
        expect(json.error.code).toMatch(/bad_request|too_large/);
        expect(typeof json.error.message).toBe('string');
      });

      it('unknown routes and a missing figures term are JSON errors', async () => {
        const res = await f('/api/nope');
        expect(res.status).toBe(404);
        expect((await res.json()).error.code).toBe('not_found');
        const fig = await f('/api/figures');
        expect(fig.status).toBe(400);
        expect((await fig.json()).error.code).toBe('bad_request');
      });

      it('garbage and odd unicode are answered or abstained, not crashed', async () => {
        for (const question of ['\u0000\uffff\ud800', '？？？', 'SELECT * FROM docs;', '<script>alert(1)</script>', '質(zhì)'.repeat(300)]) {
          expect((await ask({ question })).status).toBe(200);
        }
      });
    });
  });
}
