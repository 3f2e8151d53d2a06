import { beforeAll, describe, expect, it } from 'vitest';
import type { NodeRuntime } from '../src/node/runtime';
import { postJson, runtime } from './helpers';

let rt: NodeRuntime;
beforeAll(async () => {
  rt = await runtime();
});

// The HTTP contract itself (every endpoint, SSE framing, bad input, exact quotes) is one suite run
// against both runtimes: test/contract/. This file keeps what is specific to the Node app.

describe('near misses over HTTP', () => {
  it('abstains politely for another city, another year, a neighbouring indicator', async () => {
    for (const question of ['青岛市2021年知识产权质押融资金额是多少？', '邢台市2021年市场主体净增多少户？', '衢州市2024年新增“浙江制造”认证企业多少家？']) {
      const body = await (await postJson(rt.app, '/api/ask', { question })).json();
      expect(body.abstained, question).toBe(true);
      expect(body.answer).toMatch(/^文件中没有找到/);
      expect(body.answer).not.toMatch(/\[\d+\]/);
    }
  });

});

describe('answer cache', () => {
  it('serves a repeated question identically, also when streamed, and never shares mutable objects', async () => {
    const q = { question: '青岛有多少家企业入选全省高端品牌培育名单？' };
    const a = await (await postJson(rt.app, '/api/ask', q)).json();
    const b = await (await postJson(rt.app, '/api/ask', q)).json();
    expect(b).toEqual(a);
    const raw = await (await postJson(rt.app, '/api/ask', q, { Accept: 'text/event-stream' })).text();
    const done = JSON.parse(/event: done\ndata: (.*)/.exec(raw)![1]);
    expect(done).toEqual(a);
    const deltas = [...raw.matchAll(/event: delta\ndata: (.*)/g)].map((m) => JSON.parse(m[1]).text).join('');
    expect(deltas).toBe(a.answer);
  });
});
