/**
 * The widget in headless Chromium against the REAL app (issue #7 parts 4–5): createNodeRuntime
 * over the committed index, served by @hono/node-server at http://127.0.0.1:P1, embedded by a
 * third-party page at http://localhost:P2 (allowed by ALLOWED_ORIGINS) and http://localhost:P3
 * (not allowed). Separate real servers carry RATE_LIMIT_PER_MIN=2, WIDGET_SECRET, and a corpus
 * with a hostile document. Nothing is mocked or routed here.
 *
 *   npx vitest run test/browser          (CHROME_PATH overrides /usr/bin/chromium)
 *   UPDATE_DOCS_SCREENSHOT=1 npx vitest run test/browser/real-server.e2e.test.ts   → docs/widget.png
 */

import type { Passage } from '../../src/core/engine';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintWidgetToken } from '../../src/http/widget-token';
import type {} from '../../src/widget/widget'; // window.PolicyQA typing
import { CHROME_ARGS, CHROME_PATH, REPO_ROOT, chromeAvailable, isLocalUrl, startHostSite, startRealServer, type RunningServer } from './harness';

const HAS_CHROME = chromeAvailable();
const SHOTS = `${REPO_ROOT}test-results`;
const SECRET = 'e2e-widget-secret-0123456789-abcdefghijkl';

if (!HAS_CHROME && !process.env.CI) {
  console.warn(
    `\n${'!'.repeat(78)}\n!! REAL-SERVER BROWSER TESTS SKIPPED: no Chromium at ${CHROME_PATH}.\n` +
      `!! Install it (apt-get install -y chromium) or set CHROME_PATH. In CI (CI set) this fails.\n${'!'.repeat(78)}\n`,
  );
}

describe('real-server browser prerequisites', () => {
  it.runIf(!!process.env.CI)('Chromium is installed (required in CI)', () => {
    expect(HAS_CHROME, `Chromium not found at ${CHROME_PATH}`).toBe(true);
  });
});

const Q = '邢台市2022年市场主体净增多少户？';
const XSS_DOC = 'zz_xss_notice';
const XSS_TEXT = '关于<img src=x onerror="window.__xss=1">质量安全<script>window.__xss=2</script>的通知，全市抽检合格率99.9%。';
const XSS_TITLE = '关于<script>window.__xss=3</script>质量安全的通知';
const XSS_Q = '质量安全的通知中全市抽检合格率是多少？';

interface SseEvent {
  event: string;
  data: string;
}

function parseSse(body: string): SseEvent[] {
  return body
    .replace(/\r\n?/g, '\n')
    .split('\n\n')
    .map((block) => {
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      return { event, data: data.join('\n') };
    })
    .filter((e) => e.data);
}

/** seeds/ + one hostile .txt (with a hostile title in the manifest), indexed into a temp dir. */
async function buildXssCorpus(dir: string): Promise<{ indexDir: string; seedsDir: string }> {
  const { loadSeedSources, rebuildIndex } = await import('../../src/node/index-store');
  const { nodeTokenizer } = await import('../../src/node/jieba');
  const seedsDir = join(dir, 'seeds');
  const indexDir = join(dir, 'index');
  cpSync(`${REPO_ROOT}seeds`, seedsDir, { recursive: true });
  writeFileSync(join(seedsDir, `${XSS_DOC}.txt`), XSS_TEXT);
  const manifest = JSON.parse(readFileSync(join(seedsDir, 'manifest.json'), 'utf8')) as { documents: unknown[] };
  manifest.documents.push({ docId: XSS_DOC, title: XSS_TITLE, city: null, date: null, source: null });
  writeFileSync(join(seedsDir, 'manifest.json'), JSON.stringify(manifest, null, 2));
  await rebuildIndex(indexDir, loadSeedSources(seedsDir), nodeTokenizer(), null);
  return { indexDir, seedsDir };
}

describe.skipIf(!HAS_CHROME)('widget in Chromium against the real server', { timeout: 45_000 }, () => {
  let browser: Browser;
  let allowedSite: RunningServer; // http://localhost:P2, listed in ALLOWED_ORIGINS
  let otherSite: RunningServer; // http://localhost:P3, not listed
  let api: RunningServer; // http://127.0.0.1:P1, the real app
  let limited: RunningServer; // + RATE_LIMIT_PER_MIN=2
  let secured: RunningServer; // + WIDGET_SECRET
  let xss: RunningServer; // seeds + a hostile document
  let tmp: string;
  const reached: Array<{ method: string; path: string; origin: string | null }> = [];
  const requests: string[] = [];
  const pageErrors: string[] = [];
  const dialogs: string[] = [];

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    tmp = mkdtempSync(join(tmpdir(), 'pqa-e2e-'));
    [allowedSite, otherSite, browser] = await Promise.all([
      startHostSite('', 'localhost'),
      startHostSite('', 'localhost'),
      chromium.launch({ executablePath: CHROME_PATH, args: CHROME_ARGS }),
    ]);
    const allowedOrigins = [allowedSite.url];
    const tap = (req: Request) => reached.push({ method: req.method, path: new URL(req.url).pathname, origin: req.headers.get('Origin') });
    api = await startRealServer({ config: { allowedOrigins } }, '127.0.0.1', tap);
    const corpus = await buildXssCorpus(tmp);
    [limited, secured, xss] = await Promise.all([
      startRealServer({ config: { allowedOrigins, rateLimitPerMin: 2 } }),
      startRealServer({ config: { allowedOrigins, widgetSecret: SECRET } }),
      startRealServer({ ...corpus, config: { allowedOrigins } }),
    ]);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await Promise.all([allowedSite, otherSite, api, limited, secured, xss].map((s) => s?.close()));
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  async function newPage(viewport = { width: 1280, height: 860 }): Promise<{ ctx: BrowserContext; page: Page }> {
    // Reduced motion: the log's smooth scrolling would otherwise catch screenshots mid-scroll.
    const ctx = await browser.newContext({ viewport, reducedMotion: 'reduce' });
    ctx.on('request', (r) => requests.push(r.url()));
    const page = await ctx.newPage();
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    page.on('dialog', (d) => {
      dialogs.push(`${d.type()}: ${d.message()}`);
      void d.dismiss();
    });
    return { ctx, page };
  }

  async function openHost(page: Page, site: RunningServer, server: RunningServer, token?: string): Promise<void> {
    const q = new URLSearchParams({ api: server.url });
    if (token) q.set('token', token);
    await page.goto(`${site.url}/host?${q}`);
    await page.locator('[data-testid=launcher]').click();
    await page.locator('[data-testid=panel]').waitFor();
  }

  async function askVia(page: Page, question: string): Promise<void> {
    const input = page.locator('[data-testid=input]');
    await input.fill(question);
    await input.press('Enter');
  }

  /**
   * Asks through the widget; checks that the browser asked for and got an SSE stream and that the
   * widget shows the server's final answer (markers as chips). The events themselves are read by
   * replaying the browser's exact request from Node (CDP does not keep bodies of streamed fetches;
   * the extractive answerer is deterministic), unless `replay` is false (rate-limited servers).
   */
  async function askAndRead(
    page: Page,
    server: RunningServer,
    question: string,
    replay = true,
  ): Promise<{ events: SseEvent[]; done: { answer: string; citations: Passage[] } }> {
    const res = page.waitForResponse((r) => r.url() === `${server.url}/api/ask` && r.request().method() === 'POST');
    await askVia(page, question);
    const r = await res;
    expect(r.status()).toBe(200);
    expect(r.headers()['content-type']).toContain('text/event-stream');
    const sent = await r.request().allHeaders();
    expect(sent['accept']).toContain('text/event-stream');
    await page.locator('[data-testid=answer][aria-busy=false]').last().waitFor();
    if (!replay) return { events: [], done: { answer: '', citations: [] } };
    const again = await fetch(`${server.url}/api/ask`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'text/event-stream', ...(sent['authorization'] ? { Authorization: sent['authorization'] } : {}) },
      body: r.request().postData() ?? '',
    });
    const events = parseSse(await again.text());
    const doneEv = events.find((e) => e.event === 'done');
    expect(doneEv, 'a done event').toBeTruthy();
    const done = JSON.parse(doneEv!.data) as { answer: string; citations: Passage[] };
    const known = new Set(done.citations.map((c) => String(c.n)));
    const expected = done.answer.replace(/\[(\d+)\]/g, (m, n: string) => (known.has(n) ? n : m));
    expect(await page.locator('[data-testid=answer]').last().textContent()).toBe(expected);
    return { events, done };
  }

  /** Follows a passage's 查看原文 link; the viewer must <mark> exactly the original slice. */
  async function followSource(ctx: BrowserContext, server: RunningServer, passage: Locator, cite: Passage, shot?: string): Promise<Page> {
    const link = passage.locator('[data-testid=source-link]');
    const href = (await link.getAttribute('href')) ?? '';
    expect(href).toBe(`${server.url}/doc/${encodeURIComponent(cite.docId)}?start=${cite.start}&end=${cite.end}`);
    const [viewer] = await Promise.all([ctx.waitForEvent('page'), link.click()]);
    await viewer.waitForLoadState('load');
    viewer.on('pageerror', (e) => pageErrors.push(String(e)));
    const original = (await (await fetch(`${server.url}/api/documents/${encodeURIComponent(cite.docId)}`)).json()) as { text: string };
    expect(original.text.slice(cite.start, cite.end)).toBe(cite.quote);
    expect(await viewer.locator('mark#hl').textContent()).toBe(cite.quote);
    expect(await viewer.locator('mark').count()).toBe(1);
    await viewer.waitForFunction(() => {
      const r = document.getElementById('hl')!.getBoundingClientRect();
      return r.top < window.innerHeight && r.bottom > 0;
    });
    if (shot) await viewer.screenshot({ path: `${SHOTS}/${shot}` });
    return viewer;
  }

  it('from an allowed origin: streams the answer with citations; a chip shows the quote; the source viewer marks exactly it', async () => {
    const { ctx, page } = await newPage();
    await openHost(page, allowedSite, api);
    const { events, done } = await askAndRead(page, api, Q);

    // The real server streamed citations first, then the answer in deltas, then done.
    expect(events[0].event).toBe('citations');
    expect(events.filter((e) => e.event === 'delta').length).toBeGreaterThanOrEqual(1);
    expect(events.at(-1)!.event).toBe('done');
    expect(done.answer).toContain('7.06万户');

    const answer = page.locator('[data-testid=answer]').last();
    const shown = (await answer.textContent()) ?? '';
    expect(shown).toContain('7.06万户');
    expect(shown).not.toMatch(/\[\d+\]/);
    const markers = [...done.answer.matchAll(/\[(\d+)\]/g)].map((m) => m[1]);
    const chips = answer.locator('[data-testid=citation-chip]');
    expect(await chips.evaluateAll((cs) => cs.map((c) => c.getAttribute('data-n')))).toEqual(markers);

    await chips.first().click();
    const cite = done.citations.find((c) => String(c.n) === markers[0])!;
    const passage = page.locator('[data-testid=passage]').last();
    expect(await passage.locator('.quote').textContent()).toBe(cite.quote);
    expect(await passage.locator('mark').allTextContents()).toContain('7.06万户');
    await page.screenshot({ path: `${SHOTS}/real-answer.png` });
    if (process.env.UPDATE_DOCS_SCREENSHOT) {
      mkdirSync(`${REPO_ROOT}docs`, { recursive: true });
      copyFileSync(`${SHOTS}/real-answer.png`, `${REPO_ROOT}docs/widget.png`);
    }

    await followSource(ctx, api, passage, cite, 'real-source-viewer.png');
    // The API saw the page's origin, and answered it with CORS headers for exactly that origin.
    expect(reached.some((r) => r.method === 'POST' && r.path === '/api/ask' && r.origin === allowedSite.url)).toBe(true);
    await ctx.close();
  });

  it('核查: a wrong figure is 矛盾 (contradicted) with the document figure as evidence; the right one is 支持', async () => {
    const { ctx, page } = await newPage();
    await openHost(page, allowedSite, api);
    await page.locator('[data-testid=mode-verify]').click();
    const res = page.waitForResponse((r) => r.url() === `${api.url}/api/verify`);
    await askVia(page, '邢台市2022年市场主体净增8万户');
    const body = (await (await res).json()) as { verdict: string; evidence: Passage[] };
    expect(body.verdict).toBe('contradicted');
    const verdict = page.locator('[data-testid=verdict]').last();
    await verdict.waitFor();
    expect(await verdict.textContent()).toBe('矛盾');
    expect(await verdict.getAttribute('data-verdict')).toBe('contradicted');
    const figs = (await page.locator('.figs li').last().textContent()) ?? '';
    expect(figs).toContain('8万户');
    expect(figs).toContain('7.06万户');
    expect(figs).toContain('不一致');
    const evidence = page.locator('[data-testid=passage]').first();
    expect(await evidence.locator('.quote').textContent()).toBe(body.evidence[0].quote);
    expect(await evidence.locator('mark').allTextContents()).toContain('7.06万户');
    await page.screenshot({ path: `${SHOTS}/real-verify.png` });
    await followSource(ctx, api, evidence, body.evidence[0]);

    await askVia(page, '邢台市2022年市场主体净增7.06万户');
    await page.locator('[data-testid=verdict]').nth(1).waitFor();
    expect(await page.locator('[data-testid=verdict]').nth(1).textContent()).toBe('支持');
    await ctx.close();
  });

  it('from an origin ALLOWED_ORIGINS does not list: refused before any work, and the widget says so', async () => {
    const { ctx, page } = await newPage();
    await openHost(page, otherSite, api);
    await askVia(page, Q);
    const error = page.locator('[data-testid=error]').last();
    await error.waitFor();
    expect(await error.getAttribute('data-kind')).toBe('refused');
    expect(await error.textContent()).toContain('本网站未获准使用此问答服务');
    expect(await error.getAttribute('role')).toBe('alert');
    expect(await page.locator('[data-testid=retry]').count()).toBe(0);
    await page.screenshot({ path: `${SHOTS}/real-refused.png` });

    // 核查 too; and the widget stays usable (Esc closes, focus returns to the launcher).
    await page.locator('[data-testid=mode-verify]').click();
    await askVia(page, '邢台市2022年市场主体净增8万户');
    await page.locator('[data-testid=error][data-kind=refused]').nth(1).waitFor();
    await page.locator('[data-testid=input]').press('Escape');
    expect(await page.locator('[data-testid=panel]').isHidden()).toBe(true);

    // The browser's preflight was refused, so no question ever reached the server from there.
    const fromOther = reached.filter((r) => r.origin === otherSite.url);
    expect(fromOther.length).toBeGreaterThan(0);
    expect(fromOther.filter((r) => r.method === 'POST')).toEqual([]);
    await ctx.close();
  });

  it('RATE_LIMIT_PER_MIN=2: the third question in the minute gets 429 and the widget shows the wait', async () => {
    const { ctx, page } = await newPage();
    await openHost(page, allowedSite, limited);
    await askAndRead(page, limited, Q, false);
    await askAndRead(page, limited, '邢台市食品抽检总体合格率是多少？', false);
    const res = page.waitForResponse((r) => r.url() === `${limited.url}/api/ask` && r.request().method() === 'POST');
    await askVia(page, '成品油抽检了多少批次？');
    const r = await res;
    expect(r.status()).toBe(429);
    expect((await r.json()).error.code).toBe('rate_limited');
    const wait = Number(r.headers()['retry-after']);
    expect(wait).toBeGreaterThanOrEqual(1);
    expect(wait).toBeLessThanOrEqual(60);
    const error = page.locator('[data-testid=error]').last();
    await error.waitFor();
    const m = /请求过于频繁，请 (\d+) 秒后再试/.exec((await error.textContent()) ?? '');
    expect(m, 'the wait is shown').toBeTruthy();
    expect(Number(m![1])).toBe(wait);
    expect(await page.locator('[data-testid=retry]').last().isDisabled()).toBe(true);
    await page.screenshot({ path: `${SHOTS}/real-rate-limited.png` });
    await ctx.close();
  });

  it('WIDGET_SECRET: a token minted for this origin works; wrong-origin and expired ones are refused clearly; setToken recovers', async () => {
    const good = await mintWidgetToken(SECRET, { origin: allowedSite.url, user: 'alice', ttlSeconds: 600 });
    const { ctx, page } = await newPage();
    await openHost(page, allowedSite, secured, good);
    const { done } = await askAndRead(page, secured, Q);
    expect(done.answer).toContain('7.06万户');
    // Only the token is in the page; the secret is in neither the page nor the widget.
    const html = await page.content();
    expect(html).toContain(good);
    expect(html).not.toContain(SECRET);
    expect(await (await fetch(`${secured.url}/widget.js`)).text()).not.toContain(SECRET);
    await ctx.close();

    const wrongOrigin = await mintWidgetToken(SECRET, { origin: 'https://intranet.example', user: 'alice' });
    const expired = await mintWidgetToken(SECRET, { origin: allowedSite.url, user: 'alice', ttlSeconds: 60, now: Date.now() - 3_600_000 });
    const statuses: number[] = [];
    const p2 = await newPage();
    p2.page.on('response', (r) => {
      if (r.url() === `${secured.url}/api/ask` && r.request().method() === 'POST') statuses.push(r.status());
    });
    await openHost(p2.page, allowedSite, secured, wrongOrigin);
    await askVia(p2.page, Q);
    const error = p2.page.locator('[data-testid=error]');
    await error.waitFor();
    expect(await error.textContent()).toContain('访问未授权');
    await p2.page.screenshot({ path: `${SHOTS}/real-unauthorized.png` });
    await p2.page.evaluate((t) => window.PolicyQA!.setToken(t), expired);
    await p2.page.locator('[data-testid=retry]').click();
    await p2.page.locator('[data-testid=error]').waitFor();
    expect(await p2.page.locator('[data-testid=error]').textContent()).toContain('已过期');
    await p2.page.evaluate((t) => window.PolicyQA!.setToken(t), good);
    await p2.page.locator('[data-testid=retry]').click();
    await p2.page.locator('[data-testid=answer][aria-busy=false]').last().waitFor();
    expect(await p2.page.locator('[data-testid=error]').count()).toBe(0);
    expect(statuses).toEqual([401, 401, 200]);
    await p2.ctx.close();
  });

  it('XSS corpus: a document holding <img onerror> and <script> is indexed, asked about, cited and viewed, and nothing runs', async () => {
    const { ctx, page } = await newPage();
    await openHost(page, allowedSite, xss);
    const { done } = await askAndRead(page, xss, XSS_Q);
    const cite = done.citations.find((c) => c.docId === XSS_DOC);
    expect(cite, 'the hostile document is cited').toBeTruthy();
    expect(cite!.quote).toContain('<img src=x onerror="window.__xss=1">');
    expect(cite!.title).toBe(XSS_TITLE);

    const answer = page.locator('[data-testid=answer]').last();
    const shown = (await answer.textContent()) ?? '';
    expect(shown).toContain('<img src=x onerror="window.__xss=1">');
    expect(shown).toContain('<script>window.__xss=2</script>');
    const chip = answer.locator(`[data-testid=citation-chip][data-n="${cite!.n}"]`);
    expect(await chip.getAttribute('aria-label')).toContain(XSS_TITLE);
    await chip.click();
    const passage = page.locator('[data-testid=passage]').last();
    expect(await passage.locator('.quote').textContent()).toBe(cite!.quote);
    expect(await passage.locator('.ptitle').textContent()).toBe(`[${cite!.n}] ${XSS_TITLE}`);
    const injected = await page.evaluate(() => {
      const root = document.querySelector('policy-qa-widget')!.shadowRoot!;
      return {
        widget: root.querySelectorAll('img, script, iframe, object, embed, [onerror], [onload]').length,
        page: document.querySelectorAll('img, iframe, [onerror], [onload]').length,
        scripts: document.scripts.length,
      };
    });
    expect(injected).toEqual({ widget: 0, page: 0, scripts: 1 }); // the page's own widget tag only
    await page.screenshot({ path: `${SHOTS}/real-xss-answer.png` });

    const viewer = await followSource(ctx, xss, passage, cite!, 'real-xss-source-viewer.png');
    expect(await viewer.title()).toBe(XSS_TITLE);
    expect(await viewer.locator('h1').textContent()).toBe(XSS_TITLE);
    expect(await viewer.locator('img, iframe').count()).toBe(0);
    expect(await viewer.evaluate(() => document.scripts.length)).toBe(1); // its own CSP-hashed script
    await page.waitForTimeout(150);
    for (const p of [page, viewer]) expect(await p.evaluate(() => (window as unknown as { __xss?: unknown }).__xss)).toBeUndefined();
    expect(dialogs).toEqual([]);
    await ctx.close();
  });

  it('the demo page on the server itself (same origin, real CSP header) answers an example question', async () => {
    const { ctx, page } = await newPage({ width: 1280, height: 820 });
    const csp: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) csp.push(m.text());
    });
    await page.goto(`${api.url}/`);
    await page.locator('[data-testid=panel]').waitFor();
    await page.waitForFunction(() => !document.querySelector<HTMLButtonElement>('button[data-q]')!.disabled);
    await page.locator('button[data-q]').first().click();
    await page.locator('[data-testid=answer][aria-busy=false]').last().waitFor();
    expect(await page.locator('[data-testid=citation-chip]').count()).toBeGreaterThan(0);
    await page.locator('[data-testid=citation-chip]').first().click();
    await page.screenshot({ path: `${SHOTS}/real-demo.png` });
    expect(csp).toEqual([]);
    await ctx.close();
  });

  it('made no request outside loopback, threw no page errors, opened no dialogs', () => {
    expect(requests.length).toBeGreaterThan(10);
    expect(requests.filter((u) => !isLocalUrl(u))).toEqual([]);
    expect(pageErrors).toEqual([]);
    expect(dialogs).toEqual([]);
  });
});
