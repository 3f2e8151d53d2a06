import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_CHUNKER } from '../src/core/chunk';
import { Corpus, buildCorpus } from '../src/core/corpus';
import { normalizeQuery } from '../src/core/normalize';
import { nodeTokenizer } from '../src/node/jieba';
import { indexState, loadEngine, loadSeedSources, readManifest, rebuildIndex } from '../src/node/index-store';
import { INDEX_DIR, SEEDS_DIR } from './helpers';

const tok = nodeTokenizer();
const tmp = mkdtempSync(join(tmpdir(), 'pqa-index-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function filesOf(dir: string): Record<string, string> {
  const m = readManifest(dir)!;
  const out: Record<string, string> = {};
  for (const name of Object.keys(m.files)) out[name] = readFileSync(join(dir, m.data, name)).toString('base64');
  return out;
}

describe('chunks', () => {
  const corpus = new Corpus(buildCorpus(loadSeedSources(SEEDS_DIR)));

  it('round-trip: every chunk and sentence is an exact slice of its original document', () => {
    for (let i = 0; i < corpus.chunkCount; i++) {
      const c = corpus.chunk(i);
      const doc = corpus.documents[c.doc];
      const span = corpus.chunkSpan(i);
      const quote = doc.original.slice(span.start, span.end);
      expect(normalizeQuery(quote).replace(/\s/g, '')).toBe(corpus.chunkText(i).replace(/\s/g, ''));
    }
    for (let i = 0; i < corpus.sentenceCount; i++) {
      const s = corpus.sentence(i);
      const quote = corpus.documents[s.doc].original.slice(s.start, s.end);
      expect(normalizeQuery(quote).replace(/\s/g, '')).toBe(corpus.sentenceText(i).replace(/\s/g, ''));
    }
  });

  it('keeps chunks within size bounds, overlapping by a sentence, never splitting a figure', () => {
    const sizes = Array.from({ length: corpus.chunkCount }, (_, i) => corpus.chunkText(i).length);
    const within = sizes.filter((n) => n <= DEFAULT_CHUNKER.maxChars + DEFAULT_CHUNKER.maxSentenceChars).length;
    expect(within).toBe(sizes.length);
    expect(sizes.filter((n) => n >= 60).length / sizes.length).toBeGreaterThan(0.85);
    for (let i = 1; i < corpus.chunkCount; i++) {
      const a = corpus.chunk(i - 1);
      const b = corpus.chunk(i);
      if (a.doc === b.doc) expect(b.first).toBeLessThanOrEqual(a.last + 1);
    }
    for (let i = 0; i < corpus.sentenceCount; i++) {
      const t = corpus.sentenceText(i);
      expect(/^[\d.,%万亿]/.test(t) && /\d$/.test(corpus.sentenceText(Math.max(0, i - 1)))).toBe(false);
    }
  });
});

describe('index build', () => {
  it('is deterministic: two builds give byte-identical files', async () => {
    const sources = loadSeedSources(SEEDS_DIR);
    const a = join(tmp, 'a');
    const b = join(tmp, 'b');
    const ra = await rebuildIndex(a, sources, tok);
    await rebuildIndex(b, sources, tok);
    expect(readFileSync(join(a, 'manifest.json'), 'utf8')).toBe(readFileSync(join(b, 'manifest.json'), 'utf8'));
    expect(filesOf(a)).toEqual(filesOf(b));
    expect(ra.ms).toBeLessThan(3000);
  });

  it('the committed index is exactly what the current code builds from seeds/ (so ingest changes must rebuild it)', async () => {
    const dir = join(tmp, 'rebuild-check');
    await rebuildIndex(dir, loadSeedSources(SEEDS_DIR), tok);
    const committed = readManifest(INDEX_DIR)!;
    const fresh = readManifest(dir)!;
    expect(fresh.files, 'run npm run index and commit index/').toEqual(committed.files);
    expect(fresh.data).toBe(committed.data);
  });

  it('the committed index is fresh against seeds/', async () => {
    const state = await indexState(INDEX_DIR, loadSeedSources(SEEDS_DIR), tok);
    expect(state, 'run npm run index and commit index/').toMatchObject({ state: 'fresh' });
  });

  it('detects a stale index when a document changes', async () => {
    const seeds = join(tmp, 'seeds');
    cpSync(SEEDS_DIR, seeds, { recursive: true });
    const dir = join(tmp, 'stale');
    await rebuildIndex(dir, loadSeedSources(seeds), tok);
    expect((await indexState(dir, loadSeedSources(seeds), tok)).state).toBe('fresh');
    const f = join(seeds, readdirSync(seeds).find((x) => x.endsWith('.txt'))!);
    writeFileSync(f, readFileSync(f, 'utf8') + '\n新增一句。');
    expect((await indexState(dir, loadSeedSources(seeds), tok)).state).toBe('stale');
  });

  it('detects a corrupted index file and refuses to load it', async () => {
    const dir = join(tmp, 'corrupt');
    await rebuildIndex(dir, loadSeedSources(SEEDS_DIR), tok);
    const m = readManifest(dir)!;
    const file = join(dir, m.data, 'bm25.json');
    const bytes = readFileSync(file);
    bytes[100] = bytes[100] ^ 1;
    writeFileSync(file, bytes);
    await expect(loadEngine(dir, tok)).rejects.toThrow(/corrupt/);
    expect((await indexState(dir, loadSeedSources(SEEDS_DIR), tok)).state).toBe('corrupt');
  });

  it('HNSW and the exact flat scan agree on the nearest chunks', async () => {
    const hnsw = (await loadEngine(INDEX_DIR, tok)).engine;
    const flat = (await loadEngine(INDEX_DIR, tok, { vectorStore: 'flat' })).engine;
    for (const q of ['市场主体净增', '食品抽检合格率', '品牌经济创新公共服务平台', '首席质量官']) {
      const v = hnsw.lsa.embed(tok, q);
      const a = (await hnsw.vectors.search(v, 5)).map((h) => h.index);
      const b = (await flat.vectors.search(v, 5)).map((h) => h.index);
      expect(a).toEqual(b);
    }
  });
});
