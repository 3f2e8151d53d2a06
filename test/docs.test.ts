/**
 * Adding and removing documents while serving (issue #9): every upload format end to end
 * through the admin API (add → ask cites it with exact offsets → remove → ask abstains), the
 * API's guards (token, size, corrupt files, duplicates), atomic swaps, incremental BM25 against a
 * full build, the refit-drift rule, and staleness with added documents. All in temp dirs: the
 * committed index/ is never touched.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import JSZip from 'jszip';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { Bm25Index } from '../src/core/bm25';
import { normalizeQuery } from '../src/core/normalize';
import { createApp } from '../src/http/app';
import { mountAdmin, type DocumentAdmin } from '../src/http/admin';
import { readDocsEnv } from '../src/node/docs/config';
import { refitDecision } from '../src/node/docs/incremental';
import { LIBRARY_DOC_ID, loadLibrarySources, readLibrary } from '../src/node/docs/library';
import { DocumentService, libraryState } from '../src/node/docs/service';
import { indexState, loadEngine, loadSeedSources, readManifest, rebuildIndex } from '../src/node/index-store';
import { nodeTokenizer } from '../src/node/jieba';
import { createNodeRuntime, type NodeRuntime } from '../src/node/runtime';
import { FORMAT_CASES, makeDocx, makeScannedPdf, NEW_ANSWER, NEW_QUESTION, NEW_TEXT } from './fixtures/documents';
import { postJson, SEEDS_DIR } from './helpers';

const TOKEN = 'test-admin-token-0123456789';
const AUTH = { Authorization: `Bearer ${TOKEN}` };
const LIMITS = { maxBytes: 256 * 1024, maxPages: 20, maxChars: 100_000 };
const tok = nodeTokenizer();
const tmp = mkdtempSync(join(tmpdir(), 'pqa-docs-'));
const indexDir = join(tmp, 'index');
const libraryDir = join(tmp, 'library');
let rt: NodeRuntime;

const sha256 = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');

function runtimeOn(opts: { rebuild?: boolean; adminToken?: string | null } = {}) {
  return createNodeRuntime({
    indexDir,
    seedsDir: SEEDS_DIR,
    rebuild: opts.rebuild ?? true,
    embedder: null,
    config: { adminToken: opts.adminToken === undefined ? TOKEN : opts.adminToken },
    documents: { libraryDir, limits: LIMITS, drift: { drift: 0.2, growth: 0.5 } },
  });
}

beforeAll(async () => {
  await rebuildIndex(indexDir, loadSeedSources(SEEDS_DIR), tok, null);
  rt = await runtimeOn();
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function upload(bytes: Uint8Array, filename: string, opts: { fields?: Record<string, string>; query?: string; headers?: Record<string, string> } = {}) {
  const form = new FormData();
  form.set('file', new File([bytes as Uint8Array<ArrayBuffer>], filename));
  for (const [k, v] of Object.entries(opts.fields ?? {})) form.set(k, v);
  return rt.app.request(`/api/admin/documents${opts.query ?? ''}`, { method: 'POST', body: form, headers: opts.headers ?? AUTH });
}

async function ask(question: string) {
  const res = await postJson(rt.app, '/api/ask', { question });
  expect(res.status).toBe(200);
  return res.json();
}

async function originalText(docId: string): Promise<string> {
  const res = await rt.app.request(`/api/documents/${encodeURIComponent(docId)}`);
  expect(res.status).toBe(200);
  return (await res.json()).text;
}

async function expectExactQuotes(citations: Array<{ docId: string; start: number; end: number; quote: string }>) {
  for (const c of citations) expect(c.quote).toBe((await originalText(c.docId)).slice(c.start, c.end));
}

async function remove(docId: string) {
  return rt.app.request(`/api/admin/documents/${encodeURIComponent(docId)}`, { method: 'DELETE', headers: AUTH });
}

describe('every format: add → ask → remove → ask, through the admin API', () => {
  it.each(FORMAT_CASES)('$name', async (fc) => {
    const bytes = await fc.bytes();
    const before = await ask(fc.question);
    expect(before.abstained).toBe(true);

    const res = await upload(bytes, fc.filename);
    expect(res.status, JSON.stringify(await res.clone().json())).toBe(201);
    const added = await res.json();
    expect(added.docId).toMatch(LIBRARY_DOC_ID);
    expect(added.docId).not.toContain('/');
    expect(added.chunks).toBeGreaterThan(0);
    expect(added.format).toBe(fc.format);
    expect(added.title).toMatch(/嘉[兴興]市精品培育工程年度通[报報]/);

    // The extracted text is the document's original text: stored in library/, served, cited.
    const stored = readLibrary(libraryDir).find((e) => e.meta.docId === added.docId)!;
    expect(stored).toBeDefined();
    expect(await originalText(added.docId)).toBe(stored.text);
    const entry = rt.manifest().documents.find((d) => d.docId === added.docId)!;
    expect(entry).toMatchObject({ origin: 'library', format: fc.format, sha256: sha256(stored.text), originalSha256: sha256(bytes), chars: stored.text.length });

    const body = await ask(fc.question);
    expect(body.abstained, body.answer).toBe(false);
    expect(body.answer).toContain(NEW_ANSWER);
    expect(body.citations[0].docId).toBe(added.docId);
    expect(stored.text.slice(body.citations[0].start, body.citations[0].end)).toBe(body.citations[0].quote);
    expect(normalizeQuery(body.citations[0].quote)).toContain('417家');
    await expectExactQuotes(body.citations);

    const del = await remove(added.docId);
    expect(del.status).toBe(200);
    expect(await del.json()).toMatchObject({ docId: added.docId, removed: true });
    const after = await ask(fc.question);
    expect(after.abstained).toBe(true);
    expect(after.answer).toMatch(/^文件中没有找到|^文件中沒有找到/);
    expect((await rt.app.request(`/api/documents/${added.docId}`)).status).toBe(404);
    expect(readLibrary(libraryDir).some((e) => e.meta.docId === added.docId)).toBe(false);
    expect(rt.manifest().documents.some((d) => d.docId === added.docId)).toBe(false);
  });

  it('JSON { title, text } adds a document too', async () => {
    const res = await postJson(rt.app, '/api/admin/documents', { title: '嘉兴精品培育（文本）', text: NEW_TEXT, city: '嘉兴' }, AUTH);
    expect(res.status).toBe(201);
    const added = await res.json();
    expect(added).toMatchObject({ title: '嘉兴精品培育（文本）', city: '嘉兴', format: 'txt' });
    const body = await ask(NEW_QUESTION);
    expect(body.citations[0].docId).toBe(added.docId);
    await expectExactQuotes(body.citations);
    expect((await remove(added.docId)).status).toBe(200);
  });
});

describe('guards', () => {
  it('admin routes: 401 JSON for a missing or wrong token, 404 when no token is configured', async () => {
    for (const headers of [{}, { Authorization: 'Bearer wrong-token-wrong-token' }, { Authorization: TOKEN }] as Array<Record<string, string>>) {
      const res = await upload(new TextEncoder().encode(NEW_TEXT), 'a.txt', { headers });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
      expect((await res.json()).error.code).toBe('unauthorized');
    }
    expect((await rt.app.request('/api/admin/documents/x-000000000000', { method: 'DELETE' })).status).toBe(401);
    expect((await rt.app.request('/api/admin/documents')).status).toBe(401);
    const off = createApp({ engine: rt.engine, config: { adminToken: null }, extend: (app, ctx) => mountAdmin(app, ctx, rt.documents as DocumentAdmin) });
    const res = await off.request('/api/admin/documents', { method: 'POST', headers: AUTH, body: '{}' });
    expect(res.status).toBe(404);
    expect((await res.json()).error.code).toBe('not_found');
  });

  it('oversized uploads: 413, checked after the token and before extraction', async () => {
    const big = new TextEncoder().encode('质量强市。'.repeat(20_000)); // 300 KB > 256 KB
    const res = await upload(big, 'big.txt');
    expect(res.status).toBe(413);
    expect((await res.json()).error.code).toBe('too_large');
    const huge = new Uint8Array(LIMITS.maxBytes + 512 * 1024).fill(0x41);
    expect((await upload(huge, 'huge.txt')).status).toBe(413);
    expect((await upload(huge, 'huge.txt', { headers: {} })).status).toBe(401);
    const longJson = await postJson(rt.app, '/api/admin/documents', { title: 't', text: '质'.repeat(LIMITS.maxChars + 1) }, AUTH);
    expect(longJson.status).toBe(413);
  });

  it('unreadable files get a clear 4xx: corrupt docx, scanned PDF, an image, an empty file', async () => {
    const zip = await JSZip.loadAsync(await makeDocx('标题', ['正文。']));
    zip.file('word/document.xml', '<w:document><w:body><w:p>broken');
    const corrupt = await zip.generateAsync({ type: 'uint8array' });
    const cases: Array<[Uint8Array, string, number, string]> = [
      [corrupt, 'broken.docx', 422, 'corrupt_file'],
      [(await makeDocx('标题', ['正文。'])).slice(0, 200), 'cut.docx', 422, 'corrupt_file'],
      [await makeScannedPdf(), 'scan.pdf', 422, 'no_text_layer'],
      [new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]), 'photo.png', 415, 'unsupported_format'],
      [new Uint8Array(0), 'empty.txt', 422, 'empty_document'],
    ];
    for (const [bytes, name, status, code] of cases) {
      const res = await upload(bytes, name);
      const body = await res.json();
      expect([res.status, body.error.code], name).toEqual([status, code]);
      expect(body.error.message.length).toBeGreaterThan(10);
    }
    const form = new FormData();
    form.set('title', 'no file');
    expect((await rt.app.request('/api/admin/documents', { method: 'POST', body: form, headers: AUTH })).status).toBe(400);
    expect((await rt.app.request('/api/admin/documents', { method: 'POST', body: 'x', headers: { ...AUTH, 'Content-Type': 'text/plain' } })).status).toBe(415);
    expect(readdirSync(libraryDir).filter((n) => !n.startsWith('.'))).toEqual([]);
  });

  it('duplicates: 409, or replaced explicitly with ?replace=true; seeds cannot be replaced', async () => {
    const bytes = new TextEncoder().encode(NEW_TEXT);
    const first = await (await upload(bytes, 'first.txt')).json();
    const dup = await upload(new TextEncoder().encode(`\ufeff${NEW_TEXT}`), 'second.txt');
    expect(dup.status).toBe(409);
    expect((await dup.json()).error.message).toContain(first.docId);
    const replaced = await upload(bytes, 'first.txt', { query: '?replace=true', fields: { title: '新标题' } });
    expect(replaced.status).toBe(201);
    const r = await replaced.json();
    expect(r).toMatchObject({ title: '新标题', replaced: [first.docId] });
    const listed = await (await rt.app.request('/api/admin/documents', { headers: AUTH })).json();
    expect(listed.documents.filter((d: { origin: string }) => d.origin === 'library')).toHaveLength(1);
    expect(readLibrary(libraryDir).map((e) => e.meta.title)).toEqual(['新标题']);
    expect((await remove(r.docId)).status).toBe(200);

    const seed = readFileSync(join(SEEDS_DIR, '001_857d87e6a2c63903.txt'));
    expect((await upload(seed, 'copy.txt', { query: '?replace=true' })).status).toBe(409);
    expect((await remove('001_857d87e6a2c63903')).status).toBe(409);
    expect((await remove('nothing-000000000000')).status).toBe(404);
    expect((await remove('..%2F..%2Fetc')).status).toBe(404);
  });

  it('concurrent uploads are serialized and both land', async () => {
    const a = new TextEncoder().encode(`${NEW_TEXT}附一：甲。\n`);
    const b = new TextEncoder().encode(`${NEW_TEXT}附二：乙。\n`);
    const [ra, rb] = await Promise.all([upload(a, 'a.txt'), upload(b, 'b.txt')]);
    expect([ra.status, rb.status]).toEqual([201, 201]);
    const ids = [(await ra.json()).docId, (await rb.json()).docId];
    const inIndex = rt.manifest().documents.map((d) => d.docId);
    for (const id of ids) expect(inIndex).toContain(id);
    for (const id of ids) expect((await remove(id)).status).toBe(200);
  });
});

describe('atomic swaps and a failed ingest', () => {
  it('requests holding the old engine keep it whole; the next ones see the new document', async () => {
    const old = rt.engine();
    const docsBefore = old.corpus.documents.length;
    const inFlight = old.search(NEW_QUESTION, 5);
    const res = await upload(new TextEncoder().encode(NEW_TEXT), 'swap.txt');
    const added = await res.json();
    expect(rt.engine()).not.toBe(old);
    expect(old.corpus.documents.length).toBe(docsBefore);
    expect(old.corpus.docIndex(added.docId)).toBeUndefined();
    expect((await inFlight).every((p) => p.docId !== added.docId)).toBe(true);
    expect((await old.search(NEW_QUESTION, 5)).every((p) => p.docId !== added.docId)).toBe(true);
    expect((await rt.engine().search(NEW_QUESTION, 5))[0].docId).toBe(added.docId);
    expect((await remove(added.docId)).status).toBe(200);
  });

  it('an ingest failing mid-build leaves the previous index in force and intact, and the library as it was', async () => {
    const m = readManifest(indexDir)!;
    const service = new DocumentService({ indexDir, seedsDir: SEEDS_DIR, libraryDir, limits: LIMITS, drift: { drift: 0.2, growth: 0.5 } }, tok, {
      embedder: null,
      checkpoint: async (point) => {
        if (point === 'built') throw new Error('disk full');
      },
    });
    await expect(service.add([{ bytes: new TextEncoder().encode(NEW_TEXT), filename: 'fail.txt' }])).rejects.toThrow('disk full');
    expect(readManifest(indexDir)).toEqual(m);
    expect(readdirSync(indexDir).filter((n) => n.startsWith('.tmp-'))).toEqual([]);
    expect(readdirSync(libraryDir)).toEqual([]);
    const { engine } = await loadEngine(indexDir, tok, { vectorStore: 'hnswlib' });
    expect(engine.corpus.documents.length).toBe(m.counts.documents);
    expect((await ask(NEW_QUESTION)).abstained).toBe(true);
  });
});

describe('incremental index', () => {
  it('BM25 after an incremental add or removal scores exactly as a full build', async () => {
    const added = await (await upload(new TextEncoder().encode(NEW_TEXT), 'bm25.txt')).json();
    const inc = (await loadEngine(indexDir, tok)).engine;
    const full = (await loadEngine((await rebuildAt('full', true)).dir, tok)).engine;
    expect(inc.corpus.chunkCount).toBe(full.corpus.chunkCount);
    const key = (e: typeof inc, c: number) => `${e.corpus.documents[e.corpus.chunk(c).doc].docId}@${e.corpus.chunkSpan(c).start}`;
    for (const q of [NEW_QUESTION, '邢台市2022年市场主体净增多少户？', '食品抽检合格率', '首席质量官制度', '品牌经济创新公共服务平台']) {
      const terms = tok.tokenize(normalizeQuery(q));
      const a = inc.bm25.search(terms, 10).map((h) => [key(inc, h.index), h.score.toFixed(9)]);
      const b = full.bm25.search(terms, 10).map((h) => [key(full, h.index), h.score.toFixed(9)]);
      expect(a).toEqual(b);
    }
    expect((await remove(added.docId)).status).toBe(200);
    const afterRemove = (await loadEngine(indexDir, tok)).engine;
    const seedsOnly = (await loadEngine((await rebuildAt('seeds', false)).dir, tok)).engine;
    expect(afterRemove.bm25.toJSON()).toEqual(seedsOnly.bm25.toJSON());
    expect(afterRemove.corpus.data).toEqual(seedsOnly.corpus.data);
  });

  it('format-1 BM25 postings (older indexes) load and score the same', () => {
    const v2 = Bm25Index.build([['a', 'b'], ['b', 'c', 'c'], ['a']]);
    const d = v2.toJSON();
    const pairs: Record<string, number[][]> = {};
    for (const [t, l] of Object.entries(d.postings)) pairs[t] = Array.from({ length: l.length / 2 }, (_, i) => [l[2 * i], l[2 * i + 1]]);
    const v1 = new Bm25Index({ ...d, formatVersion: 1, postings: pairs as never });
    expect(v1.search(['b', 'c'], 5)).toEqual(v2.search(['b', 'c'], 5));
    expect(v1.documentFrequency('b')).toBe(2);
  });

  it('the refit-drift rule: refit past DENSE_REFIT_DRIFT or DENSE_REFIT_GROWTH, configurable from the environment', () => {
    const base = { fittedChunks: 1000, fitUnknownShare: 0.05, addedChunks: 10, addedOccurrences: 1000, addedUnknown: 100 };
    expect(refitDecision(base, { drift: 0.2, growth: 0.5 })).toMatchObject({ refit: false, measure: { drift: 0.05, growth: 0.01 } });
    expect(refitDecision({ ...base, addedUnknown: 300 }, { drift: 0.2, growth: 0.5 })).toMatchObject({ refit: true, measure: { drift: 0.25 } });
    expect(refitDecision({ ...base, addedChunks: 600 }, { drift: 0.2, growth: 0.5 }).reason).toMatch(/grew/);
    expect(readDocsEnv({ DENSE_REFIT_DRIFT: '0.35', DENSE_REFIT_GROWTH: '2' }).drift).toEqual({ drift: 0.35, growth: 2 });
    expect(() => readDocsEnv({ DENSE_REFIT_DRIFT: 'lots' })).toThrow(/DENSE_REFIT_DRIFT/);
    expect(readDocsEnv({ MAX_UPLOAD_BYTES: '2048', MAX_UPLOAD_PAGES: '3', MAX_UPLOAD_CHARS: '500' }).limits).toEqual({ maxBytes: 2048, maxPages: 3, maxChars: 500 });
  });

  it('reports whether the dense model was refit; a never-refit setting embeds with the model in force', async () => {
    const never = new DocumentService({ indexDir, seedsDir: SEEDS_DIR, libraryDir, limits: LIMITS, drift: { drift: 1, growth: 100 } }, tok, { embedder: null });
    const before = readManifest(indexDir)!;
    // Words no seed uses: the model in force cannot see them.
    const r = await never.add([{ bytes: new TextEncoder().encode(`${NEW_TEXT}附件：氪氙氡钋铋实验舱验收报告。\n`), filename: 'norefit.txt' }]);
    const always = new DocumentService({ indexDir, seedsDir: SEEDS_DIR, libraryDir, limits: LIMITS, drift: { drift: 0, growth: 0 } }, tok, { embedder: null });
    onTestFinished(async () => {
      if (readManifest(indexDir)!.documents.some((d) => d.docId === r.documents[0].docId)) await always.remove([r.documents[0].docId]);
    });
    expect(r.update.refit).toBe(false);
    expect(r.update.manifest.files['lsa.json']).toBe(before.files['lsa.json']);
    // Drift accumulates over every chunk embedded with the model since its fit.
    expect(r.update.manifest.dense!.addedChunks).toBe((before.dense?.addedChunks ?? 0) + r.update.newChunks);
    expect(r.update.manifest.dense!.addedUnknown).toBeGreaterThan(before.dense?.addedUnknown ?? 0);
    const r2 = await always.remove([r.documents[0].docId], { refit: true });
    expect(r2.update).toMatchObject({ refit: true, refitReason: 'refit requested' });
    expect(r2.update.manifest.dense).toMatchObject({ addedChunks: 0, fittedChunks: r2.update.manifest.counts.chunks });
  });
});

describe('added documents survive restarts and rebuilds; the seeds staleness check ignores them', () => {
  it('fresh against seeds/ and library/; a restart keeps the document; a lost library entry is rebuilt away', async () => {
    const res = await upload(new TextEncoder().encode(NEW_TEXT), 'persist.txt');
    expect(res.status).toBe(201);
    const added = await res.json();
    const m = readManifest(indexDir)!;
    expect((await indexState(indexDir, loadSeedSources(SEEDS_DIR), tok, null)).state).toBe('fresh');
    expect((await libraryState(m, loadLibrarySources(libraryDir))).state).toBe('fresh');
    expect((await libraryState(m, [])).state).toBe('stale');

    const restarted = await runtimeOn();
    expect(restarted.manifest().data).toBe(m.data); // nothing rebuilt
    expect(restarted.engine().corpus.docIndex(added.docId)).toBeDefined();

    // A full rebuild (npm run index) reads library/ too.
    const rebuilt = await rebuildIndex(join(tmp, 'rebuilt'), [...loadSeedSources(SEEDS_DIR), ...loadLibrarySources(libraryDir)], tok, null);
    expect(rebuilt.manifest.documents.find((d) => d.docId === added.docId)).toMatchObject({ origin: 'library', format: 'txt' });
    expect(rebuilt.manifest.seedsSha256).toBe(m.seedsSha256);

    rmSync(join(libraryDir, added.docId), { recursive: true });
    const again = await runtimeOn();
    expect(again.manifest().data).not.toBe(m.data);
    expect(again.engine().corpus.docIndex(added.docId)).toBeUndefined();
    expect(again.manifest().documents.every((d) => d.origin !== 'library')).toBe(true);
    rt = again;
  });
});

/** A full build of seeds (+ library when asked) into a temp dir. */
async function rebuildAt(name: string, withLibrary: boolean) {
  const dir = join(tmp, name);
  if (existsSync(dir)) rmSync(dir, { recursive: true });
  await rebuildIndex(dir, [...loadSeedSources(SEEDS_DIR), ...(withLibrary ? loadLibrarySources(libraryDir) : [])], tok, null);
  return { dir };
}
