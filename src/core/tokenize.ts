/**
 * Index terms from normalized text: figures kept whole (`7.06万户` is one term, not
 * `7 . 0 6 万户`), the rest segmented by the injected Segmenter, Latin lowercased,
 * punctuation and stopwords dropped. Figures are cut out *before* segmentation, so
 * nodejieba and jieba-wasm see identical inputs and agree term for term.
 */
import { extractFigures, figureToken } from './figures';
import type { Segmenter, Tokenizer } from './ports';

const TOKENIZER_VERSION = 'tok2';
const PUNCT_OR_SPACE = /^[\s\p{P}\p{S}]+$/u;

export function parseWordList(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0])
    .filter((w) => w && !w.startsWith('#'));
}

export function createTokenizer(segmenter: Segmenter, stopwords: Iterable<string>): Tokenizer {
  const stop = new Set(stopwords);
  const keep = (t: string) => t.length > 0 && !stop.has(t) && !PUNCT_OR_SPACE.test(t);
  return {
    id: `${segmenter.id}+${TOKENIZER_VERSION}`,
    tokenize(text: string): string[] {
      const tokens: string[] = [];
      let cursor = 0;
      const cutPlain = (segment: string) => {
        for (const word of mergeAlnumRuns(segmenter.cut(segment))) {
          const t = word.toLowerCase();
          if (keep(t)) tokens.push(t);
        }
      };
      for (const f of extractFigures(text)) {
        if (f.start > cursor) cutPlain(text.slice(cursor, f.start));
        tokens.push(figureToken(f));
        cursor = f.end;
      }
      if (cursor < text.length) cutPlain(text.slice(cursor));
      return tokens;
    },
  };
}

/** jieba without HMM splits `NQI` or `12315` into single characters; glue such runs back. */
export function mergeAlnumRuns(words: string[]): string[] {
  const out: string[] = [];
  for (const w of words) {
    const prev = out[out.length - 1];
    if (prev !== undefined && /^[0-9A-Za-z.]+$/.test(w) && /[0-9A-Za-z]$/.test(prev) && /^[0-9A-Za-z.]+$/.test(prev)) {
      out[out.length - 1] = prev + w;
    } else {
      out.push(w);
    }
  }
  return out;
}
