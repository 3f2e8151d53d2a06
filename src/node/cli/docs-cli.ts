/**
 * `npm run docs`: add and remove documents without restarting anything.
 *
 *   npm run docs -- add FILE… [--title T] [--city C] [--date D] [--source S] [--replace] [--refit]
 *   npm run docs -- remove DOCID… [--refit]
 *   npm run docs -- list
 *
 * Formats: .txt/.md (UTF-8 ± BOM, GB18030/GBK, Big5 — detected), .html, .docx, .pdf with a text
 * layer. Adding updates the index incrementally and atomically (src/node/docs); a server running
 * on the same index/ picks the change up within INDEX_WATCH_MS. Options: --index, --seeds,
 * --library (default INDEX_DIR, SEEDS_DIR, LIBRARY_DIR or index, seeds, library).
 */
import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import cliProgress, { type SingleBar } from 'cli-progress';
import { AppError } from '../../core/errors';
import { nodeTokenizer } from '../jieba';
import { embedderFromEnv } from '../embeddings';
import { formatIngestReport } from '../ingest-report';
import { readDocsEnv } from '../docs/config';
import { DocumentService, type Checkpoint, type WriteResult } from '../docs/service';

const USAGE = `usage:
  npm run docs -- add FILE… [--title T] [--city C] [--date YYYY-MM-DD] [--source S] [--replace] [--refit]
  npm run docs -- remove DOCID… [--refit]
  npm run docs -- list
options: --index DIR  --seeds DIR  --library DIR`;

const STAGE_NAMES: Record<string, string> = {
  load: 'loading the index',
  chunk: 'chunking',
  tokenize: 'tokenizing',
  refit: 'refitting the dense model',
  embed: 'embedding',
  write: 'writing',
  hnsw: 'vector graph',
};

/** A progress bar per stage on a terminal; stage lines otherwise (logs, CI). */
function progressReporter(): { onProgress: (stage: string, done: number, total: number) => void; stop: () => void } {
  const tty = Boolean(process.stderr.isTTY);
  let bar: SingleBar | null = null;
  let current = '';
  const stop = () => {
    bar?.stop();
    bar = null;
  };
  return {
    stop,
    onProgress(stage, done, total) {
      if (stage !== current) {
        stop();
        current = stage;
        if (tty && total > 1) {
          bar = new cliProgress.SingleBar({ format: `${(STAGE_NAMES[stage] ?? stage).padEnd(26)} [{bar}] {value}/{total}`, stream: process.stderr, hideCursor: true }, cliProgress.Presets.shades_classic);
          bar.start(total, done);
        } else if (!tty) {
          process.stderr.write(`… ${STAGE_NAMES[stage] ?? stage}\n`);
        }
      } else {
        bar?.update(done);
      }
      if (done >= total) stop();
    },
  };
}

/** Test hook for the crash tests: POLICY_QA_PAUSE_AT=staged|built|committed pauses the write there. */
function checkpointFromEnv(): ((point: Checkpoint) => Promise<void>) | undefined {
  const at = process.env.POLICY_QA_PAUSE_AT;
  if (!at) return undefined;
  return async (point) => {
    if (point !== at) return;
    process.stderr.write(`[pause] ${point}\n`);
    await new Promise(() => setInterval(() => {}, 1 << 30));
  };
}

function printWrite(result: WriteResult, only: Set<string>): void {
  const u = result.update;
  if (only.size > 0) console.log(formatIngestReport(u.corpus, only));
  for (const d of result.documents) {
    console.log(`\nadded ${d.docId}  “${d.title}”  (${d.format}, ${d.chars} chars, ${d.chunks} chunks, city ${d.city})${d.replaced.length ? `, replacing ${d.replaced.join(', ')}` : ''}`);
  }
  for (const id of result.removed.filter((id) => !result.documents.some((d) => d.replaced.includes(id)))) console.log(`removed ${id}`);
  console.log(`dense model: ${u.refit ? 'refit' : 'not refit'} — ${u.refitReason}`);
  console.log(`index: ${u.manifest.counts.documents} documents, ${u.manifest.counts.chunks} chunks (${u.newChunks} new) in ${u.manifest.data}; ${(u.ms / 1000).toFixed(2)} s ${JSON.stringify(u.stages)}`);
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      title: { type: 'string' },
      city: { type: 'string' },
      date: { type: 'string' },
      source: { type: 'string' },
      replace: { type: 'boolean', default: false },
      refit: { type: 'boolean', default: false },
      index: { type: 'string', default: process.env.INDEX_DIR ?? 'index' },
      seeds: { type: 'string', default: process.env.SEEDS_DIR ?? 'seeds' },
      library: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command, ...args] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return command ? 0 : 2;
  }
  const env = readDocsEnv();
  const progress = progressReporter();
  const service = new DocumentService(
    { indexDir: values.index!, seedsDir: values.seeds!, libraryDir: values.library ?? env.libraryDir, limits: env.limits, drift: env.drift },
    nodeTokenizer(),
    { embedder: embedderFromEnv(), onProgress: progress.onProgress, checkpoint: checkpointFromEnv() },
  );
  try {
    switch (command) {
      case 'add': {
        if (args.length === 0) throw new AppError('bad_request', `add needs at least one FILE\n${USAGE}`, 400);
        if (values.title && args.length > 1) throw new AppError('bad_request', '--title applies to one file at a time', 400);
        const inputs = args.map((path) => {
          const size = statSync(path).size;
          if (size > env.limits.maxBytes) throw new AppError('too_large', `${path} is ${size} bytes; the limit is ${env.limits.maxBytes} (MAX_UPLOAD_BYTES)`, 413);
          return { bytes: new Uint8Array(readFileSync(path)), filename: basename(path), title: values.title, city: values.city, date: values.date, source: values.source };
        });
        await service.ensureIndex((m) => console.error(m));
        const result = await service.add(inputs, { replace: values.replace, refit: values.refit });
        progress.stop();
        printWrite(result, new Set(result.documents.map((d) => d.docId)));
        return 0;
      }
      case 'remove': {
        if (args.length === 0) throw new AppError('bad_request', `remove needs at least one DOCID\n${USAGE}`, 400);
        await service.ensureIndex((m) => console.error(m));
        const result = await service.remove(args, { refit: values.refit });
        progress.stop();
        printWrite(result, new Set());
        return 0;
      }
      case 'list': {
        const docs = await service.list();
        const rows = docs.map((d) => [d.docId, d.origin, d.format, String(d.chars), d.addedAt ?? '', d.title ?? d.originalName ?? '']);
        const header = ['docId', 'origin', 'format', 'chars', 'added', 'title'];
        const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
        for (const r of [header, ...rows]) console.log(r.map((c, i) => (i === 5 ? c : c.padEnd(widths[i]))).join('  '));
        console.log(`\n${docs.length} documents (${docs.filter((d) => d.origin === 'library').length} added)`);
        return 0;
      }
      default:
        console.error(`unknown command ${command}\n${USAGE}`);
        return 2;
    }
  } catch (err) {
    progress.stop();
    const e = err as Error & { status?: number; code?: string };
    console.error(`error${e instanceof AppError ? ` (${e.code})` : ''}: ${e.message}`);
    return e instanceof AppError && e.status < 500 ? 1 : 3;
  }
}

process.exitCode = await main();
