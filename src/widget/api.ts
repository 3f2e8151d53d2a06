/** The widget's HTTP client: POST /api/ask (SSE over fetch) and POST /api/verify. */

import { createSseParser } from './sse';
import type { Passage } from './text';

export interface AskResponse {
  answer: string;
  mode: 'extractive' | 'llm';
  abstained: boolean;
  citations: Passage[];
  question?: string;
  rewrittenQuestion?: string;
}

export interface VerifyResponse {
  verdict: 'supported' | 'contradicted' | 'not_found';
  figures: Array<{ claimed: string; found: string | null; match: boolean }>;
  evidence: Passage[];
  explanation: string;
}

export interface HistoryTurn {
  role: 'user' | 'assistant';
  content: string;
}

export interface ApiConfig {
  endpoint: string;
  token?: string;
  /** Abort a stream that sends nothing for this long (ms). */
  idleTimeoutMs?: number;
}

/** Something the user can retry: network failure, HTTP error, dropped or failed stream. */
export class ApiError extends Error {
  constructor(
    readonly kind: 'network' | 'refused' | 'http' | 'dropped' | 'stream',
    message: string,
    readonly status = 0,
    readonly code = '',
    readonly retryAfter: number | null = null,
  ) {
    super(message);
  }
}

function headers(cfg: ApiConfig, accept: string): Record<string, string> {
  const h: Record<string, string> = { 'Content-Type': 'application/json', Accept: accept };
  if (cfg.token) h.Authorization = `Bearer ${cfg.token}`;
  return h;
}

/** Retry-After: delay-seconds or an HTTP date. */
export function parseRetryAfter(v: string | null | undefined, now = Date.now()): number | null {
  if (v == null) return null;
  const s = String(v).trim();
  if (/^\d+$/.test(s)) return parseInt(s, 10);
  const t = Date.parse(s);
  return isNaN(t) ? null : Math.max(0, Math.ceil((t - now) / 1000));
}

async function httpError(res: Response): Promise<ApiError> {
  let code = '';
  let message = '';
  let bodyRetry: unknown;
  try {
    const j = await res.json();
    const e = j && typeof j === 'object' ? (j as { error?: unknown }).error : undefined;
    if (e && typeof e === 'object') {
      const eo = e as { code?: unknown; message?: unknown; retryAfter?: unknown };
      if (typeof eo.code === 'string') code = eo.code;
      if (typeof eo.message === 'string') message = eo.message;
      bodyRetry = eo.retryAfter;
    }
  } catch {
    /* not JSON */
  }
  // Retry-After is readable cross-origin only if the server exposes it; fall back to the body.
  let retry = parseRetryAfter(res.headers.get('Retry-After'));
  if (retry === null && bodyRetry != null) retry = parseRetryAfter(String(bodyRetry));
  return new ApiError('http', message || res.statusText || String(res.status), res.status, code, retry);
}

async function post(cfg: ApiConfig, path: string, body: unknown, accept: string, signal?: AbortSignal): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(cfg.endpoint + path, {
      method: 'POST',
      headers: headers(cfg, accept),
      body: JSON.stringify(body),
      signal,
      credentials: 'omit',
      mode: 'cors',
      cache: 'no-store',
    });
  } catch (e) {
    if (signal && signal.aborted) throw e;
    const why = e instanceof Error ? e.message : String(e);
    throw new ApiError((await corsRefused(cfg.endpoint + path, signal)) ? 'refused' : 'network', why);
  }
  if (!res.ok) throw await httpError(res);
  return res;
}

/**
 * A failed fetch is opaque: the server may be down, or it may not allow this page's origin
 * (ALLOWED_ORIGINS), which the browser reports the same way. Tell them apart without touching
 * the API: an OPTIONS request (it does no work and counts against no limit) passes CORS only if
 * the origin is allowed, and a no-cors GET of /healthz shows whether the server answers at all.
 */
async function corsRefused(url: string, signal?: AbortSignal): Promise<boolean> {
  const ok = (r: Promise<unknown>) => r.then(
    () => true,
    () => false,
  );
  const opts = { credentials: 'omit', cache: 'no-store', signal } as const;
  if (await ok(fetch(url, { ...opts, method: 'OPTIONS', mode: 'cors' }))) return false;
  return ok(fetch(new URL('/healthz', url).href, { ...opts, mode: 'no-cors' }));
}

function parseJson<T>(s: string): T | undefined {
  try {
    return JSON.parse(s) as T;
  } catch {
    return undefined;
  }
}

export interface StreamHandlers {
  onCitations?(c: Passage[]): void;
  onDelta?(text: string): void;
}

export async function ask(
  cfg: ApiConfig,
  body: { question: string; topK?: number; history?: HistoryTurn[] },
  on: StreamHandlers,
  signal?: AbortSignal,
): Promise<AskResponse> {
  const ctl = new AbortController();
  const onAbort = () => ctl.abort();
  if (signal) signal.addEventListener('abort', onAbort);
  let idle = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const idleMs = cfg.idleTimeoutMs || 60000;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      idle = true;
      ctl.abort();
    }, idleMs);
  };
  try {
    arm();
    const res = await post(cfg, '/api/ask', body, 'text/event-stream', ctl.signal);
    const ct = res.headers.get('Content-Type') || '';
    if (ct.indexOf('text/event-stream') < 0) {
      // A server that answered in one piece.
      const j = (await res.json()) as AskResponse;
      if (j.citations && on.onCitations) on.onCitations(j.citations);
      return j;
    }
    let final: AskResponse | undefined;
    let failure: ApiError | undefined;
    const parser = createSseParser((ev) => {
      if (final || failure) return;
      if (ev.event === 'citations') {
        const c = parseJson<Passage[]>(ev.data);
        if (Array.isArray(c) && on.onCitations) on.onCitations(c);
      } else if (ev.event === 'delta') {
        const d = parseJson<{ text?: unknown }>(ev.data);
        if (d && typeof d.text === 'string' && on.onDelta) on.onDelta(d.text);
      } else if (ev.event === 'done') {
        const d = parseJson<AskResponse>(ev.data);
        if (d && typeof d.answer === 'string') final = d;
        else failure = new ApiError('stream', '');
      } else if (ev.event === 'error') {
        const d = parseJson<{ error?: { code?: string; message?: string } }>(ev.data);
        const e = (d && d.error) || {};
        failure = new ApiError('stream', e.message || '', 0, e.code || '');
      }
    });
    if (!res.body) {
      parser.push(await res.text());
      parser.end();
    } else {
      const reader = res.body.getReader();
      const dec = new TextDecoder('utf-8');
      try {
        for (;;) {
          const r = await reader.read();
          if (r.done) break;
          arm();
          parser.push(dec.decode(r.value, { stream: true }));
          if (final || failure) {
            reader.cancel().catch(() => undefined);
            break;
          }
        }
        parser.push(dec.decode());
        parser.end();
      } catch (e) {
        if (signal && signal.aborted) throw e;
        if (!final && !failure) throw new ApiError('dropped', idle ? 'idle timeout' : e instanceof Error ? e.message : String(e));
      }
    }
    if (failure) throw failure;
    if (!final) throw new ApiError('dropped', 'stream ended without a done event');
    return final;
  } catch (e) {
    if (idle && !(e instanceof ApiError)) throw new ApiError('dropped', 'idle timeout');
    throw e;
  } finally {
    clearTimeout(timer);
    if (signal) signal.removeEventListener('abort', onAbort);
  }
}

export async function verify(cfg: ApiConfig, claim: string, signal?: AbortSignal): Promise<VerifyResponse> {
  const res = await post(cfg, '/api/verify', { claim }, 'application/json', signal);
  try {
    return (await res.json()) as VerifyResponse;
  } catch (e) {
    throw new ApiError('dropped', e instanceof Error ? e.message : String(e));
  }
}
