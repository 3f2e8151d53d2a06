/**
 * The LLM answerer: retrieval as for the extractive answer, the top passages numbered 1..k in a
 * prompt, any LangChain chat model to write the answer (ChatOpenAI for OpenAI-compatible
 * servers, ChatOllama, a Workers AI model, a fake in tests), then the grounding check on every
 * sentence before it is released. Without a usable answer (timeout, error, refusal, nothing
 * grounded) the extractive answer stands in and the response says why.
 *
 * Runtime-agnostic: the model and the prompt texts are injected; nothing here reads files or env.
 */
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { HumanMessage, SystemMessage, type BaseMessage } from '@langchain/core/messages';
import type { Engine, Passage } from '../engine';
import { extractFigures } from '../figures';
import { normalizeQuery } from '../normalize';
import type { QueryAnalysis } from '../query';
import { simplifiedToTraditional } from '../script';
import { answerableEvidence, answerExtractive, streamPieces } from './extractive';
import { rewriteFollowUp } from './followup';
import { ABSTENTION, GroundedAssembler, REFUSAL, SentenceSplitter } from './grounding';
import { asData, renderPrompt, type PromptSet } from './prompts';
import type { Answerer, AskRequest, AskResponse, AskStream, ChatTurn } from './types';

/** The part of a LangChain chat model the answerer uses. */
export type ChatModelLike = Pick<BaseChatModel, 'invoke' | 'stream'>;

export interface LlmAnswererOptions {
  /** Any LangChain chat model. Give it maxRetries 0: the answerer has its own deadline and fallback. */
  model: ChatModelLike;
  prompts: PromptSet;
  /** Shown in responses and logs. */
  modelName?: string;
  /** The whole answer (follow-up rewrite included) must come within this; default 20000. */
  timeoutMs?: number;
  /** Most passages put in the prompt (the request's topK applies below it); default 8. */
  maxPassages?: number;
  /** Share of the timeout a follow-up rewrite may take before the offline rewrite is used; default 1/3. */
  rewriteShare?: number;
  log?: (msg: string) => void;
}

export type FallbackReason = 'llm_timeout' | 'llm_error' | 'llm_refused' | 'llm_empty' | 'ungrounded' | 'no_passages' | 'aborted';

export function createLlmAnswerer(opts: LlmAnswererOptions): Answerer {
  const name = opts.modelName ?? 'llm';
  return {
    id: `llm:${name}`,
    ask: (engine, req, stream, signal) => askLlm(opts, name, engine, req, stream, signal),
  };
}

async function askLlm(opts: LlmAnswererOptions, name: string, engine: Engine, req: AskRequest, stream: AskStream | undefined, signal: AbortSignal | undefined): Promise<AskResponse> {
  const t0 = Date.now();
  const timeoutMs = opts.timeoutMs ?? 20_000;
  const log = opts.log ?? (() => {});
  const deadline = new Deadline(timeoutMs, signal);
  const history = req.history ?? [];
  try {
    // 1. A follow-up becomes a standalone question: by the LLM, or by carrying the subject over.
    let question = req.question;
    let rewrite: 'llm' | 'offline' | undefined;
    if (history.length > 0) {
      const sub = new Deadline(Math.max(1, Math.round(timeoutMs * (opts.rewriteShare ?? 1 / 3))), deadline.signal);
      try {
        question = await rewriteWithLlm(opts.model, opts.prompts, req.question, history, sub.signal);
        rewrite = 'llm';
      } catch (err) {
        log(`follow-up rewrite by the LLM failed (${describe(err, sub)}); carrying the subject over instead`);
        question = rewriteFollowUp(engine.gazetteer, req.question, history).question;
        rewrite = 'offline';
      } finally {
        sub.dispose();
      }
    }
    const base: Partial<AskResponse> = history.length > 0 ? { rewrittenQuestion: question } : {};
    const meta = () => ({ llm: { model: name, promptHash: opts.prompts.hash, ms: Date.now() - t0, ...(rewrite ? { rewrite } : {}) } });

    // 2. The passages, numbered 1..k, exactly as the citations will carry them.
    const q = engine.analyze(question);
    const passages = await selectPassages(engine, q, Math.max(1, Math.min(req.topK, opts.maxPassages ?? 8)));
    const display = q.script === 'traditional' ? simplifiedToTraditional : (t: string) => t;
    const assembler = new GroundedAssembler(passages, q.figures, (t) => stream?.onDelta?.(t), display);

    const fallback = async (reason: FallbackReason, detail?: string): Promise<AskResponse> => {
      log(`answer falls back to extractive: ${reason}${detail ? ` (${detail})` : ''}`);
      const res = await answerExtractive(engine, question, req.topK);
      stream?.onCitations?.(res.citations);
      if (stream?.onDelta) for (const piece of streamPieces(res.answer)) stream.onDelta(piece);
      const grounding = { checkedFigures: assembler.checkedFigures, removed: assembler.removed, fallbackReason: reason };
      return { ...res, ...base, fallbackReason: reason, grounding, ...meta() };
    };
    if (passages.length === 0) return await fallback('no_passages');
    stream?.onCitations?.(passages);

    // 3. Generation, checked sentence by sentence as it arrives.
    const messages: BaseMessage[] = [
      new SystemMessage(opts.prompts.answerSystem),
      new HumanMessage(renderPrompt(opts.prompts.answerUser, { passages: formatPassages(passages), question: asData(question.trim()), count: passages.length })),
    ];
    const splitter = new SentenceSplitter();
    const think = new ThinkFilter();
    const feed = (t: string) => {
      for (const s of splitter.push(think.push(t))) assembler.accept(s);
    };
    let finish: string | undefined;
    try {
      finish = await generate(opts.model, messages, deadline.signal, !!stream?.onDelta, feed);
      for (const s of splitter.push(think.end())) assembler.accept(s);
      for (const s of splitter.end()) assembler.accept(s);
    } catch (err) {
      const reason: FallbackReason = deadline.timedOut ? 'llm_timeout' : signal?.aborted ? 'aborted' : 'llm_error';
      if (assembler.released && assembler.cited > 0) {
        // Checked sentences have already been streamed: they stand, marked as cut short.
        log(`answer interrupted after ${assembler.cited} checked sentence(s): ${reason} (${describe(err, deadline)})`);
        const grounding = { checkedFigures: assembler.checkedFigures, removed: assembler.removed, fallbackReason: null };
        return { answer: assembler.text, mode: 'llm', abstained: false, citations: passages, ...base, grounding, interrupted: reason, ...meta() };
      }
      return await fallback(reason, describe(err, deadline));
    }

    // 4. What the check left decides the answer.
    const grounding = { checkedFigures: assembler.checkedFigures, removed: assembler.removed, fallbackReason: null };
    if (assembler.cited > 0) {
      if (assembler.removed.length > 0) log(`grounding check removed ${assembler.removed.length} sentence(s): ${assembler.removed.join(' | ')}`);
      return { answer: assembler.text, mode: 'llm', abstained: false, citations: passages, ...base, grounding, ...meta() };
    }
    const held = assembler.heldBack;
    if (finish === 'content_filter' || (held && REFUSAL.test(held) && !ABSTENTION.test(normalizeQuery(held)))) return await fallback('llm_refused', clip(held, 80));
    if (held && ABSTENTION.test(normalizeQuery(held))) {
      const answer = assembler.releaseHeld();
      return { answer, mode: 'llm', abstained: true, citations: passages, ...base, grounding, ...meta() };
    }
    return await fallback(held || assembler.removed.length > 0 ? 'ungrounded' : 'llm_empty', clip(held || assembler.removed.join(' | '), 120));
  } finally {
    deadline.dispose();
  }
}

/**
 * The top chunks for the question. When it names a city we hold, that city's chunks only (the
 * model cannot then answer from another city's document); the chunk holding the best evidence
 * sentence is always among them.
 */
async function selectPassages(engine: Engine, q: QueryAnalysis, k: number): Promise<Passage[]> {
  const { ranked, sentences } = await engine.evidence(q, Math.max(8, k));
  const cityDocs = engine.docsForCities(q.cities);
  let pool = ranked;
  if (cityDocs) {
    const inCity = ranked.filter((r) => cityDocs.has(engine.corpus.chunk(r.chunk).doc));
    if (inCity.length > 0) pool = inCity;
  }
  const chosen = pool.slice(0, k);
  const best = answerableEvidence(q, sentences)[0];
  const holds = (chunk: number, s: number) => {
    const c = engine.corpus.chunk(chunk);
    return s >= c.first && s <= c.last;
  };
  if (best && chosen.length > 0 && !chosen.some((r) => holds(r.chunk, best.sentence))) {
    const r = ranked.find((x) => holds(x.chunk, best.sentence));
    if (r) chosen[chosen.length - 1] = r;
  }
  return chosen.map((r, i) => engine.chunkPassage(r.chunk, i + 1, r.score));
}

export function formatPassages(passages: Passage[]): string {
  return passages.map((p) => `<passage n="${p.n}" title="${asData(p.title).replace(/"/g, '＂')}">\n${asData(p.text)}\n</passage>`).join('\n');
}

export function formatHistory(history: ChatTurn[], maxTurns = 6, maxChars = 300): string {
  return history
    .slice(-maxTurns)
    .map((t) => `${t.role === 'user' ? '用户' : '助手'}：${asData(clip(t.content.replace(/\[\d{1,2}\]/g, '').replace(/\s+/g, ' ').trim(), maxChars))}`)
    .join('\n');
}

async function rewriteWithLlm(model: ChatModelLike, prompts: PromptSet, question: string, history: ChatTurn[], signal: AbortSignal): Promise<string> {
  const messages = [new SystemMessage(prompts.rewriteSystem), new HumanMessage(renderPrompt(prompts.rewriteUser, { history: formatHistory(history), question: asData(question.trim()) }))];
  let text = '';
  await generate(model, messages, signal, false, (t) => (text += t));
  const think = new ThinkFilter();
  const line = (think.push(text) + think.end())
    .split('\n')
    .map((l) => l.trim())
    .find(Boolean);
  const q = (line ?? '')
    .replace(/^(改写后的独立问题|改写后的问题|独立问题|问题)\s*[:：]\s*/, '')
    .replace(/^["“「『'‘]+|["”」』'’]+$/g, '')
    .trim();
  if (!q) throw new Error('empty rewrite');
  if (q.length > Math.max(300, question.length * 3)) throw new Error('rewrite too long');
  // A rewrite that brings a figure of its own has answered rather than rewritten.
  const said = normalizeQuery([question, ...history.map((t) => t.content)].join('\n'));
  const added = extractFigures(normalizeQuery(q)).find((f) => !said.includes(f.raw));
  if (added) throw new Error(`rewrite adds the figure ${added.raw}`);
  return q;
}

/**
 * Runs the model, streaming or not, feeding text as it comes. Returns the finish reason. Races
 * every wait against the signal: a provider that ignores aborts still cannot hold us past it.
 */
async function generate(model: ChatModelLike, messages: BaseMessage[], signal: AbortSignal, streaming: boolean, feed: (text: string) => void): Promise<string | undefined> {
  const aborted = abortPromise(signal);
  try {
    if (!streaming) {
      const msg = await Promise.race([model.invoke(messages, { signal }), aborted.promise]);
      feed(textOf(msg.content));
      if (signal.aborted) throw signal.reason ?? new Error('aborted');
      return finishReason(msg);
    }
    const iterable = await Promise.race([model.stream(messages, { signal }), aborted.promise]);
    const it = iterable[Symbol.asyncIterator]();
    let finish: string | undefined;
    try {
      for (;;) {
        const r = await Promise.race([it.next(), aborted.promise]);
        if (r.done) break;
        const t = textOf(r.value.content);
        if (t) feed(t);
        finish = finishReason(r.value) ?? finish;
      }
    } finally {
      it.return?.()?.catch(() => {});
    }
    // Some providers end the stream quietly when aborted: a cut-off answer is not a finished one.
    if (signal.aborted) throw signal.reason ?? new Error('aborted');
    return finish;
  } finally {
    aborted.dispose();
  }
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((p) => (typeof p === 'string' ? p : p && typeof p === 'object' && (p as { type?: string }).type === 'text' ? String((p as { text?: unknown }).text ?? '') : '')).join('');
  return '';
}

function finishReason(msg: { response_metadata?: Record<string, unknown>; additional_kwargs?: Record<string, unknown> }): string | undefined {
  if (msg.additional_kwargs?.refusal) return 'content_filter';
  const r = msg.response_metadata?.finish_reason ?? msg.response_metadata?.done_reason;
  return typeof r === 'string' ? r : undefined;
}

function abortPromise(signal: AbortSignal): { promise: Promise<never>; dispose: () => void } {
  let onAbort = () => {};
  const promise = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason ?? new Error('aborted'));
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  promise.catch(() => {});
  return { promise, dispose: () => signal.removeEventListener('abort', onAbort) };
}

class LlmTimeout extends Error {
  constructor(ms: number) {
    super(`no answer within ${ms} ms`);
    this.name = 'TimeoutError';
  }
}

/** An abort signal that fires after `ms`, or when the parent does. */
class Deadline {
  private readonly controller = new AbortController();
  private readonly timer: ReturnType<typeof setTimeout>;
  private readonly unlink: () => void;
  timedOut = false;

  constructor(ms: number, parent?: AbortSignal) {
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.controller.abort(new LlmTimeout(ms));
    }, ms);
    const onAbort = () => this.controller.abort(parent?.reason);
    if (parent?.aborted) onAbort();
    else parent?.addEventListener('abort', onAbort, { once: true });
    this.unlink = () => parent?.removeEventListener('abort', onAbort);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.unlink();
  }
}

function describe(err: unknown, d: Deadline): string {
  if (d.timedOut) return 'timeout';
  const e = err as { status?: number; message?: string; name?: string };
  const msg = e?.message ? String(e.message).split('\n')[0] : String(err);
  return clip(e?.status ? `${e.status} ${msg}` : msg, 200);
}

function clip(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n)}…` : s;
}

/** Drops `<think>…</think>` (reasoning models such as DeepSeek-R1 and Qwen3 emit it), also across chunks. */
export class ThinkFilter {
  private buf = '';
  private inside = false;

  push(text: string): string {
    this.buf += text;
    let out = '';
    for (;;) {
      if (this.inside) {
        const i = this.buf.indexOf('</think>');
        if (i < 0) {
          this.buf = this.buf.slice(-8);
          return out;
        }
        this.buf = this.buf.slice(i + 8);
        this.inside = false;
      } else {
        const i = this.buf.indexOf('<think>');
        if (i < 0) {
          const keep = partialSuffix(this.buf, '<think>');
          out += this.buf.slice(0, this.buf.length - keep);
          this.buf = this.buf.slice(this.buf.length - keep);
          return out;
        }
        out += this.buf.slice(0, i);
        this.buf = this.buf.slice(i + 7);
        this.inside = true;
      }
    }
  }

  end(): string {
    const rest = this.inside ? '' : this.buf;
    this.buf = '';
    return rest;
  }
}

function partialSuffix(s: string, tag: string): number {
  for (let k = Math.min(tag.length - 1, s.length); k > 0; k--) if (s.endsWith(tag.slice(0, k))) return k;
  return 0;
}
