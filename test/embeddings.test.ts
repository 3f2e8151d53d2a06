import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embedderFromEnv } from '../src/node/embeddings';
import { indexState, loadEngine, loadSeedSources, rebuildIndex } from '../src/node/index-store';
import { nodeTokenizer } from '../src/node/jieba';
import { FAKE_DIMS, startFakeEmbeddingsServer, type FakeEmbeddingsServer } from './fakes/fake-embeddings-server';
import { SEEDS_DIR } from './helpers';

let fake: FakeEmbeddingsServer;
const dir = mkdtempSync(join(tmpdir(), 'pqa-emb-'));
const tok = nodeTokenizer();

beforeAll(async () => {
  fake = await startFakeEmbeddingsServer();
});
afterAll(async () => {
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('OpenAI-compatible embeddings by configuration (against a protocol fake)', () => {
  it('builds the index with the configured embedder, records it, and searches with it', async () => {
    const embedder = embedderFromEnv({ EMBEDDINGS_BASE_URL: fake.url, EMBEDDINGS_MODEL: 'bge-m3' })!;
    expect(embedder.id).toMatch(/^openai-compatible:bge-m3@127\.0\.0\.1:\d+$/);
    const { manifest } = await rebuildIndex(dir, loadSeedSources(SEEDS_DIR), tok, embedder);
    expect(manifest.embedder).toEqual({ id: embedder.id, dims: FAKE_DIMS });
    const before = fake.requests;
    const { engine } = await loadEngine(dir, tok, { embedder });
    const hits = await engine.search('邢台市场主体净增', 3);
    expect(fake.requests).toBeGreaterThan(before); // the question was embedded by the server
    expect(hits[0].quote).toContain('市场主体');
  });

  it('refuses an index built by another embedder, and calls it stale', async () => {
    await expect(loadEngine(dir, tok)).rejects.toThrow(/embedder/);
    expect((await indexState(dir, loadSeedSources(SEEDS_DIR), tok, null)).state).toBe('stale');
  });

  it('requires both EMBEDDINGS_BASE_URL and EMBEDDINGS_MODEL', () => {
    expect(embedderFromEnv({})).toBeNull();
    expect(() => embedderFromEnv({ EMBEDDINGS_MODEL: 'bge-m3' })).toThrow(/EMBEDDINGS_BASE_URL/);
  });
});
