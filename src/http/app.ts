/**
 * The Hono app shared by the Node server and the Worker: routes, validation, limits, errors.
 * Built from injected services (`createApp(deps)`); the runtime adapters live at the edge.
 */
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { HTTPException } from 'hono/http-exception';
import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import { cachingAnswerer } from '../core/answer/cache';
import { extractiveAnswerer } from '../core/answer/extractive';
import type { Answerer, AskResponse, ChatTurn } from '../core/answer/types';
import type { Engine } from '../core/engine';
import { AppError } from '../core/errors';
import { figuresToCsv, findFigures } from '../core/explorer';
import { verifyClaim } from '../core/verify';
import { demoPageCsp, renderDemoPage, renderSourceViewer, SOURCE_VIEWER_CSP } from './pages';
import { mountOpenAiCompat, openAiCors, openAiErrorShape } from './openai-compat';
import { fixedWindowLimiter, type RateLimiter } from './rate-limit';
import { bearerToken, verifyWidgetToken } from './widget-token';

export interface AppConfig {
  /** Longest question or claim accepted, in characters. */
  maxQuestionChars: number;
  /** Status for an over-long question: 413 (default) or 400. */
  questionTooLongStatus: 400 | 413;
  maxBodyBytes: number;
  /** Origins allowed to call the API from a browser; '*' allows any. */
  allowedOrigins: string[] | '*';
  /** Requests per minute per client on the API; 0 turns the limit off. */
  rateLimitPerMin: number;
  /** Turns on /api/admin when set. */
  adminToken: string | null;
  /** When set, /api/ask, /api/search, /api/verify and /api/figures need a signed widget token (widget-token.ts). */
  widgetSecret: string | null;
  maxHistoryTurns: number;
  /** Extractive answers kept for repeated questions (0 turns the cache off). */
  answerCacheSize: number;
  title: string;
}

export const DEFAULT_CONFIG: AppConfig = {
  maxQuestionChars: 2000,
  questionTooLongStatus: 413,
  maxBodyBytes: 64 * 1024,
  allowedOrigins: '*',
  rateLimitPerMin: 0,
  adminToken: null,
  widgetSecret: null,
  maxHistoryTurns: 20,
  answerCacheSize: 2000,
  title: '政策问答',
};

export interface AppDeps {
  /** The engine in force; called per request so that a rebuilt index swaps in atomically. */
  engine: () => Engine;
  config?: Partial<AppConfig>;
  answerer?: Answerer;
  widgetScript?: () => Promise<string>;
  /** Identifies the client for rate limiting (the Node adapter passes the socket address). */
  clientId?: (c: Context) => string;
  /**
   * A platform rate limiter (the Worker's rate-limit binding): seconds to wait, 0 to go ahead.
   * Replaces the in-memory limit of `rateLimitPerMin` when given.
   */
  rateLimit?: (client: string) => Promise<number>;
  /** Extra routes mounted by a runtime (admin, OpenAI-compatible API). */
  extend?: (app: Hono, ctx: AppContext) => void;
}

export interface AppContext {
  config: AppConfig;
  answerer: Answerer;
  engine: () => Engine;
  readJson: <T extends z.ZodTypeAny>(c: Context, schema: T) => Promise<z.infer<T>>;
}

const chatTurn = z.object({ role: z.enum(['user', 'assistant']), content: z.string().max(8000) });

export function createApp(deps: AppDeps): Hono {
  const config: AppConfig = { ...DEFAULT_CONFIG, ...deps.config };
  // Extractive answers are deterministic per index, so repeated questions are served from a cache.
  const chosen = deps.answerer ?? extractiveAnswerer;
  const answerer = chosen.id === extractiveAnswerer.id && config.answerCacheSize > 0 ? cachingAnswerer(chosen, config.answerCacheSize) : chosen;
  const limiter: RateLimiter | null = config.rateLimitPerMin > 0 ? fixedWindowLimiter(config.rateLimitPerMin) : null;
  const app = new Hono();

  app.onError((err, c) => {
    if (err instanceof AppError) {
      for (const [k, v] of Object.entries(err.headers)) c.header(k, v);
      return c.json({ error: { code: err.code, message: err.message } }, err.status);
    }
    if (err instanceof HTTPException) {
      const status = err.status;
      const code = status === 413 ? 'too_large' : status === 404 ? 'not_found' : status === 401 ? 'unauthorized' : 'bad_request';
      return c.json({ error: { code, message: err.message || 'bad request' } }, status);
    }
    console.error('[policy-qa] internal error', err);
    return c.json({ error: { code: 'internal', message: 'internal error' } }, 500);
  });
  app.notFound((c) => c.json({ error: { code: 'not_found', message: `no route for ${c.req.method} ${c.req.path}` } }, 404));
  // The OpenAI-compatible API (openai-compat.ts): OpenAI's error shape, and CORS that lets SDK headers through.
  app.use('/v1/*', openAiErrorShape());
  app.use('/v1/*', openAiCors(config));

  app.use(
    '/api/*',
    cors({
      origin: (origin) => (config.allowedOrigins === '*' ? origin || '*' : config.allowedOrigins.includes(origin) ? origin : null),
      allowMethods: ['GET', 'POST', 'DELETE', 'OPTIONS'],
      allowHeaders: ['Content-Type', 'Authorization', 'Accept'],
      exposeHeaders: ['Retry-After'],
      maxAge: 600,
    }),
  );
  // CORS headers alone only stop the browser from reading a response; refuse disallowed
  // origins on the server too, so their requests do no work and spend no quota.
  const checkOrigin: MiddlewareHandler = async (c, next) => {
    const origin = c.req.header('Origin');
    if (origin && config.allowedOrigins !== '*' && !config.allowedOrigins.includes(origin) && !sameOrigin(c, origin)) {
      throw new AppError('unauthorized', `origin ${origin} is not allowed`, 403);
    }
    await next();
  };
  const rateLimit: MiddlewareHandler = async (c, next) => {
    if ((deps.rateLimit || limiter) && c.req.method !== 'OPTIONS') {
      const client = deps.clientId?.(c) ?? c.req.header('x-forwarded-for') ?? 'anonymous';
      const wait = deps.rateLimit ? await deps.rateLimit(client) : limiter!.take(client);
      if (wait > 0) throw new AppError('rate_limited', `too many requests: try again in ${wait} s`, 429, { 'Retry-After': String(wait) });
    }
    await next();
  };
  // /api and the OpenAI-compatible /v1 share origin checks and one rate limit.
  for (const path of ['/api/*', '/v1/*']) {
    app.use(path, checkOrigin);
    app.use(path, rateLimit);
  }
  // With WIDGET_SECRET, asking needs a token minted by the host site's backend for this page's origin.
  if (config.widgetSecret) {
    const secret = config.widgetSecret;
    const requireToken = async (c: Context, next: () => Promise<void>) => {
      if (c.req.method !== 'OPTIONS') {
        const r = await verifyWidgetToken(secret, bearerToken(c.req.header('Authorization')), { origin: c.req.header('Origin') ?? null });
        if (!r.ok) {
          const why = { missing: 'a widget token is required (Authorization: Bearer …)', malformed: 'malformed widget token', bad_signature: 'invalid widget token', expired: 'widget token expired', wrong_origin: 'widget token was issued for another origin' }[r.reason];
          throw new AppError('unauthorized', why, 401, { 'WWW-Authenticate': `Bearer error="${r.reason === 'missing' ? 'invalid_request' : 'invalid_token'}"` });
        }
      }
      await next();
    };
    for (const path of ['/api/ask', '/api/search', '/api/verify', '/api/figures', '/v1/chat/completions', '/v1/models', '/v1/models/*']) app.use(path, requireToken);
  }
  const globalBodyLimit = bodyLimit({
    maxSize: config.maxBodyBytes,
    onError: () => {
      throw new AppError('too_large', `request body over ${config.maxBodyBytes} bytes`, 413);
    },
  });
  // Document uploads (src/http/admin.ts) check the token first, then apply their own, larger limit.
  app.use('*', (c, next) => (c.req.path.startsWith('/api/admin/') ? next() : globalBodyLimit(c, next)));

  const readJson = async <T extends z.ZodTypeAny>(c: Context, schema: T): Promise<z.infer<T>> => {
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      throw new AppError('bad_request', 'body must be a JSON object (Content-Type: application/json)', 400);
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new AppError('bad_request', `${issue.path.join('.') || 'body'}: ${issue.message}`, 400);
    }
    return parsed.data;
  };
  const text = (field: string) =>
    z
      .string({ required_error: `${field} is required`, invalid_type_error: `${field} must be a string` })
      .refine((s) => s.trim().length > 0, `${field} must not be empty`);
  const checkLength = (s: string, field: string) => {
    if (s.length > config.maxQuestionChars) {
      throw new AppError(config.questionTooLongStatus === 413 ? 'too_large' : 'bad_request', `${field} is over ${config.maxQuestionChars} characters`, config.questionTooLongStatus);
    }
  };

  app.get('/healthz', (c) => {
    const e = deps.engine();
    return c.json({ status: 'ok', documents: e.corpus.documents.length, chunks: e.corpus.chunkCount });
  });

  app.get('/api/documents', (c) => {
    const e = deps.engine();
    const chunks = new Map<number, number>();
    for (let i = 0; i < e.corpus.chunkCount; i++) chunks.set(e.corpus.chunk(i).doc, (chunks.get(e.corpus.chunk(i).doc) ?? 0) + 1);
    return c.json({
      documents: e.corpus.documents.map((d, i) => ({ docId: d.docId, title: d.title, chars: d.original.length, chunks: chunks.get(i) ?? 0, script: d.script, city: d.city, date: d.date, source: d.source, format: d.format })),
    });
  });

  app.get('/api/documents/:docId', (c) => {
    const doc = findDocument(deps.engine(), c.req.param('docId'));
    return c.json({ docId: doc.docId, title: doc.title, text: doc.original });
  });

  const searchSchema = z.object({ query: text('query'), k: z.number().int().min(1).max(50).optional() });
  app.post('/api/search', async (c) => {
    const body = await readJson(c, searchSchema);
    checkLength(body.query, 'query');
    return c.json({ results: await deps.engine().search(body.query, body.k ?? 10) });
  });

  const askSchema = z.object({
    question: text('question'),
    topK: z.number().int().min(1).max(20).optional(),
    history: z.array(chatTurn).optional(),
  });
  app.post('/api/ask', async (c) => {
    const body = await readJson(c, askSchema);
    checkLength(body.question, 'question');
    const history: ChatTurn[] = (body.history ?? []).slice(-config.maxHistoryTurns);
    const req = { question: body.question, topK: body.topK ?? 5, history };
    const engine = deps.engine();
    if (!(c.req.header('Accept') ?? '').includes('text/event-stream')) {
      return c.json(await answerer.ask(engine, req, undefined, c.req.raw.signal));
    }
    return streamSSE(c, async (sse) => {
      const pending: Array<Promise<void>> = [];
      try {
        const res: AskResponse = await answerer.ask(
          engine,
          req,
          {
            onCitations: (citations) => void pending.push(sse.writeSSE({ event: 'citations', data: JSON.stringify(citations) })),
            onDelta: (t) => void pending.push(sse.writeSSE({ event: 'delta', data: JSON.stringify({ text: t }) })),
          },
          c.req.raw.signal,
        );
        await Promise.all(pending);
        await sse.writeSSE({ event: 'done', data: JSON.stringify(res) });
      } catch (err) {
        await Promise.all(pending);
        const e = err instanceof AppError ? err : new AppError('internal', 'the answer could not be completed', 500);
        await sse.writeSSE({ event: 'error', data: JSON.stringify({ error: { code: e.code, message: e.message } }) });
      }
    });
  });

  const verifySchema = z.object({ claim: text('claim') });
  app.post('/api/verify', async (c) => {
    const body = await readJson(c, verifySchema);
    checkLength(body.claim, 'claim');
    return c.json(await verifyClaim(deps.engine(), body.claim));
  });

  app.get('/api/figures', (c) => {
    const q = c.req.query('q') ?? '';
    if (!q.trim()) throw new AppError('bad_request', 'q (the term to look for) is required', 400);
    checkLength(q, 'q');
    const format = c.req.query('format') ?? 'json';
    if (format !== 'json' && format !== 'csv') throw new AppError('bad_request', 'format must be json or csv', 400);
    const rows = findFigures(deps.engine(), q);
    if (format === 'csv') {
      return c.body(figuresToCsv(rows), 200, {
        'Content-Type': 'text/csv; charset=utf-8',
        'Content-Disposition': `attachment; filename="figures.csv"; filename*=UTF-8''${encodeURIComponent(`figures-${q}.csv`)}`,
      });
    }
    return c.json({ query: q, count: rows.length, figures: rows });
  });

  app.get('/', (c) => {
    const examples = ['邢台市2022年市场主体净增多少户？', '黄石的质量奖培育计划已深入多少家企业开展专题服务？', '衢州今年新發展了多少種“三同”產品？', '青岛计划筹建的全国首个公共服务平台是什么平台？'];
    c.header('Content-Security-Policy', demoPageCsp());
    return c.html(renderDemoPage({ title: config.title, examples, description: '基于政策文件的问答与数据核查，每个回答都附有可核对的原文出处。' }));
  });

  app.get('/widget.js', async (c) => {
    if (!deps.widgetScript) throw new AppError('not_found', 'widget is not built in this runtime', 404);
    return c.body(await deps.widgetScript(), 200, { 'Content-Type': 'application/javascript; charset=utf-8', 'Cache-Control': 'public, max-age=300', 'Access-Control-Allow-Origin': '*' });
  });

  app.get('/doc/:docId', (c) => {
    const doc = findDocument(deps.engine(), c.req.param('docId'));
    const start = Number(c.req.query('start'));
    const end = Number(c.req.query('end'));
    const span = Number.isInteger(start) && Number.isInteger(end) && c.req.query('start') !== undefined ? { start, end } : null;
    c.header('Content-Security-Policy', SOURCE_VIEWER_CSP);
    return c.html(renderSourceViewer({ docId: doc.docId, title: doc.title, text: doc.original }, span));
  });

  mountOpenAiCompat(app, { config, answerer, engine: deps.engine, readJson });
  deps.extend?.(app, { config, answerer, engine: deps.engine, readJson });
  return app;
}

function findDocument(engine: Engine, docId: string) {
  const i = engine.corpus.docIndex(docId);
  if (i === undefined) throw new AppError('not_found', `no document ${docId}`, 404);
  return engine.corpus.documents[i];
}

function sameOrigin(c: Context, origin: string): boolean {
  try {
    return new URL(c.req.url).host === new URL(origin).host;
  } catch {
    return false;
  }
}
