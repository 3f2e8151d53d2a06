import { describe, expect, it } from 'vitest';
import { normalizeQuery } from '../src/core/normalize';
import { nodeTokenizer } from '../src/node/jieba';

const tok = nodeTokenizer();

describe('tokenizer (nodejieba, search mode, HMM off)', () => {
  it('keeps figures whole', () => {
    const t = tok.tokenize('2022年全市市场主体净增7.06万户,总量达到83.18万户');
    expect(t).toContain('7.06万户');
    expect(t).toContain('83.18万户');
    expect(t).toContain('2022年');
    expect(t).not.toContain('7');
  });

  it('keeps domain terms from the user dictionary', () => {
    const t = tok.tokenize('全面推行企业首席质量官制度,夯实质量基础设施,新增品字标企业');
    for (const term of ['首席质量官', '质量基础设施', '品字标']) expect(t).toContain(term);
  });

  it('drops punctuation and stopwords', () => {
    const t = tok.tokenize('邢台市的市场主体，是多少？');
    expect(t).not.toContain('的');
    expect(t).not.toContain('多少');
    expect(t.some((x) => /[，？,?]/.test(x))).toBe(false);
  });

  it('tokenizes traditional text exactly like its simplified form', () => {
    const pairs = [
      ['衢州市市場監督管理局以質量強市為主引擎', '衢州市市场监督管理局以质量强市为主引擎'],
      ['累計完成食品抽檢8.8萬批次,合格率99.69%', '累计完成食品抽检8.8万批次,合格率99.69%'],
      ['高質(zhì)量發(fā)展', '高质量发展'],
    ];
    for (const [trad, simp] of pairs) expect(tok.tokenize(normalizeQuery(trad))).toEqual(tok.tokenize(normalizeQuery(simp)));
  });

  it('glues digit and Latin runs jieba splits', () => {
    expect(tok.tokenize('NQI青岛模式和12315热线')).toEqual(expect.arrayContaining(['nqi', '12315']));
  });
});
