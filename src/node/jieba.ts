/**
 * nodejieba behind the Segmenter port: search mode (sub-words too), HMM off, with the
 * project's user dictionary of policy terms.
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import type { Segmenter, Tokenizer } from '../core/ports';
import { createTokenizer, parseWordList } from '../core/tokenize';

const require = createRequire(import.meta.url);

export const USER_DICT_PATH = fileURLToPath(new URL('../core/data/user-dict.txt', import.meta.url));
export const STOPWORDS_PATH = fileURLToPath(new URL('../core/data/stopwords.txt', import.meta.url));

let loaded: Segmenter | undefined;

export function nodejiebaSegmenter(): Segmenter {
  if (loaded) return loaded;
  const jieba = require('nodejieba') as typeof import('nodejieba');
  jieba.load({ userDict: USER_DICT_PATH });
  // The id names the dictionary and stopwords it was built with: an index built with other
  // word lists tokenizes differently and must be rebuilt, not silently mixed.
  const dictHash = createHash('sha256').update(readFileSync(USER_DICT_PATH)).update(readFileSync(STOPWORDS_PATH)).digest('hex').slice(0, 8);
  loaded = {
    id: `jieba-search-nohmm-${dictHash}`,
    cut: (text: string) => jieba.cutForSearch(text, false),
  };
  return loaded;
}

export function loadStopwords(): string[] {
  return parseWordList(readFileSync(STOPWORDS_PATH, 'utf8'));
}

export function nodeTokenizer(): Tokenizer {
  return createTokenizer(nodejiebaSegmenter(), loadStopwords());
}
