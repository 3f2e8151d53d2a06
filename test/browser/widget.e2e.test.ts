/**
 * End-to-end tests of the embeddable widget in headless Chromium.
 *
 * Host page: http://127.0.0.1:P1 (third-party site), API + widget.js: http://localhost:P2
 * (created by `startServer()` in harness.ts — the protocol fake today, swappable for the real
 * server). Scenarios the real server can't be made to produce on demand (429, dropped stream,
 * network failure, hostile passages) are injected with page.route, so they run against either.
 * Checks that depend on the fake's canned content are guarded by `FAKE`.
 *
 *   npx vitest run test/browser          (CHROME_PATH overrides /usr/bin/chromium)
 */

import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderSourceViewer } from '../../src/http/pages';
import type {} from '../../src/widget/widget'; // window.PolicyQA typing
import { XSS_IMG, XSS_SCRIPT } from './fake-api';
import {
  CHROME_ARGS,
  CHROME_PATH,
  chromeAvailable,
  isLocalUrl,
  startHostSite,
  startServer,
  type RunningServer,
} from './harness';

const HAS_CHROME = chromeAvailable();
const FAKE = !process.env.POLICY_QA_URL && process.env.POLICY_QA_SERVER !== 'real';
const SHOTS = resolve(dirname(fileURLToPath(import.meta.url)), '../../test-results');

if (!HAS_CHROME && !process.env.CI) {
  console.warn(
    `\n${'!'.repeat(78)}\n!! BROWSER TESTS SKIPPED: no Chromium at ${CHROME_PATH}.\n` +
      `!! Install it (apt-get install -y chromium) or set CHROME_PATH. In CI (CI set) this fails.\n${'!'.repeat(78)}\n`,
  );
}

describe('browser prerequisites', () => {
  it.runIf(!!process.env.CI)('Chromium is installed (required in CI)', () => {
    expect(HAS_CHROME, `Chromium not found at ${CHROME_PATH}`).toBe(true);
  });
});

const Q = '2022年全市市场主体净增多少户？';

describe.skipIf(!HAS_CHROME)('widget in Chromium', { timeout: 60_000 }, () => {
  let browser: Browser;
  let api: RunningServer;
  let site: RunningServer;
  const requests: string[] = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    api = await startServer();
    site = await startHostSite(api.url);
    browser = await chromium.launch({ executablePath: CHROME_PATH, args: CHROME_ARGS });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await site?.close();
    await api?.close();
  });

  async function newPage(viewport = { width: 1280, height: 820 }): Promise<{ ctx: BrowserContext; page: Page }> {
    const ctx = await browser.newContext({ viewport, permissions: ['clipboard-read', 'clipboard-write'] });
    ctx.on('request', (r) => requests.push(r.url()));
    const page = await ctx.newPage();
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    return { ctx, page };
  }

  async function openHost(page: Page, query = ''): Promise<void> {
    await page.goto(`${site.url}/host${query}`);
    await page.locator('[data-testid=launcher]').waitFor();
  }

  async function askVia(page: Page, question: string): Promise<void> {
    const input = page.locator('[data-testid=input]');
    await input.fill(question);
    await input.press('Enter');
  }

  const answerDone = (page: Page) => page.locator('[data-testid=answer][aria-busy=false]').last().waitFor();
  const sseHeaders = {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Expose-Headers': 'Retry-After',
  };
  const sse = (event: string, data: unknown) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

  it('streams an answer with citation chips; a chip opens the quote; the source link highlights it', async () => {
    const { ctx, page } = await newPage();
    const asks: Array<{ accept: string; contentType: string }> = [];
    page.on('response', async (r) => {
      if (r.url().endsWith('/api/ask') && r.request().method() === 'POST') {
        asks.push({ accept: (await r.request().allHeaders())['accept'] ?? '', contentType: r.headers()['content-type'] ?? '' });
      }
    });
    await openHost(page);
    await page.locator('[data-testid=launcher]').click();
    const panel = page.locator('[data-testid=panel]');
    await panel.waitFor();
    expect(await panel.getAttribute('role')).toBe('dialog');
    expect(await page.locator('[data-testid=launcher]').getAttribute('aria-expanded')).toBe('true');
    expect(await activeTestId(page)).toBe('input');

    await askVia(page, Q);
    await answerDone(page);
    expect(asks[0].accept).toContain('text/event-stream');
    expect(asks[0].contentType).toContain('text/event-stream');

    const answer = page.locator('[data-testid=answer]').last();
    const text = (await answer.textContent()) ?? '';
    expect(text.length).toBeGreaterThan(0);
    expect(text).not.toMatch(/\[\d+\]/); // markers became chips
    const chips = answer.locator('[data-testid=citation-chip]');
    expect(await chips.count()).toBeGreaterThan(0);
    if (FAKE) {
      expect(text).toContain('83.18万户'); // the final `done.answer` replaced the shorter draft
      expect(await chips.count()).toBe(1);
    }

    const chip = chips.first();
    expect(await chip.evaluate((e) => e.tagName)).toBe('BUTTON');
    await chip.click();
    expect(await chip.getAttribute('aria-expanded')).toBe('true');
    const passage = page.locator('[data-testid=passage]').last();
    await passage.waitFor();
    const quote = (await passage.locator('.quote').textContent()) ?? '';
    expect(quote.length).toBeGreaterThan(0);
    if (FAKE) {
      const marks = await passage.locator('mark').allTextContents();
      expect(marks).toEqual(expect.arrayContaining(['7.06万户', '83.18万户', '9.28%', '2022年']));
    }
    await page.screenshot({ path: `${SHOTS}/widget-desktop-answer.png` });

    // Copy answer + numbered sources.
    await page.locator('[data-testid=copy]').last().click();
    await page.locator('.note', { hasText: '已复制' }).waitFor();
    const clip = await page.evaluate(() => navigator.clipboard.readText());
    expect(clip).toMatch(/\[1\]/);
    expect(clip).toContain('来源：');
    expect(clip).toContain(quote.trim());

    // Follow the source link → the viewer marks exactly the quote and scrolls it into view.
    const link = passage.locator('[data-testid=source-link]');
    const href = (await link.getAttribute('href')) ?? '';
    expect(href.startsWith(`${api.url}/doc/`)).toBe(true);
    expect(await link.getAttribute('rel')).toContain('noopener');
    const [viewer] = await Promise.all([ctx.waitForEvent('page'), link.click()]);
    await viewer.waitForLoadState('load');
    const mark = viewer.locator('mark#hl');
    expect(await mark.textContent()).toBe(quote);
    await viewer.waitForFunction(() => {
      const r = document.getElementById('hl')!.getBoundingClientRect();
      return r.top >= 0 && r.bottom <= window.innerHeight;
    });
    await viewer.screenshot({ path: `${SHOTS}/source-viewer.png` });
    await ctx.close();
  });

  it('核查 mode sends the claim to /api/verify and shows verdict, explanation and evidence', async () => {
    const { ctx, page } = await newPage();
    await openHost(page);
    await page.locator('[data-testid=launcher]').click();
    const modeVerify = page.locator('[data-testid=mode-verify]');
    await modeVerify.click();
    expect(await modeVerify.getAttribute('aria-checked')).toBe('true');
    expect(await page.locator('[data-testid=mode-ask]').getAttribute('aria-checked')).toBe('false');
    expect(await page.locator('[role=radiogroup]').count()).toBe(1);

    const verifyCalls: string[] = [];
    page.on('request', (r) => {
      if (r.url().endsWith('/api/verify')) verifyCalls.push(r.postData() ?? '');
    });
    await askVia(page, '2022年全市市场主体净增7.06万户');
    const verdict = page.locator('[data-testid=verdict]').last();
    await verdict.waitFor();
    expect(JSON.parse(verifyCalls[0])).toEqual({ claim: '2022年全市市场主体净增7.06万户' });
    expect(['支持', '矛盾', '未找到']).toContain(await verdict.textContent());
    if (FAKE) {
      expect(await verdict.textContent()).toBe('支持');
      expect(await page.locator('[data-testid=passage]').count()).toBe(1);
      expect(await page.locator('[data-testid=passage] mark').allTextContents()).toContain('7.06万户');
      await askVia(page, '2022年全市市场主体净增8万户');
      await page.locator('[data-testid=verdict]').nth(1).waitFor();
      expect(await page.locator('[data-testid=verdict]').nth(1).textContent()).toBe('矛盾');
      await askVia(page, '某县新建了三座桥');
      await page.locator('[data-testid=verdict]').nth(2).waitFor();
      expect(await page.locator('[data-testid=verdict]').nth(2).textContent()).toBe('未找到');
    }
    // The 矛盾 verdict in the fake's run; the only one against another server.
    await page.locator('[data-testid=verdict]').nth(FAKE ? 1 : 0).scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${SHOTS}/widget-desktop-verify.png` });
    await ctx.close();
  });

  it('429 shows "请求过于频繁，请 N 秒后再试" from Retry-After; retry waits, then succeeds', async () => {
    const { ctx, page } = await newPage();
    await openHost(page);
    let first = true;
    await page.route(`${api.url}/api/ask`, async (route) => {
      if (route.request().method() !== 'POST' || !first) return route.fallback();
      first = false;
      await route.fulfill({
        status: 429,
        headers: { 'Content-Type': 'application/json', 'Retry-After': '2', 'Access-Control-Allow-Origin': '*', 'Access-Control-Expose-Headers': 'Retry-After' },
        body: JSON.stringify({ error: { code: 'rate_limited', message: 'too many requests' } }),
      });
    });
    await page.locator('[data-testid=launcher]').click();
    await askVia(page, Q);
    const error = page.locator('[data-testid=error]').last();
    await error.waitFor();
    expect(await error.textContent()).toContain('请求过于频繁，请 2 秒后再试');
    expect(await error.getAttribute('role')).toBe('alert');
    const retry = page.locator('[data-testid=retry]').last();
    expect(await retry.isDisabled()).toBe(true);
    await page.screenshot({ path: `${SHOTS}/widget-429.png` });
    await page.waitForFunction(
      () => !document.querySelector('policy-qa-widget')!.shadowRoot!.querySelector<HTMLButtonElement>('[data-testid=retry]')!.disabled,
      undefined,
      { timeout: 5000 },
    );
    await retry.click();
    await answerDone(page);
    expect(await page.locator('[data-testid=error]').count()).toBe(0);
    expect(await page.locator('[data-testid=answer] [data-testid=citation-chip]').count()).toBeGreaterThan(0);
    await ctx.close();
  });

  it('a dropped stream and a network failure show a message and a working retry', async () => {
    const { ctx, page } = await newPage();
    await openHost(page);
    let mode: 'drop' | 'abort' | 'pass' = 'drop';
    await page.route(`${api.url}/api/ask`, async (route) => {
      if (route.request().method() !== 'POST' || mode === 'pass') return route.fallback();
      if (mode === 'abort') return route.abort('connectionreset');
      const cites = [{ n: 1, docId: 'd', title: '某文件', start: 0, end: 4, quote: '原文片段', text: '原文片段', score: 1 }];
      await route.fulfill({ status: 200, headers: sseHeaders, body: sse('citations', cites) + sse('delta', { text: '部分回答[1]' }) });
    });
    await page.locator('[data-testid=launcher]').click();
    await askVia(page, Q);
    const error = page.locator('[data-testid=error]').last();
    await error.waitFor();
    expect(await error.textContent()).toContain('回答中断');
    expect(await page.locator('[data-testid=answer]').last().textContent()).toContain('部分回答'); // draft kept visible
    await page.screenshot({ path: `${SHOTS}/widget-dropped.png` });

    mode = 'abort';
    await page.locator('[data-testid=retry]').last().click();
    await page.locator('[data-testid=error]', { hasText: '网络连接失败' }).waitFor();

    mode = 'pass';
    await page.locator('[data-testid=retry]').last().click();
    await answerDone(page);
    expect(await page.locator('[data-testid=error]').count()).toBe(0);
    await ctx.close();
  });

  it.runIf(FAKE)('a connection that dies mid-stream (fake server) is reported as dropped', async () => {
    const { ctx, page } = await newPage();
    await openHost(page);
    await page.locator('[data-testid=launcher]').click();
    await askVia(page, '断流 2022年全市市场主体净增多少户？');
    await page.locator('[data-testid=error]', { hasText: '回答中断' }).waitFor();
    await askVia(page, '出错 2022年全市市场主体净增多少户？');
    await page.locator('[data-testid=error]', { hasText: '模拟的服务端错误' }).waitFor();
    await ctx.close();
  });

  it('hostile passage and answer text are shown as text, never run (XSS)', async () => {
    const { ctx, page } = await newPage();
    await openHost(page);
    const hostile = `恶意 ${XSS_IMG} 与 ${XSS_SCRIPT} 合格率99.5%。`;
    if (!FAKE) {
      await page.route(`${api.url}/api/ask`, async (route) => {
        if (route.request().method() !== 'POST') return route.fallback();
        const c = [{ n: 1, docId: 'x', title: `标题${XSS_SCRIPT}`, start: 0, end: hostile.length, quote: hostile, text: hostile, score: 1 }];
        const answer = `${XSS_IMG}${XSS_SCRIPT}[1]`;
        await route.fulfill({
          status: 200,
          headers: sseHeaders,
          body: sse('citations', c) + sse('delta', { text: answer }) + sse('done', { answer, mode: 'extractive', abstained: false, citations: c }),
        });
      });
    }
    await page.locator('[data-testid=launcher]').click();
    await askVia(page, 'XSS 测试');
    await answerDone(page);
    const answer = page.locator('[data-testid=answer]').last();
    expect(await answer.textContent()).toContain(XSS_IMG);
    expect(await answer.textContent()).toContain(XSS_SCRIPT);
    await answer.locator('[data-testid=citation-chip]').first().click();
    const passage = page.locator('[data-testid=passage]').last();
    const quote = (await passage.locator('.quote').textContent()) ?? '';
    expect(quote).toContain(XSS_IMG);
    expect(quote).toContain(XSS_SCRIPT);
    const injected = await page.evaluate(() => {
      const root = document.querySelector('policy-qa-widget')!.shadowRoot!;
      return root.querySelectorAll('img, script, iframe, [onerror]').length + document.querySelectorAll('img, [onerror]').length;
    });
    expect(injected).toBe(0);
    await page.waitForTimeout(200);
    expect(await page.evaluate(() => (window as unknown as { __xss?: unknown }).__xss)).toBeUndefined();

    if (FAKE) {
      const [viewer] = await Promise.all([ctx.waitForEvent('page'), passage.locator('[data-testid=source-link]').click()]);
      await viewer.waitForLoadState('load');
      expect(await viewer.locator('mark#hl').textContent()).toBe(quote);
      expect(await viewer.locator('img').count()).toBe(0);
      expect(await viewer.title()).toContain(XSS_SCRIPT);
      expect(await viewer.evaluate(() => (window as unknown as { __xss?: unknown }).__xss)).toBeUndefined();
    }
    // The viewer markup itself, independent of any server.
    const doc = { docId: 'x"><script>window.__xss=3</script>', title: `T${XSS_SCRIPT}`, text: `前文${XSS_IMG}${XSS_SCRIPT}后文` };
    const p2 = await ctx.newPage();
    await p2.setContent(renderSourceViewer(doc, { start: 2, end: 2 + XSS_IMG.length }));
    expect(await p2.locator('mark#hl').textContent()).toBe(XSS_IMG);
    expect(await p2.locator('img').count()).toBe(0);
    expect(await p2.evaluate(() => (window as unknown as { __xss?: unknown }).__xss)).toBeUndefined();
    await ctx.close();
  });

  it('is keyboard operable: launcher reachable by Tab, focus order, arrow keys, Esc returns focus', async () => {
    const { ctx, page } = await newPage();
    await openHost(page);
    let found = false;
    for (let i = 0; i < 8 && !found; i++) {
      await page.keyboard.press('Tab');
      found = (await activeTestId(page)) === 'launcher';
    }
    expect(found).toBe(true);
    const outline = await page.evaluate(() => {
      const el = document.querySelector('policy-qa-widget')!.shadowRoot!.activeElement!;
      const cs = getComputedStyle(el);
      return `${cs.outlineStyle} ${cs.outlineWidth}`;
    });
    expect(outline).toMatch(/^solid [1-9]/); // visible focus ring
    await page.screenshot({ path: `${SHOTS}/widget-focus-launcher.png` });

    await page.keyboard.press('Enter');
    await page.locator('[data-testid=panel]').waitFor();
    expect(await activeTestId(page)).toBe('input');
    const order: string[] = [];
    for (let i = 0; i < 5; i++) {
      await page.keyboard.press('Shift+Tab');
      order.push((await activeTestId(page)) ?? (await activeClass(page)));
    }
    // input ← log ← (one stop for the radio group) ← close ← launcher; then out of the widget.
    expect(order.slice(0, 4)).toEqual(['log', 'mode-ask', 'close', 'launcher']);
    for (let i = 0; i < 3; i++) await page.keyboard.press('Tab');
    expect(await activeTestId(page)).toBe('mode-ask');

    // Arrow keys move within the 问答/核查 radio group.
    await page.keyboard.press('ArrowRight');
    expect(await activeTestId(page)).toBe('mode-verify');
    expect(await page.locator('[data-testid=mode-verify]').getAttribute('aria-checked')).toBe('true');
    await page.keyboard.press('ArrowLeft');
    expect(await activeTestId(page)).toBe('mode-ask');

    // Ask with the keyboard, Tab to a chip, open it with Enter.
    await page.locator('[data-testid=input]').focus();
    await page.keyboard.type(Q);
    await page.keyboard.press('Enter');
    await answerDone(page);
    await page.locator('[data-testid=citation-chip]').first().focus();
    await page.keyboard.press('Enter');
    await page.locator('[data-testid=passage]').waitFor();

    await page.keyboard.press('Escape');
    expect(await page.locator('[data-testid=panel]').isHidden()).toBe(true);
    expect(await activeTestId(page)).toBe('launcher');
    expect(await page.locator('[data-testid=launcher]').getAttribute('aria-expanded')).toBe('false');

    // ARIA wiring.
    const aria = await page.evaluate(() => {
      const root = document.querySelector('policy-qa-widget')!.shadowRoot!;
      const panel = root.querySelector('[data-testid=panel]')!;
      const log = root.querySelector('[role=log]')!;
      const input = root.querySelector('[data-testid=input]')!;
      const label = root.querySelector(`label[for="${input.id}"]`);
      return {
        labelled: root.getElementById(panel.getAttribute('aria-labelledby')!)?.textContent,
        live: log.getAttribute('aria-live'),
        inputLabel: label?.textContent,
        controls: root.querySelector('[data-testid=launcher]')!.getAttribute('aria-controls') === panel.id,
      };
    });
    expect(aria).toEqual({ labelled: '政策问答', live: 'polite', inputLabel: '输入您的问题', controls: true });
    await ctx.close();
  });

  it('is usable at 360 px: full-width panel, no horizontal overflow', async () => {
    const { ctx, page } = await newPage({ width: 360, height: 740 });
    await openHost(page);
    await page.screenshot({ path: `${SHOTS}/widget-360-closed.png` });
    await page.locator('[data-testid=launcher]').click();
    await askVia(page, Q);
    await answerDone(page);
    await page.locator('[data-testid=citation-chip]').first().click();
    await page.locator('[data-testid=passage]').waitFor();
    const box = (await page.locator('[data-testid=panel]').boundingBox())!;
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(360);
    const overflow = await page.evaluate(() => {
      const root = document.querySelector('policy-qa-widget')!.shadowRoot!;
      return ['[data-testid=panel]', '.log', '.form'].map((s) => {
        const e = root.querySelector(s)!;
        return e.scrollWidth - e.clientWidth;
      });
    });
    expect(overflow.every((d) => d <= 0)).toBe(true);
    const sendBox = (await page.locator('[data-testid=send]').boundingBox())!;
    expect(sendBox.x + sendBox.width).toBeLessThanOrEqual(360);
    await page.screenshot({ path: `${SHOTS}/widget-360-answer.png` });
    // Full-screen panel hides the launcher; Esc brings it back with focus.
    expect(await page.locator('[data-testid=launcher]').isHidden()).toBe(true);
    await page.locator('[data-testid=input]').press('Escape');
    expect(await activeTestId(page)).toBe('launcher');
    expect(await page.locator('[data-testid=launcher]').isVisible()).toBe(true);
    await ctx.close();
  });

  it('uses traditional Chinese UI for <html lang="zh-TW"> and data-lang="zh-Hant"', async () => {
    const { ctx, page } = await newPage();
    for (const q of ['?lang=zh-TW', '?lang=zh-CN&dataLang=zh-Hant']) {
      await openHost(page, q);
      await page.locator('[data-testid=launcher]').click();
      expect(await page.locator('[data-testid=mode-ask]').textContent()).toBe('問答');
      expect(await page.locator('[data-testid=send]').textContent()).toBe('送出');
      expect(await page.locator('[data-testid=launcher]').getAttribute('aria-label')).toBe('開啟政策問答');
    }
    await page.route(`${api.url}/api/ask`, (route) =>
      route.request().method() !== 'POST'
        ? route.fallback()
        : route.fulfill({
            status: 429,
            headers: { 'Content-Type': 'application/json', 'Retry-After': '7', 'Access-Control-Allow-Origin': '*', 'Access-Control-Expose-Headers': 'Retry-After' },
            body: JSON.stringify({ error: { code: 'rate_limited', message: 'slow down' } }),
          }),
    );
    await askVia(page, '問題');
    expect(await page.locator('[data-testid=error]').textContent()).toContain('請求過於頻繁，請 7 秒後再試');
    await ctx.close();
  });

  it('sends data-token as a Bearer token', async () => {
    const { ctx, page } = await newPage();
    const auth: string[] = [];
    page.on('request', async (r) => {
      if (r.url().includes('/api/') && r.method() === 'POST') auth.push((await r.allHeaders())['authorization'] ?? '');
    });
    await openHost(page, '?token=s3cr3t-t0k');
    await page.locator('[data-testid=launcher]').click();
    await askVia(page, Q);
    await page.locator('[data-testid=answer][aria-busy=false], [data-testid=error]').last().waitFor();
    expect(auth[0]).toBe('Bearer s3cr3t-t0k');
    await ctx.close();
  });

  it('page CSS cannot break the widget, and the widget adds nothing to the page', async () => {
    const { ctx, page } = await newPage();
    await page.goto(`${site.url}/host?hostile=1`);
    await page.locator('[data-testid=launcher]').waitFor();
    const launcher = page.locator('[data-testid=launcher]');
    expect(await launcher.isVisible()).toBe(true);
    const fs = await launcher.evaluate((e) => getComputedStyle(e).fontSize);
    expect(fs).toBe('16px');
    await launcher.click();
    expect(await page.locator('[data-testid=input]').isVisible()).toBe(true);
    expect(await page.locator('[data-testid=input]').evaluate((e) => getComputedStyle(e).color)).not.toBe('rgb(255, 0, 0)');
    await page.screenshot({ path: `${SHOTS}/widget-hostile-css.png` });

    // Nothing leaks out: the page keeps its own stylesheets and its own button's look.
    await page.goto(`${site.url}/host`);
    await page.locator('[data-testid=launcher]').waitFor();
    const after = await page.evaluate(() => ({
      sheets: document.styleSheets.length,
      extra: document.querySelectorAll('body > :not(main):not(script):not(policy-qa-widget)').length,
      btn: getComputedStyle(document.getElementById('host-btn')!).fontSize,
      bodyFont: getComputedStyle(document.body).fontFamily,
    }));
    expect(after).toEqual({ sheets: 1, extra: 0, btn: '18px', bodyFont: 'serif' });
    await ctx.close();
  });

  it.runIf(FAKE)('demo page runs the widget inline with example questions', async () => {
    for (const vp of [
      { width: 1280, height: 820, name: 'desktop' },
      { width: 360, height: 740, name: '360' },
    ]) {
      const { ctx, page } = await newPage(vp);
      await page.goto(`${api.url}/`);
      await page.locator('[data-testid=panel]').waitFor();
      expect(await page.locator('[data-testid=launcher]').count()).toBe(0);
      const ex = page.locator('button[data-q]').first();
      await page.waitForFunction(() => !document.querySelector<HTMLButtonElement>('button[data-q]')!.disabled);
      await ex.click();
      await answerDone(page);
      await page.locator('[data-testid=citation-chip]').first().click();
      await page.screenshot({ path: `${SHOTS}/demo-${vp.name}.png` });
      await ctx.close();
    }
  });

  it('window.PolicyQA.open/close/ask work from page scripts', async () => {
    const { ctx, page } = await newPage();
    await openHost(page);
    await page.evaluate(() => window.PolicyQA!.open());
    expect(await page.locator('[data-testid=panel]').isVisible()).toBe(true);
    await page.evaluate(() => window.PolicyQA!.close());
    expect(await page.locator('[data-testid=panel]').isHidden()).toBe(true);
    await page.evaluate((q) => window.PolicyQA!.ask(q), Q);
    expect(await page.locator('[data-testid=panel]').isVisible()).toBe(true);
    expect(await page.locator('[data-testid=answer]').last().getAttribute('aria-busy')).toBe('false');
    await ctx.close();
  });

  it('made no request outside loopback and threw no page errors', () => {
    expect(requests.length).toBeGreaterThan(10);
    expect(requests.filter((u) => !isLocalUrl(u))).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});

async function activeTestId(page: Page): Promise<string | null> {
  return page.evaluate(() => {
    let a: Element | null = document.activeElement;
    while (a && a.shadowRoot && a.shadowRoot.activeElement) a = a.shadowRoot.activeElement;
    return a ? a.getAttribute('data-testid') ?? (a.getAttribute('role') === 'log' ? 'log' : null) : null;
  });
}

async function activeClass(page: Page): Promise<string> {
  return page.evaluate(() => {
    let a: Element | null = document.activeElement;
    while (a && a.shadowRoot && a.shadowRoot.activeElement) a = a.shadowRoot.activeElement;
    return a ? `${a.tagName.toLowerCase()}.${a.className}` : 'none';
  });
}

