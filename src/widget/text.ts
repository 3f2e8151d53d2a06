/** Pure text helpers of the widget: citation markers, figure highlighting, copy text. */

export interface Passage {
  n: number;
  docId: string;
  title: string;
  start: number;
  end: number;
  quote: string;
  text?: string;
  score?: number;
}

export type AnswerSegment = { t: 'text'; text: string } | { t: 'cite'; ns: number[]; raw: string };

/** [1], [1,2], [1、2], ［1］, 【1】 (regexes use \u escapes: esbuild keeps regex literals verbatim, and the bundle must stay ASCII) */
const CITE_RE = /[[\uFF3B\u3010]\s*(\d{1,3}(?:\s*[,\uFF0C\u3001]\s*\d{1,3})*)\s*[\]\uFF3D\u3011]/g;

/**
 * Splits an answer into text and citation segments. A marker becomes a citation only when every
 * number in it is a known citation; otherwise it stays literal text (e.g. while still streaming).
 */
export function splitAnswer(answer: string, known: (n: number) => boolean): AnswerSegment[] {
  const out: AnswerSegment[] = [];
  let last = 0;
  CITE_RE.lastIndex = 0;
  for (let m = CITE_RE.exec(answer); m; m = CITE_RE.exec(answer)) {
    const ns = m[1].split(/\s*[,\uFF0C\u3001]\s*/).map(Number);
    if (!ns.every(known)) continue;
    if (m.index > last) out.push({ t: 'text', text: answer.slice(last, m.index) });
    out.push({ t: 'cite', ns, raw: m[0] });
    last = m.index + m[0].length;
  }
  if (last < answer.length) out.push({ t: 'text', text: answer.slice(last) });
  return out;
}

// Units, longest first so 批次 wins over 批; an optional 万/亿 multiplier may precede them.
const UNITS = [
  '个百分点', '百分点', '平方公里', '平方米', '人次', '批次', '场次', '家次', '户次', '项次', '公里', '千米', '小时',
  '公斤', '千克', '%', '％', '‰', '户', '家', '项', '件', '批', '名', '人', '个', '次', '元', '场', '张', '种', '处',
  '起', '倍', '台', '所', '座', '条', '份', '篇', '辆', '吨', '亩', '米', '岁', '天', '类', '款', '套', '位', '届',
  '期', '例', '宗', '笔', '年', '月', '日',
];
const FIG_RE = new RegExp(`(\\d+(?:[,，]\\d{3})*(?:\\.\\d+)?)\\s*((?:万亿|亿|万)?(?:${UNITS.join('|')})?)`, 'g');

export interface FigureToken {
  start: number;
  end: number;
  num: string;
  unit: string;
}

/** Numbers with their (optional) unit: 7.06万户, 98.45%, 5328批次, 2022年. */
export function findFigures(text: string): FigureToken[] {
  const out: FigureToken[] = [];
  FIG_RE.lastIndex = 0;
  for (let m = FIG_RE.exec(text); m; m = FIG_RE.exec(text)) {
    const n = Number(m[1].replace(/[,\uFF0C]/g, ''));
    if (!isFinite(n)) continue;
    // Part of a longer token like "A3" or "v2.1"? Skip digits glued to ASCII letters.
    const prev = text.charAt(m.index - 1);
    if (/[A-Za-z]/.test(prev)) continue;
    const unit = (m[2] || '').replace('％', '%');
    out.push({ start: m.index, end: m.index + (unit ? m[0].length : m[1].length), num: String(n), unit });
  }
  return out;
}

function sameFigure(a: FigureToken, b: FigureToken): boolean {
  if (a.num !== b.num) return false;
  // A bare small number ("3") alone is too weak a signal to highlight.
  if (!a.unit && !b.unit) return a.num.replace('.', '').length >= 3;
  if (!a.unit || !b.unit) return a.num.replace('.', '').length >= 2;
  return a.unit.indexOf(b.unit) === 0 || b.unit.indexOf(a.unit) === 0;
}

export interface HighlightSegment {
  text: string;
  hl: boolean;
}

/** Splits `quote` so that figures also present in any of `sources` are marked for highlighting. */
export function highlightFigures(quote: string, sources: string[]): HighlightSegment[] {
  const wanted: FigureToken[] = [];
  for (const s of sources) if (s) wanted.push(...findFigures(s));
  const out: HighlightSegment[] = [];
  let last = 0;
  if (wanted.length) {
    for (const f of findFigures(quote)) {
      if (!wanted.some((w) => sameFigure(w, f))) continue;
      if (f.start > last) out.push({ text: quote.slice(last, f.start), hl: false });
      out.push({ text: quote.slice(f.start, f.end), hl: true });
      last = f.end;
    }
  }
  if (last < quote.length || !out.length) out.push({ text: quote.slice(last), hl: false });
  return out;
}

export function sourceUrl(endpoint: string, p: Pick<Passage, 'docId' | 'start' | 'end'>): string {
  return `${endpoint}/doc/${encodeURIComponent(p.docId)}?start=${Number(p.start)}&end=${Number(p.end)}`;
}

/** The answer followed by a numbered list of its sources, for the clipboard. */
export function copyText(answer: string, citations: Passage[], endpoint: string, sourcesLabel: string): string {
  const lines = [answer.trim()];
  if (citations.length) {
    lines.push('', `${sourcesLabel}：`);
    for (const c of citations) {
      lines.push(`[${c.n}] ${c.title}：“${c.quote.trim()}” ${sourceUrl(endpoint, c)}`);
    }
  }
  return lines.join('\n');
}
