/**
 * What a question or claim asks: its normalized text and script, the terms that carry its
 * meaning, the cities and years it names, the figures it states and the kind of figure it asks for.
 */
import { extractFigures, type Figure } from './figures';
import type { Gazetteer } from './geo';
import { normalizeQuery } from './normalize';
import type { Tokenizer } from './ports';
import { detectScript, type Script } from './script';

export interface QueryAnalysis {
  original: string;
  normalized: string;
  script: Script;
  tokens: string[];
  /** Terms that must be found for a passage to answer: no city, year, figure, bare unit. */
  contentTerms: string[];
  cities: string[];
  years: number[];
  figures: Figure[];
  /** Unit family the question asks for ('户', '家', '%', '元', 'year', …), if any. */
  askedUnit: string | null;
  asksFigure: boolean;
  /** Words that stand for a content term in passages (from the thesaurus). */
  alternatives: Map<string, string[]>;
  /**
   * How central each content term is to what is asked, 0.3..1: terms next to the question word
   * (多少, 几, 什么; for a claim, its figure) name the indicator, terms far from it the setting.
   */
  focus: Map<string, number>;
  /**
   * Terms only in a clause of the question other than the one that asks ("赤壁青砖茶产地那个市，…
   * 多少件？"): they describe which document or place is meant, and may be found anywhere in it.
   */
  setting: Set<string>;
}

export const MEASURE_WORDS = new Set(['拥有量', '拥有', '数量', '规模', '量', '数', '金额', '水平']);

function settingTerms(normalized: string, terms: string[]): Set<string> {
  const clauses = normalized.split(/[，,；;]/);
  if (clauses.length < 2) return new Set();
  const asking = clauses.filter((c) => ANCHOR.test(c));
  if (asking.length === 0) return new Set();
  return new Set(terms.filter((t) => !asking.some((c) => c.includes(t))));
}

const ANCHOR = /多少|几[个家项件名次批户位年]|是什么|什么|哪|谁|何时|是否/;

function termFocus(normalized: string, terms: string[], figures: Figure[]): Map<string, number> {
  const m = ANCHOR.exec(normalized);
  const anchors = m ? [m.index] : figures.filter((f) => f.kind !== 'year').map((f) => f.start);
  const anchorList = anchors.length > 0 ? anchors : [normalized.length];
  const out = new Map<string, number>();
  for (const t of terms) {
    // Words that measure rather than name an indicator (拥有量, 总数) decide little.
    if (MEASURE_WORDS.has(t)) {
      out.set(t, 0.3);
      continue;
    }
    const at = normalized.indexOf(t);
    if (at < 0) {
      out.set(t, 0.6);
      continue;
    }
    const distance = Math.min(...anchorList.map((a) => (at + t.length <= a ? a - (at + t.length) : Math.max(0, at - a))));
    out.set(t, Math.max(0.3, 1 - distance / 12));
  }
  return out;
}

/** Hedges and copulas carry no indicator: "已超过83万户" is about 83万户, not about 超过. */
const HEDGES = new Set(['约', '大约', '近', '将近', '接近', '超过', '超', '逾', '以上', '以下', '左右', '不足', '不到', '达', '达到', '高达', '突破', '已', '已经', '共', '累计达', '为', '有']);

/** Interchangeable words, one group a line (src/core/data/synonyms.txt). */
export class Thesaurus {
  private readonly groups = new Map<string, string[]>();

  constructor(text = '') {
    for (const line of text.split('\n')) {
      if (line.startsWith('#')) continue;
      const words = line.split(/\s+/).filter(Boolean);
      for (const w of words) this.groups.set(w, [...new Set([...(this.groups.get(w) ?? []), ...words.filter((x) => x !== w)])]);
    }
  }

  alternatives(word: string): string[] {
    return this.groups.get(word) ?? [];
  }
}

const ASKED_UNIT_PATTERNS: Array<[RegExp, string]> = [
  [/第几|排名第?多少|排第?几|位列第?几|名次/, '第'],
  [/(百分之几|百分比|比例|占比|比重|(增长|增|下降|合格|完成|覆盖|知晓|活跃)率|增幅|增速)/, '%'],
  [/(多少|几)个?百分点/, 'pp'],
  [/(多少钱|金额|多少资金|多少元|多少万元|多少亿元|多少费用|资金支持|奖励多少|资助多少)/, '元'],
  [/(哪一年|哪年|何年|什么时候|何时|哪个月|几月|什么时间|哪天)/, 'date'],
];
const ASKED_MEASURE = /(?:多少|几)(?:个)?(批次|人次|家次|户次|项次|场次|台次|户|家|项|件|名|人|个|次|种|处|起|批|张|只|所|座|条|份|篇|辆|吨|亩|罐|台|位|例|款|类|届)/;

export function analyzeQuery(text: string, tokenizer: Tokenizer, gazetteer: Gazetteer, thesaurus: Thesaurus = new Thesaurus()): QueryAnalysis {
  const normalized = normalizeQuery(text);
  const script = detectScript(text);
  const tokens = tokenizer.tokenize(normalized);
  const cities = gazetteer.citiesIn(normalized);
  const figures = extractFigures(normalized);
  const years = [
    ...new Set(
      figures.flatMap((f) => (f.kind === 'year' ? [f.value, ...(f.upper ? [f.upper] : [])] : f.kind === 'date' && f.value > 10000 ? [Math.floor(f.value / 10000)] : [])),
    ),
  ];
  const figureTokens = new Set(figures.map((f) => f.raw.replace(/,/g, '')));
  const cityTokens = new Set(cities.flatMap((c) => [c, `${c}市`]));
  const cityMentions = cities.map((c) => `${c}市`);
  const contentTerms = tokens.filter(
    (t) => !cityTokens.has(t) && !cityMentions.some((m) => m.includes(t)) && !HEDGES.has(t) && !figureTokens.has(t) && !/^(市|全市|我市|该市|当地|本市|今年|去年|年|月|日)$/.test(t) && !(t.length === 1 && ASKED_MEASURE.test(`多少${t}`)),
  );
  let askedUnit: string | null = null;
  for (const [re, unit] of ASKED_UNIT_PATTERNS) {
    if (re.test(normalized)) {
      askedUnit = unit;
      break;
    }
  }
  const measure = ASKED_MEASURE.exec(normalized);
  if (!askedUnit && measure) askedUnit = measure[1];
  const asksFigure = askedUnit !== null || /(多少|几|数量|规模|总量|总数|金额|比例)/.test(normalized);
  const terms = [...new Set(contentTerms)];
  // Search mode yields a word and its parts (老百姓, 百姓): a part counts as found wherever the
  // whole word, or one of the whole word's alternatives (群众, 消费者), is.
  const alternatives = new Map(
    terms
      .map((t) => {
        const own = thesaurus.alternatives(t);
        const viaWhole = terms.filter((u) => u.length > t.length && u.includes(t)).flatMap((u) => [u, ...thesaurus.alternatives(u)]);
        return [t, [...new Set([...own, ...viaWhole])]] as [string, string[]];
      })
      .filter(([, a]) => a.length > 0),
  );
  return {
    original: text,
    normalized,
    script,
    tokens,
    contentTerms: terms,
    cities,
    years,
    figures,
    askedUnit,
    asksFigure,
    alternatives,
    focus: termFocus(normalized, terms, figures),
    setting: settingTerms(normalized, terms),
  };
}
