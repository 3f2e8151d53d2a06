import { describe, expect, it } from 'vitest';
import { detectGarbled } from '../src/core/garble';
import { normalize, normalizeQuery, toOriginalSpan } from '../src/core/normalize';
import { seedTexts } from './helpers';

describe('normalize', () => {
  it('removes pinyin annotations after CJK characters and keeps other parentheses', () => {
    const n = normalize('高質(zhì)量發(fā)展(2022)《公园城市国家标准(送审稿)》《计量发展规划(2021—2035年)》的(de)');
    expect(n.text).toBe('高质量发展(2022)《公园城市国家标准(送审稿)》《计量发展规划(2021—2035年)》的(de)');
    expect(n.annotationsRemoved).toBe(2);
  });

  it('folds full width forms and converts traditional to simplified', () => {
    expect(normalizeQuery('ＡＢＣ１２３，邢臺市聘請了多少名藥品協管員？')).toBe('ABC123,邢台市聘请了多少名药品协管员?');
  });

  it('collapses whitespace: no spaces inside Chinese, one newline for blank lines', () => {
    expect(normalizeQuery('  服务企业 1030次\n\n\n  下一段  text  here ')).toBe('服务企业1030次\n下一段text here');
  });

  it('maps every normalized span of every seed back to the exact original text', () => {
    for (const { text } of seedTexts()) {
      const n = normalize(text);
      let seed = 7;
      const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
      for (let k = 0; k < 300; k++) {
        const a = Math.floor(rand() * (n.text.length - 1));
        const b = Math.min(n.text.length, a + 1 + Math.floor(rand() * 80));
        const span = toOriginalSpan(n, a, b);
        const original = text.slice(span.start, span.end);
        // The original slice normalizes back to the normalized span (modulo whitespace at the
        // edges; a span starting inside an expansion such as ⑸ → (5) gets the whole character).
        const back = normalizeQuery(original).replace(/\s/g, '');
        const span2 = n.text.slice(a, b).replace(/\s/g, '');
        expect(back.includes(span2) && back.length - span2.length <= 4, `${JSON.stringify(back)} vs ${JSON.stringify(span2)}`).toBe(true);
      }
    }
  });

  it('ends a span on an annotated character with its annotation', () => {
    const original = '質(zhì)量強市';
    const n = normalize(original);
    const span = toOriginalSpan(n, 0, 2);
    expect(original.slice(span.start, span.end)).toBe('質(zhì)量');
  });

  it('reports garbled stretches in the traditional seeds and never throws on garbage', () => {
    const seeds = seedTexts();
    const garbled = seeds.map(({ text }) => detectGarbled(normalize(text).text).length);
    expect(garbled.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(3);
    expect(garbled[1]).toBe(0); // 邢台 is clean
    const junk = Array.from({ length: 2000 }, (_, i) => String.fromCharCode((i * 7919) % 0xffff)).join('');
    expect(() => detectGarbled(normalize(junk).text)).not.toThrow();
  });
});

describe('script detection', () => {
  it('one traditional-only character makes a question traditional; stray variants leave a document simplified', async () => {
    const { detectScript } = await import('../src/core/script');
    expect(detectScript('邢台市完成食品抽檢多少批次？')).toBe('traditional');
    expect(detectScript('邢台市完成食品抽检多少批次？')).toBe('simplified');
    expect(detectScript('衢州今年新發展了多少種“三同”產品？')).toBe('traditional');
    expect(detectScript(seedTexts()[0].text)).toBe('simplified'); // 现埸 typo-variants in a simplified speech
    expect(detectScript(seedTexts()[3].text)).toBe('traditional');
    expect(detectScript('2022')).toBe('none');
  });
});
