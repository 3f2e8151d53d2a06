import { beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../src/core/engine';
import { verifyClaim } from '../src/core/verify';
import type { NodeRuntime } from '../src/node/runtime';
import { postJson, runtime } from './helpers';

let rt: NodeRuntime;
let engine: Engine;
beforeAll(async () => {
  rt = await runtime();
  engine = rt.engine();
});

const verdict = async (claim: string) => verifyClaim(engine, claim);

describe('verify: alignment edge cases on the real documents', () => {
  it('wrong value → contradicted with the document figure and a Chinese explanation', async () => {
    const r = await verdict('邢台市2022年市场主体净增8万户');
    expect(r.verdict).toBe('contradicted');
    expect(r.figures).toEqual([{ claimed: '8万户', found: '7.06万户', match: false }]);
    expect(r.evidence[0].quote).toContain('7.06万户');
    expect(r.explanation).toBe('文件称7.06万户，而非8万户。');
  });

  it('the claim precision decides: 7万户 is 7.06万户 at 万 precision, 7.2万户 is not', async () => {
    expect((await verdict('邢台市2022年市场主体净增7万户')).verdict).toBe('supported');
    expect((await verdict('邢台市2022年市场主体净增7.2万户')).verdict).toBe('contradicted');
  });

  it('万户 vs 户: the same quantity written out is supported', async () => {
    expect((await verdict('邢台市2022年市场主体净增70600户')).verdict).toBe('supported');
  });

  it('% vs 百分点 are different units', async () => {
    expect((await verdict('邢台食品抽检总体合格率为98.45个百分点')).verdict).not.toBe('supported');
    expect((await verdict('邢台食品抽检总体合格率为98.45%')).verdict).toBe('supported');
  });

  it('hedges: 约 within 5%, 超过 as a lower bound, 70余 is seventy-something', async () => {
    expect((await verdict('邢台帮助企业完成知识产权质押融资约5.5亿元')).verdict).toBe('supported');
    expect((await verdict('黄石劲牌公司的品牌价值超过200亿元')).verdict).toBe('supported');
    expect((await verdict('黄石劲牌公司的品牌价值超过300亿元')).verdict).toBe('contradicted');
    expect((await verdict('衢州今年已推动70余家企业导入卓越绩效管理模式')).verdict).toBe('contradicted');
  });

  it('三分之一 equals 1/3', async () => {
    expect((await verdict('青岛涉企检查同比压减三分之一以上')).verdict).toBe('supported');
  });

  it('wrong city: the figure belongs to another city', async () => {
    const r = await verdict('青岛2022年市场主体净增7.06万户');
    expect(r.verdict).toBe('contradicted');
    expect(r.evidence.some((e) => e.docId === '001_857d87e6a2c63903' && e.quote.includes('7.06万户'))).toBe(true);
  });

  it('wrong year: the figure belongs to another year', async () => {
    const r = await verdict('邢台市2021年市场主体净增7.06万户');
    expect(r.verdict).toBe('contradicted');
    expect(r.evidence[0].quote).toContain('7.06万户');
  });

  it('a year that is the claim is compared as a figure', async () => {
    const r = await verdict('邢台要求到2025年底全市规上工业企业全部设立首席质量官');
    expect(r).toMatchObject({ verdict: 'contradicted', figures: [{ claimed: '2025年', found: '2023年', match: false }] });
  });

  it('ordinals: 全省第一 vs 全省第三', async () => {
    expect((await verdict('截至11月底，邢台有效注册商标总量15.47万件，位居全省第一')).verdict).toBe('contradicted');
  });

  it('a neighbouring indicator the documents do not state → not_found', async () => {
    expect((await verdict('青岛市2021年完成药品抽检1.5万批次')).verdict).toBe('not_found');
    expect((await verdict('衢州市2024年全市新增商标注册量达到1.1万件')).verdict).toBe('not_found');
  });

  it('a claim without figures gets a verdict on its statement', async () => {
    expect((await verdict('邢台被确定为国家食品安全示范创建推荐城市')).verdict).toBe('supported');
    const r = await verdict('衢州已实现国家质量奖零的突破');
    expect(r.verdict).toBe('not_found');
    expect(r.explanation.length).toBeGreaterThan(5);
  });
});

describe('/api/verify and /api/figures over HTTP', () => {
  it('returns the contract shape with exact quotes', async () => {
    const res = await postJson(rt.app, '/api/verify', { claim: '衢州全市12家“一站式”质量基础设施平台的服务事项已达320项。' });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ verdict: 'contradicted' });
    expect(body.figures).toContainEqual({ claimed: '320项', found: '220项', match: false });
    const doc = (await (await rt.app.request(`/api/documents/${body.evidence[0].docId}`)).json()).text;
    expect(doc.slice(body.evidence[0].start, body.evidence[0].end)).toBe(body.evidence[0].quote);
  });

  it('rejects bad claims with 4xx', async () => {
    expect((await postJson(rt.app, '/api/verify', { claim: '' })).status).toBe(400);
    expect((await postJson(rt.app, '/api/verify', { claim: 7 })).status).toBe(400);
    expect((await postJson(rt.app, '/api/verify', 'not json')).status).toBe(400);
    expect((await postJson(rt.app, '/api/verify', { claim: '数'.repeat(3000) })).status).toBe(413);
  });

  it('lists figures whose context matches a term, with citations', async () => {
    const body = await (await rt.app.request('/api/figures?q=发明专利')).json();
    expect(body.count).toBeGreaterThanOrEqual(5);
    const raws = body.figures.map((f: { raw: string }) => f.raw);
    expect(raws).toEqual(expect.arrayContaining(['1960件', '5590件', '22.23%']));
    for (const f of body.figures) expect(f.sentence).toContain('发明专利');
  });

  it('finds traditional-script figures with a simplified term, and serves CSV with a BOM', async () => {
    const res = await rt.app.request('/api/figures?q=' + encodeURIComponent('合格率') + '&format=csv');
    expect(res.headers.get('content-type')).toContain('text/csv');
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]); // UTF-8 BOM
    const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
    const lines = text.trimEnd().split('\r\n');
    expect(lines[0]).toBe('\ufeffdocId,title,figure,value,upper,unit,kind,qualifier,start,end,quote,sentence');
    expect(text).toContain('99.69%'); // 青岛, traditional source
    expect(text).toContain('98.45%');
  });

  it('rejects a missing term and a bad format', async () => {
    expect((await rt.app.request('/api/figures')).status).toBe(400);
    expect((await rt.app.request('/api/figures?q=质量&format=xml')).status).toBe(400);
  });
});
