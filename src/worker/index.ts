/**
 * The Cloudflare Workers entry (wrangler.toml `main`). Everything it serves is bundled:
 * the index files (Data modules, not publicly served), the jieba-wasm module, src/core/data's word
 * lists and the widget, all prepared by src/worker/build.ts (wrangler runs it before bundling).
 *
 * At startup (global scope) jieba-wasm is instantiated and its dictionaries loaded; the index is
 * parsed and verified once per isolate; each env (vars + bindings) gets its app on first use.
 */
import { add_word, cut_for_search, initSync } from 'jieba-wasm/web';
import jiebaModule from '../../build/worker/jieba_rs_wasm_bg.wasm';
import manifest from '../../build/worker/index/manifest.json.bin';
import corpus from '../../build/worker/index/corpus.json.bin';
import bm25 from '../../build/worker/index/bm25.json.bin';
import lsa from '../../build/worker/index/lsa.json.bin';
import vectors from '../../build/worker/index/vectors.f32.bin';
import coreData from '../../build/worker/core-data.json.bin';
import promptsData from '../../build/worker/prompts.json.bin';
import widgetScript from '../../build/worker/widget.js.txt';
import { AppError } from '../core/errors';
import { FILES } from '../core/index-format';
import type { WorkerEnv } from './bindings';
import { prepareJieba } from './jieba-wasm';
import { createWorkerRuntime, loadBundle, type LoadedBundle, type WorkerRuntime } from './runtime';

const dataFiles = JSON.parse(new TextDecoder().decode(coreData)) as Record<string, string>;
initSync({ module: jiebaModule });
const jieba = { cut_for_search, add_word };
prepareJieba(jieba, dataFiles['user-dict.txt'] ?? '');

const loading: Promise<LoadedBundle> = loadBundle({
  manifest,
  files: { [FILES.corpus]: corpus, [FILES.bm25]: bm25, [FILES.lsa]: lsa, [FILES.vectors]: vectors },
  dataFiles,
  prompts: JSON.parse(new TextDecoder().decode(promptsData)) as Record<string, string>,
  widgetScript,
  jieba,
});
loading.catch(() => {}); // reported by every request instead

const runtimes = new WeakMap<object, WorkerRuntime>();

async function runtimeFor(env: WorkerEnv): Promise<WorkerRuntime> {
  let rt = runtimes.get(env);
  if (!rt) {
    rt = createWorkerRuntime(await loading, env);
    runtimes.set(env, rt);
  }
  return rt;
}

export default {
  async fetch(request: Request, env: WorkerEnv, ctx: unknown): Promise<Response> {
    let rt: WorkerRuntime;
    try {
      rt = await runtimeFor(env);
    } catch (err) {
      const e = err instanceof AppError ? err : new AppError('misconfigured', (err as Error).message, 503);
      console.error(`[policy-qa] ${e.message}`);
      return Response.json({ error: { code: e.code, message: e.message } }, { status: e.status });
    }
    return rt.app.fetch(request, env, ctx as never);
  },
};
