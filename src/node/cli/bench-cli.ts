/**
 * `npm run bench`: speed, memory and ranking quality on this machine, in one run so that ratios
 * compare fairly on a shared, noisy machine. Not a test: it reports, it does not assert.
 *   --quick   skip the 60-second soak        --seconds N   autocannon duration (default 10)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { answerExtractive } from '../../core/answer/extractive';
import { verifyClaim } from '../../core/verify';
import { percentile, type EvalClaim, type EvalQuestion } from '../evaluate';
import { nodeTokenizer } from '../jieba';
import { loadSeedSources, rebuildIndex } from '../index-store';
import { retrievalComparison } from '../retrieval-metrics';
import { createNodeRuntime } from '../runtime';

const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, seconds: { type: 'string', default: '10' } } });
const readJsonl = <T>(f: string) => readFileSync(f, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as T);
const evalDir = 'test/eval';
const questions = readdirSync(evalDir).filter((f) => f.endsWith('questions.jsonl')).flatMap((f) => readJsonl<EvalQuestion>(join(evalDir, f)));
const claims = readdirSync(evalDir).filter((f) => f.endsWith('claims.jsonl')).flatMap((f) => readJsonl<EvalClaim>(join(evalDir, f)));
const mb = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MB`;
const ms = (x: number) => `${x.toFixed(2)} ms`;
const section = (t: string) => console.log(`\n== ${t}`);

// 1. Index build: three builds of the seeds into a temp dir; peak RSS of this process.
section('index build (seeds)');
const tok = nodeTokenizer();
const sources = loadSeedSources('seeds');
const tmp = mkdtempSync(join(tmpdir(), 'pqa-bench-'));
const buildTimes: number[] = [];
for (let i = 0; i < 3; i++) buildTimes.push((await rebuildIndex(join(tmp, `b${i}`), sources, tok)).ms);
rmSync(tmp, { recursive: true, force: true });
console.log(`build: median ${ms(percentile(buildTimes, 50))} (runs: ${buildTimes.map((t) => t.toFixed(0)).join(', ')} ms); peak RSS so far ${mb(process.resourceUsage().maxRSS * 1024)}`);

// 2. Ranking quality.
const runtime = await createNodeRuntime({ rebuild: false });
const engine = runtime.engine();
section(`ranking quality (${questions.filter((q) => q.evidence).length} answerable questions from ${evalDir}/)`);
for (const [name, s] of Object.entries(await retrievalComparison(engine, questions))) console.log(`${name.padEnd(42)} MRR@10 ${s.mrr10.toFixed(3)}  hit@5 ${s.hit5.toFixed(3)}`);

// 3. In-process latency (warm).
section('in-process latency (warm, p50 / p95)');
const timeAll = async (label: string, items: string[], fn: (s: string) => Promise<unknown>, rounds = 5) => {
  for (const s of items) await fn(s); // warm caches
  const t: number[] = [];
  for (let r = 0; r < rounds; r++)
    for (const s of items) {
      const t0 = performance.now();
      await fn(s);
      t.push(performance.now() - t0);
    }
  console.log(`${label.padEnd(10)} p50 ${ms(percentile(t, 50))}  p95 ${ms(percentile(t, 95))}  (${t.length} calls)`);
};
await timeAll('ask', questions.map((q) => q.question), (q) => answerExtractive(engine, q));
await timeAll('search', questions.map((q) => q.question), (q) => engine.search(q, 10));
await timeAll('verify', claims.map((c) => c.claim), (c) => verifyClaim(engine, c));

// 4. Over loopback HTTP: servers in their own process, so the load generator does not share their event loop.
section('HTTP over loopback (server in a child process)');
interface Server {
  base: string;
  child: ChildProcess;
  rss(): number;
}
async function startServer(extraEnv: Record<string, string>, port: number): Promise<Server> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/node/server.ts'], { env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', ...extraEnv }, stdio: ['ignore', 'ignore', 'inherit'] });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) break;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  const rss = () => {
    try {
      return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
    } catch {
      return 0;
    }
  };
  return { base, child, rss };
}
const basePort = 18000 + (process.pid % 1000);
const uncached = await startServer({ ANSWER_CACHE_SIZE: '0' }, basePort);
const post = (base: string, path: string, body: unknown) => fetch(base + path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
const httpTimes = async (base: string, path: string, bodies: unknown[]) => {
  for (const b of bodies) await (await post(base, path, b)).text();
  const t: number[] = [];
  for (let r = 0; r < 3; r++)
    for (const b of bodies) {
      const t0 = performance.now();
      await (await post(base, path, b)).text();
      t.push(performance.now() - t0);
    }
  return t;
};
const askT = await httpTimes(uncached.base, '/api/ask', questions.map((q) => ({ question: q.question })));
const searchT = await httpTimes(uncached.base, '/api/search', questions.map((q) => ({ query: q.question })));
const verifyT = await httpTimes(uncached.base, '/api/verify', claims.map((c) => ({ claim: c.claim })));
console.log(`/api/ask     p50 ${ms(percentile(askT, 50))}  p95 ${ms(percentile(askT, 95))}  (answer cache off)`);
console.log(`/api/search  p50 ${ms(percentile(searchT, 50))}  p95 ${ms(percentile(searchT, 95))}`);
console.log(`/api/verify  p50 ${ms(percentile(verifyT, 50))}  p95 ${ms(percentile(verifyT, 95))}`);

const load = (base: string, connections: number, duration: number) =>
  autocannon({
    url: base,
    connections,
    duration,
    requests: questions.map((q) => ({ method: 'POST', path: '/api/ask', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ question: q.question }) })),
  });
const seconds = Number(values.seconds);
const rOff = await load(uncached.base, 32, seconds);
console.log(`/api/ask at 32 connections, ${seconds} s, answer cache off: ${rOff.requests.average.toFixed(0)} req/s, latency p50 ${rOff.latency.p50} ms p99 ${rOff.latency.p99} ms, errors ${rOff.errors + rOff.non2xx}, server RSS ${mb(uncached.rss())}`);
uncached.child.kill('SIGTERM');
const server = await startServer({}, basePort + 1);
const rOn = await load(server.base, 32, seconds);
console.log(`/api/ask at 32 connections, ${seconds} s, answer cache on (default; the ${questions.length} questions repeat): ${rOn.requests.average.toFixed(0)} req/s, latency p50 ${rOn.latency.p50} ms p99 ${rOn.latency.p99} ms, errors ${rOn.errors + rOn.non2xx}, server RSS ${mb(server.rss())}`);
if (!values.quick) {
  const before = server.rss();
  const samples: number[] = [];
  const sampler = setInterval(() => samples.push(server.rss()), 5000);
  const soak = await load(server.base, 64, 60);
  clearInterval(sampler);
  console.log(`soak: 64 connections, 60 s: ${soak.requests.total} requests, ${soak.requests.average.toFixed(0)} req/s, errors ${soak.errors + soak.non2xx + soak.timeouts}`);
  console.log(`server RSS: before ${mb(before)}, during ${samples.map(mb).join(' → ')}, after ${mb(server.rss())}`);
}
server.child.kill('SIGTERM');

// 5. Bundles.
section('bundles');
const { buildWidget, widgetSizes, WIDGET_GZIP_BUDGET } = await import('../../widget/build');
const w = widgetSizes(await buildWidget());
console.log(`widget.js: ${w.raw} bytes, ${w.gzip} bytes gzipped (budget ${WIDGET_GZIP_BUDGET}) ${w.gzip <= WIDGET_GZIP_BUDGET ? 'OK' : 'OVER BUDGET'}`);
try {
  const workerModule = './bench-worker'; // written with the Worker build; absent → not measured
  const worker = (await import(workerModule)) as { workerBundleReport: () => Promise<{ bytes: number; gzipBytes: number; ok: boolean }> };
  const r = await worker.workerBundleReport();
  console.log(`worker bundle (wrangler deploy --dry-run --env production): ${r.bytes} bytes, ${r.gzipBytes} gzipped ${r.ok ? 'OK' : 'FAILED'}`);
} catch (err) {
  console.log(`worker bundle: not measured (${(err as Error).message.split('\n')[0]})`);
}
console.log(`\npeak RSS of the bench process: ${mb(process.resourceUsage().maxRSS * 1024)}`);
process.exit(0);
