/**
 * The Worker's numbers. `workerBundleReport()` (used by `npm run bench`) runs
 * `wrangler deploy --dry-run --env production` and reports the upload size; run directly
 * (`npm run bench:worker`) this also measures, for the issue's limits:
 *   startup   jieba-wasm instantiation + dictionaries + index parse/verify (Node, same code), and
 *             the first request of a fresh workerd (wall clock: startup included);
 *   memory    JS heap + wasm memory after load (Node), and the workerd process RSS;
 *   CPU/ask   process CPU time per /api/ask over the eval questions (Node, warm isolate and cold
 *             caches), and wall-clock latency per /api/ask against workerd.
 * Not a test: it reports, it does not assert.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const ROOT = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const require = createRequire(import.meta.url);

/** Workers' compressed script size limits: 3 MB on the Free plan, 10 MB on Paid. */
export const WORKER_GZIP_LIMIT_PAID = 10 * 1024 * 1024;
export const WORKER_GZIP_LIMIT_FREE = 3 * 1024 * 1024;

export interface WorkerBundleReport {
  /** Upload size: the script and its modules (source maps excluded), as wrangler reports it. */
  bytes: number;
  gzipBytes: number;
  /** The dry run succeeded and the gzipped upload is within the Workers (Paid) limit. */
  ok: boolean;
  freePlanOk: boolean;
  modules: Array<{ name: string; bytes: number; gzipBytes: number }>;
  /** wrangler's own summary line ("Total Upload: … KiB / gzip: … KiB"). */
  wranglerSummary: string | null;
  error?: string;
}

/** Node for wrangler 4 (≥ 22.12): this one if new enough, else node_modules/.bin/node. */
export function wranglerNode(): string {
  const [major, minor] = process.versions.node.split('.').map(Number);
  return major > 22 || (major === 22 && minor >= 12) ? process.execPath : join(ROOT, 'node_modules/.bin/node');
}

export async function workerBundleReport(opts: { env?: string } = {}): Promise<WorkerBundleReport> {
  const outdir = mkdtempSync(join(tmpdir(), 'policy-qa-worker-dist-'));
  try {
    const wrangler = require.resolve('wrangler/bin/wrangler.js');
    const r = spawnSync(wranglerNode(), [wrangler, 'deploy', '--dry-run', '--env', opts.env ?? 'production', '--outdir', outdir], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false', FORCE_COLOR: '0' },
      timeout: 180_000,
    });
    const output = `${r.stdout ?? ''}\n${r.stderr ?? ''}`;
    const summary = /Total Upload: ([\d.]+) KiB \/ gzip: ([\d.]+) KiB/.exec(output);
    const modules = readdirSync(outdir)
      .filter((f) => !f.endsWith('.map') && f !== 'README.md')
      .map((name) => {
        const data = readFileSync(join(outdir, name));
        return { name, bytes: statSync(join(outdir, name)).size, gzipBytes: gzipSync(data).length };
      })
      .sort((a, b) => b.bytes - a.bytes);
    const bytes = summary ? Math.round(Number(summary[1]) * 1024) : modules.reduce((n, m) => n + m.bytes, 0);
    const gzipBytes = summary ? Math.round(Number(summary[2]) * 1024) : modules.reduce((n, m) => n + m.gzipBytes, 0);
    const ran = r.status === 0 && modules.length > 0;
    return {
      bytes,
      gzipBytes,
      ok: ran && gzipBytes <= WORKER_GZIP_LIMIT_PAID,
      freePlanOk: ran && gzipBytes <= WORKER_GZIP_LIMIT_FREE,
      modules,
      wranglerSummary: summary ? summary[0] : null,
      ...(ran ? {} : { error: output.trim().split('\n').filter((l) => /error|✘/i.test(l)).slice(0, 5).join('\n') || `wrangler exited ${r.status}` }),
    };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// `npm run bench:worker`

const kb = (b: number) => `${(b / 1024).toFixed(0)} KiB`;
const mb = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MB`;
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.max(0, Math.ceil((p / 100) * xs.length) - 1))] ?? 0;

async function questionsOf(): Promise<string[]> {
  const dir = join(ROOT, 'test/eval');
  return readdirSync(dir)
    .filter((f) => f.endsWith('questions.jsonl'))
    .flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n').filter((l) => l.trim()).map((l) => (JSON.parse(l) as { question: string }).question));
}

/**
 * The Worker's code under Node, in a fresh process, loaded the way index.ts loads it in workerd:
 * src/worker is bundled with esbuild (so module evaluation — opencc-js tables included — is timed,
 * not TypeScript transpiling), jieba-wasm's web build is instantiated with initSync, and the files
 * of build/worker/ are handed to loadBundle.
 */
async function benchInNode(questions: string[]): Promise<void> {
  const { buildWorkerAssets, WORKER_BUILD_DIR } = await import('../../worker/build');
  await buildWorkerAssets({ log: () => {} });
  const { build } = await import('esbuild');
  // Inside the repository (tmp/ is ignored) so that the probe can import opencc-js on its own.
  mkdirSync(join(ROOT, 'tmp'), { recursive: true });
  const dir = mkdtempSync(join(ROOT, 'tmp', 'worker-probe-'));
  try {
    await build({
      stdin: {
        contents: "export { initSync, cut_for_search, add_word } from 'jieba-wasm/web';\nexport { prepareJieba } from './jieba-wasm';\nexport { loadBundle, createWorkerRuntime } from './runtime';\n",
        resolveDir: join(ROOT, 'src/worker'),
        loader: 'ts',
      },
      bundle: true,
      format: 'esm',
      platform: 'neutral',
      mainFields: ['module', 'main'],
      conditions: ['worker', 'browser', 'import'],
      external: ['node:*'], // nodejs_compat provides them in workerd (langsmith, via LangChain's chat models)
      outfile: join(dir, 'worker-code.mjs'),
      logLevel: 'silent',
    });
    writeFileSync(join(dir, 'questions.json'), JSON.stringify(questions));
    writeFileSync(join(dir, 'probe.mjs'), PROBE);
    const r = spawnSync(process.execPath, ['--expose-gc', join(dir, 'probe.mjs'), WORKER_BUILD_DIR, dir], { encoding: 'utf8', timeout: 300_000 });
    if (r.status !== 0) throw new Error(r.stderr || `probe exited ${r.status}`);
    const m = JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, number>;
    console.log(`startup (Node, bundled Worker code, fresh process): ${m.total.toFixed(0)} ms — module evaluation ${m.modules.toFixed(0)} ms (opencc-js tables ${m.opencc.toFixed(0)} ms), jieba-wasm instantiate ${m.instantiate.toFixed(0)} ms, user + main dictionary ${m.dictionary.toFixed(0)} ms, index checksums + parse + engine ${m.index.toFixed(0)} ms (wasm compile ${m.compile.toFixed(0)} ms, done at upload on Cloudflare); CPU ${m.cpu.toFixed(0)} ms`);
    console.log(`memory after load (Node): JS heap ${mb(m.heap)}, jieba-wasm linear memory ${mb(m.wasm)}, other buffers ${mb(m.buffers)} → about ${mb(m.heap + m.wasm + m.buffers)} of the 128 MB isolate limit; after the asks ${mb(m.heapAfter + m.wasm + m.buffers)}`);
    console.log(`CPU per /api/ask (Node, Worker code, ${questions.length} questions): first pass p50 ${m.coldP50.toFixed(2)} ms p95 ${m.coldP95.toFixed(2)} ms; warm isolate p50 ${m.warmP50.toFixed(2)} ms p95 ${m.warmP95.toFixed(2)} ms (${m.warmN} asks; the free plan allows 10 ms)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The probe: plain Node, no TypeScript loader; prints one JSON line. */
const PROBE = `
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
const [buildDir, dir] = process.argv.slice(2);
const bin = (n) => new Uint8Array(readFileSync(join(buildDir, n)));
const wasmBytes = bin('jieba_rs_wasm_bg.wasm');
const files = { 'corpus.json': bin('index/corpus.json.bin'), 'bm25.json': bin('index/bm25.json.bin'), 'lsa.json': bin('index/lsa.json.bin'), 'vectors.f32': bin('index/vectors.f32.bin') };
const manifest = bin('index/manifest.json.bin');
const dataText = new TextDecoder().decode(bin('core-data.json.bin'));
const widget = readFileSync(join(buildDir, 'widget.js.txt'), 'utf8');
const questions = JSON.parse(readFileSync(join(dir, 'questions.json'), 'utf8'));
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.max(0, Math.ceil((p / 100) * xs.length) - 1))] ?? 0;
const cpuMs = (u) => (u.user + u.system) / 1000;
let opencc = 0;
{ const oc = await import('opencc-js'); const t = performance.now(); oc.Converter({ from: 'tw', to: 'cn' }); oc.Converter({ from: 'cn', to: 'tw' }); opencc = performance.now() - t; }
globalThis.gc(); const mem0 = process.memoryUsage();
const c0 = process.cpuUsage();
const t0 = performance.now();
const m = await import(join(dir, 'worker-code.mjs'));
const t1 = performance.now();
const mod = new WebAssembly.Module(wasmBytes);
const t2 = performance.now();
const wasm = m.initSync({ module: mod });
const t3 = performance.now();
const dataFiles = JSON.parse(dataText);
const jieba = { cut_for_search: m.cut_for_search, add_word: m.add_word };
m.prepareJieba(jieba, dataFiles['user-dict.txt']);
const t4 = performance.now();
const loaded = await m.loadBundle({ manifest, files, dataFiles, widgetScript: widget, jieba });
const rt = m.createWorkerRuntime(loaded, {});
const t5 = performance.now();
const cpu = cpuMs(process.cpuUsage(c0));
globalThis.gc(); const mem1 = process.memoryUsage();
const ask = async (question) => (await rt.app.request('/api/ask', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ question }) })).text();
const cold = [];
for (const q of questions) { const c = process.cpuUsage(); await ask(q); cold.push(cpuMs(process.cpuUsage(c))); }
const warm = [];
for (let r = 0; r < 5; r++) for (const q of questions) { const c = process.cpuUsage(); await ask(q); warm.push(cpuMs(process.cpuUsage(c))); }
globalThis.gc(); const mem2 = process.memoryUsage();
const wasmBytesNow = wasm.memory.buffer.byteLength;
console.log(JSON.stringify({
  modules: t1 - t0, opencc, compile: t2 - t1, instantiate: t3 - t2, dictionary: t4 - t3, index: t5 - t4, total: (t1 - t0) + (t5 - t3), cpu,
  heap: mem1.heapUsed - mem0.heapUsed, heapAfter: mem2.heapUsed - mem0.heapUsed, wasm: wasmBytesNow, buffers: Math.max(0, mem1.arrayBuffers - mem0.arrayBuffers - wasmBytesNow),
  coldP50: pct(cold, 50), coldP95: pct(cold, 95), warmP50: pct(warm, 50), warmP95: pct(warm, 95), warmN: warm.length,
}));
`;

/** A fresh workerd via wrangler (as `wrangler dev`): first-request time, latency per ask, RSS. */
async function benchInWorkerd(questions: string[]): Promise<void> {
  process.env.CLOUDFLARE_CF_FETCH_ENABLED = 'false';
  const { unstable_startWorker } = await import('wrangler');
  const before = new Set(workerdPids());
  // build/worker/ is fresh (benchInNode built it): skip the [build] step so the first request times startup only.
  const worker = await unstable_startWorker({ config: join(ROOT, 'wrangler.toml'), build: { custom: { command: 'true' } }, dev: { server: { hostname: '127.0.0.1', port: 0 }, inspector: false, logLevel: 'warn', watch: false, persist: false, remote: false } });
  try {
    await worker.ready;
    const post = (question: string) => worker.fetch('http://127.0.0.1/api/ask', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ question }) });
    const t0 = performance.now();
    await (await worker.fetch('http://127.0.0.1/healthz')).text();
    const first = performance.now() - t0;
    const t1 = performance.now();
    await (await worker.fetch('http://127.0.0.1/healthz')).text();
    const second = performance.now() - t1;
    const lat: number[] = [];
    for (const q of questions) await (await post(q)).text();
    for (let round = 0; round < 3; round++)
      for (const q of questions) {
        const t = performance.now();
        await (await post(q)).text();
        lat.push(performance.now() - t);
      }
    const rss = workerdPids().filter((p) => !before.has(p)).reduce((n, p) => n + rssOf(p), 0);
    console.log(`workerd: first request ${first.toFixed(0)} ms (script startup + index load; a warm request takes ${second.toFixed(0)} ms); /api/ask wall clock p50 ${pct(lat, 50).toFixed(1)} ms p95 ${pct(lat, 95).toFixed(1)} ms (includes the local HTTP hop); workerd RSS ${rss ? mb(rss) : 'n/a'} (whole process, runtime included)`);
  } finally {
    await worker.dispose();
  }
}

function workerdPids(): number[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('workerd');
      } catch {
        return false;
      }
    })
    .map(Number);
}

function rssOf(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

async function main(): Promise<void> {
  const questions = await questionsOf();
  console.log('== Cloudflare Worker');
  await benchInNode(questions);
  try {
    await benchInWorkerd(questions);
  } catch (err) {
    console.log(`workerd: not measured (${(err as Error).message.split('\n')[0]})`);
  }
  const r = await workerBundleReport();
  console.log(`bundle (wrangler deploy --dry-run --env production): ${r.bytes} bytes, ${r.gzipBytes} gzipped — ${r.ok ? 'OK' : 'FAILED'} for the Paid plan's 10 MB, ${r.freePlanOk ? 'fits' : 'over'} the Free plan's 3 MB${r.error ? `\n${r.error}` : ''}`);
  for (const m of r.modules) console.log(`  ${m.name.replace(/^[0-9a-f]{40}-/, '').padEnd(28)} ${kb(m.bytes).padStart(9)}  gzip ${kb(m.gzipBytes).padStart(8)}`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().then(
    () => process.exit(0),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
