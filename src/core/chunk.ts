/**
 * Sentence-aware chunking of normalized text. Sentences end at 。！？!?；; or a line break
 * (closing quotes stay with their sentence); an over-long sentence is cut at clause commas,
 * never inside a figure (`2,000万`). Chunks gather whole sentences up to `maxChars`, and each
 * chunk repeats the last `overlapSentences` of the one before, so an answer that straddles a
 * boundary is still whole in one chunk.
 */
export interface ChunkerSettings {
  minChars: number;
  maxChars: number;
  overlapSentences: number;
  maxSentenceChars: number;
}

export const DEFAULT_CHUNKER: ChunkerSettings = { minChars: 100, maxChars: 320, overlapSentences: 1, maxSentenceChars: 200 };

export interface Span {
  start: number;
  end: number;
}

const TERMINATOR = /[。！？!?；;]/;
const CLOSERS = /[”’」』)）\]】]/;

/** Sentence spans over normalized text, without leading/trailing whitespace. */
export function splitSentences(text: string, maxSentenceChars = DEFAULT_CHUNKER.maxSentenceChars): Span[] {
  const raw: Span[] = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '\n') {
      pushTrimmed(text, start, i, raw);
      start = i + 1;
    } else if (TERMINATOR.test(ch)) {
      let end = i + 1;
      while (end < text.length && (CLOSERS.test(text[end]) || TERMINATOR.test(text[end]))) end++;
      pushTrimmed(text, start, end, raw);
      start = end;
      i = end - 1;
    }
  }
  pushTrimmed(text, start, text.length, raw);
  return raw.flatMap((s) => (s.end - s.start > maxSentenceChars ? splitClauses(text, s, maxSentenceChars) : [s]));
}

function pushTrimmed(text: string, start: number, end: number, out: Span[]): void {
  while (start < end && /\s/.test(text[start])) start++;
  while (end > start && /\s/.test(text[end - 1])) end--;
  if (end > start) out.push({ start, end });
}

/** Cuts a long sentence at clause commas (not digit-grouping commas) into pieces ≤ max. */
function splitClauses(text: string, s: Span, max: number): Span[] {
  const cuts: number[] = [];
  for (let i = s.start + 1; i < s.end - 1; i++) {
    const ch = text[i];
    if ((ch === ',' || ch === '，' || ch === '、' || ch === ':') && !(/\d/.test(text[i - 1]) && /\d/.test(text[i + 1]))) cuts.push(i + 1);
  }
  const out: Span[] = [];
  let start = s.start;
  let lastCut = -1;
  for (const c of cuts) {
    if (c - start > max && lastCut > start) {
      out.push({ start, end: lastCut });
      start = lastCut;
    }
    lastCut = c;
  }
  if (s.end - start > max && lastCut > start) {
    out.push({ start, end: lastCut });
    start = lastCut;
  }
  out.push({ start, end: s.end });
  return out;
}

/** Groups sentences into chunks; returns [first, last] sentence index pairs (inclusive). */
export function chunkSentences(sentences: Span[], settings: ChunkerSettings = DEFAULT_CHUNKER): Array<[number, number]> {
  const chunks: Array<[number, number]> = [];
  let first = 0;
  while (first < sentences.length) {
    let last = first;
    while (
      last + 1 < sentences.length &&
      (sentences[last + 1].end - sentences[first].start <= settings.maxChars || sentences[last].end - sentences[first].start < settings.minChars)
    ) {
      last++;
    }
    chunks.push([first, last]);
    if (last + 1 >= sentences.length) break;
    first = Math.max(first + 1, last + 1 - settings.overlapSentences);
  }
  return chunks;
}
