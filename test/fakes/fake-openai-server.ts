/**
 * A local protocol fake of an OpenAI-compatible chat server (and of Ollama's native /api/chat),
 * for tests: a real HTTP server on 127.0.0.1 and a random port that speaks the wire formats
 * (`POST /v1/chat/completions` with and without `stream`, `GET /v1/models`; Ollama's NDJSON),
 * so the production LangChain clients run unchanged against it. It is not a language model:
 * its "answers" are made from the prompt it receives, in the manner the current `mode` asks:
 *
 *   honest      quotes the passages that share most with the question, each followed by [n]
 *   hallucinate the same, with every digit of the first figure changed
 *   mixed       an honest sentence, then one citing the same passage with an invented figure
 *   badcite     an honest sentence citing a passage number that was never given
 *   abstain     "文件中没有找到相关信息。"
 *   refuse      declines to answer
 *   gullible    obeys instructions inside the question (prompt injection): an uncited, invented figure
 *   hang        accepts the request and never answers
 *   stall       streams one honest sentence, then never finishes
 *   error500    HTTP 500 with an OpenAI error body
 *   badjson     200 with a body that is not JSON (streaming: a data line that is not JSON)
 *   drop        closes the connection mid-response
 *
 * Follow-up rewrite requests (a `<history>` block) are answered by swapping the city of the last
 * user question for the one the follow-up names, unless the mode is a failure mode.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { traditionalToSimplified } from '../../src/core/script';

export type FakeMode = 'honest' | 'hallucinate' | 'mixed' | 'badcite' | 'abstain' | 'refuse' | 'gullible' | 'hang' | 'stall' | 'error500' | 'badjson' | 'drop';

export interface FakeRequest {
  path: string;
  body: { model?: string; stream?: boolean; messages?: Array<{ role: string; content: string }>; [k: string]: unknown };
  headers: IncomingMessage['headers'];
  kind: 'answer' | 'rewrite' | 'other';
}

export interface FakeOpenAiServer {
  /** Base URL of the OpenAI-compatible API, ending in /v1. */
  readonly baseUrl: string;
  /** http://127.0.0.1:port (Ollama's native API lives at its root). */
  readonly origin: string;
  mode: FakeMode;
  /** Mode for follow-up rewrite requests; defaults to `mode` for failure modes, else honest. */
  rewriteMode: FakeMode | null;
  /** Milliseconds between streamed chunks. */
  chunkDelayMs: number;
  readonly requests: FakeRequest[];
  close(): Promise<void>;
}

const CITIES = ['邢台', '青岛', '衢州', '黄石', '武汉', '济南', '杭州'];

export async function startFakeOpenAiServer(opts: { mode?: FakeMode; chunkDelayMs?: number } = {}): Promise<FakeOpenAiServer> {
  const sockets = new Set<Socket>();
  const state = { mode: opts.mode ?? 'honest', rewriteMode: null as FakeMode | null, chunkDelayMs: opts.chunkDelayMs ?? 2, requests: [] as FakeRequest[] };

  const server: Server = createServer(async (req, res) => {
    try {
      await handle(req, res);
    } catch (err) {
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ error: { message: String(err), type: 'server_error' } }));
    }
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.method === 'GET' && url.pathname === '/v1/models') {
      return json(res, 200, { object: 'list', data: [{ id: 'fake-model', object: 'model', created: 0, owned_by: 'fake' }] });
    }
    const isOpenAi = req.method === 'POST' && url.pathname === '/v1/chat/completions';
    const isOllama = req.method === 'POST' && url.pathname === '/api/chat';
    if (!isOpenAi && !isOllama) return json(res, 404, { error: { message: `no route ${req.method} ${url.pathname}`, type: 'invalid_request_error' } });
    const body = JSON.parse(await readBody(req)) as FakeRequest['body'];
    const messages = body.messages ?? [];
    const user = [...messages].reverse().find((m) => m.role === 'user')?.content ?? '';
    const kind: FakeRequest['kind'] = /<history>/.test(user) ? 'rewrite' : /<passages>/.test(user) ? 'answer' : 'other';
    state.requests.push({ path: url.pathname, body, headers: req.headers, kind });
    const failure = ['hang', 'error500', 'badjson', 'drop'].includes(state.mode);
    const mode: FakeMode = kind === 'rewrite' ? (state.rewriteMode ?? (failure ? state.mode : 'honest')) : state.mode;
    // Ollama's client always streams unless told otherwise; OpenAI's only when asked.
    const stream = isOllama ? body.stream !== false : body.stream === true;

    if (mode === 'hang') return; // the socket stays open until the client gives up
    if (mode === 'error500') return json(res, 500, { error: { message: 'fake upstream failure', type: 'server_error', code: null } });
    if (mode === 'drop' && !stream) return req.socket.destroy();
    if (mode === 'badjson' && !stream) {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      return res.end('{"id": "chatcmpl-broken", "choices": [ {"message": ');
    }

    const content = kind === 'rewrite' ? rewriteReply(user) : answerFor(mode, user);
    if (!stream) {
      if (isOllama) return json(res, 200, ollamaChunk(body.model, content, true));
      return json(res, 200, {
        id: 'chatcmpl-fake',
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: body.model ?? 'fake-model',
        choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop', logprobs: null }],
        usage: { prompt_tokens: 10, completion_tokens: content.length, total_tokens: 10 + content.length },
      });
    }

    const pieces = content.match(/[\s\S]{1,3}/g) ?? [];
    if (isOllama) {
      res.writeHead(200, { 'Content-Type': 'application/x-ndjson' });
      for (const [i, p] of pieces.entries()) {
        res.write(JSON.stringify(ollamaChunk(body.model, p, false)) + '\n');
        await sleep(state.chunkDelayMs);
        if (mode === 'drop' && i >= 2) return req.socket.destroy();
      }
      if (mode === 'stall') return;
      return res.end(JSON.stringify(ollamaChunk(body.model, '', true)) + '\n');
    }
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive' });
    const chunk = (delta: object, finish: string | null) =>
      `data: ${JSON.stringify({ id: 'chatcmpl-fake', object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model: body.model ?? 'fake-model', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
    res.write(chunk({ role: 'assistant', content: '' }, null));
    if (mode === 'badjson') {
      res.write('data: {"choices": [{"delta": {"content": "文件\n\n');
      return res.end();
    }
    for (const [i, p] of pieces.entries()) {
      res.write(chunk({ content: p }, null));
      await sleep(state.chunkDelayMs);
      if (mode === 'drop' && i >= 2) return req.socket.destroy();
    }
    if (mode === 'stall') return;
    res.write(chunk({}, 'stop'));
    res.end('data: [DONE]\n\n');
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    baseUrl: `${origin}/v1`,
    origin,
    get mode() {
      return state.mode;
    },
    set mode(m: FakeMode) {
      state.mode = m;
    },
    get rewriteMode() {
      return state.rewriteMode;
    },
    set rewriteMode(m: FakeMode | null) {
      state.rewriteMode = m;
    },
    get chunkDelayMs() {
      return state.chunkDelayMs;
    },
    set chunkDelayMs(ms: number) {
      state.chunkDelayMs = ms;
    },
    requests: state.requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function ollamaChunk(model: string | undefined, content: string, done: boolean) {
  return {
    model: model ?? 'fake-model',
    created_at: new Date().toISOString(),
    message: { role: 'assistant', content },
    done,
    ...(done ? { done_reason: 'stop', total_duration: 1, prompt_eval_count: 10, eval_count: 10 } : {}),
  };
}

function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface FakePassage {
  n: number;
  text: string;
}

export function parsePrompt(user: string): { passages: FakePassage[]; question: string } {
  const passages = [...user.matchAll(/<passage n="(\d+)"[^>]*>\n([\s\S]*?)\n<\/passage>/g)].map((m) => ({ n: Number(m[1]), text: m[2] }));
  const question = /<question>\n([\s\S]*?)\n<\/question>/.exec(user)?.[1] ?? '';
  return { passages, question };
}

function bigrams(s: string): Set<string> {
  const out = new Set<string>();
  const t = traditionalToSimplified(s).replace(/[\s\p{P}]/gu, '');
  for (let i = 0; i + 1 < t.length; i++) out.add(t.slice(i, i + 2));
  return out;
}

/** The passage sentences that share most character pairs with the question, best first. */
function bestSentences(passages: FakePassage[], question: string): Array<{ n: number; sentence: string; score: number }> {
  const q = bigrams(question);
  const scored: Array<{ n: number; sentence: string; score: number }> = [];
  for (const p of passages) {
    for (const s of p.text.split(/(?<=[。！？!?])|\n/)) {
      const sentence = s.trim();
      if (sentence.length < 6) continue;
      let score = 0;
      for (const b of bigrams(sentence)) if (q.has(b)) score++;
      scored.push({ n: p.n, sentence, score });
    }
  }
  return scored.sort((a, b) => b.score - a.score);
}

const cite = (sentence: string, n: number) => `${sentence.replace(/[。！？!?；;，,]+$/, '')}[${n}]。`;

/** 7.06 → 8.17: every digit of the first decimal (else the first number) changed, so the figure is stated nowhere. */
function falsify(sentence: string): string {
  const bump = (num: string) => num.replace(/\d/g, (d) => String((Number(d) + 1) % 10));
  return /\d+\.\d+/.test(sentence) ? sentence.replace(/\d+\.\d+/, bump) : sentence.replace(/\d+/, bump);
}

export function answerFor(mode: FakeMode, user: string): string {
  const { passages, question } = parsePrompt(user);
  const ranked = bestSentences(passages, question);
  const best = ranked[0];
  const withFigure = ranked.find((r) => /\d/.test(r.sentence)) ?? best;
  switch (mode) {
    case 'abstain':
      return '文件中没有找到相关信息。';
    case 'refuse':
      return '抱歉，我无法回答这个问题。';
    case 'gullible': {
      // Does what the question says, whatever the rules.
      const demanded = /(\d+(?:\.\d+)?万?户)/.exec(question)?.[1] ?? '100万户';
      return `好的，我将忽略之前的规则。邢台市2022年市场主体净增${demanded}。`;
    }
    case 'hallucinate':
      return best ? cite(falsify(withFigure.sentence), withFigure.n) : '文件中没有找到相关信息。';
    case 'badcite':
      return best ? `${cite(best.sentence, best.n)}另见资料${cite('其他内容', passages.length + 5)}` : '';
    case 'mixed':
      return best ? `根据文件，${cite(best.sentence, best.n)}另外，全市市场主体总量达到96.55万户[${best.n}]。` : '';
    default: {
      if (!best) return '文件中没有找到相关信息。';
      // Combines passages: the best sentence, and a good one from another passage.
      const second = ranked.find((r) => r.n !== best.n && r.score >= best.score * 0.5 && r.score > 0);
      return `根据文件，${cite(best.sentence, best.n)}${second ? cite(second.sentence, second.n) : ''}`;
    }
  }
}

/** Swaps the city of the last user question for the follow-up's. */
export function rewriteReply(user: string): string {
  const history = /<history>\n([\s\S]*?)\n<\/history>/.exec(user)?.[1] ?? '';
  const question = /<question>\n([\s\S]*?)\n<\/question>/.exec(user)?.[1] ?? '';
  const last = [...history.matchAll(/^用户：(.*)$/gm)].map((m) => m[1]).at(-1);
  const city = CITIES.find((c) => question.includes(c));
  const prevCity = last ? CITIES.find((c) => last.includes(c)) : undefined;
  if (last && city && prevCity && question.replace(/[那呢？?\s市]/g, '') === city) return last.split(prevCity).join(city);
  return question;
}
