/**
 * Assembles the Worker: the bundled index (parsed and checksum-verified by core's
 * parseIndexFiles), the jieba-wasm tokenizer, the dense side (exact flat scan, or Vectorize +
 * Workers AI), and the same `createApp(deps)` the Node server runs.
 *
 * No workerd-only imports here: the entry (index.ts) hands in the bundled bytes and the
 * initialized jieba-wasm, so the tests and the CPU benchmark run this very code under Node too.
 */
import type { Hono } from 'hono';
import { createPromptSet, PROMPT_FILES, type PromptName, type PromptSet } from '../core/answer/prompts';
import type { Answerer } from '../core/answer/types';
import { assembleEngine } from '../core/assemble';
import { LsaEmbeddings } from '../core/embed/lsa';
import type { Engine } from '../core/engine';
import { AppError } from '../core/errors';
import { parseIndexFiles, type IndexManifest, type LoadedIndexParts } from '../core/index-format';
import type { Tokenizer, VectorSearch } from '../core/ports';
import { FlatVectorSearch } from '../core/vector/flat';
import { createApp, type AppDeps } from '../http/app';
import type { RateLimitBinding, WorkerEnv } from './bindings';
import { appConfigFromSettings, readWorkerSettings, type WorkerSettings } from './config';
import { jiebaWasmTokenizer, type JiebaWasmApi } from './jieba-wasm';
import { vectorNamespace, VectorizeDense } from './vectorize';
import { WorkersAiEmbeddings } from './workers-ai';

/** What the build bundles into the Worker (src/worker/build.ts writes it, index.ts imports it). */
export interface WorkerBundle {
  /** index/manifest.json, as bytes. */
  manifest: ArrayBuffer | Uint8Array;
  /** The files the manifest lists under index/<data>/ (corpus.json, bm25.json, lsa.json, vectors.f32). */
  files: Record<string, ArrayBuffer | Uint8Array>;
  /** src/core/data/*.txt by name (user-dict.txt, stopwords.txt, cities.txt, synonyms.txt, …). */
  dataFiles: Record<string, string>;
  /** The LLM prompt templates (prompts/*.md) by core's PromptName; needed for ANSWER_MODE=llm only. */
  prompts?: Partial<Record<PromptName, string>>;
  /** The widget script (src/widget), built at Worker build time; null serves no /widget.js. */
  widgetScript: string | null;
  jieba: JiebaWasmApi;
}

export interface LoadedBundle {
  manifest: IndexManifest;
  parts: LoadedIndexParts;
  tokenizer: Tokenizer;
  dataFile: (name: string) => string;
  /** Validated prompt templates, or null when the bundle has none. */
  prompts: PromptSet | null;
  widgetScript: string | null;
  /** Milliseconds spent loading (tokenizer, checksums, parsing). */
  loadMs: number;
}

const bytes = (b: ArrayBuffer | Uint8Array): Uint8Array => (b instanceof Uint8Array ? b : new Uint8Array(b));

/** Parses and verifies the bundled index; independent of the request's env, so done once per isolate. */
export async function loadBundle(b: WorkerBundle): Promise<LoadedBundle> {
  const t0 = Date.now();
  const dataFile = (name: string): string => {
    const text = b.dataFiles[name];
    if (text === undefined) throw new AppError('index_mismatch', `src/core/data/${name} is not in the Worker bundle: rebuild the Worker`, 503);
    return text;
  };
  const tokenizer = await jiebaWasmTokenizer(b.jieba, dataFile('user-dict.txt'), dataFile('stopwords.txt'));
  let manifest: IndexManifest;
  try {
    manifest = JSON.parse(new TextDecoder().decode(bytes(b.manifest))) as IndexManifest;
  } catch {
    throw new AppError('index_mismatch', 'the bundled index/manifest.json is not valid JSON: rebuild the Worker', 503);
  }
  const parts = await parseIndexFiles(manifest, (name) => (b.files[name] ? bytes(b.files[name]) : undefined), tokenizer.id);
  if (!manifest.embedder.id.startsWith('lsa-') || manifest.embedder.id !== parts.lsa.id) {
    throw new AppError('index_mismatch', `the bundled index was built with embedder ${manifest.embedder.id}; the Worker needs the built-in LSA vectors (rebuild it without EMBEDDINGS_*)`, 503);
  }
  const prompts = b.prompts && Object.keys(PROMPT_FILES).every((k) => b.prompts![k as PromptName]) ? createPromptSet(b.prompts as Record<PromptName, string>) : null;
  return { manifest, parts, tokenizer, dataFile, prompts, widgetScript: b.widgetScript, loadMs: Date.now() - t0 };
}

export interface WorkerRuntime {
  app: Hono;
  engine: Engine;
  settings: WorkerSettings;
  /** The dense side in vectorize mode (for diagnostics and tests). */
  dense: VectorizeDense | null;
}

export interface WorkerRuntimeOptions {
  log?: (msg: string) => void;
}

/** Builds the engine and the app for one env (vars + bindings). Cheap: the bundle is loaded already. */
export function createWorkerRuntime(loaded: LoadedBundle, env: WorkerEnv, opts: WorkerRuntimeOptions = {}): WorkerRuntime {
  const settings = readWorkerSettings(env);
  const { parts, tokenizer, manifest } = loaded;
  const lsaEmbeddings = new LsaEmbeddings(parts.lsa, tokenizer);
  const flat = new FlatVectorSearch(parts.vectors, manifest.embedder.dims);
  let vectors: VectorSearch = flat;
  let dense: VectorizeDense | null = null;
  if (settings.VECTOR_BACKEND === 'vectorize') {
    const useLsa = settings.EMBEDDING_MODEL === 'lsa';
    dense = new VectorizeDense({
      index: env.VECTORIZE!,
      namespace: vectorNamespace(manifest.data, settings.EMBEDDING_MODEL),
      corpus: parts.corpus,
      remote: useLsa ? null : new WorkersAiEmbeddings(env.AI!, settings.EMBEDDING_MODEL),
      local: { embeddings: lsaEmbeddings, search: flat },
      log: opts.log,
    });
    vectors = dense;
  }
  const engine = assembleEngine(parts, { tokenizer, vectors, queryEmbedder: dense ? dense.embeddings : lsaEmbeddings, dataFile: loaded.dataFile });
  const deps: AppDeps = {
    engine: () => engine,
    config: appConfigFromSettings(settings),
    widgetScript: loaded.widgetScript === null ? undefined : async () => loaded.widgetScript!,
    clientId: (c) => c.req.header('cf-connecting-ip') ?? c.req.header('x-forwarded-for') ?? 'anonymous',
    ...(env.RATE_LIMITER ? { rateLimit: bindingRateLimit(env.RATE_LIMITER) } : {}),
    ...(settings.ANSWER_MODE === 'llm' ? { answerer: lazyLlmAnswerer(env, settings, loaded.prompts, opts.log) } : {}),
  };
  return { app: createApp(deps), engine, settings, dense };
}

/**
 * The LLM answerer, loaded on first use: LangChain's chat-model code stays out of startup (and
 * memory) for Workers that answer extractively. Configuration is checked now, not on first use.
 */
function lazyLlmAnswerer(env: WorkerEnv, settings: WorkerSettings, prompts: PromptSet | null, log?: (msg: string) => void): Answerer {
  if (!prompts) throw new AppError('misconfigured', 'configuration: ANSWER_MODE=llm but the Worker bundle has no prompts (rebuild it)', 503);
  let loading: Promise<Answerer> | undefined;
  const answerer = () => (loading ??= import('./llm').then((m) => m.workersAiAnswerer(env, settings, prompts, log)));
  return {
    id: `llm:${settings.CHAT_MODEL}`,
    ask: async (engine, req, stream, signal) => (await answerer()).ask(engine, req, stream, signal),
  };
}

/** The rate-limit binding's period is set in wrangler.toml (60 s here); it reports only ok / not ok. */
export function bindingRateLimit(binding: RateLimitBinding, periodSeconds = 60): (client: string) => Promise<number> {
  return async (client) => {
    try {
      const { success } = await binding.limit({ key: client });
      return success ? 0 : periodSeconds;
    } catch {
      return 0; // the limiter being down must not take the service down
    }
  };
}
