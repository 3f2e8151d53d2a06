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
import { indexState, loadEngine, loadSeedSources, rebuildIndex } from './index-store';
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
}

export interface NodeRuntime {
  app: Hono;
  engine: () => Engine;
  /** Replaces the engine in force; requests already running keep the one they started with. */
  swap: (next: Engine, manifest: IndexManifest) => void;
  manifest: () => IndexManifest;
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
  if (opts.rebuild !== false) {
    const sources = loadSeedSources(seedsDir);
    const state = await indexState(indexDir, sources, tokenizer, embedder);
    if (state.state !== 'fresh') {
      log(`index is ${state.state} (${state.reason}): rebuilding from ${seedsDir}/ …`);
      const r = await rebuildIndex(indexDir, sources, tokenizer, embedder);
      log(`index rebuilt in ${r.ms.toFixed(0)} ms: ${r.manifest.counts.documents} documents, ${r.manifest.counts.chunks} chunks`);
    }
  }
  const loaded = await loadEngine(indexDir, tokenizer, { vectorStore: opts.vectorStore, embedder });
  let current = loaded.engine;
  let manifest = loaded.manifest;
  const engine = () => current;
  const app = createApp({
    engine,
    config: opts.config,
    answerer: opts.answerer,
    widgetScript,
    clientId: nodeClientId(opts.trustProxy ?? 0),
    extend: opts.extend,
  });
  return {
    app,
    engine,
    swap: (next, m) => {
      current = next;
      manifest = m;
    },
    manifest: () => manifest,
  };
}
