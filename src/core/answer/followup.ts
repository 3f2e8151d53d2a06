/**
 * Follow-up questions without an LLM: "那青岛呢？" after "邢台市完成食品抽检多少批次？" becomes
 * "青岛市完成食品抽检多少批次？". The subject is carried over from the previous user question:
 * a follow-up that names only a city or a year takes the previous question's indicator with
 * the new city or year; one that asks about something new without naming a city ("那该市聘请
 * 了多少名药品协管员？") takes the previous city. Anything else is left as asked.
 */
import { extractFigures } from '../figures';
import type { Gazetteer } from '../geo';
import { normalizeQuery } from '../normalize';
import { detectScript, simplifiedToTraditional } from '../script';
import type { ChatTurn } from './types';

/** Words that carry no subject of their own in a follow-up ("那……呢？"). */
const FILLER = /那么|那|还有|另外|此外|请问|再问一下|再问|呢|吗|吧|啊|呀|的|情况|怎么样|怎样|如何|又|是|多少|有|呀|也|城市|地方|市|年|的话|这边|那边|这个|那个|这一|同样|同样的|一样|问题|数据|数字|呢/g;
/** A follow-up opens like this or refers back to the place it was about. */
const FOLLOW_UP_OPENING = /^(那么|那|还有|另外|此外|同时|再问|再请问|它|他们|其)/;
const PLACE_PRONOUN = /(该市|该地|这座城市|这个城市|那座城市|那个城市|那里|那儿|当地|本市|全市|我市)/;
const REPLACEABLE_PRONOUN = /(该市|该地|这座城市|这个城市|那座城市|那个城市|那里|那儿)/;

export interface FollowUpResult {
  question: string;
  /** How the question was made standalone: unchanged, or which part was carried over. */
  how: 'unchanged' | 'indicator' | 'city';
}

/**
 * Makes the last question standalone from the conversation so far. Earlier user questions are
 * resolved first, so "衢州呢？" after "那青岛呢？" still finds the indicator.
 */
export function rewriteFollowUp(gazetteer: Gazetteer, question: string, history: ChatTurn[]): FollowUpResult {
  let previous: string | null = null;
  for (const turn of history) {
    if (turn.role !== 'user' || !turn.content.trim()) continue;
    previous = previous === null ? turn.content : rewriteOne(gazetteer, turn.content, previous).question;
  }
  if (previous === null) return { question, how: 'unchanged' };
  return rewriteOne(gazetteer, question, previous);
}

function yearsIn(text: string): Array<{ raw: string; value: number }> {
  return extractFigures(text)
    .filter((f) => f.kind === 'year')
    .map((f) => ({ raw: f.raw, value: f.value }));
}

export function rewriteOne(gazetteer: Gazetteer, question: string, previous: string): FollowUpResult {
  const cur = normalizeQuery(question).trim();
  const prev = normalizeQuery(previous).trim();
  // Edit the text as the user wrote it (keeping 全角 punctuation) when normalizing only changes
  // width; a traditional or annotated question is edited in its normalized form instead.
  const curText = question.trim().normalize('NFKC') === cur ? question.trim() : cur;
  const prevRaw = previous.trim();
  const prevText = prevRaw.normalize('NFKC') === prev && yearsIn(prev).every((y) => prevRaw.includes(y.raw)) ? prevRaw : prev;
  const curCities = gazetteer.citiesIn(cur);
  const prevCities = gazetteer.citiesIn(prev);
  const curYears = yearsIn(cur);
  const prevYears = yearsIn(prev);
  const traditional = detectScript(question) === 'traditional';
  const out = (q: string, how: FollowUpResult['how']): FollowUpResult => ({ question: traditional ? simplifiedToTraditional(q) : q, how });

  // What is left once places, years, fillers and punctuation are gone: the indicator, if any.
  let residual = cur;
  for (const c of curCities) residual = residual.split(c).join('');
  for (const y of curYears) residual = residual.split(y.raw).join('');
  residual = residual.replace(FILLER, '').replace(/[\p{P}\p{S}\s\d]/gu, '');

  if (residual.length <= 1 && (curCities.length > 0 || curYears.length > 0)) {
    // "那青岛呢？" / "2021年呢？": the previous question with the new city or year.
    let q = prevText;
    if (curCities.length > 0) {
      const city = curCities[0];
      if (prevCities.length > 0) q = q.split(prevCities[0]).join(city);
      else q = `${city}市${q}`;
    }
    if (curYears.length > 0) {
      const year = curYears[0].raw;
      if (prevYears.length > 0) q = q.split(prevYears[0].raw).join(year);
      else {
        const city = gazetteer.citiesIn(q)[0];
        const at = city ? q.indexOf(city) + city.length + (q[q.indexOf(city) + city.length] === '市' ? 1 : 0) : 0;
        q = q.slice(0, at) + year + q.slice(at);
      }
    }
    return out(q, 'indicator');
  }

  if (curCities.length === 0 && prevCities.length > 0 && residual.length > 1 && (FOLLOW_UP_OPENING.test(cur) || PLACE_PRONOUN.test(cur))) {
    // "那该市聘请了多少名药品协管员？": a new indicator about the same city.
    const city = `${prevCities[0]}市`;
    let q = curText.replace(FOLLOW_UP_OPENING, '').replace(/^[，,、\s]+/, '');
    if (REPLACEABLE_PRONOUN.test(q)) q = q.replace(new RegExp(REPLACEABLE_PRONOUN.source, 'g'), city);
    else q = `${city}${q}`;
    return out(q, 'city');
  }
  return out(question, 'unchanged');
}
