/**
 * The index directory on disk. Layout:
 *   index/manifest.json        points at the current build and holds its checksums
 *   index/v-<hash>/            corpus.json, bm25.json, lsa.json, vectors.f32, hnsw/…
 * A build is written to a temporary directory, renamed into place, and only then does the
 * manifest (replaced by an atomic rename) point at it: a build killed half-way leaves the
 * previous index serving and intact.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { LsaEmbeddings } from '../core/embed/lsa';
import { assembleEngine } from '../core/assemble';
import type { Engine } from '../core/engine';
import { AppError } from '../core/errors';
import { Gazetteer, parseCityList } from '../core/geo';
import { buildIndex, type BuiltIndex, type ExternalEmbedder } from '../core/index-build';
import { parseIndexFiles, sha256Hex, sourcesFingerprint, type IndexManifest } from '../core/index-format';
import type { SourceDocument } from '../core/corpus';
import type { Tokenizer } from '../core/ports';
import { FlatVectorSearch } from '../core/vector/flat';
import { buildHnsw, HnswVectorSearch, loadHnsw } from './hnsw-store';

export const MANIFEST = 'manifest.json';
export const HNSW_DIR = 'hnsw';

export function citiesFile(): string {
  return readFileSync(new URL('../core/data/cities.txt', import.meta.url), 'utf8');
}

export function defaultGazetteer(extra: string[] = []): Gazetteer {
  return new Gazetteer([...parseCityList(citiesFile()), ...extra.filter((c) => c && c !== '未具名')]);
}

/** Reads seeds/*.txt and seeds/manifest.json (titles, cities, dates, sources). */
export function loadSeedSources(seedsDir: string): SourceDocument[] {
  const metaPath = join(seedsDir, 'manifest.json');
  const meta = existsSync(metaPath) ? (JSON.parse(readFileSync(metaPath, 'utf8')) as { documents: Array<Partial<SourceDocument> & { docId: string }> }) : { documents: [] };
  const byId = new Map(meta.documents.map((d) => [d.docId, d]));
  return readdirSync(seedsDir)
    .filter((f) => f.endsWith('.txt'))
    .sort()
    .map((f) => {
      const docId = f.slice(0, -'.txt'.length);
      const m = byId.get(docId) ?? { docId };
      return {
        docId,
        text: readFileSync(join(seedsDir, f), 'utf8').replace(/^\ufeff/, ''),
        title: m.title ?? undefined,
        city: m.city ?? undefined,
        date: m.date ?? undefined,
        source: m.source ?? undefined,
        format: 'txt',
      };
    });
}

export function readManifest(indexDir: string): IndexManifest | null {
  const p = join(indexDir, MANIFEST);
  if (!existsSync(p)) return null;
  try {
    return JSON.parse(readFileSync(p, 'utf8')) as IndexManifest;
  } catch {
    return null;
  }
}

function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listFiles(join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`],
  );
}

/** A fresh temporary build directory, index/.tmp-<pid>-<random> (never served, pruned on commit). */
export function makeBuildDir(indexDir: string): string {
  mkdirSync(indexDir, { recursive: true });
  const tmp = join(indexDir, `.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  mkdirSync(tmp);
  return tmp;
}

/**
 * Makes a finished build directory the index in force: checksums its files, renames it to
 * index/v-<hash>, then atomically replaces manifest.json (the single commit point) and prunes
 * older builds. Shared by full rebuilds and incremental updates (src/node/docs/incremental.ts).
 */
export async function commitBuild(indexDir: string, tmp: string, manifestBase: BuiltIndex['manifestBase'], vectorStores: string[] = ['hnswlib', 'flat']): Promise<IndexManifest> {
  // One file in memory at a time (a 100k-chunk build is ~400 MB on disk); same sums as checksums().
  const sums: Record<string, string> = {};
  for (const rel of listFiles(tmp).sort()) sums[rel] = await sha256Hex(readFileSync(join(tmp, rel)));
  const data = `v-${(await sha256Hex(JSON.stringify(sums))).slice(0, 12)}`;
  const manifest: IndexManifest = { ...manifestBase, data, vectorStores, files: sums };
  const target = join(indexDir, data);
  if (existsSync(target)) rmSync(tmp, { recursive: true, force: true });
  else renameSync(tmp, target);
  const manifestTmp = join(indexDir, `.${MANIFEST}.${process.pid}.tmp`);
  writeFileSync(manifestTmp, `${JSON.stringify(manifest, null, 2)}\n`);
  renameSync(manifestTmp, join(indexDir, MANIFEST));
  pruneOldBuilds(indexDir, data);
  return manifest;
}

/** Writes a built index atomically; returns the manifest now in force. */
export async function writeIndex(indexDir: string, built: BuiltIndex, tokenizer: Tokenizer): Promise<IndexManifest> {
  const tmp = makeBuildDir(indexDir);
  try {
    for (const [name, bytes] of Object.entries(built.files)) writeFileSync(join(tmp, name), bytes);
    const chunkTexts = Array.from({ length: built.corpus.chunkCount }, (_, i) => built.corpus.chunkText(i));
    const hnsw = await buildHnsw(built.vectors, chunkTexts, new LsaEmbeddings(built.lsa, tokenizer), built.manifestBase.embedder.dims);
    if (built.vectors.length > 0) await hnsw.save(join(tmp, HNSW_DIR));
    return await commitBuild(indexDir, tmp, built.manifestBase);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}

function pruneOldBuilds(indexDir: string, keep: string): void {
  for (const e of readdirSync(indexDir, { withFileTypes: true })) {
    if (!e.isDirectory() || e.name === keep) continue;
    if (e.name.startsWith('v-') || e.name.startsWith('.tmp-')) rmSync(join(indexDir, e.name), { recursive: true, force: true });
  }
}

export interface LoadedEngine {
  engine: Engine;
  manifest: IndexManifest;
}

/** Loads the index in force; checks checksums, tokenizer and format. */
export async function loadEngine(
  indexDir: string,
  tokenizer: Tokenizer,
  opts: { vectorStore?: 'hnswlib' | 'flat'; embedder?: ExternalEmbedder | null } = {},
): Promise<LoadedEngine> {
  const manifest = readManifest(indexDir);
  if (!manifest) throw new AppError('index_mismatch', `no index at ${indexDir}: run npm run index`, 503);
  const dataDir = join(indexDir, manifest.data);
  const read = (name: string) => {
    const p = join(dataDir, name);
    return existsSync(p) ? new Uint8Array(readFileSync(p)) : undefined;
  };
  const parts = await parseIndexFiles(manifest, read, tokenizer.id);
  for (const [name, sum] of Object.entries(manifest.files)) {
    if (!name.startsWith(`${HNSW_DIR}/`)) continue;
    const bytes = read(name);
    if (!bytes || (await sha256Hex(bytes)) !== sum) throw new AppError('index_mismatch', `index file ${name} is corrupt (checksum mismatch)`, 503);
  }
  const external = opts.embedder ?? null;
  const wanted = external?.id ?? parts.lsa.id;
  if (manifest.embedder.id !== wanted) {
    throw new AppError('index_mismatch', `index was built with embedder ${manifest.embedder.id}, this runtime is configured for ${wanted}: rebuild it with npm run index`, 503);
  }
  const queryEmbedder = external?.embeddings ?? new LsaEmbeddings(parts.lsa, tokenizer);
  let vectors;
  if (opts.vectorStore === 'flat' || parts.corpus.chunkCount === 0) {
    vectors = new FlatVectorSearch(parts.vectors, manifest.embedder.dims);
  } else {
    const store = await loadHnsw(join(dataDir, HNSW_DIR), queryEmbedder);
    vectors = new HnswVectorSearch(store, parts.corpus.chunkCount);
  }
  // The Worker assembles its engine with the same function (src/core/assemble.ts).
  const dataFile = (name: string) => readFileSync(new URL(`../core/data/${name}`, import.meta.url), 'utf8');
  return { engine: assembleEngine(parts, { tokenizer, vectors, queryEmbedder, dataFile }), manifest };
}

export type IndexState = 'fresh' | 'missing' | 'stale' | 'corrupt';

/** Whether the index in force was built from exactly these sources by this tokenizer. */
export async function indexState(indexDir: string, sources: SourceDocument[], tokenizer: Tokenizer, embedder: ExternalEmbedder | null = null): Promise<{ state: IndexState; reason: string }> {
  const manifest = readManifest(indexDir);
  if (!manifest) return { state: 'missing', reason: 'no index/manifest.json' };
  // Seeds only: documents added at run time (origin 'library') are checked against the
  // manifest's librarySha256 by libraryState (src/node/docs/state.ts), so they never make the
  // index look stale here. Indexes from before the split have no seedsSha256.
  const fp = await sourcesFingerprint(sources.filter((s) => s.origin !== 'library'));
  if ((manifest.seedsSha256 ?? manifest.sourcesSha256) !== fp.sha256) return { state: 'stale', reason: 'the documents changed since the index was built' };
  if (manifest.tokenizer !== tokenizer.id) return { state: 'stale', reason: `tokenizer changed (${manifest.tokenizer} → ${tokenizer.id})` };
  if (embedder && manifest.embedder.id !== embedder.id) return { state: 'stale', reason: `embedder changed (${manifest.embedder.id} → ${embedder.id})` };
  if (!embedder && !manifest.embedder.id.startsWith('lsa-')) return { state: 'stale', reason: `index uses embedder ${manifest.embedder.id}, none is configured` };
  try {
    await loadEngine(indexDir, tokenizer, { vectorStore: 'flat', embedder });
  } catch (err) {
    return { state: 'corrupt', reason: (err as Error).message };
  }
  return { state: 'fresh', reason: 'up to date' };
}

export async function rebuildIndex(
  indexDir: string,
  sources: SourceDocument[],
  tokenizer: Tokenizer,
  embedder: ExternalEmbedder | null = null,
): Promise<{ manifest: IndexManifest; built: BuiltIndex; ms: number }> {
  const t0 = performance.now();
  const built = await buildIndex(sources, tokenizer, { embedder: embedder ?? undefined });
  const manifest = await writeIndex(indexDir, built, tokenizer);
  return { manifest, built, ms: performance.now() - t0 };
}
