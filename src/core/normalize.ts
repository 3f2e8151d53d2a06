/**
 * Normalization with an offset map back to the original text.
 *
 * Steps, in order: pinyin annotations removed (`質(zhì)量` → `質量`), NFKC width folding,
 * whitespace cleanup, traditional → simplified (opencc-js). Every normalized code unit
 * remembers the original [start, end) it came from, so any normalized span maps back to an
 * exact slice of the original: `original.slice(...toOriginalSpan(n, a, b))`.
 */
import { traditionalToSimplified } from './script';

export interface NormalizedText {
  /** Normalized (simplified, width-folded, cleaned) text. */
  readonly text: string;
  /** For each normalized code unit, the original start offset (UTF-16). */
  readonly starts: Int32Array;
  /** For each normalized code unit, the original end offset (exclusive). */
  readonly ends: Int32Array;
  /** How many pinyin annotations were removed. */
  readonly annotationsRemoved: number;
}

const TONE_MARKED = 'āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ';
// A parenthesised run of pinyin letters holding at least one tone mark. `(2022)`,
// `(送审稿)` and `(de)` never match: digits, CJK or unmarked Latin alone are kept.
const PINYIN_ANNOTATION = new RegExp(
  `^[(（]([a-zü${TONE_MARKED}]{0,6}[${TONE_MARKED}][a-zü${TONE_MARKED}]{0,6})[)）]`,
);

const isAsciiAlnum = (ch: string) => /[0-9A-Za-z]/.test(ch);
const isCjk = (ch: string) => /[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef“”‘’、，。：；！？（）《》—…]/.test(ch);
const isSpace = (ch: string) => /\s/.test(ch);

/** Normalizes `original` and records where every normalized character came from. */
export function normalize(original: string): NormalizedText {
  // Pass 1: pinyin removal + NFKC, one code point at a time.
  const chars: string[] = [];
  const starts: number[] = [];
  const ends: number[] = [];
  let annotationsRemoved = 0;
  let i = 0;
  while (i < original.length) {
    const ch = original[i];
    if ((ch === '(' || ch === '（') && i > 0 && !isAsciiAlnum(original[i - 1]) && !isSpace(original[i - 1])) {
      const m = PINYIN_ANNOTATION.exec(original.slice(i, i + 16));
      if (m) {
        // The annotation belongs to the character before it: a quote ending on that
        // character should carry its annotation too.
        if (ends.length > 0) ends[ends.length - 1] = i + m[0].length;
        i += m[0].length;
        annotationsRemoved++;
        continue;
      }
    }
    const cp = original.codePointAt(i)!;
    const width = cp > 0xffff ? 2 : 1;
    const folded = String.fromCodePoint(cp).normalize('NFKC');
    for (const unit of splitUnits(folded)) {
      chars.push(unit);
      starts.push(i);
      ends.push(i + width);
    }
    i += width;
  }

  // Pass 2: whitespace. Runs with a newline become one '\n'; other runs become one space,
  // but only between two non-CJK characters (Chinese text does not use spaces).
  const outChars: string[] = [];
  const outStarts: number[] = [];
  const outEnds: number[] = [];
  let k = 0;
  while (k < chars.length) {
    if (!isSpace(chars[k])) {
      outChars.push(chars[k]);
      outStarts.push(starts[k]);
      outEnds.push(ends[k]);
      k++;
      continue;
    }
    const runStart = k;
    let hasNewline = false;
    while (k < chars.length && isSpace(chars[k])) {
      if (chars[k] === '\n' || chars[k] === '\r' || chars[k] === '\u2028' || chars[k] === '\u2029') hasNewline = true;
      k++;
    }
    const prev = outChars.length > 0 ? outChars[outChars.length - 1] : undefined;
    const next = k < chars.length ? chars[k] : undefined;
    if (prev === undefined || next === undefined) continue; // leading/trailing whitespace
    if (hasNewline) {
      if (prev !== '\n') {
        outChars.push('\n');
        outStarts.push(starts[runStart]);
        outEnds.push(ends[k - 1]);
      }
    } else if (prev !== '\n' && !isCjk(prev) && !isCjk(next)) {
      outChars.push(' ');
      outStarts.push(starts[runStart]);
      outEnds.push(ends[k - 1]);
    }
  }

  // Pass 3: traditional → simplified. OpenCC's t→s tables map phrases to phrases of the same
  // length; where a line's length would change we fall back to character-by-character.
  const joined = outChars.join('');
  const text = convertKeepingLength(joined);
  return {
    text,
    starts: Int32Array.from(outStarts),
    ends: Int32Array.from(outEnds),
    annotationsRemoved,
  };
}

function splitUnits(s: string): string[] {
  // UTF-16 code units: the offset map is per code unit, like JavaScript string indices.
  const units: string[] = [];
  for (let j = 0; j < s.length; j++) units.push(s[j]);
  return units;
}

function convertKeepingLength(text: string): string {
  const converted = traditionalToSimplified(text);
  if (converted.length === text.length) return converted;
  return text
    .split('\n')
    .map((line) => {
      const c = traditionalToSimplified(line);
      if (c.length === line.length) return c;
      return Array.from(line, (ch) => {
        const one = traditionalToSimplified(ch);
        return one.length === ch.length ? one : ch;
      }).join('');
    })
    .join('\n');
}

/** Maps a normalized span [start, end) back to the original [start, end). */
export function toOriginalSpan(n: NormalizedText, start: number, end: number): { start: number; end: number } {
  if (n.text.length === 0) return { start: 0, end: 0 };
  const s = Math.max(0, Math.min(start, n.text.length - 1));
  const e = Math.max(s + 1, Math.min(end, n.text.length));
  return { start: n.starts[s], end: n.ends[e - 1] };
}

/** Normalizes a query or claim exactly as documents are normalized (text only). */
export function normalizeQuery(text: string): string {
  return normalize(text).text;
}
