/**
 * `npm run deploy:vectors`: fills the production Vectorize index with the vectors of the index the
 * Worker bundles (scale mode, VECTOR_BACKEND=vectorize).
 *
 *   1. runs the Worker build step (src/worker/build.ts), so the vectors belong to exactly the index
 *      that `npm run deploy` bundles, and reads that index;
 *   2. embeds every chunk with the Worker's query embedder: Workers AI (EMBEDDING_MODEL of
 *      [env.production], default @cf/baai/bge-m3) through Cloudflare's REST API — the same model
 *      the Worker calls through its AI binding — or, with `--embedder lsa`, takes the bundled LSA
 *      vectors as they are (offline);
 *   3. writes build/vectors/<namespace>.ndjson: one { id, values, namespace, metadata } per chunk,
 *      in the namespace the Worker queries (`<index build>.<embedder>`, see src/worker/vectorize.ts);
 *   4. uploads it: `wrangler vectorize insert <index_name> --file <ndjson>`.
 *
 * `--dry-run` does 1–3 and prints the command instead of running it (the upload needs the network).
 * Embedding with Workers AI needs CLOUDFLARE_ACCOUNT_ID and CLOUDFLARE_API_TOKEN (Workers AI read).
 *
 *   npm run deploy:vectors -- [--dry-run] [--embedder lsa|<model>] [--index-name policy-qa] [--env production]
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { FILES, parseIndexFiles, type IndexManifest } from '../../core/index-format';
import { buildWorkerAssets, ROOT, WORKER_BUILD_DIR } from '../../worker/build';
import { DEFAULT_EMBEDDING_MODEL } from '../../worker/config';
import { rows, toNdjson, vectorNamespace, vectorRecords } from '../../worker/vectorize';
import { embeddingsFromAiOutput } from '../../worker/workers-ai';

export type EmbedTexts = (texts: string[]) => Promise<number[][]>;

/**
 * Workers AI over Cloudflare's REST API (`POST /accounts/{id}/ai/run/{model}` with `{ text }`),
 * in batches. `fetchFn` is injectable so the tests drive it with a fake.
 */
export function restEmbedder(opts: { accountId: string; apiToken: string; model: string; batchSize?: number; fetchFn?: typeof fetch }): EmbedTexts {
  const fetchFn = opts.fetchFn ?? fetch;
  const url = `https://api.cloudflare.com/client/v4/accounts/${encodeURIComponent(opts.accountId)}/ai/run/${opts.model}`;
  const batchSize = opts.batchSize ?? 50;
  return async (texts) => {
    const out: number[][] = [];
    for (let i = 0; i < texts.length; i += batchSize) {
      const batch = texts.slice(i, i + batchSize);
      const res = await fetchFn(url, { method: 'POST', headers: { Authorization: `Bearer ${opts.apiToken}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ text: batch }) });
      const body = (await res.json().catch(() => null)) as { success?: boolean; result?: unknown; errors?: Array<{ message?: string }> } | null;
      if (!res.ok || !body?.success) throw new Error(`Workers AI ${opts.model}: HTTP ${res.status} ${body?.errors?.map((e) => e.message).join('; ') ?? ''}`.trim());
      out.push(...embeddingsFromAiOutput(body.result, batch.length));
    }
    return out;
  };
}

export interface VectorUpload {
  namespace: string;
  file: string;
  count: number;
  dims: number;
  manifest: IndexManifest;
}

/** Steps 2–3: the NDJSON for the index in `buildDir` (written by the Worker build). */
export async function prepareVectorUpload(opts: { embedder: string; embed?: EmbedTexts; buildDir?: string; outDir?: string }): Promise<VectorUpload> {
  const buildDir = opts.buildDir ?? WORKER_BUILD_DIR;
  const read = (name: string) => new Uint8Array(readFileSync(join(buildDir, 'index', `${name}.bin`)));
  const manifest = JSON.parse(new TextDecoder().decode(read('manifest.json'))) as IndexManifest;
  const files = Object.fromEntries(Object.values(FILES).map((n) => [n, read(n)]));
  const parts = await parseIndexFiles(manifest, (n) => files[n], manifest.tokenizer);
  const namespace = vectorNamespace(manifest.data, opts.embedder);
  let vectors: ArrayLike<number>[];
  if (opts.embedder === 'lsa') {
    vectors = rows(parts.vectors, manifest.embedder.dims);
  } else {
    if (!opts.embed) throw new Error(`embedding with ${opts.embedder} needs an embedder`);
    const texts = Array.from({ length: parts.corpus.chunkCount }, (_, i) => parts.corpus.chunkText(i));
    vectors = await opts.embed(texts);
  }
  const records = vectorRecords(parts.corpus, vectors, namespace);
  const dims = records[0]?.values.length ?? 0;
  if (records.some((r) => r.values.length !== dims)) throw new Error('vectors of different lengths');
  const outDir = opts.outDir ?? join(ROOT, 'build/vectors');
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, `${namespace}.ndjson`);
  writeFileSync(file, toNdjson(records));
  return { namespace, file, count: records.length, dims, manifest };
}

/** The production Vectorize index name and embedding model, from wrangler.toml. */
export async function productionTarget(env = 'production'): Promise<{ indexName: string; embedder: string }> {
  const { unstable_readConfig } = await import('wrangler');
  const config = unstable_readConfig({ config: join(ROOT, 'wrangler.toml'), env }, { hideWarnings: true } as never);
  const indexName = config.vectorize?.[0]?.index_name;
  if (!indexName) throw new Error(`wrangler.toml [env.${env}] declares no vectorize index`);
  const embedder = String((config.vars as Record<string, unknown>)?.EMBEDDING_MODEL ?? DEFAULT_EMBEDDING_MODEL);
  return { indexName, embedder };
}

export function insertCommand(indexName: string, file: string, env: string): string[] {
  return ['wrangler', 'vectorize', 'insert', indexName, `--file=${relative(ROOT, file)}`, ...(env ? [`--env=${env}`] : [])];
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'dry-run': { type: 'boolean', default: false },
      embedder: { type: 'string' },
      'index-name': { type: 'string' },
      env: { type: 'string', default: 'production' },
    },
  });
  const target = await productionTarget(values.env!);
  const indexName = values['index-name'] ?? target.indexName;
  const embedder = values.embedder ?? target.embedder;
  await buildWorkerAssets({ log: (m) => console.log(`[deploy:vectors] ${m}`) });
  let embed: EmbedTexts | undefined;
  if (embedder !== 'lsa') {
    const accountId = process.env.CLOUDFLARE_ACCOUNT_ID;
    const apiToken = process.env.CLOUDFLARE_API_TOKEN;
    if (!accountId || !apiToken) {
      throw new Error(`embedding the chunks with Workers AI (${embedder}) needs CLOUDFLARE_ACCOUNT_ID and CLOUDFLARE_API_TOKEN; --embedder lsa uploads the bundled LSA vectors offline`);
    }
    embed = restEmbedder({ accountId, apiToken, model: embedder });
  }
  const up = await prepareVectorUpload({ embedder, embed });
  const cmd = insertCommand(indexName, up.file, values.env!);
  console.log(`[deploy:vectors] ${up.count} vectors × ${up.dims} dims of index ${up.manifest.data} (embedder ${embedder}) in namespace ${up.namespace}`);
  console.log(`[deploy:vectors] wrote ${relative(ROOT, up.file)}`);
  console.log(`[deploy:vectors] the Vectorize index must exist with ${up.dims} dimensions: npx wrangler vectorize create ${indexName} --dimensions=${up.dims} --metric=cosine`);
  if (embedder !== target.embedder) console.log(`[deploy:vectors] note: the Worker embeds queries with EMBEDDING_MODEL=${target.embedder}; set it to ${embedder} in [env.${values.env}.vars] to query these vectors`);
  if (values['dry-run']) {
    console.log(`[deploy:vectors] --dry-run: would run: npx ${cmd.join(' ')}`);
    return;
  }
  const r = spawnSync('npx', ['--no-install', ...cmd], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`wrangler vectorize insert failed (exit ${r.status})`);
  console.log(`[deploy:vectors] uploaded ${up.count} vectors to ${indexName} (${up.namespace})`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err) => {
    console.error(`[deploy:vectors] ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
