/**
 * policy-qa as an OpenAI-compatible "model": `POST /v1/chat/completions` (streaming and not)
 * and `GET /v1/models` in the OpenAI wire format, so chat front-ends and SDKs can talk to it.
 * The last user message is the question, earlier user/assistant messages the history; the
 * reply is the answer with its [n] markers and the cited sources appended, plus the structured
 * citations in an extra `citations` field (and `policy_qa` with mode, grounding, …).
 * Same auth, limits and rate limit as /api (see createApp); errors in OpenAI's shape
 * `{ error: { message, type, code } }`.
 */
import type { Context, Hono, MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';
import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import type { Passage } from '../core/engine';
import { AppError } from '../core/errors';
import { detectScript } from '../core/script';
import type { AskRequest, AskResponse, ChatTurn } from '../core/answer/types';
import type { AppConfig, AppContext } from './app';

export const MODEL_ID = 'policy-qa';
/** A fixed creation time for the one model (OpenAI's `created` is a Unix time). */
const MODEL_CREATED = 1_735_689_600;

/** OpenAI's error `type` for an HTTP status. */
export function openAiErrorType(status: number): string {
  if (status === 401 || status === 403) return 'authentication_error';
  if (status === 404) return 'not_found_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

export function openAiError(code: string, message: string, status: number) {
  return { error: { message, type: openAiErrorType(status), param: null, code } };
}

/**
 * Rewrites the app's `{ error: { code, message } }` into OpenAI's shape on the routes below it.
 * Register before every other /v1 middleware so that their errors (origin, rate limit, body
 * size, auth) are rewritten too.
 */
export function openAiErrorShape(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    const res = c.res;
    if (res.status < 400 || !(res.headers.get('Content-Type') ?? '').includes('application/json')) return;
    let body: { error?: { code?: string; message?: string; type?: string } };
    try {
      body = await res.clone().json();
    } catch {
      return;
    }
    if (!body?.error || typeof body.error !== 'object' || body.error.type !== undefined) return;
    const headers = new Headers(res.headers);
    headers.delete('Content-Length');
    c.res = undefined;
    c.res = new Response(JSON.stringify(openAiError(body.error.code ?? 'error', body.error.message ?? 'error', res.status)), { status: res.status, headers });
  };
}

/** CORS for /v1: browsers using an OpenAI SDK send their own headers (x-stainless-…), so requested headers are allowed. */
export function openAiCors(config: AppConfig): MiddlewareHandler {
  return cors({
    origin: (origin) => (config.allowedOrigins === '*' ? origin || '*' : config.allowedOrigins.includes(origin) ? origin : null),
    allowMethods: ['GET', 'POST', 'OPTIONS'],
    exposeHeaders: ['Retry-After'],
    maxAge: 600,
  });
}

const textPart = z.object({ type: z.string(), text: z.string().optional() }).passthrough();
const message = z
  .object({
    role: z.enum(['system', 'developer', 'user', 'assistant', 'tool', 'function']),
    content: z.union([z.string(), z.array(textPart), z.null()]).optional(),
  })
  .passthrough();
const completionRequest = z
  .object({
    model: z.string().max(200).optional(),
    messages: z.array(message).min(1, 'messages must not be empty').max(200, 'at most 200 messages'),
    stream: z.boolean().nullable().optional(),
    stream_options: z.object({ include_usage: z.boolean().nullable().optional() }).passthrough().nullable().optional(),
    n: z.number().int().min(1).max(1, 'only n = 1 is supported').nullable().optional(),
    /** policy-qa extension: passages to cite (1..20, default 5). */
    top_k: z.number().int().min(1).max(20).optional(),
  })
  .passthrough();

function textOf(content: z.infer<typeof message>['content']): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((p) => (p.type === 'text' && typeof p.text === 'string' ? p.text : '')).join('');
  return '';
}

/** The sources block the reply ends with; removed again when a client sends the reply back as history. */
const SOURCES_HEADING = /\n\n(?:来源|來源)：\n/;

function stripSources(text: string): string {
  const m = SOURCES_HEADING.exec(text);
  return m ? text.slice(0, m.index) : text;
}

/** Turns an OpenAI messages array into the question and its history. */
export function toAskRequest(messages: z.infer<typeof message>[], config: AppConfig, topK: number): AskRequest {
  let last = -1;
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i].role === 'user' && textOf(messages[i].content).trim()) {
      last = i;
      break;
    }
  }
  if (last < 0) throw new AppError('bad_request', 'messages: a user message with text content is required', 400);
  const question = textOf(messages[last].content);
  if (question.length > config.maxQuestionChars) {
    throw new AppError(config.questionTooLongStatus === 413 ? 'too_large' : 'bad_request', `question is over ${config.maxQuestionChars} characters`, config.questionTooLongStatus);
  }
  const history: ChatTurn[] = messages
    .slice(0, last)
    .filter((m) => m.role === 'user' || m.role === 'assistant')
    .map((m) => ({ role: m.role as ChatTurn['role'], content: (m.role === 'assistant' ? stripSources(textOf(m.content)) : textOf(m.content)).slice(0, 8000) }))
    .filter((t) => t.content.trim())
    .slice(-config.maxHistoryTurns);
  return { question, topK, history };
}

function clip(s: string, n: number): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > n ? `${t.slice(0, n)}…` : t;
}

/** "\n\n来源：\n[1] 标题：“引文…” http://host/doc/…" for the passages the answer cites. */
export function sourcesBlock(res: AskResponse, question: string, origin: string): string {
  const cited = new Set([...res.answer.matchAll(/\[(\d{1,2})\]/g)].map((m) => Number(m[1])));
  const used = res.citations.filter((p: Passage) => cited.has(p.n));
  if (used.length === 0) return '';
  const heading = detectScript(question) === 'traditional' ? '來源' : '来源';
  const lines = used.map((p) => `[${p.n}] ${p.title}：“${clip(p.quote, 80)}” ${origin}/doc/${encodeURIComponent(p.docId)}?start=${p.start}&end=${p.end}`);
  return `\n\n${heading}：\n${lines.join('\n')}`;
}

function details(res: AskResponse) {
  const { citations: _c, ...rest } = res;
  return rest;
}

/** Characters, as a rough token count (a Chinese character is about one token). */
function usage(req: AskRequest, content: string) {
  const prompt = req.question.length + req.history.reduce((n, t) => n + t.content.length, 0);
  return { prompt_tokens: prompt, completion_tokens: content.length, total_tokens: prompt + content.length };
}

export function mountOpenAiCompat(app: Hono, ctx: AppContext): void {
  const model = () => ({ id: MODEL_ID, object: 'model', created: MODEL_CREATED, owned_by: 'policy-qa' });
  app.get('/v1/models', (c) => c.json({ object: 'list', data: [model()] }));
  app.get('/v1/models/:id', (c) => {
    if (c.req.param('id') !== MODEL_ID) throw new AppError('not_found', `the model '${c.req.param('id')}' does not exist; use '${MODEL_ID}'`, 404);
    return c.json(model());
  });

  app.post('/v1/chat/completions', async (c: Context) => {
    const body = await ctx.readJson(c, completionRequest);
    const req = toAskRequest(body.messages, ctx.config, body.top_k ?? 5);
    const engine = ctx.engine();
    const origin = new URL(c.req.url).origin;
    const id = `chatcmpl-${crypto.randomUUID().replace(/-/g, '')}`;
    const created = Math.floor(Date.now() / 1000);

    if (!body.stream) {
      const res = await ctx.answerer.ask(engine, req, undefined, c.req.raw.signal);
      const content = res.answer + sourcesBlock(res, req.question, origin);
      return c.json({
        id,
        object: 'chat.completion',
        created,
        model: MODEL_ID,
        system_fingerprint: res.llm ? `prompts-${res.llm.promptHash}` : 'extractive',
        choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, logprobs: null, finish_reason: 'stop' }],
        usage: usage(req, content),
        citations: res.citations,
        policy_qa: details(res),
      });
    }

    return streamSSE(c, async (sse) => {
      const chunk = (delta: Record<string, unknown>, finish: string | null, extra: Record<string, unknown> = {}) =>
        sse.writeSSE({ data: JSON.stringify({ id, object: 'chat.completion.chunk', created, model: MODEL_ID, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...extra }) });
      const pending: Array<Promise<void>> = [chunk({ role: 'assistant', content: '' }, null)];
      let streamed = '';
      try {
        const res = await ctx.answerer.ask(
          engine,
          req,
          {
            onDelta: (t) => {
              streamed += t;
              pending.push(chunk({ content: t }, null));
            },
          },
          c.req.raw.signal,
        );
        await Promise.all(pending);
        // The deltas are the answer; should an answerer end on other text, it follows in full.
        let tail = res.answer === streamed ? '' : res.answer.startsWith(streamed) ? res.answer.slice(streamed.length) : `\n\n${res.answer}`;
        tail += sourcesBlock(res, req.question, origin);
        if (tail) await chunk({ content: tail }, null);
        await chunk({}, 'stop', { citations: res.citations, policy_qa: details(res) });
        if (body.stream_options?.include_usage) {
          await sse.writeSSE({ data: JSON.stringify({ id, object: 'chat.completion.chunk', created, model: MODEL_ID, choices: [], usage: usage(req, streamed + tail) }) });
        }
        await sse.writeSSE({ data: '[DONE]' });
      } catch (err) {
        await Promise.all(pending);
        const e = err instanceof AppError ? err : new AppError('internal', 'the answer could not be completed', 500);
        if (!(err instanceof AppError)) console.error('[policy-qa] /v1/chat/completions failed', err);
        await sse.writeSSE({ data: JSON.stringify(openAiError(e.code, e.message, e.status)) });
      }
    });
  });
}
