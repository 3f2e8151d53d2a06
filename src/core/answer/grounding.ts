/**
 * The grounding check for generated answers: every `[n]` must name a passage the model was
 * given, and every figure a sentence states must occur (after normalization) in a passage that
 * sentence cites. Sentences that fail are removed; the caller decides whether what is left is
 * an answer. Works sentence by sentence, so a streamed answer is checked as it arrives.
 */
import type { Passage } from '../engine';
import { extractFigures, sameQuantity, type Figure } from '../figures';
import { normalizeQuery } from '../normalize';

/** `【1】`, `［1］`, `[1,2]`, `[1、2]`, `[ 1 ]` → `[1]`, `[1][2]`. */
const LOOSE_MARKER = /[[【［]\s*(\d{1,2}(?:\s*[,，、]\s*\d{1,2})*)\s*[\]】］]/g;
const MARKER = /\[(\d{1,2})\]/g;
const SENTENCE_END = /[。！？!?\n]/;
const CLOSING = /[。！？!?」』”’"）)]/;
const TRAILING_MARKER = /^[ \t]*[[【［]\s*\d{1,2}(?:\s*[,，、]\s*\d{1,2})*\s*[\]】］]/;
/** What could still grow into a trailing marker once more text arrives. */
const PARTIAL_MARKER = /^[ \t]*(?:[[【［]\s*(?:\d{1,2}(?:\s*[,，、]\s*\d{0,2})*\s*)?)?$/;

/** The model says the documents do not answer. */
export const ABSTENTION = /(文件|资料|材料|文档|文中|原文)[中里内]?(?:均|都|并|也)?(?:没有|未|沒有|並未|并未|並沒有|并没有)(?:找到|提及|提到|說明|说明|涉及|包含|給出|给出|提供|記載|记载|写明|寫明|相关|相關)|(?:没有|沒有|未)找到相[关關]信息/;
/** The model declines to answer. */
export const REFUSAL = /(抱歉|对不起|對不起|无法回答|無法回答|不能回答|无法提供|無法提供|不能提供|无法协助|無法協助|I can(?:no|')t|I'm sorry|I am sorry|sorry)/i;

export function normalizeMarkers(text: string): string {
  return text.replace(LOOSE_MARKER, (_m, list: string) =>
    list
      .split(/[,，、\s]+/)
      .filter(Boolean)
      .map((n) => `[${Number(n)}]`)
      .join(''),
  );
}

export function markersIn(text: string): number[] {
  return [...text.matchAll(MARKER)].map((m) => Number(m[1]));
}

/**
 * Splits generated text into sentences as it streams: a sentence ends at 。！？!? (with any
 * closing quotes and the `[n]` markers right after it) or before a newline. A sentence is only
 * released once what follows shows it is complete; `end()` releases the rest.
 */
export class SentenceSplitter {
  private buf = '';

  push(delta: string): string[] {
    this.buf += delta;
    return this.drain(false);
  }

  end(): string[] {
    return this.drain(true);
  }

  private drain(final: boolean): string[] {
    const out: string[] = [];
    for (;;) {
      const cut = this.cut(final);
      if (cut <= 0) break;
      out.push(this.buf.slice(0, cut));
      this.buf = this.buf.slice(cut);
    }
    if (final && this.buf) {
      out.push(this.buf);
      this.buf = '';
    }
    return out;
  }

  private cut(final: boolean): number {
    const s = this.buf;
    const i = s.search(SENTENCE_END);
    if (i < 0) return -1;
    // A newline is a piece of its own, so that sentences never carry it.
    if (s[i] === '\n') {
      if (i > 0) return i;
      let j = 0;
      while (j < s.length && /\s/.test(s[j])) j++;
      return j < s.length || final ? j : -1;
    }
    let j = i + 1;
    while (j < s.length && CLOSING.test(s[j])) j++;
    for (;;) {
      const m = TRAILING_MARKER.exec(s.slice(j));
      if (!m) break;
      j += m[0].length;
    }
    if (!final && PARTIAL_MARKER.test(s.slice(j))) return -1;
    return j;
  }
}

export function splitSentences(text: string): string[] {
  const s = new SentenceSplitter();
  return [...s.push(text), ...s.end()];
}

/** A passage as the check sees it: its normalized text (and title) and figures. */
export interface PassageFacts {
  n: number;
  plain: string;
  figures: Figure[];
}

export function passageFacts(p: Passage): PassageFacts {
  const plain = `${p.title}\n${p.text}`.replace(/,(?=\d{3})/g, '');
  return { n: p.n, plain, figures: extractFigures(plain) };
}

export type SentenceVerdict =
  | { ok: true; cites: number[]; figures: number; abstains: boolean; refuses: boolean; text: string }
  | { ok: false; cites: number[]; figures: number; reason: 'unknown_citation' | 'unstated_figure'; detail: string; text: string };

/**
 * Checks one sentence (markers already normalized). An uncited sentence may state no figure,
 * except an abstention repeating the question's own ("文件中没有找到2021年的数据").
 */
export function checkSentence(sentence: string, facts: Map<number, PassageFacts>, questionFigures: Figure[]): SentenceVerdict {
  const cites = markersIn(sentence);
  const unknown = cites.find((n) => !facts.has(n));
  if (unknown !== undefined) return { ok: false, cites, figures: 0, reason: 'unknown_citation', detail: `[${unknown}]`, text: sentence };
  const body = normalizeQuery(stripDecoration(sentence.replace(MARKER, ' ')));
  const figures = extractFigures(body).filter((f) => f.kind !== 'ordinal');
  const abstains = ABSTENTION.test(body);
  for (const f of figures) {
    const stated = cites.some((n) => states(facts.get(n)!, f)) || (cites.length === 0 && abstains && questionFigures.some((q) => equalFigure(f, q)));
    if (!stated) return { ok: false, cites, figures: figures.length, reason: 'unstated_figure', detail: f.raw, text: sentence };
  }
  return { ok: true, cites, figures: figures.length, abstains, refuses: cites.length === 0 && REFUSAL.test(body), text: sentence };
}

/** List numbering and markdown emphasis are layout, not figures: "1. ", "（2）", "**". */
function stripDecoration(s: string): string {
  return s.replace(/^\s*(?:\d{1,2}[.、)）]\s*|[（(]\d{1,2}[)）]\s*|[-*•]\s+)/, '').replace(/\*\*|__|`/g, '');
}

/** The passage states the figure: the same value in the same unit family, or the same text. */
export function states(p: PassageFacts, f: Figure): boolean {
  if (p.figures.some((g) => equalFigure(f, g))) return true;
  const raw = f.raw.replace(/,/g, '');
  for (let at = p.plain.indexOf(raw); at >= 0; at = p.plain.indexOf(raw, at + 1)) {
    const before = p.plain[at - 1] ?? '';
    const after = p.plain.slice(at + raw.length, at + raw.length + 2);
    const endsInDigit = /\d$/.test(raw);
    if (!/[\d.]/.test(before) && !(endsInDigit && /^(\d|\.\d)/.test(after))) return true;
  }
  return false;
}

/** Exactly the same quantity: no rounding allowed (7.1万户 is not 7.06万户). A bare number matches any unit. */
export function equalFigure(a: Figure, b: Figure): boolean {
  const tol = 1e-9 * Math.max(1, Math.abs(a.value), Math.abs(b.value));
  const eq = (x: number, y: number) => Math.abs(x - y) <= tol;
  if (!eq(a.value, b.value) || !eq(a.upper ?? a.value, b.upper ?? b.value)) return false;
  if (a.kind === 'number' && a.unit === '') return true;
  return sameQuantity(a, b);
}

/** Result of checking a whole answer at once (the non-streaming form of the same check). */
export interface GroundedText {
  text: string;
  kept: string[];
  removed: string[];
  checkedFigures: number;
  cited: number;
  abstains: boolean;
  refuses: boolean;
}

/**
 * Assembles an answer from checked sentences as they arrive. Passing sentences are released
 * through `emit`; uncited ones are held back until the first cited sentence passes (so an
 * answer that turns out to have no grounded sentence has released nothing), as is whitespace
 * until text follows it.
 */
export class GroundedAssembler {
  readonly removed: string[] = [];
  checkedFigures = 0;
  cited = 0;
  private emitted: string[] = [];
  private pending: string[] = [];
  private readonly facts: Map<number, PassageFacts>;

  constructor(
    passages: Passage[],
    private readonly questionFigures: Figure[],
    private readonly emit: (text: string) => void = () => {},
    private readonly display: (text: string) => string = (t) => t,
  ) {
    this.facts = new Map(passages.map((p) => [p.n, passageFacts(p)]));
  }

  /** Takes one sentence from a SentenceSplitter. */
  accept(piece: string): void {
    if (!piece.trim()) {
      if (this.emitted.length > 0 || this.pending.length > 0) this.pending.push(piece);
      return;
    }
    const sentence = normalizeMarkers(this.emitted.length === 0 && this.pending.length === 0 ? piece.trimStart() : piece);
    const v = checkSentence(sentence, this.facts, this.questionFigures);
    this.checkedFigures += v.figures;
    if (!v.ok) {
      this.removed.push(sentence.trim());
      return;
    }
    if (v.cites.length > 0 || this.cited > 0) {
      if (v.cites.length > 0) this.cited++;
      const out = this.display([...this.pending, sentence].join(''));
      this.pending = [];
      this.emitted.push(out);
      this.emit(out);
    } else {
      this.pending.push(sentence);
    }
  }

  /** Text released so far: a cited answer, or nothing. */
  get text(): string {
    return this.emitted.join('');
  }

  get released(): boolean {
    return this.emitted.length > 0;
  }

  /** The uncited sentences held back (an abstention or a refusal, when nothing was cited). */
  get heldBack(): string {
    return this.pending.join('').trim();
  }

  /** Releases the held-back sentences (an abstention) and returns the final text. */
  releaseHeld(): string {
    const rest = this.display(this.heldBack);
    this.pending = [];
    if (rest) {
      this.emitted.push(rest);
      this.emit(rest);
    }
    return this.text;
  }
}

/** Checks a finished answer in one go. */
export function groundAnswer(text: string, passages: Passage[], questionFigures: Figure[] = []): GroundedText {
  const kept: string[] = [];
  const a = new GroundedAssembler(passages, questionFigures, (t) => kept.push(t));
  for (const s of splitSentences(text)) a.accept(s);
  const held = a.heldBack;
  return {
    text: a.text,
    kept,
    removed: a.removed,
    checkedFigures: a.checkedFigures,
    cited: a.cited,
    abstains: a.cited === 0 && ABSTENTION.test(normalizeQuery(held)),
    refuses: a.cited === 0 && REFUSAL.test(held),
  };
}
