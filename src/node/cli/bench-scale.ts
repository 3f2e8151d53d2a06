/**
 * `npm run bench:scale`: the index at 10k and 100k chunks of a synthetic corpus generated
 * deterministically from the seeds (src/node/scale/synth.ts), with planted question/answer pairs
 * so that retrieval quality is measured, not only speed. Per size: full build time and peak RSS,
 * index size on disk, serving RSS, search and ask p50/p95, planted hit@5 and answer accuracy,
 * and the time to add one document incrementally and serve it.
 *
 * Each measurement runs in a child process, so one size's garbage never inflates another's RSS.
 *   npm run bench:scale -- --sizes 10000,100000 --planted 200 --dir tmp/bench-scale
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { extractiveAnswerer } from '../../core/answer/extractive';
import { nodeTokenizer } from '../jieba';
import { loadEngine, loadSeedSources, readManifest, rebuildIndex } from '../index-store';
import { percentile } from '../evaluate';
import { synthesizeCorpus } from '../scale/synth';
import { updateIndex } from '../docs/incremental';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10000,100000' },
    planted: { type: 'string', default: '200' },
    dir: { type: 'string', default: 'tmp/bench-scale' },
    seeds: { type: 'string', default: process.env.SEEDS_DIR ?? 'seeds' },
    keep: { type: 'boolean', default: false },
    child: { type: 'string' },
    size: { type: 'string' },
  },
});

const FLOORS = { buildMs: 5 * 60_000, searchP95: 30, rssMB: 2048, hit5: 0.9 };
const planted = Number(values.planted);
const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);
const peakRssMB = () => Math.round(process.resourceUsage().maxRSS / 1024);

function corpusFor(size: number) {
  return synthesizeCorpus(loadSeedSources(values.seeds!), { targetChunks: size, planted });
}

/** Child: full build of the synthetic corpus. */
async function childBuild(size: number, dir: string): Promise<unknown> {
  const t0 = performance.now();
  const synth = corpusFor(size);
  const genMs = performance.now() - t0;
  rmSync(dir, { recursive: true, force: true });
  const r = await rebuildIndex(dir, synth.sources, nodeTokenizer());
  return { genMs, buildMs: r.ms, docs: synth.sources.length, chunks: r.manifest.counts.chunks, chars: synth.chars, peakRssMB: peakRssMB(), embedder: r.manifest.embedder.id };
}

/** Child: load the index, time search and ask over the planted questions, then add one document. */
async function childServe(size: number, dir: string): Promise<unknown> {
  const synth = corpusFor(size);
  const tok = nodeTokenizer();
  const t0 = performance.now();
  const { engine } = await loadEngine(dir, tok);
  const loadMs = performance.now() - t0;
  const questions = synth.planted;
  const search: number[] = [];
  const ask: number[] = [];
  let hits = 0;
  let correct = 0;
  const covers = (p: { docId: string; start: number; end: number }, q: (typeof questions)[number]) => p.docId === q.docId && p.start <= q.start && p.end >= q.end;
  for (const q of questions.slice(0, 10)) await engine.search(q.question, 10); // warm-up
  for (const q of questions) {
    let t = performance.now();
    const results = await engine.search(q.question, 10);
    search.push(performance.now() - t);
    if (results.slice(0, 5).some((p) => covers(p, q))) hits++;
    t = performance.now();
    const res = await extractiveAnswerer.ask(engine, { question: q.question, topK: 5, history: [] });
    ask.push(performance.now() - t);
    if (!res.abstained && res.answer.includes(q.answer) && res.citations.some((c) => c.docId === q.docId)) correct++;
  }
  const rssMB = mb(process.memoryUsage().rss);
  // "Add a document and ask about it a minute later": one incremental add at this scale.
  const text = `新增文件\n　　2024年，嘉兴市质量强市领导小组办公室统筹推进“浙江制造”精品培育工程，全年累计认定精品培育企业417家。\n`;
  const addT0 = performance.now();
  const report = await updateIndex(dir, tok, { add: [{ docId: 'bench-added-000000000000', text, title: '嘉兴市精品培育工程通报', city: '嘉兴', format: 'txt', origin: 'library' }] });
  const addMs = performance.now() - addT0;
  const swapT0 = performance.now();
  const next = (await loadEngine(dir, tok)).engine;
  const reloadMs = performance.now() - swapT0;
  const check = await extractiveAnswerer.ask(next, { question: '嘉兴市2024年认定了多少家精品培育企业？', topK: 5, history: [] });
  return {
    loadMs,
    rssMB,
    peakRssMB: peakRssMB(),
    search: { p50: percentile(search, 50), p95: percentile(search, 95) },
    ask: { p50: percentile(ask, 50), p95: percentile(ask, 95) },
    hit5: hits / questions.length,
    answerAccuracy: correct / questions.length,
    questions: questions.length,
    add: { ms: addMs, reloadMs, refit: report.refit, refitReason: report.refitReason, stages: report.stages, answered: !check.abstained && check.answer.includes('417家') },
  };
}

function runChild(kind: string, size: number, dir: string): Promise<any> {
  return new Promise((resolve, reject) => {
    const args = [...process.execArgv, fileURLToPath(import.meta.url), '--child', kind, '--size', String(size), '--dir', dir, '--planted', String(planted), '--seeds', values.seeds!];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0) return reject(new Error(`${kind} ${size} exited with ${code}: ${out.slice(-500)}`));
      try {
        resolve(JSON.parse(line));
      } catch {
        reject(new Error(`${kind} ${size}: no result (${out.slice(-500)})`));
      }
    });
  });
}

function dirBytes(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) total += e.isDirectory() ? dirBytes(join(dir, e.name)) : statSync(join(dir, e.name)).size;
  return total;
}

async function main(): Promise<void> {
  if (values.child) {
    const size = Number(values.size);
    const result = values.child === 'build' ? await childBuild(size, values.dir!) : await childServe(size, values.dir!);
    console.log(JSON.stringify(result));
    return;
  }
  const sizes = values.sizes!.split(',').map(Number);
  mkdirSync(values.dir!, { recursive: true });
  console.log(`bench:scale on ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${mb(totalmem())} MB RAM, load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  const rows: any[] = [];
  for (const size of sizes) {
    const dir = join(values.dir!, `c${size}`);
    console.log(`\n== ${size} chunks: building…`);
    const build = await runChild('build', size, dir);
    const m = readManifest(dir)!;
    const indexBytes = dirBytes(join(dir, m.data));
    const files = Object.fromEntries(Object.keys(m.files).map((f) => [f, mb(statSync(join(dir, m.data, f)).size)]));
    console.log(`built ${build.chunks} chunks (${build.docs} documents, ${(build.chars / 1e6).toFixed(1)}M chars) in ${(build.buildMs / 1000).toFixed(1)} s, peak RSS ${build.peakRssMB} MB, index ${mb(indexBytes)} MB ${JSON.stringify(files)}`);
    console.log(`== ${size} chunks: serving…`);
    const serve = await runChild('serve', size, dir);
    console.log(`load ${(serve.loadMs / 1000).toFixed(1)} s, RSS ${serve.rssMB} MB; search p50 ${serve.search.p50.toFixed(1)} / p95 ${serve.search.p95.toFixed(1)} ms; ask p50 ${serve.ask.p50.toFixed(1)} / p95 ${serve.ask.p95.toFixed(1)} ms; hit@5 ${serve.hit5.toFixed(3)}, answers ${serve.answerAccuracy.toFixed(3)} (${serve.questions} planted)`);
    console.log(`add one document: ${(serve.add.ms / 1000).toFixed(1)} s (+ ${(serve.add.reloadMs / 1000).toFixed(1)} s to load the new engine), refit: ${serve.add.refit} (${serve.add.refitReason}), answered: ${serve.add.answered}`);
    rows.push({ size, build, indexMB: mb(indexBytes), files, serve });
    if (!values.keep) rmSync(dir, { recursive: true, force: true });
  }
  writeFileSync(join(values.dir!, 'results.json'), `${JSON.stringify({ at: new Date().toISOString(), loadavg: loadavg(), rows }, null, 2)}\n`);

  const f = (x: number, d = 1) => x.toFixed(d);
  const table = [
    '| chunks | documents | build | peak RSS (build) | index on disk | RSS (serving) | search p50 / p95 | ask p50 / p95 | planted hit@5 | planted answers | add 1 doc (+ reload) |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.build.chunks.toLocaleString('en-US')} | ${r.build.docs.toLocaleString('en-US')} | ${f(r.build.buildMs / 1000)} s | ${r.build.peakRssMB} MB | ${r.indexMB} MB | ${r.serve.rssMB} MB | ${f(r.serve.search.p50)} / ${f(r.serve.search.p95)} ms | ${f(r.serve.ask.p50)} / ${f(r.serve.ask.p95)} ms | ${f(r.serve.hit5, 3)} | ${f(r.serve.answerAccuracy, 3)} | ${f(r.serve.add.ms / 1000)} s (+ ${f(r.serve.add.reloadMs / 1000)} s) |`,
    ),
  ];
  console.log(`\n${table.join('\n')}`);
  if (rows.length >= 2) {
    const [a, b] = [rows[0], rows[rows.length - 1]];
    const x = (p: number, q: number) => `×${(q / p).toFixed(1)}`;
    console.log(`\n${a.size} → ${b.size} chunks (${x(a.build.chunks, b.build.chunks)}): build ${x(a.build.buildMs, b.build.buildMs)}, index ${x(a.indexMB, b.indexMB)}, RSS ${x(a.serve.rssMB, b.serve.rssMB)}, search p95 ${x(a.serve.search.p95, b.serve.search.p95)}, ask p95 ${x(a.serve.ask.p95, b.serve.ask.p95)}`);
  }
  const big = rows.find((r) => r.size >= 100_000);
  if (big) {
    const checks = [
      ['build ≤ 5 min', big.build.buildMs <= FLOORS.buildMs],
      ['search p95 ≤ 30 ms', big.serve.search.p95 <= FLOORS.searchP95],
      ['RSS ≤ 2 GB (serving)', big.serve.rssMB <= FLOORS.rssMB],
      ['planted hit@5 ≥ 0.9', big.serve.hit5 >= FLOORS.hit5],
    ] as const;
    console.log(`\nfloors at ${big.size.toLocaleString('en-US')} chunks: ${checks.map(([n, ok]) => `${n} ${ok ? 'PASS' : 'FAIL'}`).join('; ')}`);
    if (checks.some(([, ok]) => !ok)) process.exitCode = 1;
  }
  if (!values.keep && existsSync(values.dir!)) console.log(`\nresults: ${join(values.dir!, 'results.json')}`);
}

await main();
