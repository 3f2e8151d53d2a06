import { describe, expect, it } from 'vitest';
import { extractFigures, parseChineseNumber, sameQuantity, type Figure } from '../src/core/figures';
import { normalize } from '../src/core/normalize';
import { seedTexts } from './helpers';

const one = (s: string): Figure => {
  const f = extractFigures(s);
  expect(f).toHaveLength(1);
  return f[0];
};

describe('figures', () => {
  it.each([
    ['7.06万户', 70600, '户', 'count'],
    ['83.18万户', 831800, '户', 'count'],
    ['2,000万', 20000000, '', 'number'],
    ['5.47亿元', 547000000, '元', 'money'],
    ['98.45%', 98.45, '%', 'percent'],
    ['111.83%', 111.83, '%', 'percent'],
    ['1/3', 1 / 3, '/', 'fraction'],
    ['三分之一', 1 / 3, '/', 'fraction'],
    ['三十项', 30, '项', 'count'],
    ['一千五百件', 1500, '件', 'count'],
    ['2022年', 2022, '年', 'year'],
    ['5328批次', 5328, '批次', 'count'],
    ['3个百分点', 3, '百分点', 'ppoint'],
    ['1.1万件', 11000, '件', 'count'],
  ])('%s → %d %s (%s)', (raw, value, unit, kind) => {
    const f = one(raw);
    expect(f.value).toBeCloseTo(value, 9);
    expect(f.unit).toBe(unit);
    expect(f.kind).toBe(kind);
  });

  it('parses ranges, dates and hedges', () => {
    expect(one('2022-2024年')).toMatchObject({ kind: 'year', value: 2022, upper: 2024 });
    expect(one('2021—2035年')).toMatchObject({ kind: 'year', value: 2021, upper: 2035 });
    expect(one('5万元至20万元')).toMatchObject({ kind: 'money', value: 50000, upper: 200000 });
    expect(one('2022年8月25日')).toMatchObject({ kind: 'date', value: 20220825 });
    expect(one('近240亿元')).toMatchObject({ value: 24e9, qualifier: 'approx' });
    expect(one('625余万元')).toMatchObject({ value: 6.25e6, qualifier: 'plus' });
    expect(one('130多件')).toMatchObject({ value: 130, qualifier: 'plus' });
    expect(extractFigures('94%以上')[0]).toMatchObject({ value: 94, qualifier: 'over' });
  });

  it('parses Chinese numerals', () => {
    expect(parseChineseNumber('三十')).toBe(30);
    expect(parseChineseNumber('十三')).toBe(13);
    expect(parseChineseNumber('一千五百')).toBe(1500);
    expect(parseChineseNumber('两万')).toBe(20000);
    expect(parseChineseNumber('二十')).toBe(20);
  });

  it('does not take articles and codes for figures', () => {
    expect(extractFigures('培育一批、一站式服务')).toHaveLength(0);
    expect(extractFigures('食品P2微生物实验室').filter((f) => f.kind !== 'ordinal')).toHaveLength(0);
    expect(one('第十二次')).toMatchObject({ kind: 'ordinal', value: 12 });
  });

  it('compares at the claim precision and only within a unit', () => {
    expect(sameQuantity(one('8万户'), one('7.06万户'))).toBe(false);
    expect(sameQuantity(one('7.06万户'), one('70600户'))).toBe(true);
    // 7万 is precise to 1万: it claims 65,000–75,000, so 7.06万 is the same figure at that precision.
    expect(sameQuantity(one('7万户'), one('7.06万户'))).toBe(true);
    expect(sameQuantity(one('7.1万户'), one('7.06万户'))).toBe(true);
    expect(sameQuantity(one('7.2万户'), one('7.06万户'))).toBe(false);
    expect(sameQuantity(one('7.06万'), one('7.06万户'))).toBe(false); // 万 alone is not 万户
    expect(sameQuantity(one('3%'), one('3个百分点'))).toBe(false);
  });

  it('parses every number in the five seeds into a finite value', () => {
    for (const { docId, text } of seedTexts()) {
      const norm = normalize(text).text;
      const figures = extractFigures(norm);
      const covered = new Uint8Array(norm.length);
      for (const f of figures) {
        expect(Number.isFinite(f.value), `${docId}: ${f.raw}`).toBe(true);
        for (let i = f.start; i < f.end; i++) covered[i] = 1;
      }
      for (const m of norm.matchAll(/\d+/g)) {
        const at = m.index!;
        const isCode = at > 0 && /[A-Za-z]/.test(norm[at - 1]);
        if (!isCode) expect(covered[at], `${docId}: "${norm.slice(Math.max(0, at - 8), at + 12)}"`).toBe(1);
      }
      expect(figures.length).toBeGreaterThan(10);
    }
  });
});
