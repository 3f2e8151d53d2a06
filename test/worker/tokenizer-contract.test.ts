/**
 * One contract, two segmenters: nodejieba (the Node build, src/node/jieba.ts) and jieba-wasm
 * (the Worker, src/worker/jieba-wasm.ts, here through its Node build — the same jieba-rs wasm the
 * Worker runs) go through core's createTokenizer and must give identical tokens on every sentence
 * of the five seeds, so both runtimes share one BM25 index. jieba-wasm is configured, not patched:
 * search mode, HMM off, the same user dictionary; digit and Latin runs are glued in core.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CHUNKER } from '../../src/core/chunk';
import { buildCorpus, Corpus } from '../../src/core/corpus';
import { normalizeQuery } from '../../src/core/normalize';
import type { Segmenter, Tokenizer } from '../../src/core/ports';
import { createTokenizer } from '../../src/core/tokenize';
import { loadSeedSources } from '../../src/node/index-store';
import { loadStopwords, nodejiebaSegmenter, nodeTokenizer, STOPWORDS_PATH, USER_DICT_PATH } from '../../src/node/jieba';
import { jiebaSegmenterId, jiebaWasmSegmenter, jiebaWasmTokenizer, parseUserDict } from '../../src/worker/jieba-wasm';
import { readJsonl, SEEDS_DIR } from '../helpers';
import { jiebaWasmNode } from './node-bundle';

const userDict = readFileSync(USER_DICT_PATH, 'utf8');
const stopwords = readFileSync(STOPWORDS_PATH, 'utf8');
const corpus = new Corpus(buildCorpus(loadSeedSources(SEEDS_DIR), DEFAULT_CHUNKER));
const sentences = Array.from({ length: corpus.sentenceCount }, (_, i) => corpus.sentenceText(i));

interface Implementation {
  name: string;
  segmenter: () => Promise<Segmenter>;
}

const implementations: Implementation[] = [
  { name: 'nodejieba', segmenter: async () => nodejiebaSegmenter() },
  { name: 'jieba-wasm', segmenter: async () => jiebaWasmSegmenter(jiebaWasmNode(), userDict, await jiebaSegmenterId(userDict, stopwords)) },
];

const tokenizerOf = async (impl: Implementation): Promise<Tokenizer> => createTokenizer(await impl.segmenter(), loadStopwords());

describe.each(implementations)('Segmenter contract: $name', (impl) => {
  it('keeps user-dictionary terms whole', async () => {
    const t = (await tokenizerOf(impl)).tokenize('全面推行企业首席质量官制度,夯实质量基础设施,新增品字标企业');
    for (const term of ['首席质量官', '质量基础设施', '品字标']) expect(t).toContain(term);
  });

  it('keeps figures whole and glues digit and Latin runs', async () => {
    const t = (await tokenizerOf(impl)).tokenize('2022年全市市场主体净增7.06万户,NQI青岛模式和12315热线');
    expect(t).toEqual(expect.arrayContaining(['2022年', '7.06万户', 'nqi', '12315']));
  });

  it('cuts in search mode (sub-words of long words too)', async () => {
    expect((await impl.segmenter()).cut('质量强市')).toEqual(expect.arrayContaining(['质量', '质量强市']));
  });
});

describe('nodejieba and jieba-wasm agree', () => {
  it(`on every sentence of the five seeds (${sentences.length} sentences), token for token`, async () => {
    const [a, b] = await Promise.all(implementations.map(tokenizerOf));
    const differing = sentences.filter((s) => JSON.stringify(a.tokenize(s)) !== JSON.stringify(b.tokenize(s)));
    expect(differing.map((s) => ({ s, nodejieba: a.tokenize(s), wasm: b.tokenize(s) }))).toEqual([]);
    expect(sentences.length).toBeGreaterThan(300);
  });

  it('on every chunk and every question and claim of the eval sets', async () => {
    const [a, b] = await Promise.all(implementations.map(tokenizerOf));
    const texts = [
      ...Array.from({ length: corpus.chunkCount }, (_, i) => corpus.chunkText(i)),
      ...['dev-questions', 'own-questions'].flatMap((f) => readJsonl<{ question: string }>(`./eval/${f}.jsonl`).map((q) => normalizeQuery(q.question))),
      ...['dev-claims', 'own-claims'].flatMap((f) => readJsonl<{ claim: string }>(`./eval/${f}.jsonl`).map((c) => normalizeQuery(c.claim))),
    ];
    for (const t of texts) expect(b.tokenize(t), t).toEqual(a.tokenize(t));
  });

  it('on the user dictionary words themselves', async () => {
    const [a, b] = await Promise.all(implementations.map(tokenizerOf));
    for (const { word } of parseUserDict(userDict)) expect(b.tokenize(word), word).toEqual(a.tokenize(word));
  });

  it('under one tokenizer id, so the Worker accepts exactly the indexes nodejieba builds', async () => {
    const wasm = await jiebaWasmTokenizer(jiebaWasmNode(), userDict, stopwords);
    expect(wasm.id).toBe(nodeTokenizer().id);
    expect(await jiebaSegmenterId(userDict + ' ', stopwords)).not.toBe((await jiebaSegmenterId(userDict, stopwords)));
  });
});
