/**
 * Builds the Engine from a parsed index, the same way in every runtime: the Node server
 * (src/node/index-store.ts) and the Worker (src/worker/runtime.ts) both call this, so an engine
 * part added here (a word list, a setting) reaches both, and they answer alike.
 *
 * Word lists come from src/core/data/ through `dataFile` (read from disk in Node; bundled as one
 * module in the Worker, by src/worker/build.ts, which packs every *.txt of that folder).
 */
import type { EmbeddingsInterface } from '@langchain/core/embeddings';
import { Engine } from './engine';
import { Gazetteer, parseCityList } from './geo';
import type { LoadedIndexParts } from './index-format';
import type { Tokenizer, VectorSearch } from './ports';
import { Thesaurus } from './query';

export interface AssembleOptions {
  tokenizer: Tokenizer;
  vectors: VectorSearch;
  /** Query embedder for the dense side; the index's LSA model when absent. */
  queryEmbedder?: EmbeddingsInterface;
  /** Text of a file in src/core/data/ by name (cities.txt, synonyms.txt, …). */
  dataFile: (name: string) => string;
}

export function assembleEngine(parts: LoadedIndexParts, opts: AssembleOptions): Engine {
  const cities = parts.corpus.documents.map((d) => d.city).filter((c) => c && c !== '未具名');
  const gazetteer = new Gazetteer([...parseCityList(opts.dataFile('cities.txt')), ...cities]);
  const thesaurus = new Thesaurus(opts.dataFile('synonyms.txt'));
  return new Engine({
    corpus: parts.corpus,
    tokenizer: opts.tokenizer,
    bm25: parts.bm25,
    lsa: parts.lsa,
    vectors: opts.vectors,
    gazetteer,
    queryEmbedder: opts.queryEmbedder,
    thesaurus,
  });
}
