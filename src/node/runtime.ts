/**
 * Assembles the Node runtime: tokenizer, index (rebuilt when missing or stale), engine holder,
 * and the Hono app. Used by the server, the CLIs, the tests and the benchmarks alike.
 */
import type { Hono } from 'hono';
import type { Engine } from '../core/engine';
import type { IndexManifest } from '../core/index-format';
import type { Answerer } from '../core/answer/types';
import { createApp, type AppConfig, type AppDeps } from '../http/app';
import { nodeTokenizer } from './jieba';
import { nodeClientId } from './client-id';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { loadEngine, MANIFEST, readManifest } from './index-store';
import { mountAdmin } from '../http/admin';
import { readDocsEnv } from './docs/config';
import { DocumentService, type DocsSettings } from './docs/service';
import type { ExternalEmbedder } from '../core/index-build';
import { embedderFromEnv } from './embeddings';

export interface NodeRuntimeOptions {
  indexDir?: string;
  seedsDir?: string;
  config?: Partial<AppConfig>;
  vectorStore?: 'hnswlib' | 'flat';
  answerer?: Answerer;
  /** Rebuild a missing or stale index (true for the server); false fails instead. */
  rebuild?: boolean;
  /** Dense embedder; default from EMBEDDINGS_* in the environment, else the built-in LSA. */
  embedder?: ExternalEmbedder | null;
  log?: (msg: string) => void;
  extend?: AppDeps['extend'];
  /** Reverse proxies whose X-Forwarded-For is trusted for the client address (TRUST_PROXY); 0 = socket address. */
  trustProxy?: number;
  /** Added documents (library dir, upload limits, refit drift); defaults from the environment (src/node/docs/config.ts). */
  documents?: Partial<DocsSettings>;
}

export interface NodeRuntime {
  app: Hono;
  engine: () => Engine;
  /** Replaces the engine in force; requests already running keep the one they started with. */
  swap: (next: Engine, manifest: IndexManifest) => void;
  manifest: () => IndexManifest;
  /** Adds and removes documents while serving (the admin API; npm run docs uses the same service). */
  documents: DocumentService;
  /** Loads the index in force if another process (npm run docs) committed a newer one; true when it swapped. */
  reload: () => Promise<boolean>;
}

let widgetCache: Promise<string> | undefined;

export async function widgetScript(): Promise<string> {
  widgetCache ??= import('../widget/build').then((m) => m.buildWidget());
  return widgetCache;
}

export async function createNodeRuntime(opts: NodeRuntimeOptions = {}): Promise<NodeRuntime> {
  const indexDir = opts.indexDir ?? 'index';
  const seedsDir = opts.seedsDir ?? 'seeds';
  const log = opts.log ?? (() => {});
  const tokenizer = nodeTokenizer();
  const embedder = opts.embedder === undefined ? embedderFromEnv() : opts.embedder;
  let current: Engine | undefined;
  let manifest: IndexManifest | undefined;
  const swap = (next: Engine, m: IndexManifest) => {
    current = next;
    manifest = m;
  };
  // Loads the index in force. Loads run one after another, and one finds nothing to do when the
  // build on disk is already serving: a commit's own load and the watcher's never both load it,
  // and an admin write answers only after its engine serves.
  let chain: Promise<void> = Promise.resolve();
  const load = () => {
    const next = chain.catch(() => undefined).then(async () => {
      const onDisk = readManifest(indexDir);
      if (current && onDisk && onDisk.data === manifest?.data) return;
      const loaded = await loadEngine(indexDir, tokenizer, { vectorStore: opts.vectorStore, embedder });
      swap(loaded.engine, loaded.manifest);
    });
    chain = next;
    return next;
  };
  const docsEnv = readDocsEnv();
  const documents = new DocumentService(
    { indexDir, seedsDir, libraryDir: docsEnv.libraryDir, limits: docsEnv.limits, drift: docsEnv.drift, ...opts.documents },
    tokenizer,
    // After each committed write, requests still running keep their engine; the next ones get the new one.
    { embedder, onCommit: async () => (current ? load() : undefined) },
  );
  // Missing, stale (seeds/ or library/ changed) or corrupt index: settle the library journal and rebuild.
  if (opts.rebuild !== false) await documents.ensureIndex(log);
  await load();
  const engine = () => current!;
  let lastStamp = manifestStamp(indexDir);
  const app = createApp({
    engine,
    config: opts.config,
    answerer: opts.answerer,
    widgetScript,
    clientId: nodeClientId(opts.trustProxy ?? 0),
    extend: (app, ctx) => {
      mountAdmin(app, ctx, documents);
      opts.extend?.(app, ctx);
    },
  });
  return {
    app,
    engine,
    swap,
    manifest: () => manifest!,
    documents,
    reload: async () => {
      // Cheap when nothing changed: the manifest is only parsed when its file was replaced.
      const stamp = manifestStamp(indexDir);
      if (stamp === lastStamp) return false;
      const onDisk = readManifest(indexDir);
      if (!onDisk || onDisk.data === manifest?.data) {
        lastStamp = stamp;
        return false;
      }
      await load();
      lastStamp = stamp;
      return true;
    },
  };
}

/** Identifies the manifest file on disk (it is replaced by rename on every commit). */
function manifestStamp(indexDir: string): string {
  try {
    const st = statSync(join(indexDir, MANIFEST));
    return `${st.ino}:${st.mtimeMs}:${st.size}`;
  } catch {
    return '';
  }
}
