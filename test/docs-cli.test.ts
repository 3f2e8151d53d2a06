/**
 * `npm run docs` end to end, in child processes against a temp index next to a running runtime
 * (which picks the change up without a restart), and the crash test: the CLI is SIGKILLed at
 * each point of a write (library entry staged; new build written but not committed; committed
 * but the library entry not yet finalized). The index in force must load and serve every time,
 * and the library must settle to agree with it.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerExtractive } from '../src/core/answer/extractive';
import { LOCK_FILE } from '../src/node/docs/lock';
import { loadLibrarySources, readLibrary } from '../src/node/docs/library';
import { DocumentService, libraryState } from '../src/node/docs/service';
import { loadEngine, loadSeedSources, readManifest, rebuildIndex } from '../src/node/index-store';
import { nodeTokenizer } from '../src/node/jieba';
import { createNodeRuntime } from '../src/node/runtime';
import { NEW_ANSWER, NEW_QUESTION, NEW_TEXT } from './fixtures/documents';
import { SEEDS_DIR } from './helpers';

const ROOT = new URL('../', import.meta.url).pathname;
const CLI = join(ROOT, 'src/node/cli/docs-cli.ts');
const tok = nodeTokenizer();
const tmp = mkdtempSync(join(tmpdir(), 'pqa-docs-cli-'));
const indexDir = join(tmp, 'index');
const libraryDir = join(tmp, 'library');
const file = join(tmp, 'notice-gbk.txt');

beforeAll(async () => {
  await rebuildIndex(indexDir, loadSeedSources(SEEDS_DIR), tok, null);
  writeFileSync(file, iconv.encode(NEW_TEXT, 'gb18030'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const baseArgs = ['--index', indexDir, '--seeds', SEEDS_DIR, '--library', libraryDir];
const childEnv = () => {
  const env: Record<string, string | undefined> = { ...process.env, FORCE_COLOR: '0' };
  for (const k of Object.keys(env)) if (k.startsWith('EMBEDDINGS_')) delete env[k];
  return env;
};

function cli(args: string[], opts: { pauseAt?: string } = {}): { done: Promise<{ code: number | null; stdout: string; stderr: string }>; paused: Promise<void>; kill: () => void } {
  // One process (node with tsx's loader), so that SIGKILL kills the writer itself.
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args, ...baseArgs], { cwd: ROOT, env: { ...childEnv(), ...(opts.pauseAt ? { POLICY_QA_PAUSE_AT: opts.pauseAt } : {}) } });
  let stdout = '';
  let stderr = '';
  let onPause: () => void = () => {};
  const paused = new Promise<void>((r) => (onPause = r));
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => {
    stderr += d;
    if (opts.pauseAt && stderr.includes(`[pause] ${opts.pauseAt}`)) onPause();
  });
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
  return { done, paused, kill: () => child.kill('SIGKILL') };
}

describe('npm run docs', () => {
  it('add → ask → list → remove → ask, while a runtime serves the same index (no restart)', async () => {
    const rt = await createNodeRuntime({ indexDir, seedsDir: SEEDS_DIR, rebuild: false, embedder: null, documents: { libraryDir } });
    expect((await answerExtractive(rt.engine(), NEW_QUESTION)).abstained).toBe(true);

    const add = await cli(['add', file, '--title', '嘉兴精品培育通报']).done;
    expect(add.code, add.stderr).toBe(0);
    expect(add.stdout).toMatch(/^docId\s+script\s+chars\s+pinyin removed\s+garbled\s+chunks\s+figures/m);
    expect(add.stdout).toMatch(/dense model: (refit|not refit) — /);
    const docId = /added (\S+)/.exec(add.stdout)![1];
    expect(docId).toMatch(/^notice-gbk-[0-9a-f]{12}$/);

    expect(await rt.reload()).toBe(true);
    const body = await answerExtractive(rt.engine(), NEW_QUESTION);
    expect(body.abstained).toBe(false);
    expect(body.answer).toContain(NEW_ANSWER);
    expect(body.citations[0].docId).toBe(docId);
    const stored = readFileSync(join(libraryDir, docId, 'text.txt'), 'utf8');
    for (const c of body.citations.filter((c) => c.docId === docId)) expect(stored.slice(c.start, c.end)).toBe(c.quote);
    expect(readManifest(indexDir)!.documents.find((d) => d.docId === docId)).toMatchObject({ origin: 'library', format: 'txt' });
    expect(JSON.parse(readFileSync(join(libraryDir, docId, 'meta.json'), 'utf8'))).toMatchObject({ encoding: 'gb18030', originalName: 'notice-gbk.txt', title: '嘉兴精品培育通报' });

    const list = await cli(['list']).done;
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`${docId}\\s+library\\s+txt`));
    expect(list.stdout).toMatch(/001_857d87e6a2c63903\s+seed/);

    const again = await cli(['add', file]).done;
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/conflict.*already added/);

    const rm = await cli(['remove', docId]).done;
    expect(rm.code, rm.stderr).toBe(0);
    expect(rm.stdout).toContain(`removed ${docId}`);
    expect(await rt.reload()).toBe(true);
    expect((await answerExtractive(rt.engine(), NEW_QUESTION)).abstained).toBe(true);
    expect(existsSync(join(libraryDir, docId))).toBe(false);
  });

  it.each(['staged', 'built'])('a CLI killed mid-write (%s) leaves the previous index serving and intact', async (point) => {
    const before = readManifest(indexDir)!;
    const run = cli(['add', file], { pauseAt: point });
    await run.paused;
    run.kill();
    await run.done;

    // The dead writer left its lock, its staged library entry and (once built) its build dir.
    expect(existsSync(join(indexDir, LOCK_FILE))).toBe(true);
    expect(readdirSync(libraryDir).some((n) => n.startsWith('.pending-'))).toBe(true);
    if (point === 'built') expect(readdirSync(indexDir).some((n) => n.startsWith('.tmp-'))).toBe(true);

    // …but the index in force is the previous one, loads (checksums verified) and serves.
    expect(readManifest(indexDir)).toEqual(before);
    const { engine } = await loadEngine(indexDir, tok);
    expect(engine.corpus.documents.length).toBe(before.counts.documents);
    expect((await answerExtractive(engine, '邢台市2022年市场主体净增多少户？')).answer).toContain('7.06万户');
    expect((await answerExtractive(engine, NEW_QUESTION)).abstained).toBe(true);

    // The next writer breaks the dead lock, settles the journal, and works.
    const service = new DocumentService({ indexDir, seedsDir: SEEDS_DIR, libraryDir, limits: { maxBytes: 1 << 20, maxPages: 10, maxChars: 1e6 }, drift: { drift: 0.2, growth: 0.5 } }, tok, { embedder: null });
    expect(await service.ensureIndex()).toMatchObject({ rebuilt: false });
    expect(readdirSync(libraryDir)).toEqual([]);
    const r = await service.add([{ bytes: readFileSync(file), filename: 'notice-gbk.txt' }]);
    expect(readdirSync(indexDir).filter((n) => n.startsWith('.tmp-'))).toEqual([]);
    await service.remove([r.documents[0].docId]);
  });

  it('a CLI killed right after the commit leaves the new index serving; the library entry is finalized on the next start', async () => {
    const run = cli(['add', file], { pauseAt: 'committed' });
    await run.paused;
    run.kill();
    await run.done;

    const m = readManifest(indexDir)!;
    const added = m.documents.find((d) => d.origin === 'library')!;
    expect(added).toBeDefined();
    expect(readdirSync(libraryDir)).toEqual([`.pending-${added.docId}`]);
    const { engine } = await loadEngine(indexDir, tok);
    expect((await answerExtractive(engine, NEW_QUESTION)).citations[0].docId).toBe(added.docId);

    const rt = await createNodeRuntime({ indexDir, seedsDir: SEEDS_DIR, embedder: null, documents: { libraryDir } });
    expect(rt.manifest().data).toBe(m.data); // settled, not rebuilt
    expect(readLibrary(libraryDir).map((e) => e.meta.docId)).toEqual([added.docId]);
    expect((await libraryState(readManifest(indexDir)!, loadLibrarySources(libraryDir))).state).toBe('fresh');
    await rt.documents.remove([added.docId]);
  });
});
