/**
 * Byte → string decoding for text-like uploads (txt, md, html).
 *
 * Order: BOM → charset declared by the document (HTML) → strict UTF-8 →
 * detection between GB18030 (superset of GBK/GB2312) and Big5. Detection asks
 * chardet for a ranking, decodes with iconv-lite under every candidate and keeps
 * the one whose output looks like real Chinese: no U+FFFD / C1 controls / private
 * use characters, and a high share of common hanzi (GB2312 level-1 ∪ Big5
 * frequently-used set) and CJK punctuation.
 */
import chardet from 'chardet';
import iconv from 'iconv-lite';

import { ExtractError } from './errors';

export interface DecodedText {
  text: string;
  /** 'utf-8' | 'utf-8-bom' | 'utf-16le' | 'utf-16be' | 'gb18030' | 'big5' | another iconv-lite name declared by the document */
  encoding: string;
}

export interface DecodeOptions {
  /** Charset label declared by the document itself, e.g. from <meta charset>. */
  declared?: string | null;
}

type CjkEncoding = 'gb18030' | 'big5';

// ---------------------------------------------------------------------------
// BOMs

function startsWith(bytes: Uint8Array, sig: readonly number[]): boolean {
  if (bytes.length < sig.length) return false;
  for (let i = 0; i < sig.length; i++) if (bytes[i] !== sig[i]) return false;
  return true;
}

const BOM_UTF8 = [0xef, 0xbb, 0xbf] as const;
const BOM_UTF16LE = [0xff, 0xfe] as const;
const BOM_UTF16BE = [0xfe, 0xff] as const;
const BOM_UTF32LE = [0xff, 0xfe, 0x00, 0x00] as const;
const BOM_UTF32BE = [0x00, 0x00, 0xfe, 0xff] as const;
const BOM_GB18030 = [0x84, 0x31, 0x95, 0x33] as const;

export type BomKind = 'utf-8-bom' | 'utf-16le' | 'utf-16be' | 'utf-32' | 'gb18030';

export function detectBom(bytes: Uint8Array): BomKind | null {
  if (startsWith(bytes, BOM_UTF8)) return 'utf-8-bom';
  if (startsWith(bytes, BOM_UTF32LE) || startsWith(bytes, BOM_UTF32BE)) return 'utf-32';
  if (startsWith(bytes, BOM_UTF16LE)) return 'utf-16le';
  if (startsWith(bytes, BOM_UTF16BE)) return 'utf-16be';
  if (startsWith(bytes, BOM_GB18030)) return 'gb18030';
  return null;
}

// ---------------------------------------------------------------------------
// UTF-8

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const lenientUtf8 = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

/** Bytes of an incomplete UTF-8 sequence at the very end (a file cut mid-character), 0..3. */
function truncatedUtf8Tail(bytes: Uint8Array): number {
  const n = bytes.length;
  for (let back = 1; back <= Math.min(3, n); back++) {
    const b = bytes[n - back] ?? 0;
    if ((b & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead
    const need = b >= 0xf0 && b <= 0xf4 ? 4 : b >= 0xe0 ? 3 : b >= 0xc2 && b < 0xe0 ? 2 : 1;
    return need > back ? back : 0;
  }
  return 0;
}

/** Strict UTF-8 decode; tolerates only a character cut off at the end of the file. Null when invalid. */
export function decodeUtf8Strict(bytes: Uint8Array): string | null {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    const tail = truncatedUtf8Tail(bytes);
    if (tail === 0) return null;
    try {
      return strictUtf8.decode(bytes.subarray(0, bytes.length - tail)) + '\uFFFD';
    } catch {
      return null;
    }
  }
}

function isAscii(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if ((bytes[i] ?? 0) >= 0x80) return false;
  return true;
}

// ---------------------------------------------------------------------------
// Charset labels

const GB_LABELS = new Set([
  'gb18030', 'gbk', 'gb2312', 'gb_2312', 'gb_2312-80', 'x-gbk', 'cp936', 'ms936', 'windows-936',
  'euc-cn', 'euccn', 'csgb2312', 'csgbk', 'chinese', 'iso-ir-58', 'csiso58gb231280', 'hz-gb-2312',
]);
const BIG5_LABELS = new Set(['big5', 'big5-hkscs', 'big5hkscs', 'cn-big5', 'x-x-big5', 'csbig5', 'cp950', 'ms950', 'windows-950']);
const UTF8_LABELS = new Set(['utf-8', 'utf8', 'unicode-1-1-utf-8', 'unicode11utf8', 'unicode20utf8', 'x-unicode20utf8']);

/** Canonical decoder name for a declared charset label, or null when unknown / not usable. */
export function canonicalCharset(label: string | null | undefined): string | null {
  if (!label) return null;
  const l = label.trim().toLowerCase().replace(/^["']|["']$/g, '');
  if (!l) return null;
  if (UTF8_LABELS.has(l)) return 'utf-8';
  if (GB_LABELS.has(l)) return 'gb18030';
  if (BIG5_LABELS.has(l)) return 'big5';
  // A UTF-16 declaration without a BOM is wrong by definition (WHATWG): ignore it.
  if (l.startsWith('utf-16') || l.startsWith('utf-32') || l === 'unicode' || l === 'ucs-2') return null;
  if (l === 'iso-8859-1' || l === 'latin1' || l === 'us-ascii' || l === 'ascii') return 'windows-1252'; // WHATWG
  return iconv.encodingExists(l) ? l : null;
}

// ---------------------------------------------------------------------------
// Plausibility scoring for CJK decodes

let commonHanzi: Set<number> | null = null;

/** GB2312 level-1 hanzi (3755) ∪ Big5 frequently-used hanzi (5401), built once from the code tables. */
function getCommonHanzi(): Set<number> {
  if (commonHanzi) return commonHanzi;
  const set = new Set<number>();
  const add = (s: string): void => {
    for (const ch of s) {
      const cp = ch.codePointAt(0) ?? 0;
      if (cp >= 0x3400 && cp <= 0x9fff) set.add(cp);
    }
  };
  const gb: number[] = [];
  for (let lead = 0xb0; lead <= 0xd7; lead++) {
    for (let trail = 0xa1; trail <= 0xfe; trail++) {
      if (lead === 0xd7 && trail >= 0xfa) continue;
      gb.push(lead, trail);
    }
  }
  add(iconv.decode(Buffer.from(gb), 'gb18030'));
  const b5: number[] = [];
  for (let lead = 0xa4; lead <= 0xc6; lead++) {
    for (const [from, to] of [[0x40, 0x7e], [0xa1, 0xfe]] as const) {
      for (let trail = from; trail <= to; trail++) {
        if (lead === 0xc6 && trail > 0x7e) continue;
        b5.push(lead, trail);
      }
    }
  }
  add(iconv.decode(Buffer.from(b5), 'big5'));
  commonHanzi = set;
  return set;
}

function isCjkPunctuation(cp: number): boolean {
  return (
    (cp >= 0x3000 && cp <= 0x303f) || // CJK symbols & punctuation 、。〈〉《》「」『』【】〔〕
    (cp >= 0xff01 && cp <= 0xff65) || // fullwidth ASCII forms ，！？（）：；
    (cp >= 0x2010 && cp <= 0x2027) || // – — ‘ ’ “ ” … ‧
    (cp >= 0x2160 && cp <= 0x217f) || // Roman numerals Ⅰ Ⅱ
    (cp >= 0x2460 && cp <= 0x24ff) || // ① ⑴ ⒈
    (cp >= 0x3220 && cp <= 0x3243) || // ㈠ ㈡
    (cp >= 0xfe30 && cp <= 0xfe4f) || // vertical forms ︰︱
    cp === 0x00b7 || cp === 0x00d7 || cp === 0x00a7 || cp === 0x00b0 || cp === 0x2030 || cp === 0x2032 || cp === 0x2033 ||
    cp === 0x2103 || cp === 0x203b || cp === 0x25cb || cp === 0x25cf || cp === 0x25a1 || cp === 0x25a0 || cp === 0x2605 || cp === 0x2606 ||
    cp === 0x00a0
  );
}

export interface Plausibility {
  /** Non-ASCII characters considered. */
  nonAscii: number;
  /** Share of non-ASCII characters that are common hanzi or CJK punctuation. */
  goodShare: number;
  /** Share of non-ASCII characters that are U+FFFD, C1 controls or private-use. */
  badShare: number;
  score: number;
  plausible: boolean;
}

const SCORE_SAMPLE_CHARS = 200_000;

export function cjkPlausibility(text: string): Plausibility {
  const common = getCommonHanzi();
  let nonAscii = 0;
  let good = 0;
  let bad = 0;
  const end = Math.min(text.length, SCORE_SAMPLE_CHARS);
  for (let i = 0; i < end; i++) {
    let cp = text.charCodeAt(i);
    if (cp < 0x80) continue;
    if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < end) {
      cp = text.codePointAt(i) ?? cp;
      i++;
    }
    nonAscii++;
    if (cp === 0xfffd || (cp >= 0x80 && cp <= 0x9f) || (cp >= 0xe000 && cp <= 0xf8ff) || (cp >= 0xf0000)) bad++;
    else if (common.has(cp) || isCjkPunctuation(cp)) good++;
  }
  if (nonAscii === 0) return { nonAscii, goodShare: 1, badShare: 0, score: 1, plausible: true };
  const goodShare = good / nonAscii;
  const badShare = bad / nonAscii;
  // Real Chinese text: ≥ 95 % common characters. Mis-decoded or random bytes: well under 60 %.
  const minGood = nonAscii < 16 ? 0.6 : 0.75;
  const maxBad = nonAscii < 500 ? 0 : 0.002;
  return { nonAscii, goodShare, badShare, score: goodShare - 5 * badShare, plausible: goodShare >= minGood && badShare <= maxBad };
}

function decodeWith(bytes: Uint8Array, encoding: string): string {
  return iconv.decode(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), encoding, { stripBOM: false });
}

/** chardet's ranking of our two candidates (best first) plus its overall top guess (for messages). */
function rankCandidates(bytes: Uint8Array): { order: CjkEncoding[]; guess: string | null } {
  let guess: string | null = null;
  const conf: Record<CjkEncoding, number> = { gb18030: 0, big5: 0 };
  try {
    const matches = chardet.analyse(bytes.subarray(0, 64 * 1024));
    guess = matches[0]?.name ?? null;
    for (const m of matches) {
      if (m.name === 'GB18030') conf.gb18030 = Math.max(conf.gb18030, m.confidence);
      if (m.name === 'Big5') conf.big5 = Math.max(conf.big5, m.confidence);
    }
  } catch {
    // chardet is only a hint
  }
  const order: CjkEncoding[] = conf.big5 > conf.gb18030 ? ['big5', 'gb18030'] : ['gb18030', 'big5'];
  return { order, guess };
}

function detectCjk(bytes: Uint8Array): { decoded: DecodedText | null; guess: string | null } {
  const { order, guess } = rankCandidates(bytes);
  let best: { enc: CjkEncoding; text: string; q: Plausibility } | null = null;
  for (const enc of order) {
    const text = decodeWith(bytes, enc);
    const q = cjkPlausibility(text);
    if (!q.plausible) continue;
    // Candidates come in chardet order: a later one must be clearly better to win.
    if (!best || q.score > best.q.score + 0.02) best = { enc, text, q };
  }
  return { decoded: best ? { text: best.text, encoding: best.enc } : null, guess };
}

// ---------------------------------------------------------------------------
// Entry point

/**
 * Decode text bytes. Throws ExtractError('bad_encoding') when no supported
 * encoding yields plausible text. Does not normalise line endings.
 */
export function decodeText(bytes: Uint8Array, options: DecodeOptions = {}): DecodedText {
  const bom = detectBom(bytes);
  switch (bom) {
    case 'utf-8-bom': {
      const text = decodeUtf8Strict(bytes.subarray(3));
      if (text !== null) return { text, encoding: 'utf-8-bom' };
      const loose = lenientUtf8.decode(bytes.subarray(3));
      if (cjkPlausibility(loose).badShare <= 0.002) return { text: loose, encoding: 'utf-8-bom' };
      throw new ExtractError('bad_encoding', 'The file starts with a UTF-8 byte-order mark but its content is not valid UTF-8.');
    }
    case 'utf-16le':
    case 'utf-16be':
      return { text: new TextDecoder(bom, { fatal: false, ignoreBOM: true }).decode(bytes.subarray(2)), encoding: bom };
    case 'utf-32':
      throw new ExtractError('bad_encoding', 'UTF-32 text is not supported; save the file as UTF-8.');
    case 'gb18030':
      return { text: decodeWith(bytes.subarray(4), 'gb18030'), encoding: 'gb18030' };
    case null:
      break;
  }

  const declared = canonicalCharset(options.declared);
  if (isAscii(bytes)) return { text: decodeWith(bytes, 'latin1'), encoding: declared && declared !== 'windows-1252' ? declared : 'utf-8' };

  const asUtf8 = decodeUtf8Strict(bytes);
  if (asUtf8 !== null) return { text: asUtf8, encoding: 'utf-8' };

  if (declared && declared !== 'utf-8') {
    const text = decodeWith(bytes, declared);
    if (declared === 'gb18030' || declared === 'big5') {
      if (cjkPlausibility(text).plausible) return { text, encoding: declared };
    } else if (!text.includes('\uFFFD')) {
      return { text, encoding: declared };
    }
  }

  const { decoded, guess } = detectCjk(bytes);
  if (decoded) return decoded;

  // A UTF-8 file with a few corrupt bytes is still better read as UTF-8.
  const loose = lenientUtf8.decode(bytes);
  const looseQ = cjkPlausibility(loose);
  if (looseQ.nonAscii >= 100 && looseQ.badShare <= 0.01) return { text: loose, encoding: 'utf-8' };

  const hint = guess ? ` (chardet's best guess: ${guess})` : '';
  throw new ExtractError(
    'bad_encoding',
    `Could not determine the text encoding: the bytes are not valid UTF-8 and do not decode to plausible Chinese text as GB18030/GBK or Big5${hint}. Save the file as UTF-8 and upload it again.`,
  );
}
