/**
 * The ingest report printed by `npm run index` and `npm run docs -- add`: per document its
 * script, characters, pinyin annotations removed, garbled stretches, chunks and figures.
 */
import type { Corpus } from '../core/corpus';

export function formatIngestReport(corpus: Corpus, only?: ReadonlySet<string>): string {
  const rows = corpus.report(only);
  const header = ['docId', 'script', 'chars', 'pinyin removed', 'garbled', 'chunks', 'figures'];
  const table = rows.map((r) => [r.docId, r.script, r.chars, r.annotationsRemoved, r.garbled, r.chunks, r.figures].map(String));
  const total = ['total', '', ...[2, 3, 4, 5, 6].map((i) => String(table.reduce((a, r) => a + Number(r[i]), 0)))];
  const all = [header, ...table, total];
  const widths = header.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  return all.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')).join('\n');
}
