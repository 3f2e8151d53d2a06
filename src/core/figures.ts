/**
 * Figures: number expressions with their units, parsed into comparable values.
 * `7.06万户` → 70600 户, `5.47亿元` → 547000000 元, `98.45%` → 98.45 %, `1/3` → 0.333…,
 * `一千五百件` → 1500 件, `2022年` → year 2022, `2022-2024年` → range, `5月22日至24日` → date.
 * Works on normalized text (NFKC: ASCII digits, `%`), returns normalized offsets.
 */

export type FigureKind =
  | 'count' // a number with a measure word: 84家, 5328批次, 7.06万户
  | 'money' // 元 with any multiplier: 430万元, 5.47亿元
  | 'percent' // 98.45%
  | 'ppoint' // 3个百分点
  | 'fraction' // 1/3, 三分之一
  | 'ratio' // 1∶1
  | 'year' // 2022年
  | 'date' // 1月28日, 2022年8月25日, 2023-01-18
  | 'ordinal' // 第三, 第2
  | 'number'; // a bare number: 2,000万, 12315

/** approx: 约/近/左右; over: 超过/以上/突破 (a lower bound); plus: 70余/130多 (70-something); under: 不足/不到. */
export type Qualifier = 'approx' | 'over' | 'plus' | 'under';

export interface Figure {
  raw: string;
  start: number;
  end: number;
  kind: FigureKind;
  /** Value in base units (万/亿 applied): 7.06万户 → 70600. Dates: yyyymmdd-ish sortable number. */
  value: number;
  /** Upper bound of a range (`2022-2024年`, `5万元至20万元`). */
  upper?: number;
  /** Unit without multiplier: 户, 元, %, 年, 批次; '' for bare numbers. */
  unit: string;
  /** 约/近/左右 → approx; 超过/以上/余/多/突破 → over; 不足/不到/以内 → under. */
  qualifier?: Qualifier;
  /** The step the raw text is precise to, in base units (7.06万 → 100). */
  precision: number;
}

const CN_DIGITS: Record<string, number> = { 零: 0, 〇: 0, 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9 };
const CN_SMALL_UNITS: Record<string, number> = { 十: 10, 百: 100, 千: 1000 };
const CN_BIG_UNITS: Record<string, number> = { 万: 1e4, 亿: 1e8 };
const MULTIPLIERS: Record<string, number> = { 万亿: 1e12, 千亿: 1e11, 百亿: 1e10, 亿: 1e8, 千万: 1e7, 百万: 1e6, 万: 1e4, 千: 1e3 };

/** Measure words and units, longest first so 批次 wins over 批 and 人次 over 人. */
export const UNITS = [
  '平方公里', '平方米', '千瓦时', '个百分点', '百分点', '人次', '家次', '户次', '项次', '批次', '场次', '台次', '架次', '余次',
  '公里', '千米', '千瓦', '小时', '分钟', '公斤', '千克', '美元', '港元', '欧元',
  '户', '家', '项', '件', '批', '名', '人', '个', '次', '元', '场', '张', '只', '种', '处', '起', '罐', '倍', '台', '所', '座',
  '条', '份', '篇', '辆', '吨', '亩', '米', '岁', '天', '周', '类', '款', '套', '支', '位', '届', '期', '例', '宗', '笔', '株', '头',
  '年', '月', '日', '部', '门', '本', '册', '句', '字', '万', '亿',
].filter((u) => u !== '万' && u !== '亿');

const UNIT_RE = UNITS.map(escapeRe).join('|');
const NUM = String.raw`\d+(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?`;
const MULT = '万亿|千亿|百亿|亿|千万|百万|万|千';
const CN_NUM = '[零〇一二两三四五六七八九十百千万亿]+';
const RANGE_SEP = '[-—–~～至到]';
const BEFORE_APPROX = /(约|大约|近|将近|接近|左右)$/;
const BEFORE_OVER = /(超过|超|逾|突破|高达|多达|达到?)$/;
const BEFORE_UNDER = /(不足|不到|不超过|低于)$/;

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Parses Chinese numerals: 三十 → 30, 一千五百 → 1500, 十三 → 13, 两万 → 20000. */
export function parseChineseNumber(s: string): number | null {
  if (!s || /[^零〇一二两三四五六七八九十百千万亿]/.test(s)) return null;
  let total = 0;
  let section = 0;
  let digit = -1;
  for (const ch of s) {
    if (ch in CN_DIGITS) {
      digit = CN_DIGITS[ch];
    } else if (ch in CN_SMALL_UNITS) {
      section += (digit < 0 ? 1 : digit) * CN_SMALL_UNITS[ch];
      digit = -1;
    } else if (ch in CN_BIG_UNITS) {
      section += digit < 0 ? 0 : digit;
      total += (section === 0 ? 1 : section) * CN_BIG_UNITS[ch];
      section = 0;
      digit = -1;
    }
  }
  if (digit >= 0) section += digit;
  return total + section;
}

function parseArabic(s: string): number {
  return Number(s.replace(/,/g, ''));
}

function decimalStep(num: string): number {
  const dot = num.indexOf('.');
  return dot < 0 ? 1 : Math.pow(10, -(num.length - dot - 1));
}

function kindFor(unit: string, value: number, hasMultiplier: boolean, raw: string): FigureKind {
  if (unit === '%' || unit === '‰') return 'percent';
  if (unit === '个百分点' || unit === '百分点') return 'ppoint';
  if (/元$/.test(unit)) return 'money';
  if (unit === '年' && !hasMultiplier && Number.isInteger(value) && value >= 1900 && value <= 2100 && /^\d{4}年$/.test(raw)) return 'year';
  if (unit === '月' || unit === '日') return 'date';
  if (unit === '') return 'number';
  return 'count';
}

function qualifierAround(text: string, start: number, end: number, inner: string | undefined): Qualifier | undefined {
  const before = text.slice(Math.max(0, start - 4), start);
  const after = text.slice(end, end + 2);
  if (inner === '余' || inner === '多') return 'plus';
  if (BEFORE_UNDER.test(before)) return 'under';
  if (BEFORE_APPROX.test(before) || after.startsWith('左右')) return 'approx';
  if (after.startsWith('以上') || after.startsWith('多')) return 'over';
  if (BEFORE_OVER.test(before) && !/达到?$/.test(before)) return 'over';
  return undefined;
}

interface Matcher {
  re: RegExp;
  build: (m: RegExpExecArray, text: string, start: number) => Omit<Figure, 'raw' | 'start' | 'end'> | null;
}

const dateValue = (y: number, mo: number, d: number) => y * 10000 + mo * 100 + d;

const MATCHERS: Matcher[] = [
  // 2022年8月25日 / 2022年6月
  {
    re: /(\d{4})年(\d{1,2})月(?:(\d{1,2})日)?/y,
    build: (m) => ({ kind: 'date', value: dateValue(+m[1], +m[2], m[3] ? +m[3] : 0), unit: m[3] ? '日' : '月', precision: 1 }),
  },
  // 2023-01-18 (ISO-like dates in page headers)
  {
    re: /(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)/y,
    build: (m) => ({ kind: 'date', value: dateValue(+m[1], +m[2], +m[3]), unit: '日', precision: 1 }),
  },
  // 5月22日至24日 / 1月28日 / 9月1日
  {
    re: /(\d{1,2})月(\d{1,2})日(?:[至到-](\d{1,2})日)?/y,
    build: (m) => ({ kind: 'date', value: dateValue(0, +m[1], +m[2]), upper: m[3] ? dateValue(0, +m[1], +m[3]) : undefined, unit: '日', precision: 1 }),
  },
  // Ranges: 2022-2024年, 2021—2035年, 5万元至20万元, 94%以上 is not a range.
  {
    re: new RegExp(`(${NUM})(${MULT})?(${UNIT_RE}|%)?${RANGE_SEP}(${NUM})(${MULT})?(${UNIT_RE}|%)`, 'y'),
    build: (m, _t) => {
      const unit = m[6];
      if (m[3] && m[3] !== unit) return null;
      const mult2 = m[5] ? MULTIPLIERS[m[5]] : 1;
      const mult1 = m[2] ? MULTIPLIERS[m[2]] : mult2;
      const lo = parseArabic(m[1]) * mult1;
      const hi = parseArabic(m[4]) * mult2;
      if (!(hi >= lo)) return null;
      const isYears = unit === '年' && /^\d{4}$/.test(m[1]) && /^\d{4}$/.test(m[4]);
      return { kind: isYears ? 'year' : kindFor(unit, lo, !!m[5], ''), value: lo, upper: hi, unit, precision: decimalStep(m[1]) * mult1 };
    },
  },
  // Percent and percentage points: 98.45%, 3个百分点
  {
    re: new RegExp(`(${NUM})(%|‰|个百分点|百分点)`, 'y'),
    build: (m) => ({ kind: m[2].includes('百分点') ? 'ppoint' : 'percent', value: parseArabic(m[1]), unit: m[2] === '‰' ? '‰' : m[2].includes('百分点') ? '百分点' : '%', precision: decimalStep(m[1]) }),
  },
  // Ratios: 1∶1, 1:1
  {
    re: /(\d{1,3})[∶:](\d{1,3})(?!\d)/y,
    build: (m) => ({ kind: 'ratio', value: +m[1] / +m[2], unit: ':', precision: 0 }),
  },
  // Fractions: 1/3
  {
    re: /(\d{1,3})\/(\d{1,3})(?![\d/])/y,
    build: (m) => (+m[2] === 0 ? null : { kind: 'fraction', value: +m[1] / +m[2], unit: '/', precision: 0 }),
  },
  // Arabic number, optional 余/多, multiplier, unit: 7.06万户, 2,000万, 625余万元, 130多件, 30亿罐
  {
    re: new RegExp(`(${NUM})(余|多)?(${MULT})?(余|多)?(${UNIT_RE})?`, 'y'),
    build: (m, _t) => {
      const mult = m[3] ? MULTIPLIERS[m[3]] : 1;
      const value = parseArabic(m[1]) * mult;
      const unit = m[5] ?? '';
      return { kind: kindFor(unit, value, !!m[3], `${m[1]}${unit}`), value, unit, precision: decimalStep(m[1]) * mult };
    },
  },
  // 三分之一, 百分之五十
  {
    re: /([一二两三四五六七八九十百]+)分之([零〇一二两三四五六七八九十百]+)/y,
    build: (m) => {
      const den = parseChineseNumber(m[1]);
      const num = parseChineseNumber(m[2]);
      if (!den || num === null) return null;
      return den === 100 ? { kind: 'percent', value: num, unit: '%', precision: 1 } : { kind: 'fraction', value: num / den, unit: '/', precision: 0 };
    },
  },
  // Chinese numerals with a unit: 三十项, 一千五百件, 十件 (第十二 → ordinal, below)
  {
    re: new RegExp(`(${CN_NUM})(余|多)?(${UNIT_RE}|元)`, 'y'),
    build: (m) => {
      const value = parseChineseNumber(m[1]);
      // A lone 一 (一批, 一站式, 一个) is an article, not a figure.
      if (value === null || (m[1] === '一' && !m[2])) return null;
      const unit = m[3];
      return { kind: kindFor(unit, value, false, ''), value, unit, precision: 1 };
    },
  },
];

const ORDINAL = new RegExp(`第(${NUM}|${CN_NUM})`, 'y');

// 83.18 × 1e4 is 831800.0000000001 in floating point; twelve significant digits is plenty.
const roundValue = (v: number) => Number(v.toPrecision(12));

/** Every figure in `text`, left to right, non-overlapping. */
export function extractFigures(text: string): Figure[] {
  const out: Figure[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    const startsNumber = /[0-9零〇一二两三四五六七八九十百]/.test(ch);
    if (ch === '第') {
      ORDINAL.lastIndex = i;
      const m = ORDINAL.exec(text);
      if (m) {
        const v = /\d/.test(m[1]) ? parseArabic(m[1]) : parseChineseNumber(m[1]);
        if (v !== null) {
          out.push({ raw: m[0], start: i, end: i + m[0].length, kind: 'ordinal', value: v, unit: '第', precision: 1 });
          i += m[0].length;
          continue;
        }
      }
    }
    // Digits glued to Latin letters are codes (P2, 3C), not figures; skip the whole run.
    if (startsNumber && /\d/.test(ch) && i > 0 && /[A-Za-z.]/.test(text[i - 1])) {
      while (i < text.length && /[\d.]/.test(text[i])) i++;
      continue;
    }
    if (!startsNumber || (i > 0 && /\d/.test(text[i - 1]))) {
      i++;
      continue;
    }
    let matched = false;
    for (const { re, build } of MATCHERS) {
      re.lastIndex = i;
      const m = re.exec(text);
      if (!m || m[0].length === 0) continue;
      const built = build(m, text, i);
      if (!built) continue;
      const end = i + m[0].length;
      const inner = m[0].match(/\d(余|多)/)?.[1];
      const qualifier = built.qualifier ?? qualifierAround(text, i, end, inner);
      const value = roundValue(built.value);
      const upper = built.upper === undefined ? undefined : roundValue(built.upper);
      out.push({ raw: m[0], start: i, end, ...built, value, ...(upper === undefined ? {} : { upper }), ...(qualifier ? { qualifier } : {}) });
      i = end;
      matched = true;
      break;
    }
    if (!matched) i++;
  }
  return out;
}

/** Figures of the kinds a reader would quote (drops ordinals, bare codes). */
export function isQuotable(f: Figure): boolean {
  return f.kind !== 'ordinal' && !(f.kind === 'number' && f.value >= 1e6 && f.precision === 1 && !/[万亿]/.test(f.raw));
}

/** Canonical short form used as a search token: `7.06万户`, `98.45%`, `2022年`. */
export function figureToken(f: Figure): string {
  return f.raw.replace(/,/g, '');
}

/** Two figures state the same quantity (same unit family, equal value at the coarser precision). */
export function sameQuantity(a: Figure, b: Figure): boolean {
  if (unitFamily(a) !== unitFamily(b)) return false;
  const tolerance = Math.max(a.precision, b.precision) / 2 + 1e-9 * Math.max(Math.abs(a.value), Math.abs(b.value));
  const within = (x: number, y: number) => Math.abs(x - y) <= tolerance;
  if (a.upper !== undefined || b.upper !== undefined) {
    return within(a.value, b.value) && within(a.upper ?? a.value, b.upper ?? b.value);
  }
  return within(a.value, b.value);
}

/** Units that can be compared: 户 with 户, 元 with 元, % with %; years with years. */
export function unitFamily(f: Figure): string {
  if (f.kind === 'year') return 'year';
  if (f.kind === 'date') return 'date';
  if (f.kind === 'percent') return '%';
  if (f.kind === 'ppoint') return 'pp';
  if (f.kind === 'money') return '元';
  if (f.kind === 'fraction') return '/';
  return f.unit;
}
