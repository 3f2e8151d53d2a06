/**
 * `npm start`: serves the app on PORT (default 8787) with the offline defaults: no keys,
 * no network. Rebuilds the index first when it is missing or stale, and says so.
 */
import { serve } from '@hono/node-server';
import { appConfigFrom, readEnv } from './config';
import { answererFromEnv } from './llm-config';
import { createNodeRuntime } from './runtime';
import { readDocsEnv } from './docs/config';
import { watchIndex } from './docs/watch';

async function main(): Promise<void> {
  const env = readEnv();
  const log = (msg: string) => console.log(`[policy-qa] ${msg}`);
  // LLM_* variables choose the answerer (llm-config.ts); without them, extractive answers.
  const answers = answererFromEnv(process.env, { log: (msg) => log(`llm: ${msg}`) });
  const runtime = await createNodeRuntime({
    answerer: answers.answerer,
    indexDir: env.INDEX_DIR,
    seedsDir: env.SEEDS_DIR,
    config: appConfigFrom(env),
    vectorStore: env.VECTOR_STORE,
    trustProxy: env.TRUST_PROXY,
    log,
  });
  const m = runtime.manifest();
  const server = serve({ fetch: runtime.app.fetch, port: env.PORT, hostname: env.HOST }, (info) => {
    log(`${m.counts.documents} documents, ${m.counts.chunks} chunks, embedder ${m.embedder.id}`);
    log(`answers: ${answers.description}`);
    log(`listening on http://localhost:${info.port}`);
  });
  // Documents added by `npm run docs` in another process are served within INDEX_WATCH_MS.
  const unwatch = watchIndex(runtime, readDocsEnv().watchMs, log);
  if (env.ADMIN_TOKEN) log('admin API on: POST/DELETE /api/admin/documents (bearer ADMIN_TOKEN)');
  const stop = () => {
    unwatch();
    server.close(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err) => {
  console.error(`[policy-qa] ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
