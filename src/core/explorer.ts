/**
 * The figures explorer: every figure in the corpus whose sentence mentions a term, with its
 * value, unit and an exact citation. Journalists sort and filter these in a spreadsheet.
 */
import type { Engine, Passage } from './engine';
import { isQuotable, type FigureKind } from './figures';
import { normalizeQuery } from './normalize';

export interface FigureRow {
  docId: string;
  title: string;
  raw: string;
  value: number;
  upper: number | null;
  unit: string;
  kind: FigureKind;
  qualifier: string | null;
  sentence: string;
  citation: Passage;
}

export function findFigures(engine: Engine, term: string, limit = 500): FigureRow[] {
  const needle = normalizeQuery(term).trim();
  const rows: FigureRow[] = [];
  if (!needle) return rows;
  for (let i = 0; i < engine.corpus.sentenceCount && rows.length < limit; i++) {
    const text = engine.corpus.sentenceText(i);
    if (!text.includes(needle)) continue;
    const figures = engine.figuresOfSentence(i).filter(isQuotable);
    if (figures.length === 0) continue;
    const citation = engine.passage(i, i, rows.length + 1, 1);
    for (const f of figures) {
      if (rows.length >= limit) break;
      rows.push({
        docId: citation.docId,
        title: citation.title,
        raw: f.raw,
        value: f.value,
        upper: f.upper ?? null,
        unit: f.unit,
        kind: f.kind,
        qualifier: f.qualifier ?? null,
        sentence: text,
        citation: { ...citation, n: rows.length + 1 },
      });
    }
  }
  return rows;
}

/** RFC 4180 CSV with a UTF-8 BOM, so spreadsheet programs open Chinese text correctly. */
export function figuresToCsv(rows: FigureRow[]): string {
  const header = ['docId', 'title', 'figure', 'value', 'upper', 'unit', 'kind', 'qualifier', 'start', 'end', 'quote', 'sentence'];
  const cell = (v: unknown) => {
    let s = v === null || v === undefined ? '' : String(v);
    // A text cell starting with = + - @ would run as a formula in a spreadsheet (documents can be
    // uploaded by anyone with the admin token): quote it as text. Numbers stay numbers.
    if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const lines = [header.join(',')];
  for (const r of rows) {
    lines.push([r.docId, r.title, r.raw, r.value, r.upper, r.unit, r.kind, r.qualifier, r.citation.start, r.citation.end, r.citation.quote, r.sentence].map(cell).join(','));
  }
  return `\ufeff${lines.join('\r\n')}\r\n`;
}
