/**
 * A synthetic policy corpus for the scale benchmark, generated deterministically from the seeds:
 * the same vocabulary (jieba words of the seeds, drawn with their frequencies) poured into the
 * same sentence shapes (seed sentences with most words swapped for words of the same length,
 * figures for figures of the same unit, city names for the document's city). Into some documents
 * a fact is planted with a question that only that sentence answers, so the benchmark measures
 * retrieval quality (hit@5) at scale, not only speed.
 */
import { createRequire } from 'node:module';
import { chunkSentences, DEFAULT_CHUNKER, splitSentences } from '../../core/chunk';
import type { SourceDocument } from '../../core/corpus';
import { extractFigures } from '../../core/figures';
import { seededRandom } from '../../core/embed/linalg';
import { parseCityList } from '../../core/geo';
import { normalize } from '../../core/normalize';
import { citiesFile } from '../index-store';

const require = createRequire(import.meta.url);

export interface PlantedQuestion {
  docId: string;
  question: string;
  /** The figure the answer must state, e.g. `4821家`. */
  answer: string;
  /** Original offsets of the planted sentence in its document. */
  start: number;
  end: number;
}

export interface SyntheticCorpus {
  sources: SourceDocument[];
  planted: PlantedQuestion[];
  /** Chunk count as the default chunker will cut these documents. */
  chunks: number;
  chars: number;
}

export interface SynthOptions {
  targetChunks: number;
  /** Number of planted question/answer pairs (each in its own document). */
  planted?: number;
  seed?: number;
}

const CJK_WORD = /^[\u4e00-\u9fff]+$/;
const PLANT_UNITS = ['家', '户', '项', '个', '批次', '件', '名', '场'];
const PLANT_VERBS = ['完成', '培育', '新增', '建成', '帮扶', '认证', '抽检', '服务', '指导', '走访'];

interface Shape {
  pieces: Array<{ kind: 'keep' | 'word' | 'figure' | 'city'; text: string; unit?: string }>;
}

/** Vocabulary and sentence shapes learned from the seed documents. */
export class SeedGrammar {
  readonly shapes: Shape[] = [];
  readonly titleShapes: Shape[] = [];
  /** Words by character length, one entry per occurrence (so draws follow seed frequencies). */
  readonly wordsByLength = new Map<number, string[]>();
  readonly cities: string[];

  constructor(seeds: SourceDocument[]) {
    const jieba = require('nodejieba') as { cut(text: string, hmm?: boolean): string[] };
    this.cities = parseCityList(citiesFile());
    const citySet = new Set(this.cities);
    for (const seed of seeds) {
      const text = normalize(seed.text).text;
      for (const s of splitSentences(text)) {
        const sentence = text.slice(s.start, s.end);
        if (sentence.length < 12 || !/[。；！？]$/.test(sentence)) continue;
        const shape = this.shapeOf(sentence, jieba, citySet);
        if (shape.pieces.filter((p) => p.kind === 'word').length < 3) continue;
        this.shapes.push(shape);
        if (sentence.length <= 40) this.titleShapes.push(shape);
      }
    }
    if (this.shapes.length === 0) throw new Error('the seeds hold no sentences to learn shapes from');
  }

  private shapeOf(sentence: string, jieba: { cut(text: string, hmm?: boolean): string[] }, cities: Set<string>): Shape {
    const pieces: Shape['pieces'] = [];
    let cursor = 0;
    const plain = (segment: string) => {
      for (const w of jieba.cut(segment, false)) {
        const bare = w.replace(/市$/, '');
        if (cities.has(bare)) pieces.push({ kind: 'city', text: w });
        else if (CJK_WORD.test(w) && w.length >= 2 && w.length <= 4) {
          pieces.push({ kind: 'word', text: w });
          const list = this.wordsByLength.get(w.length) ?? [];
          list.push(w);
          this.wordsByLength.set(w.length, list);
        } else pieces.push({ kind: 'keep', text: w });
      }
    };
    for (const f of extractFigures(sentence)) {
      if (f.start < cursor) continue;
      if (f.start > cursor) plain(sentence.slice(cursor, f.start));
      pieces.push(f.kind === 'count' || f.kind === 'money' || f.kind === 'percent' ? { kind: 'figure', text: f.raw, unit: f.unit } : { kind: 'keep', text: f.raw });
      cursor = f.end;
    }
    if (cursor < sentence.length) plain(sentence.slice(cursor));
    return { pieces };
  }

  word(rand: () => number, length: number): string {
    const list = this.wordsByLength.get(length) ?? this.wordsByLength.get(2)!;
    return list[Math.floor(rand() * list.length)];
  }

  /** One sentence: a seed shape with ~60% of its words and all its figures replaced. */
  sentence(rand: () => number, city: string, shapes = this.shapes): string {
    const shape = shapes[Math.floor(rand() * shapes.length)];
    let out = '';
    for (const p of shape.pieces) {
      if (p.kind === 'word') out += rand() < 0.6 ? this.word(rand, p.text.length) : p.text;
      else if (p.kind === 'city') out += p.text.endsWith('市') ? `${city}市` : city;
      else if (p.kind === 'figure') out += randomFigure(rand, p.unit ?? '');
      else out += p.text;
    }
    return out;
  }
}

function randomFigure(rand: () => number, unit: string): string {
  if (unit === '%') return `${(rand() * 100).toFixed(2)}%`;
  const n = 1 + Math.floor(rand() * 9999);
  if (unit === '元') return rand() < 0.5 ? `${n}万元` : `${(n / 100).toFixed(2)}亿元`;
  return `${n}${unit}`;
}

function hex(rand: () => number, digits: number): string {
  let s = '';
  for (let i = 0; i < digits; i++) s += Math.floor(rand() * 16).toString(16);
  return s;
}

/** Generates documents until the default chunker would cut `targetChunks` chunks from them. */
export function synthesizeCorpus(seeds: SourceDocument[], opts: SynthOptions): SyntheticCorpus {
  const grammar = new SeedGrammar(seeds);
  const rand = seededRandom(opts.seed ?? 20240601);
  const plantCount = opts.planted ?? 200;
  const sources: SourceDocument[] = [];
  const planted: PlantedQuestion[] = [];
  const usedTriples = new Set<string>();
  // Plant into evenly spread documents: estimate the document count from ~15 chunks a document.
  const expectedDocs = Math.max(plantCount, Math.ceil(opts.targetChunks / 15));
  const plantEvery = Math.max(1, Math.floor(expectedDocs / plantCount));
  let chunks = 0;
  let chars = 0;
  for (let d = 0; chunks < opts.targetChunks; d++) {
    const city = grammar.cities[Math.floor(rand() * grammar.cities.length)];
    const docId = `syn_${String(d).padStart(6, '0')}_${hex(rand, 8)}`;
    const title = `${city}市${grammar.sentence(rand, city, grammar.titleShapes).replace(/[。；！？]$/, '')}`;
    const paragraphs: string[] = [title, ''];
    const sentences = 30 + Math.floor(rand() * 40);
    const plantAt = planted.length < plantCount && d % plantEvery === 0 ? Math.floor(rand() * sentences) : -1;
    let paragraph = '';
    let plantedSentence: { text: string; question: string; answer: string } | null = null;
    for (let s = 0; s < sentences; s++) {
      if (s === plantAt) {
        plantedSentence = plant(grammar, rand, city, usedTriples);
        paragraph += plantedSentence.text;
      } else {
        paragraph += grammar.sentence(rand, city);
      }
      if (rand() < 0.25 || s === sentences - 1) {
        paragraphs.push(`　　${paragraph}`);
        paragraph = '';
      }
    }
    const text = paragraphs.join('\n') + '\n';
    sources.push({ docId, text, title, city, format: 'txt' });
    if (plantedSentence) {
      const start = text.indexOf(plantedSentence.text);
      planted.push({ docId, question: plantedSentence.question, answer: plantedSentence.answer, start, end: start + plantedSentence.text.length });
    }
    chunks += chunkSentences(splitSentences(text), DEFAULT_CHUNKER).length;
    chars += text.length;
  }
  return { sources, planted, chunks, chars };
}

/** A fact only this sentence states, and the question that asks for it. */
function plant(grammar: SeedGrammar, rand: () => number, city: string, used: Set<string>): { text: string; question: string; answer: string } {
  for (;;) {
    const org = grammar.word(rand, 2 + Math.floor(rand() * 3));
    const topic = grammar.word(rand, 2 + Math.floor(rand() * 3));
    const obj = grammar.word(rand, 2 + Math.floor(rand() * 2));
    const verb = PLANT_VERBS[Math.floor(rand() * PLANT_VERBS.length)];
    const unit = PLANT_UNITS[Math.floor(rand() * PLANT_UNITS.length)];
    const key = `${org}|${topic}|${obj}`;
    if (used.has(key) || org === topic || topic === obj || org === obj) continue;
    used.add(key);
    const year = 2015 + Math.floor(rand() * 10);
    const n = 101 + Math.floor(rand() * 8899);
    const answer = `${n}${unit}`;
    return {
      text: `${year}年，${city}市${org}${topic}工作取得新进展，全年累计${verb}${obj}${answer}。`,
      question: `${city}市${year}年${org}${topic}工作${verb}${obj}多少${unit}？`,
      answer,
    };
  }
}
