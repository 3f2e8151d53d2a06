/**
 * Unit tests of the browser side without a browser: pages.ts (escaping, <mark> placement, CSP
 * hashes, purity), the widget's pure helpers (SSE parser, citation markers, figure highlighting,
 * copy text, language detection), its HTTP client against the protocol fake, and the bundle.
 */

import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  DEMO_PAGE_SCRIPT,
  DEMO_PAGE_SCRIPT_HASH,
  SOURCE_VIEWER_CSP,
  SOURCE_VIEWER_SCRIPT,
  SOURCE_VIEWER_SCRIPT_HASH,
  demoPageCsp,
  escapeHtml,
  renderDemoPage,
  renderSourceViewer,
} from '../src/http/pages';
import { ApiError, ask, parseRetryAfter, verify } from '../src/widget/api';
import { WIDGET_GZIP_BUDGET, buildWidget, widgetSizes } from '../src/widget/build';
import { detectLang, stringsFor } from '../src/widget/i18n';
import { createSseParser, type SseEvent } from '../src/widget/sse';
import { copyText, findFigures, highlightFigures, sourceUrl, splitAnswer } from '../src/widget/text';
import { FAKE_DOCS, createFakeApi } from './browser/fake-api';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const XSS = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>';

/** The text content of the first <mark id="hl">…</mark>, unescaped. */
function markText(html: string): string | null {
  const m = /<mark id="hl"[^>]*>([\s\S]*?)<\/mark>/.exec(html);
  return m ? unescape(m[1]) : null;
}
function unescape(s: string): string {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
}
const sha = (s: string) => 'sha256-' + createHash('sha256').update(s, 'utf8').digest('base64');

describe('pages.ts: renderSourceViewer', () => {
  const doc = { docId: 'd1', title: '关于<b>质量</b>的"通知"', text: '第一段：净增7.06万户。\n第二段 <script>alert(1)</script> & 合格率98.45%。\n末段。' };

  it('wraps exactly text.slice(start, end) in <mark id="hl">', () => {
    const start = doc.text.indexOf('净增');
    const end = doc.text.indexOf('。');
    const html = renderSourceViewer(doc, { start, end });
    expect(markText(html)).toBe(doc.text.slice(start, end));
    expect(html.match(/<mark/g)).toHaveLength(1);
    // The whole original text survives escaping, in order.
    const body = /<div class="doc">([\s\S]*?)<\/div>/.exec(html)![1].replace(/<\/?mark[^>]*>/g, '');
    expect(unescape(body)).toBe(doc.text);
  });

  it('escapes a span that covers markup and scrolls it into view', () => {
    const start = doc.text.indexOf('<script>');
    const end = start + '<script>alert(1)</script>'.length;
    const html = renderSourceViewer(doc, { start, end });
    expect(markText(html)).toBe('<script>alert(1)</script>');
    expect(html).not.toContain('<script>alert(1)');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;</mark> &amp; 合格率');
    expect(html).toContain(`<script>${SOURCE_VIEWER_SCRIPT}</script>`);
    expect(SOURCE_VIEWER_SCRIPT).toContain('scrollIntoView');
  });

  it('escapes title and docId everywhere', () => {
    const html = renderSourceViewer({ docId: '"><script>x()</script>', title: XSS, text: XSS }, { start: 0, end: 5 });
    expect(html).not.toMatch(/<img/i);
    expect(html.match(/<script>/g)).toHaveLength(1); // only the viewer's own script
    expect(html).toContain('<title>&lt;img src=x onerror=&quot;window.__xss=1&quot;&gt;');
    expect(html).toContain('&quot;&gt;&lt;script&gt;x()');
  });

  it.each([
    ['null', null],
    ['empty', { start: 3, end: 3 }],
    ['reversed', { start: 5, end: 2 }],
    ['negative', { start: -1, end: 4 }],
    ['past the end', { start: 2, end: 10_000 }],
    ['NaN', { start: NaN, end: 4 }],
    ['fractional', { start: 1.5, end: 4 }],
  ])('no <mark> and no script for an invalid span (%s)', (_name, span) => {
    const html = renderSourceViewer(doc, span as { start: number; end: number } | null);
    expect(html).not.toContain('<mark');
    expect(html).not.toContain('<script');
    expect(unescape(/<div class="doc">([\s\S]*?)<\/div>/.exec(html)![1])).toBe(doc.text);
    if (span) expect(html).toContain('未能定位');
  });

  it('accepts a span that ends exactly at the end of the text', () => {
    const html = renderSourceViewer(doc, { start: doc.text.length - 3, end: doc.text.length });
    expect(markText(html)).toBe('末段。');
  });

  it('needs nothing external and ships a CSP', () => {
    const html = renderSourceViewer(doc, { start: 0, end: 3 });
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<link|@import|url\(/i);
    expect(html).toContain('Content-Security-Policy');
    expect(SOURCE_VIEWER_CSP).toContain(SOURCE_VIEWER_SCRIPT_HASH);
  });
});

describe('pages.ts: renderDemoPage', () => {
  it('renders example buttons, escaped', () => {
    const html = renderDemoPage({ title: `标题${XSS}`, examples: ['问题一？', `"><script>alert(1)</script>`] });
    expect(html).not.toMatch(/<img/i);
    expect(html).not.toContain('<script>alert(1)');
    expect(html).toContain('data-q="问题一？"');
    expect(html).toContain('data-q="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"');
    expect(html.match(/<button /g)).toHaveLength(2);
    expect(html).toContain('<title>标题&lt;img');
  });

  it('embeds the same widget inline, same-origin by default, with no outside resources', () => {
    const html = renderDemoPage({ title: '政策问答', examples: [] });
    expect(html).toMatch(/<script src="\/widget\.js" data-mode="inline" data-container="policyqa-chat"[^>]*defer><\/script>/);
    expect(html).toContain('id="policyqa-chat"');
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).toContain(`<script>${DEMO_PAGE_SCRIPT}</script>`);
  });

  it('passes endpoint/widgetSrc/lang through, escaped, and allows them in its CSP', () => {
    const html = renderDemoPage({ title: 'T', examples: ['q'], widgetSrc: 'https://cdn.example.gov.cn/widget.js?a=1&b=2', endpoint: 'https://api.example.gov.cn', lang: 'zh-Hant' });
    expect(html).toContain('src="https://cdn.example.gov.cn/widget.js?a=1&amp;b=2"');
    expect(html).toContain('data-endpoint="https://api.example.gov.cn"');
    expect(html).toContain('data-lang="zh-Hant"');
    expect(html).toContain('<html lang="zh-Hant">');
    expect(html).toContain('範例問題');
    const csp = demoPageCsp({ widgetSrc: 'https://cdn.example.gov.cn/widget.js', endpoint: 'https://api.example.gov.cn' });
    expect(csp).toContain("script-src 'self' https://cdn.example.gov.cn");
    expect(csp).toContain("connect-src 'self' https://api.example.gov.cn");
  });

  it('CSP hashes match the inline scripts', () => {
    expect(sha(SOURCE_VIEWER_SCRIPT)).toBe(SOURCE_VIEWER_SCRIPT_HASH);
    expect(sha(DEMO_PAGE_SCRIPT)).toBe(DEMO_PAGE_SCRIPT_HASH);
  });

  it('pages.ts is pure (no node:* or other imports) so it runs in Workers', () => {
    const src = readFileSync(resolve(ROOT, 'src/http/pages.ts'), 'utf8');
    expect(src).not.toMatch(/^\s*import\s/m);
    expect(src).not.toMatch(/require\(|process\.|Buffer/);
  });

  it('escapeHtml covers the five characters', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
    expect(escapeHtml(undefined)).toBe('');
  });
});

describe('widget: SSE parser', () => {
  const parse = (chunks: string[]) => {
    const out: SseEvent[] = [];
    const p = createSseParser((e) => out.push(e));
    for (const c of chunks) p.push(c);
    p.end();
    return out;
  };

  it('parses events split anywhere, with \\n, \\r\\n and \\r endings, comments and multi-line data', () => {
    const text = '\uFEFF: keep-alive\n\nevent: citations\r\ndata: [1]\r\n\r\nevent: delta\rdata: {"text":"净增"}\r\rdata: a\ndata: b\n\nevent: done\ndata:{"x":1}\n\n';
    const expected = [
      { event: 'citations', data: '[1]', id: undefined },
      { event: 'delta', data: '{"text":"净增"}', id: undefined },
      { event: 'message', data: 'a\nb', id: undefined },
      { event: 'done', data: '{"x":1}', id: undefined },
    ];
    expect(parse([text])).toEqual(expected);
    for (let size = 1; size <= 7; size++) {
      const chunks: string[] = [];
      for (let i = 0; i < text.length; i += size) chunks.push(text.slice(i, i + size));
      expect(parse(chunks)).toEqual(expected);
    }
  });

  it('drops an unterminated trailing event (a dropped stream)', () => {
    expect(parse(['event: delta\ndata: {"text":"x"}\n\nevent: done\ndata: {"answer"'])).toEqual([
      { event: 'delta', data: '{"text":"x"}', id: undefined },
    ]);
  });
});

describe('widget: answer text helpers', () => {
  const known = (n: number) => n >= 1 && n <= 3;

  it('turns known [n] markers into citations, leaves others as text', () => {
    expect(splitAnswer('净增7.06万户[1]，合格率98.45%[2][9]，见【3】与[1,2]。', known)).toEqual([
      { t: 'text', text: '净增7.06万户' },
      { t: 'cite', ns: [1], raw: '[1]' },
      { t: 'text', text: '，合格率98.45%' },
      { t: 'cite', ns: [2], raw: '[2]' },
      { t: 'text', text: '[9]，见' },
      { t: 'cite', ns: [3], raw: '【3】' },
      { t: 'text', text: '与' },
      { t: 'cite', ns: [1, 2], raw: '[1,2]' },
      { t: 'text', text: '。' },
    ]);
    expect(splitAnswer('还在流式输出[1', known)).toEqual([{ t: 'text', text: '还在流式输出[1' }]);
  });

  it('finds figures with units', () => {
    const f = findFigures('净增7.06万户，合格率98.45%，抽检5328批次，2,000万元，2022年，A3纸');
    expect(f.map((x) => `${x.num}|${x.unit}`)).toEqual(['7.06|万户', '98.45|%', '5328|批次', '2000|万元', '2022|年']);
  });

  it("highlights the answer's figures in the quote", () => {
    const quote = '2022年全市市场主体净增7.06万户，总量达到83.18万户，目标完成率147.61%，同比增长9.28%。';
    const segs = highlightFigures(quote, ['净增7.06万户，同比增长9.28%[1]']);
    expect(segs.filter((s) => s.hl).map((s) => s.text)).toEqual(['7.06万户', '9.28%']);
    expect(segs.map((s) => s.text).join('')).toBe(quote);
    expect(highlightFigures('完成食品抽检3.43万批次', ['3.43万批次']).filter((s) => s.hl).map((s) => s.text)).toEqual(['3.43万批次']);
    expect(highlightFigures('共3项', ['第3条'])).toEqual([{ text: '共3项', hl: false }]);
    expect(highlightFigures('', ['1'])).toEqual([{ text: '', hl: false }]);
  });

  it('builds source URLs and the copy text', () => {
    const c = { n: 1, docId: 'a b/c', title: '文件', start: 3, end: 9, quote: '原文' };
    expect(sourceUrl('http://h', c)).toBe('http://h/doc/a%20b%2Fc?start=3&end=9');
    expect(copyText('答案[1]', [c], 'http://h', '来源')).toBe('答案[1]\n\n来源：\n[1] 文件：“原文” http://h/doc/a%20b%2Fc?start=3&end=9');
  });

  it('detects traditional Chinese', () => {
    expect(detectLang('zh-Hant', 'zh-CN')).toBe('zh-Hant');
    expect(detectLang(null, 'zh-TW')).toBe('zh-Hant');
    expect(detectLang(undefined, 'zh-hk')).toBe('zh-Hant');
    expect(detectLang('', 'zh-Hant-TW')).toBe('zh-Hant');
    expect(detectLang(null, 'zh-CN')).toBe('zh-Hans');
    expect(detectLang('zh-Hans', 'zh-TW')).toBe('zh-Hans');
    expect(detectLang(null, null)).toBe('zh-Hans');
    expect(stringsFor('zh-Hant').rateLimited(7)).toBe('請求過於頻繁，請 7 秒後再試');
    expect(stringsFor('zh-Hans').rateLimited(7)).toBe('请求过于频繁，请 7 秒后再试');
  });

  it('parses Retry-After', () => {
    expect(parseRetryAfter('7')).toBe(7);
    expect(parseRetryAfter(null)).toBeNull();
    expect(parseRetryAfter('soon')).toBeNull();
    expect(parseRetryAfter(new Date(Date.UTC(2030, 0, 1, 0, 0, 30)).toUTCString(), Date.UTC(2030, 0, 1))).toBe(30);
  });
});

describe('widget: HTTP client against the protocol fake', () => {
  afterEach(() => vi.unstubAllGlobals());
  const useFake = (opts?: Parameters<typeof createFakeApi>[0]) => {
    const app = createFakeApi({ chunkDelayMs: 0, ...opts });
    const fetchSpy = vi.fn((url: string, init?: RequestInit) => app.fetch(new Request(url, init)));
    vi.stubGlobal('fetch', fetchSpy);
    return fetchSpy;
  };
  const cfg = { endpoint: 'http://fake' };

  it('streams citations and deltas, and the done answer is final', async () => {
    useFake();
    const deltas: string[] = [];
    let cites: unknown[] = [];
    const res = await ask(cfg, { question: '2022年全市市场主体净增多少户？' }, { onCitations: (c) => (cites = c), onDelta: (d) => deltas.push(d) });
    expect(cites).toHaveLength(2);
    expect(deltas.join('')).toBe('2022年全市市场主体净增7.06万户[1]。');
    expect(res.answer).toContain('83.18万户');
    const doc = FAKE_DOCS[0];
    for (const c of res.citations) expect(doc.text.slice(c.start, c.end)).toBe(c.quote);
  });

  it('sends the bearer token and the history', async () => {
    const spy = useFake({ token: 't0k' });
    await expect(ask(cfg, { question: '多少户' }, {})).rejects.toMatchObject({ kind: 'http', status: 401, code: 'unauthorized' });
    const history = [{ role: 'user' as const, content: 'q' }, { role: 'assistant' as const, content: 'a' }];
    await ask({ ...cfg, token: 't0k' }, { question: '多少户', history }, {});
    const init = spy.mock.calls[1][1]!;
    expect((init.headers as Record<string, string>).Authorization).toBe('Bearer t0k');
    expect(JSON.parse(String(init.body)).history).toEqual(history);
  });

  it('reports 429 with Retry-After, dropped streams, stream errors and network failures', async () => {
    useFake();
    await expect(ask(cfg, { question: '限流' }, {})).rejects.toMatchObject({ kind: 'http', status: 429, code: 'rate_limited', retryAfter: 7 });
    await expect(ask(cfg, { question: '断流 多少户' }, {})).rejects.toMatchObject({ kind: 'dropped' });
    await expect(ask(cfg, { question: '出错 多少户' }, {})).rejects.toMatchObject({ kind: 'stream', message: '模拟的服务端错误' });
    vi.stubGlobal('fetch', () => Promise.reject(new TypeError('Failed to fetch')));
    const e = await ask(cfg, { question: 'x' }, {}).catch((x) => x);
    expect(e).toBeInstanceOf(ApiError);
    expect(e.kind).toBe('network');
  });

  it('tells an origin the server refuses (CORS) from a server that is down', async () => {
    // Browser view: the POST fails opaquely. OPTIONS passes CORS only for an allowed origin; a
    // no-cors GET of /healthz resolves whenever the server answers at all.
    const probe = (opts: { optionsOk: boolean; up: boolean }) => {
      const calls: string[] = [];
      vi.stubGlobal('fetch', async (url: string, init?: RequestInit) => {
        calls.push(`${init?.method ?? 'GET'} ${init?.mode} ${url}`);
        if (init?.method === 'OPTIONS' && opts.optionsOk) return new Response(null, { status: 204 });
        if (init?.mode === 'no-cors' && opts.up) return new Response(null, { status: 200 });
        throw new TypeError('Failed to fetch');
      });
      return calls;
    };
    const calls = probe({ optionsOk: false, up: true });
    await expect(ask(cfg, { question: 'x' }, {})).rejects.toMatchObject({ kind: 'refused' });
    expect(calls).toEqual(['POST cors http://fake/api/ask', 'OPTIONS cors http://fake/api/ask', 'GET no-cors http://fake/healthz']);
    probe({ optionsOk: false, up: true });
    await expect(verify(cfg, 'x')).rejects.toMatchObject({ kind: 'refused' });
    probe({ optionsOk: true, up: true }); // allowed origin, transient failure
    await expect(ask(cfg, { question: 'x' }, {})).rejects.toMatchObject({ kind: 'network' });
    probe({ optionsOk: false, up: false }); // server down
    await expect(ask(cfg, { question: 'x' }, {})).rejects.toMatchObject({ kind: 'network' });
    expect(stringsFor('zh-Hans').refused).toContain('未获准');
    expect(stringsFor('zh-Hant').refused).toContain('未獲准');
  });

  it('a stream that ends without `done` is dropped; a JSON (non-SSE) reply is accepted', async () => {
    vi.stubGlobal('fetch', async () => new Response('event: delta\ndata: {"text":"半"}\n\n', { headers: { 'Content-Type': 'text/event-stream' } }));
    await expect(ask(cfg, { question: 'x' }, {})).rejects.toMatchObject({ kind: 'dropped' });
    const body = { answer: 'a', mode: 'extractive', abstained: false, citations: [] };
    vi.stubGlobal('fetch', async () => Response.json(body));
    await expect(ask(cfg, { question: 'x' }, {})).resolves.toEqual(body);
  });

  it('verify returns the verdict', async () => {
    useFake();
    expect((await verify(cfg, '2022年全市市场主体净增7.06万户')).verdict).toBe('supported');
    expect((await verify(cfg, '2022年全市市场主体净增8万户')).verdict).toBe('contradicted');
    expect((await verify(cfg, '无关')).verdict).toBe('not_found');
  });
});

describe('widget bundle', () => {
  it(`builds to ≤ ${WIDGET_GZIP_BUDGET} bytes gzipped, self-contained, without innerHTML or outside URLs`, async () => {
    const js = await buildWidget();
    const { raw, gzip } = widgetSizes(js);
    console.log(`widget.js: ${raw} B raw, ${gzip} B gzip`);
    expect(gzip).toBeLessThanOrEqual(WIDGET_GZIP_BUDGET);
    expect(js).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function/);
    const urls = js.match(/https?:\/\/[^\s"'`)]+/g) ?? [];
    expect(urls.filter((u) => u !== 'http://www.w3.org/2000/svg')).toEqual([]);
    expect(js).not.toMatch(/@import|url\(|fonts\.googleapis|\bimport\(/);
    expect(/^[\x00-\x7f]*$/.test(js)).toBe(true); // ASCII: safe on GBK pages / without charset
  });

  it('widget sources never use innerHTML-like sinks', () => {
    const dir = resolve(ROOT, 'src/widget');
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.ts'))) {
      const src = readFileSync(resolve(dir, f), 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
      expect(src, f).not.toMatch(/\.innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
    }
  });
});
