/**
 * The Worker's build step (Node; wrangler.toml `[build] command` runs it before every
 * `wrangler dev` / `wrangler deploy`, and the tests run it through wrangler too). Writes
 * build/worker/ — everything src/worker/index.ts imports that is not source code:
 *
 *   index/manifest.json.bin, index/{corpus.json,bm25.json,lsa.json,vectors.f32}.bin
 *       the index in force (index/manifest.json → index/<data>/), byte for byte, as Data modules
 *       (bundled into the script, never publicly served; the Worker verifies their checksums)
 *   core-data.json.bin      every src/core/data/*.txt by name (user dictionary, stopwords, cities, synonyms)
 *   prompts.json.bin        the LLM prompt templates of prompts/ (core's PROMPT_FILES), by name
 *   jieba_rs_wasm_bg.wasm   jieba-wasm's web build, imported as a compiled module
 *   widget.js.txt           the widget, built now with esbuild (src/widget/build.ts)
 *   build-info.json         what was bundled (for reports)
 *
 * The index is the Node server's own when it is fresh for seeds/ and library/ and built with the
 * LSA embedder (so both runtimes answer from identical bytes). Otherwise (stale, or built with an
 * external embedder the Worker cannot call) a fresh LSA index is built here, leaving index/ untouched.
 *
 *   tsx src/worker/build.ts [--index index] [--seeds seeds] [--library library] [--out build/worker]
 */
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createPromptSet, PROMPT_FILES, type PromptName } from '../core/answer/prompts';
import { buildIndex, checksums } from '../core/index-build';
import { FILES, sha256Hex, type IndexManifest } from '../core/index-format';
import { createTokenizer } from '../core/tokenize';
import { buildWidget } from '../widget/build';
import { loadStopwords, nodeTokenizer, STOPWORDS_PATH, USER_DICT_PATH } from '../node/jieba';
import { readDocsEnv } from '../node/docs/config';
import { loadLibrarySources } from '../node/docs/library';
import { libraryState } from '../node/docs/service';
import { indexState, loadSeedSources, readManifest } from '../node/index-store';
import { jiebaSegmenterId } from './jieba-wasm';

const here = dirname(fileURLToPath(import.meta.url));
export const ROOT = resolve(here, '../..');
export const WORKER_BUILD_DIR = join(ROOT, 'build/worker');
const require = createRequire(import.meta.url);

export interface WorkerBuildInfo {
  data: string;
  source: 'index' | 'rebuilt';
  tokenizer: string;
  embedder: string;
  files: Record<string, number>;
  widgetBytes: number;
  wasmBytes: number;
}

/** Writes a file only when its bytes change (keeps wrangler's watcher quiet). */
function put(path: string, bytes: Uint8Array | string): void {
  const buf = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (existsSync(path) && readFileSync(path).equals(buf)) return;
  mkdirSync(dirname(path), { recursive: true });
  // Atomic: a concurrent wrangler bundling never reads half a file.
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, buf);
  renameSync(tmp, path);
}

/**
 * The index files the Worker bundles: the index in force when it is fresh for seeds/ and library/
 * (the documents added through the admin API) and built with LSA; otherwise a fresh LSA build of
 * the same documents, as `npm start` would rebuild it, leaving index/ untouched.
 */
async function workerIndex(indexDir: string, seedsDir: string, libraryDir: string, log: (m: string) => void): Promise<{ manifest: IndexManifest; manifestText: string; files: Record<string, Uint8Array>; source: 'index' | 'rebuilt' }> {
  const tokenizer = nodeTokenizer();
  const seeds = loadSeedSources(seedsDir);
  const library = existsSync(libraryDir) ? loadLibrarySources(libraryDir) : [];
  const manifest = readManifest(indexDir);
  const seedState = await indexState(indexDir, seeds, tokenizer, null);
  const state = seedState.state === 'fresh' && manifest ? await libraryState(manifest, library) : seedState;
  if (state.state === 'fresh' && manifest) {
    const files: Record<string, Uint8Array> = {};
    for (const name of Object.values(FILES)) files[name] = new Uint8Array(readFileSync(join(indexDir, manifest.data, name)));
    return { manifest, manifestText: readFileSync(join(indexDir, 'manifest.json'), 'utf8'), files, source: 'index' };
  }
  log(`${indexDir}/ is ${state.state} for the Worker (${state.reason}): building an LSA index for the bundle (${indexDir}/ is left as it is)`);
  const built = await buildIndex([...seeds, ...library], tokenizer);
  const sums = await checksums(built.files);
  const data = `v-${(await sha256Hex(JSON.stringify(sums))).slice(0, 12)}`;
  const rebuilt: IndexManifest = { ...built.manifestBase, data, vectorStores: ['flat'], files: sums };
  return { manifest: rebuilt, manifestText: `${JSON.stringify(rebuilt, null, 2)}\n`, files: built.files, source: 'rebuilt' };
}

export async function buildWorkerAssets(opts: { indexDir?: string; seedsDir?: string; libraryDir?: string; outDir?: string; log?: (m: string) => void } = {}): Promise<WorkerBuildInfo> {
  const indexDir = resolve(ROOT, opts.indexDir ?? 'index');
  const seedsDir = resolve(ROOT, opts.seedsDir ?? 'seeds');
  const libraryDir = resolve(ROOT, opts.libraryDir ?? readDocsEnv().libraryDir);
  const out = opts.outDir ? resolve(opts.outDir) : WORKER_BUILD_DIR;
  const log = opts.log ?? ((m: string) => console.log(`[worker-build] ${m}`));

  // The Worker's tokenizer id is computed from the same word lists as nodejieba's.
  const userDict = readFileSync(USER_DICT_PATH, 'utf8');
  const stopwordsText = readFileSync(STOPWORDS_PATH, 'utf8');
  const wasmTokenizerId = createTokenizer({ id: await jiebaSegmenterId(userDict, stopwordsText), cut: () => [] }, loadStopwords()).id;
  if (wasmTokenizerId !== nodeTokenizer().id) throw new Error(`jieba-wasm tokenizer id ${wasmTokenizerId} differs from nodejieba's ${nodeTokenizer().id}`);

  const { manifest, manifestText, files, source } = await workerIndex(indexDir, seedsDir, libraryDir, log);
  if (manifest.tokenizer !== wasmTokenizerId) throw new Error(`index tokenizer ${manifest.tokenizer} is not the Worker's ${wasmTokenizerId}`);
  put(join(out, 'index/manifest.json.bin'), manifestText);
  const sizes: Record<string, number> = {};
  for (const [name, bytes] of Object.entries(files)) {
    if (manifest.files[name] !== (await sha256Hex(bytes))) throw new Error(`index file ${name} does not match its manifest checksum: run npm run index`);
    put(join(out, `index/${name}.bin`), bytes);
    sizes[name] = bytes.byteLength;
  }

  const dataDir = join(ROOT, 'src/core/data');
  const dataFiles = Object.fromEntries(readdirSync(dataDir).filter((f) => f.endsWith('.txt')).sort().map((f) => [f, readFileSync(join(dataDir, f), 'utf8')]));
  put(join(out, 'core-data.json.bin'), JSON.stringify(dataFiles));
  const prompts = Object.fromEntries(Object.entries(PROMPT_FILES).map(([name, file]) => [name, readFileSync(join(ROOT, 'prompts', file), 'utf8')]));
  createPromptSet(prompts as Record<PromptName, string>); // fails the build on a broken template
  put(join(out, 'prompts.json.bin'), JSON.stringify(prompts));

  const wasm = readFileSync(join(dirname(require.resolve('jieba-wasm/web')), 'jieba_rs_wasm_bg.wasm'));
  put(join(out, 'jieba_rs_wasm_bg.wasm'), wasm);
  const widget = await buildWidget();
  put(join(out, 'widget.js.txt'), widget);

  const info: WorkerBuildInfo = { data: manifest.data, source, tokenizer: manifest.tokenizer, embedder: manifest.embedder.id, files: sizes, widgetBytes: Buffer.byteLength(widget), wasmBytes: wasm.byteLength };
  put(join(out, 'build-info.json'), `${JSON.stringify(info, null, 2)}\n`);
  log(`bundled index ${manifest.data} (${source}, ${manifest.counts.documents} documents, ${manifest.counts.chunks} chunks), widget ${info.widgetBytes} B, jieba-wasm ${info.wasmBytes} B → ${out}`);
  return info;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { index: { type: 'string' }, seeds: { type: 'string' }, library: { type: 'string' }, out: { type: 'string' } } });
  buildWorkerAssets({ indexDir: values.index, seedsDir: values.seeds, libraryDir: values.library, outDir: values.out }).catch((err) => {
    console.error(`[worker-build] ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
