/**
 * Interfaces the runtime adapters implement. The core depends only on these.
 * Embeddings and vector stores use LangChain's own interfaces (@langchain/core).
 */

/** Word segmentation of normalized Chinese text (jieba in search mode, HMM off). */
export interface Segmenter {
  /** Identifies the segmenter and its dictionary; recorded in the index manifest. */
  readonly id: string;
  cut(text: string): string[];
}

/** Turns normalized text into index terms. */
export interface Tokenizer {
  readonly id: string;
  tokenize(text: string): string[];
}

/** A nearest-neighbour index over chunk vectors. */
export interface VectorSearch {
  readonly id: string;
  /** Chunk indexes with cosine similarity, best first. */
  search(query: number[], k: number): Promise<Array<{ index: number; score: number }>>;
}
