/**
 * policy-qa as an OpenAI-compatible model: the official `openai` npm client and LangChain's
 * ChatOpenAI, as real clients, against the app served on 127.0.0.1 — in extractive mode and in
 * llm mode (with the protocol fake behind it), streamed and not.
 */
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { ChatOpenAI } from '@langchain/openai';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Passage } from '../src/core/engine';
import { answererFromEnv } from '../src/node/llm-config';
import type { NodeRuntime } from '../src/node/runtime';
import { startFakeOpenAiServer, type FakeOpenAiServer } from './fakes/fake-openai-server';
import { freshRuntime, SEEDS_DIR } from './helpers';

const PROMPTS_DIR = new URL('../prompts/', import.meta.url).pathname;

async function listen(rt: NodeRuntime): Promise<{ url: string; server: ServerType }> {
  return new Promise((resolve) => {
    const server = serve({ fetch: rt.app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => resolve({ url: `http://127.0.0.1:${info.port}`, server }));
  });
}

const close = (s: ServerType) => new Promise<void>((r) => s.close(() => r()));
const original = (docId: string) => readFileSync(`${SEEDS_DIR}${docId}.txt`, 'utf8').replace(/^\ufeff/, '');

let fake: FakeOpenAiServer;
const servers: ServerType[] = [];
const base: Record<'extractive' | 'llm' | 'limited' | 'token', string> = { extractive: '', llm: '', limited: '', token: '' };

beforeAll(async () => {
  fake = await startFakeOpenAiServer();
  const llm = answererFromEnv({ LLM_BASE_URL: fake.baseUrl, LLM_MODEL: 'fake-model', LLM_TIMEOUT_MS: '3000', PROMPTS_DIR });
  const runtimes = {
    extractive: await freshRuntime({}),
    llm: await freshRuntime({ answerer: llm.answerer }),
    limited: await freshRuntime({ config: { rateLimitPerMin: 2 } }),
    token: await freshRuntime({ config: { widgetSecret: 's'.repeat(32) } }),
  };
  for (const [k, rt] of Object.entries(runtimes)) {
    const { url, server } = await listen(rt);
    servers.push(server);
    base[k as keyof typeof base] = url;
  }
});
afterAll(async () => {
  await Promise.all(servers.map(close));
  await fake?.close();
});

const client = (mode: keyof typeof base) => new OpenAI({ baseURL: `${base[mode]}/v1`, apiKey: 'sk-anything', maxRetries: 0 });

type WithExtras = { citations: Passage[]; policy_qa: { mode: string; abstained: boolean; answer: string; rewrittenQuestion?: string; grounding?: unknown } };

function expectExact(citations: Passage[]) {
  expect(citations.length).toBeGreaterThan(0);
  for (const p of citations) expect(p.quote).toBe(original(p.docId).slice(p.start, p.end));
}

/** The reply: the answer with its markers, then "来源：" and one line per cited passage. */
function expectAnswerWithSources(content: string, extras: WithExtras) {
  const [answer, sources] = content.split('\n\n来源：\n');
  expect(answer).toBe(extras.policy_qa.answer);
  const cited = [...new Set([...answer.matchAll(/\[(\d+)\]/g)].map((m) => Number(m[1])))];
  expect(cited.length).toBeGreaterThan(0);
  const lines = sources.split('\n');
  expect(lines.map((l) => Number(/^\[(\d+)\]/.exec(l)![1])).sort()).toEqual(cited.sort());
  for (const n of cited) {
    const p = extras.citations.find((c) => c.n === n)!;
    expect(lines.find((l) => l.startsWith(`[${n}] `))).toContain(`${p.title}：`);
    expect(lines.find((l) => l.startsWith(`[${n}] `))).toContain(`/doc/${p.docId}?start=${p.start}&end=${p.end}`);
  }
}

const Q = '邢台市完成食品抽检多少批次？';

describe.each(['extractive', 'llm'] as const)('the openai npm client, %s mode', (mode) => {
  it('lists the model', async () => {
    const models = await client(mode).models.list();
    expect(models.data.map((m) => m.id)).toContain('policy-qa');
    expect((await client(mode).models.retrieve('policy-qa')).id).toBe('policy-qa');
  });

  it('gets an answer with [n] markers, the sources appended and the structured citations', async () => {
    const completion = await client(mode).chat.completions.create({ model: 'policy-qa', messages: [{ role: 'user', content: Q }] });
    expect(completion.object).toBe('chat.completion');
    expect(completion.choices[0].finish_reason).toBe('stop');
    const content = completion.choices[0].message.content!;
    expect(content).toContain('3.43万批次');
    const extras = completion as unknown as WithExtras;
    expect(extras.policy_qa.mode).toBe(mode);
    expectExact(extras.citations);
    expectAnswerWithSources(content, extras);
  });

  it('streams the same reply, with the citations on the last chunk', async () => {
    const stream = await client(mode).chat.completions.create({ model: 'policy-qa', messages: [{ role: 'user', content: Q }], stream: true, stream_options: { include_usage: true } });
    let content = '';
    let chunks = 0;
    let extras: WithExtras | undefined;
    let usage: unknown;
    for await (const chunk of stream) {
      chunks++;
      content += chunk.choices[0]?.delta?.content ?? '';
      if (chunk.choices[0]?.finish_reason === 'stop') extras = chunk as unknown as WithExtras;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(chunks).toBeGreaterThan(3);
    expect(extras!.policy_qa.mode).toBe(mode);
    expect(content).toContain('3.43万批次');
    expectExact(extras!.citations);
    expectAnswerWithSources(content, extras!);
    expect(usage).toMatchObject({ total_tokens: expect.any(Number) });
  });

  it('takes earlier messages as the history: "那青岛呢？" is answered about 青岛', async () => {
    const first = await client(mode).chat.completions.create({ model: 'policy-qa', messages: [{ role: 'user', content: Q }] });
    const completion = await client(mode).chat.completions.create({
      model: 'policy-qa',
      messages: [
        { role: 'system', content: 'You are a helpful assistant.' },
        { role: 'user', content: Q },
        { role: 'assistant', content: first.choices[0].message.content! },
        { role: 'user', content: [{ type: 'text', text: '那青岛呢？' }] },
      ],
    });
    const extras = completion as unknown as WithExtras;
    expect(extras.policy_qa.rewrittenQuestion).toBe('青岛市完成食品抽检多少批次？');
    expect(completion.choices[0].message.content).toContain('8.8万批次');
    expectExact(extras.citations);
  });
});

describe("LangChain's ChatOpenAI as a client", () => {
  it.each(['extractive', 'llm'] as const)('%s mode: invoke and stream', async (mode) => {
    const chat = new ChatOpenAI({ model: 'policy-qa', apiKey: 'sk-anything', configuration: { baseURL: `${base[mode]}/v1` }, maxRetries: 0 });
    const msg = await chat.invoke([['human', Q]]);
    expect(String(msg.content)).toContain('3.43万批次');
    expect(String(msg.content)).toContain('来源：');
    let streamed = '';
    for await (const chunk of await chat.stream([['human', Q]])) streamed += String(chunk.content);
    expect(streamed).toBe(String(msg.content));
  });
});

describe('errors in the OpenAI shape, with the API\'s limits', () => {
  it('bad requests are 400 invalid_request_error', async () => {
    const c = client('extractive');
    for (const messages of [[], [{ role: 'assistant', content: 'hi' }], [{ role: 'user', content: '   ' }]] as OpenAI.ChatCompletionMessageParam[][]) {
      const err = await c.chat.completions.create({ model: 'policy-qa', messages }).catch((e) => e);
      expect(err).toBeInstanceOf(OpenAI.BadRequestError);
      expect(err.status).toBe(400);
      expect(err.error).toMatchObject({ type: 'invalid_request_error', code: 'bad_request', message: expect.any(String) });
    }
    const raw = await fetch(`${base.extractive}/v1/chat/completions`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: 'not json' });
    expect(raw.status).toBe(400);
    expect((await raw.json()).error).toMatchObject({ type: 'invalid_request_error', code: 'bad_request' });
  });

  it('a question over the limit is 413, an unknown route or model 404', async () => {
    const err = await client('extractive').chat.completions.create({ model: 'policy-qa', messages: [{ role: 'user', content: '质'.repeat(2001) }] }).catch((e) => e);
    expect(err.status).toBe(413);
    expect(err.error).toMatchObject({ code: 'too_large', type: 'invalid_request_error' });
    const nf = await client('extractive').models.retrieve('gpt-4o').catch((e) => e);
    expect(nf).toBeInstanceOf(OpenAI.NotFoundError);
    const raw = await fetch(`${base.extractive}/v1/embeddings`, { method: 'POST' });
    expect(raw.status).toBe(404);
    expect((await raw.json()).error).toMatchObject({ type: 'not_found_error', code: 'not_found' });
  });

  it('the rate limit applies, as 429 rate_limit_error with Retry-After', async () => {
    const c = client('limited');
    await c.models.list();
    await c.models.list();
    const err = await c.chat.completions.create({ model: 'policy-qa', messages: [{ role: 'user', content: Q }] }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect(err.error).toMatchObject({ type: 'rate_limit_error', code: 'rate_limited' });
    // openai v4 exposes headers as a plain object, later versions as Headers.
    const retryAfter = typeof err.headers?.get === 'function' ? err.headers.get('retry-after') : err.headers?.['retry-after'];
    expect(retryAfter).toMatch(/^\d+$/);
  });

  it('with WIDGET_SECRET, /v1 needs a token like /api/ask does', async () => {
    const err = await client('token').chat.completions.create({ model: 'policy-qa', messages: [{ role: 'user', content: Q }] }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(err.error).toMatchObject({ type: 'authentication_error', code: 'unauthorized' });
  });

  it('CORS preflight lets an SDK\'s own headers through', async () => {
    const res = await fetch(`${base.extractive}/v1/chat/completions`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://chat.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization,content-type,x-stainless-os' },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-headers')).toContain('x-stainless-os');
  });
});
