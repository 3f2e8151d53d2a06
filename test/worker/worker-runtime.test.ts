/**
 * The Worker's runtime (src/worker/runtime.ts) under Node with fake bindings: scale mode
 * (Vectorize + Workers AI embeddings) fed by the deploy:vectors pipeline, its fallbacks, the
 * rate-limit binding, configuration errors, and the bundle's integrity checks.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LsaEmbeddings } from '../../src/core/embed/lsa';
import { prepareVectorUpload, restEmbedder } from '../../src/node/cli/deploy-vectors';
import type { WorkerEnv } from '../../src/worker/bindings';
import { buildWorkerAssets } from '../../src/worker/build';
import { createWorkerRuntime, loadBundle, type LoadedBundle, type WorkerBundle } from '../../src/worker/runtime';
import { vectorNamespace } from '../../src/worker/vectorize';
import { WorkersAiEmbeddings } from '../../src/worker/workers-ai';
import { ChatWorkersAI, parseAiSse, textFromAiOutput } from '../../src/worker/workers-ai-chat';
import { HumanMessage, SystemMessage } from '@langchain/core/messages';
import { answerFor } from '../fakes/fake-openai-server';
import { mintWidgetToken } from '../../src/http/widget-token';
import { expectExactQuotes, postJson } from '../contract/http-contract';
import { readJsonl } from '../helpers';
import { fakeAi, fakeRateLimiter, fakeVectorize, type FakeAi, type FakeVectorize } from './fakes';
import { bundleFromBuildDir } from './node-bundle';

const dir = mkdtempSync(join(tmpdir(), 'policy-qa-worker-'));
let bundle: WorkerBundle;
let loaded: LoadedBundle;
const questions = readJsonl<{ id: string; question: string }>('./eval/dev-questions.jsonl').map((q) => q.question);

beforeAll(async () => {
  await buildWorkerAssets({ outDir: dir, log: () => {} });
  bundle = bundleFromBuildDir(dir);
  loaded = await loadBundle(bundle);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type App = { request: (path: string, init?: RequestInit) => Response | Promise<Response> };
const fetchOf = (app: App) => async (path: string, init?: RequestInit) => app.request(path, init);
const answers = async (app: App) => Promise.all(questions.map(async (question) => (await postJson(fetchOf(app), '/api/ask', { question })).json()));

/** The fake "bge-m3": deterministic, and ranks like the bundled LSA embedder, so answers must not change. */
const lsaAsModel = () => {
  const lsa = new LsaEmbeddings(loaded.parts.lsa, loaded.tokenizer);
  return (texts: string[]) => lsa.embedDocuments(texts);
};

describe('scale mode: Vectorize + Workers AI (fake bindings)', () => {
  let vectorize: FakeVectorize;
  let ai: FakeAi;
  let restCalls: Array<{ url: string; auth: string | null; texts: number }>;

  beforeAll(async () => {
    ai = fakeAi({ embed: lsaAsModel() });
    vectorize = fakeVectorize();
    restCalls = [];
    // deploy:vectors' dry part: embed every chunk through the REST API (faked by the same model), write NDJSON.
    const fetchFn = (async (url: string, init: RequestInit) => {
      const body = JSON.parse(String(init.body)) as { text: string[] };
      restCalls.push({ url, auth: new Headers(init.headers).get('authorization'), texts: body.text.length });
      const result = await ai.run(url.split('/ai/run/')[1], body);
      return new Response(JSON.stringify({ success: true, result }), { status: 200, headers: { 'content-type': 'application/json' } });
    }) as typeof fetch;
    const up = await prepareVectorUpload({
      embedder: '@cf/baai/bge-m3',
      embed: restEmbedder({ accountId: 'acc123', apiToken: 'tok', model: '@cf/baai/bge-m3', batchSize: 20, fetchFn }),
      buildDir: dir,
      outDir: dir,
    });
    expect(up.namespace).toBe(vectorNamespace(loaded.manifest.data, '@cf/baai/bge-m3'));
    await vectorize.insertNdjson(readFileSync(up.file, 'utf8'));
    ai.calls.length = 0;
  });

  it('deploy:vectors embeds every chunk once, in batches, through the REST API, into the Worker namespace', () => {
    expect(restCalls.reduce((n, c) => n + c.texts, 0)).toBe(loaded.parts.corpus.chunkCount);
    expect(restCalls.every((c) => c.url === 'https://api.cloudflare.com/client/v4/accounts/acc123/ai/run/@cf/baai/bge-m3' && c.auth === 'Bearer tok' && c.texts <= 20)).toBe(true);
    const ns = vectorize.namespaces.get(`${loaded.manifest.data}.bge-m3`)!;
    expect(ns.size).toBe(loaded.parts.corpus.chunkCount);
    const first = ns.values().next().value!;
    expect(first.metadata).toMatchObject({ docId: expect.any(String), chunk: 0, start: expect.any(Number), end: expect.any(Number) });
  });

  it('answers the dev set exactly as the local flat scan, with queries going to Vectorize and Workers AI', async () => {
    const local = createWorkerRuntime(loaded, {});
    const scale = createWorkerRuntime(loaded, { VECTOR_BACKEND: 'vectorize', AI: ai, VECTORIZE: vectorize });
    expect(await answers(scale.app)).toEqual(await answers(local.app));
    expect(scale.dense!.stats).toMatchObject({ fallback: 0 });
    expect(scale.dense!.stats.remote).toBeGreaterThanOrEqual(questions.length);
    expect(ai.calls.every((c) => c.model === '@cf/baai/bge-m3' && Array.isArray(c.inputs.text))).toBe(true);
    expect(vectorize.queries.every((q) => q.options.namespace === `${loaded.manifest.data}.bge-m3` && q.options.topK! <= 100 && q.options.returnMetadata === 'none')).toBe(true);
  });

  it('with EMBEDDING_MODEL=lsa queries the uploaded LSA vectors without Workers AI', async () => {
    const up = await prepareVectorUpload({ embedder: 'lsa', buildDir: dir, outDir: dir });
    const v = fakeVectorize();
    await v.insertNdjson(readFileSync(up.file, 'utf8'));
    const scale = createWorkerRuntime(loaded, { VECTOR_BACKEND: 'vectorize', EMBEDDING_MODEL: 'lsa', VECTORIZE: v });
    expect(await answers(scale.app)).toEqual(await answers(createWorkerRuntime(loaded, {}).app));
    expect(v.queries.length).toBeGreaterThan(0);
    expect(v.queries[0].dims).toBe(loaded.manifest.embedder.dims);
  });

  it('falls back to the bundled index when Vectorize fails, is empty, or Workers AI fails — and says so once', async () => {
    const local = await answers(createWorkerRuntime(loaded, {}).app);
    const logs: string[] = [];
    const log = (m: string) => logs.push(m);
    const failing = fakeVectorize();
    failing.failWith = new Error('VECTOR_QUERY_ERROR (code = 40006)');
    const a = createWorkerRuntime(loaded, { VECTOR_BACKEND: 'vectorize', AI: ai, VECTORIZE: failing }, { log });
    expect(await answers(a.app)).toEqual(local);
    const b = createWorkerRuntime(loaded, { VECTOR_BACKEND: 'vectorize', AI: ai, VECTORIZE: fakeVectorize() }, { log });
    expect(await answers(b.app)).toEqual(local);
    const brokenAi = fakeAi({ embed: lsaAsModel() });
    brokenAi.failWith = new Error('AiError: 3040: capacity');
    const c = createWorkerRuntime(loaded, { VECTOR_BACKEND: 'vectorize', AI: brokenAi, VECTORIZE: vectorize }, { log });
    expect(await answers(c.app)).toEqual(local);
    expect(logs.filter((l) => l.includes('Vectorize query failed'))).toHaveLength(1);
    expect(logs.filter((l) => l.includes('run npm run deploy:vectors'))).toHaveLength(1);
    expect(logs.filter((l) => l.includes('Workers AI embedding failed'))).toHaveLength(1);
  });
});

describe('LLM answers through Workers AI (ANSWER_MODE=llm, fake binding)', () => {
  const userOf = (messages: unknown[]) => String((messages as Array<{ role: string; content: string }>).find((m) => m.role === 'user')?.content ?? '');

  it('answers with the core prompts and grounding check, citations with exact offsets; streams too', async () => {
    const ai = fakeAi({ chat: (messages) => answerFor('honest', userOf(messages)) });
    const rt = createWorkerRuntime(loaded, { ANSWER_MODE: 'llm', AI: ai, CHAT_MODEL: '@cf/qwen/fake' });
    const body = await (await postJson(fetchOf(rt.app), '/api/ask', { question: '邢台市2022年市场主体净增多少户？' })).json();
    expect(body).toMatchObject({ mode: 'llm', abstained: false });
    expect(body.answer).toContain('7.06万户');
    expect(body.answer).toMatch(/\[1\]/);
    expectExactQuotes(body.citations);
    const call = ai.calls.find((c) => c.model === '@cf/qwen/fake')!;
    const sent = call.inputs.messages as Array<{ role: string; content: string }>;
    expect(sent[0]).toMatchObject({ role: 'system', content: loaded.prompts!.answerSystem });
    expect(sent[1].content).toContain('<passages>');
    const sse = await (await postJson(fetchOf(rt.app), '/api/ask', { question: '邢台全市完成散煤、成品油抽检多少批次？' }, { Accept: 'text/event-stream' })).text();
    const done = JSON.parse(/event: done\ndata: (.*)/.exec(sse)![1]);
    expect(done.mode).toBe('llm');
    expect(done.answer).toContain('5328批次');
  });

  it('falls back to the extractive answer when the model invents a figure or fails', async () => {
    const liar = createWorkerRuntime(loaded, { ANSWER_MODE: 'llm', AI: fakeAi({ chat: (m) => answerFor('hallucinate', userOf(m)) }) }, { log: () => {} });
    const a = await (await postJson(fetchOf(liar.app), '/api/ask', { question: '邢台市2022年市场主体净增多少户？' })).json();
    expect(a.mode).toBe('extractive');
    expect(a.fallbackReason).toBeTruthy();
    expect(a.answer).toContain('7.06万户');
    const broken = fakeAi({ chat: () => '' });
    broken.failWith = new Error('AiError: 3040: capacity');
    const down = createWorkerRuntime(loaded, { ANSWER_MODE: 'llm', AI: broken }, { log: () => {} });
    const b = await (await postJson(fetchOf(down.app), '/api/ask', { question: '邢台市2022年市场主体净增多少户？' })).json();
    expect(b).toMatchObject({ mode: 'extractive', fallbackReason: 'llm_error' });
  });
});

describe('rate-limit binding', () => {
  it('limits /api/* per client IP with a 429 JSON error and Retry-After; other routes are not limited', async () => {
    const limiter = fakeRateLimiter(2);
    const rt = createWorkerRuntime(loaded, { RATE_LIMITER: limiter });
    const f = fetchOf(rt.app);
    const ip = (a: string) => ({ 'CF-Connecting-IP': a });
    expect((await postJson(f, '/api/search', { query: '质量' }, ip('1.1.1.1'))).status).toBe(200);
    expect((await postJson(f, '/api/search', { query: '质量' }, ip('1.1.1.1'))).status).toBe(200);
    const res = await postJson(f, '/api/search', { query: '质量' }, ip('1.1.1.1'));
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('60');
    expect((await res.json()).error.code).toBe('rate_limited');
    expect((await postJson(f, '/api/search', { query: '质量' }, ip('2.2.2.2'))).status).toBe(200);
    expect((await f('/healthz')).status).toBe(200);
    expect(limiter.keys).toEqual(['1.1.1.1', '1.1.1.1', '1.1.1.1', '2.2.2.2']);
  });

  it('lets requests through when the binding itself fails', async () => {
    const rt = createWorkerRuntime(loaded, { RATE_LIMITER: { limit: async () => Promise.reject(new Error('down')) } });
    expect((await postJson(fetchOf(rt.app), '/api/search', { query: '质量' })).status).toBe(200);
  });
});

describe('configuration and bundle integrity', () => {
  const misconfigured = (env: WorkerEnv) => {
    try {
      createWorkerRuntime(loaded, env);
    } catch (err) {
      return err as { code: string; status: number; message: string };
    }
    throw new Error('expected a configuration error');
  };

  it('rejects incomplete or invalid settings with a 503 misconfigured error naming the variable', () => {
    expect(misconfigured({ VECTOR_BACKEND: 'vectorize' })).toMatchObject({ code: 'misconfigured', status: 503, message: expect.stringContaining('VECTORIZE') });
    expect(misconfigured({ VECTOR_BACKEND: 'vectorize', VECTORIZE: fakeVectorize() }).message).toContain('AI binding');
    expect(misconfigured({ VECTOR_BACKEND: 'hnsw' }).message).toContain('VECTOR_BACKEND');
    expect(misconfigured({ MAX_QUESTION_CHARS: 'lots' }).message).toContain('MAX_QUESTION_CHARS');
    expect(misconfigured({ ANSWER_MODE: 'llm' }).message).toContain('AI binding');
  });

  it('applies vars: question length limit and allowed origins', async () => {
    const rt = createWorkerRuntime(loaded, { MAX_QUESTION_CHARS: '20', ALLOWED_ORIGINS: 'https://gov.example' });
    const f = fetchOf(rt.app);
    expect((await postJson(f, '/api/ask', { question: '质'.repeat(21) })).status).toBe(413);
    expect((await postJson(f, '/api/ask', { question: '质量' }, { Origin: 'https://evil.example' })).status).toBe(403);
    expect((await postJson(f, '/api/ask', { question: '质量' }, { Origin: 'https://gov.example' })).status).toBe(200);
  });

  it('WIDGET_SECRET (a secret) makes asking need a signed widget token, as on Node', async () => {
    const secret = 's'.repeat(40);
    const rt = createWorkerRuntime(loaded, { WIDGET_SECRET: secret, ALLOWED_ORIGINS: 'https://gov.example' });
    const f = fetchOf(rt.app);
    const refused = await postJson(f, '/api/ask', { question: '邢台市2022年市场主体净增多少户？' }, { Origin: 'https://gov.example' });
    expect(refused.status).toBe(401);
    expect((await refused.json()).error.code).toBe('unauthorized');
    const token = await mintWidgetToken(secret, { origin: 'https://gov.example', user: 'edge' });
    const ok = await postJson(f, '/api/ask', { question: '邢台市2022年市场主体净增多少户？' }, { Origin: 'https://gov.example', Authorization: `Bearer ${token}` });
    expect(ok.status).toBe(200);
    expect(misconfigured({ WIDGET_SECRET: 'short' }).message).toContain('WIDGET_SECRET');
    expect(misconfigured({ ALLOWED_ORIGINS: 'not an origin' }).message).toContain('ALLOWED_ORIGINS');
  });

  it('refuses a bundled index file whose checksum does not match the manifest', async () => {
    const lsa = new Uint8Array(bundle.files['lsa.json'] as Uint8Array);
    lsa[100] ^= 1;
    await expect(loadBundle({ ...bundle, files: { ...bundle.files, 'lsa.json': lsa } })).rejects.toMatchObject({ code: 'index_mismatch', message: expect.stringContaining('lsa.json') });
  });

  it('refuses an index built with other word lists (tokenizer id)', async () => {
    const dataFiles = { ...bundle.dataFiles, 'stopwords.txt': `${bundle.dataFiles['stopwords.txt']}\n额外` };
    await expect(loadBundle({ ...bundle, dataFiles })).rejects.toMatchObject({ code: 'index_mismatch', message: expect.stringContaining('tokenizer') });
  });
});

describe('Workers AI adapters', () => {
  it('WorkersAiEmbeddings sends { text } in batches and rejects malformed output', async () => {
    const ai = fakeAi({ embed: (texts) => texts.map((t) => [t.length, 1]) });
    const e = new WorkersAiEmbeddings(ai, '@cf/baai/bge-m3', 2);
    expect(await e.embedDocuments(['a', 'bb', 'ccc'])).toEqual([[1, 1], [2, 1], [3, 1]]);
    expect(ai.calls.map((c) => c.inputs.text)).toEqual([['a', 'bb'], ['ccc']]);
    const bad = new WorkersAiEmbeddings({ run: async () => ({ data: [] }) }, '@cf/baai/bge-m3');
    await expect(bad.embedQuery('x')).rejects.toThrow(/no usable embeddings/);
  });

  it('ChatWorkersAI invokes and streams a Workers AI chat model (SSE data: {"response"} … [DONE])', async () => {
    const ai = fakeAi({ chat: () => '邢台市2022年市场主体净增7.06万户[1]。' });
    const chat = new ChatWorkersAI(ai, '@cf/meta/llama-3.3-70b-instruct-fp8-fast', { maxTokens: 300 });
    const messages = [new SystemMessage('规则'), new HumanMessage('问')];
    expect((await chat.invoke(messages)).content).toBe('邢台市2022年市场主体净增7.06万户[1]。');
    let streamed = '';
    for await (const chunk of await chat.stream(messages)) streamed += String(chunk.content);
    expect(streamed).toBe('邢台市2022年市场主体净增7.06万户[1]。');
    expect(ai.calls[0]).toMatchObject({ model: '@cf/meta/llama-3.3-70b-instruct-fp8-fast', inputs: { messages: [{ role: 'system', content: '规则' }, { role: 'user', content: '问' }], max_tokens: 300, temperature: 0 } });
    expect(ai.calls[1].inputs).toMatchObject({ stream: true });
    expect(textFromAiOutput({ choices: [{ message: { content: 'x' } }] })).toBe('x');
  });

  it('parseAiSse copes with events split across chunks', async () => {
    const enc = new TextEncoder();
    const parts = ['data: {"respo', 'nse":"你"}\n\ndata: {"response":"好"}\n', '\ndata: [DONE]\n\n'];
    const body = new ReadableStream<Uint8Array>({ start: (c) => (parts.forEach((p) => c.enqueue(enc.encode(p))), c.close()) });
    const out: string[] = [];
    for await (const p of parseAiSse(body)) out.push(p);
    expect(out).toEqual(['你', '好']);
  });
});
