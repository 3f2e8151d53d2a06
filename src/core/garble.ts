/**
 * Detects garbled (mojibake) stretches: UTF-8 read as GBK produces runs dense in rare
 * characters, stray '?' and '|' where bytes were lost. Runs on normalized (simplified) text,
 * where ordinary words are made of common characters. Reports, never throws.
 */
import { COMMON_CHARS } from './data/common-chars';

const common = new Set(COMMON_CHARS);
const isCjkIdeograph = (ch: string) => /[\u3400-\u9fff]/.test(ch);

export interface GarbledSpan {
  /** Normalized offsets. */
  start: number;
  end: number;
}

function suspicious(text: string, i: number): boolean {
  const ch = text[i];
  if (ch === '\ufffd') return true;
  if (isCjkIdeograph(ch)) return !common.has(ch);
  // '?' or '|' glued between CJK characters is where a lost byte was.
  if (ch === '?' || ch === '|') {
    const prev = text[i - 1] ?? '';
    const next = text[i + 1] ?? '';
    return (isCjkIdeograph(prev) || /[!”]/.test(next)) && next !== '\n' && next !== '';
  }
  // Pinyin tone marks outside an annotation, or one Latin letter wedged between ideographs,
  // are the remains of an annotation or a byte sequence that the garbling split.
  if (/[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ]/.test(ch)) return true;
  if (/[A-Za-z]/.test(ch)) return isCjkIdeograph(text[i - 1] ?? '') && isCjkIdeograph(text[i + 1] ?? '');
  return /[\u2474-\u249b\ue000-\uf8ff]/.test(ch); // parenthesised numerals, private use
}

export function detectGarbled(text: string, window = 6, minSuspicious = 3): GarbledSpan[] {
  const flags = Array.from(text, (_, i) => suspicious(text, i));
  const spans: GarbledSpan[] = [];
  let i = 0;
  while (i < text.length) {
    if (!flags[i]) { i++; continue; }
    let end = i + 1;
    let count = 1;
    // Extend while another suspicious character lies within the window.
    for (let j = i + 1; j < text.length && j < end + window; j++) {
      if (text[j] === '\n') break;
      if (flags[j]) { count++; end = j + 1; }
    }
    if (count >= minSuspicious) spans.push({ start: i, end });
    i = end;
  }
  return spans;
}
