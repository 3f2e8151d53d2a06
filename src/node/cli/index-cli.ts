/**
 * `npm run index`: rebuilds index/ from seeds/ and prints the ingest report.
 *   npm run index -- --check     exit 1 when the committed index is stale (no rebuild)
 */
import { parseArgs } from 'node:util';
import { Corpus } from '../../core/corpus';
import { nodeTokenizer } from '../jieba';
import { embedderFromEnv } from '../embeddings';
import { indexState, loadSeedSources, rebuildIndex } from '../index-store';

const { values } = parseArgs({
  options: {
    check: { type: 'boolean', default: false },
    index: { type: 'string', default: process.env.INDEX_DIR ?? 'index' },
    seeds: { type: 'string', default: process.env.SEEDS_DIR ?? 'seeds' },
  },
});

const tokenizer = nodeTokenizer();
const sources = loadSeedSources(values.seeds!);

if (values.check) {
  const s = await indexState(values.index!, sources, tokenizer, embedderFromEnv());
  console.log(`index is ${s.state}: ${s.reason}`);
  process.exit(s.state === 'fresh' ? 0 : 1);
}

const { manifest, built, ms } = await rebuildIndex(values.index!, sources, tokenizer, embedderFromEnv());
console.log(formatIngestReport(built.corpus));
console.log(`\nembedder ${manifest.embedder.id} (${manifest.embedder.dims} dims), tokenizer ${manifest.tokenizer}`);
console.log(`stores: ${manifest.vectorStores.join(', ')}; files in ${values.index}/${manifest.data}`);
console.log(`built in ${ms.toFixed(0)} ms`);

export function formatIngestReport(corpus: Corpus): string {
  const rows = corpus.report();
  const header = ['docId', 'script', 'chars', 'pinyin removed', 'garbled', 'chunks', 'figures'];
  const table = rows.map((r) => [r.docId, r.script, r.chars, r.annotationsRemoved, r.garbled, r.chunks, r.figures].map(String));
  const total = ['total', '', ...[2, 3, 4, 5, 6].map((i) => String(table.reduce((a, r) => a + Number(r[i]), 0)))];
  const all = [header, ...table, total];
  const widths = header.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  return all.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')).join('\n');
}
