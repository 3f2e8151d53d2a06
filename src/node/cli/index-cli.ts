/**
 * `npm run index`: rebuilds index/ from seeds/ and the documents added at run time (library/,
 * see npm run docs), and prints the ingest report.
 *   npm run index -- --check     exit 1 when the committed index is stale (no rebuild)
 */
import { parseArgs } from 'node:util';
import { nodeTokenizer } from '../jieba';
import { embedderFromEnv } from '../embeddings';
import { indexState, loadSeedSources, readManifest, rebuildIndex } from '../index-store';
import { formatIngestReport } from '../ingest-report';
import { readDocsEnv } from '../docs/config';
import { loadLibrarySources, reconcileLibrary } from '../docs/library';
import { withIndexLock } from '../docs/lock';
import { libraryState } from '../docs/service';

const { values } = parseArgs({
  options: {
    check: { type: 'boolean', default: false },
    index: { type: 'string', default: process.env.INDEX_DIR ?? 'index' },
    seeds: { type: 'string', default: process.env.SEEDS_DIR ?? 'seeds' },
    library: { type: 'string', default: readDocsEnv().libraryDir },
  },
});

const tokenizer = nodeTokenizer();
const sources = loadSeedSources(values.seeds!);

if (values.check) {
  const s = await indexState(values.index!, sources, tokenizer, embedderFromEnv());
  const l = s.state === 'fresh' ? await libraryState(readManifest(values.index!)!, loadLibrarySources(values.library!)) : s;
  console.log(`index is ${l.state}: ${l.reason}`);
  process.exit(l.state === 'fresh' ? 0 : 1);
}

// Under the index write lock (a server or npm run docs may be writing), with the library's
// journal settled first, so that documents added at run time survive the rebuild.
const { manifest, built, ms } = await withIndexLock(values.index!, async () => {
  reconcileLibrary(values.library!, readManifest(values.index!));
  return rebuildIndex(values.index!, [...sources, ...loadLibrarySources(values.library!)], tokenizer, embedderFromEnv());
});
console.log(formatIngestReport(built.corpus));
console.log(`\nembedder ${manifest.embedder.id} (${manifest.embedder.dims} dims), tokenizer ${manifest.tokenizer}`);
console.log(`stores: ${manifest.vectorStores.join(', ')}; files in ${values.index}/${manifest.data}`);
console.log(`built in ${ms.toFixed(0)} ms`);
