/**
 * jieba-wasm (jieba-rs) behind the Segmenter port, configured to cut exactly as the Node
 * build's nodejieba does: search mode (`cut_for_search`), HMM off, and the project's user
 * dictionary (src/core/data/user-dict.txt) added word by word with its frequencies and tags.
 * test/worker/tokenizer-contract.test.ts holds both segmenters to identical tokens on the seeds.
 *
 * The wasm API is passed in, so the same code runs on jieba-wasm's web build in workerd
 * (wasm imported as a module + initSync) and on its Node build in the tests.
 */
import { sha256Hex } from '../core/index-format';
import type { Segmenter, Tokenizer } from '../core/ports';
import { createTokenizer, parseWordList } from '../core/tokenize';

/** The part of jieba-wasm's API this adapter uses (same in its web and nodejs builds). */
export interface JiebaWasmApi {
  cut_for_search(text: string, hmm?: boolean | null): string[];
  add_word(word: string, freq?: number | null, tag?: string | null): number;
}

export interface UserWord {
  word: string;
  freq?: number;
  tag?: string;
}

/** Parses a jieba user dictionary: `word [freq] [tag]` per line, `#` comments. */
export function parseUserDict(text: string): UserWord[] {
  const out: UserWord[] = [];
  for (const line of text.split('\n')) {
    const parts = line.trim().split(/\s+/);
    const word = parts[0];
    if (!word || word.startsWith('#')) continue;
    const entry: UserWord = { word };
    let i = 1;
    if (parts[i] !== undefined && /^\d+$/.test(parts[i])) entry.freq = Number(parts[i++]);
    if (parts[i] !== undefined) entry.tag = parts[i];
    out.push(entry);
  }
  return out;
}

/**
 * The segmenter id the Node build records in the index manifest: `jieba-search-nohmm-` and the
 * first 8 hex digits of SHA-256 over the user dictionary's bytes followed by the stopwords'.
 * Computed the same way here, so the Worker accepts exactly the indexes whose word lists it has.
 */
export async function jiebaSegmenterId(userDict: string, stopwords: string): Promise<string> {
  const a = new TextEncoder().encode(userDict);
  const b = new TextEncoder().encode(stopwords);
  const both = new Uint8Array(a.length + b.length);
  both.set(a, 0);
  both.set(b, a.length);
  return `jieba-search-nohmm-${(await sha256Hex(both)).slice(0, 8)}`;
}

const configured = new WeakSet<object>();

/**
 * Loads the user dictionary into jieba-wasm, once per wasm module instance, and makes jieba-rs load its
 * main dictionary now (it does so lazily on the first cut, ~0.25 s): the Worker calls this at
 * startup so that no request pays for it.
 */
export function prepareJieba(jieba: JiebaWasmApi, userDict: string): void {
  if (configured.has(jieba.add_word)) return;
  for (const w of parseUserDict(userDict)) jieba.add_word(w.word, w.freq ?? null, w.tag ?? null);
  jieba.cut_for_search('质量强市', false);
  configured.add(jieba.add_word);
}

export function jiebaWasmSegmenter(jieba: JiebaWasmApi, userDict: string, id: string): Segmenter {
  prepareJieba(jieba, userDict);
  return { id, cut: (text: string) => jieba.cut_for_search(text, false) };
}

/** The Worker's tokenizer: jieba-wasm through core's createTokenizer, as nodeTokenizer() is for nodejieba. */
export async function jiebaWasmTokenizer(jieba: JiebaWasmApi, userDict: string, stopwords: string): Promise<Tokenizer> {
  const id = await jiebaSegmenterId(userDict, stopwords);
  return createTokenizer(jiebaWasmSegmenter(jieba, userDict, id), parseWordList(stopwords));
}
