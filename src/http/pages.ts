/**
 * HTML pages served by the HTTP layer: the demo chat page and the source viewer.
 * Pure string functions (no node:* imports) so they also run in Cloudflare Workers.
 * Every interpolated value goes through escapeHtml; the only scripts are the two constant
 * inline scripts below, whose CSP hashes are exported for a Content-Security-Policy header.
 */

export function escapeHtml(s: unknown): string {
  return String(s ?? '').replace(/[&<>"']/g, (c) =>
    c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#39;',
  );
}

const FONT =
  '-apple-system,BlinkMacSystemFont,"Segoe UI","PingFang SC","Hiragino Sans GB","Microsoft YaHei","Noto Sans CJK SC","Source Han Sans SC","WenQuanYi Micro Hei","Helvetica Neue",Arial,"Noto Sans","Liberation Sans",sans-serif';

/** Scrolls the highlighted quote into view and gives it focus (for screen readers). */
export const SOURCE_VIEWER_SCRIPT =
  "(function(){var m=document.getElementById('hl');if(m){m.scrollIntoView({block:'center'});try{m.focus({preventScroll:true})}catch(e){}}})();";
/** sha256 of SOURCE_VIEWER_SCRIPT, base64 (checked by test/widget.test.ts). */
export const SOURCE_VIEWER_SCRIPT_HASH = 'sha256-3nMari4hLTxkS6dT2LvFuQS5tIksP1fX1tfPQEuqHJk=';
/** A CSP for the source viewer: nothing external, only its own inline script. */
export const SOURCE_VIEWER_CSP = `default-src 'none'; style-src 'unsafe-inline'; script-src '${SOURCE_VIEWER_SCRIPT_HASH}'; img-src 'none'; base-uri 'none'; form-action 'none'`;

/** Example-question buttons → window.PolicyQA.ask(q); enabled once the widget is ready. */
export const DEMO_PAGE_SCRIPT =
  "(function(){var bs=document.querySelectorAll('button[data-q]');function on(){for(var i=0;i<bs.length;i++)bs[i].disabled=false}document.addEventListener('click',function(e){var t=e.target,b=t&&t.closest?t.closest('button[data-q]'):null;if(b&&window.PolicyQA)window.PolicyQA.ask(b.getAttribute('data-q'))});if(window.PolicyQA)on();else window.addEventListener('policyqa:ready',on)})();";
/** sha256 of DEMO_PAGE_SCRIPT, base64 (checked by test/widget.test.ts). */
export const DEMO_PAGE_SCRIPT_HASH = 'sha256-NJSr0vVeXZc0MOVAiL4lisXjekV7zIHwmGGWOsFTkHE=';

function originOf(u: string | undefined): string | null {
  const m = u ? /^(https?:\/\/[^/?#\s'";]+)/i.exec(u) : null;
  return m ? m[1] : null;
}

/** CSP for the demo page; pass the same widgetSrc/endpoint as to renderDemoPage. */
export function demoPageCsp(opts: { widgetSrc?: string; endpoint?: string } = {}): string {
  const w = originOf(opts.widgetSrc);
  const e = originOf(opts.endpoint);
  return [
    "default-src 'none'",
    `script-src 'self'${w ? ' ' + w : ''} '${DEMO_PAGE_SCRIPT_HASH}'`,
    `connect-src 'self'${e ? ' ' + e : ''}`,
    "style-src 'unsafe-inline'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

export interface DemoPageOptions {
  title: string;
  examples: string[];
  /** One line under the title. */
  description?: string;
  /** Where the widget script is served; default "/widget.js" (same origin). */
  widgetSrc?: string;
  /** API endpoint; default: the widget script's own origin. */
  endpoint?: string;
  /** "zh-Hant" for traditional Chinese UI. */
  lang?: 'zh-Hans' | 'zh-Hant';
}

export function renderDemoPage(opts: DemoPageOptions): string {
  const hant = opts.lang === 'zh-Hant';
  const title = opts.title || (hant ? '政策問答' : '政策问答');
  const desc =
    opts.description ??
    (hant
      ? '根據政策文件原文回答問題，每個回答都附有可核對的原文引用；「核查」模式可核對一句說法是否與文件一致。'
      : '根据政策文件原文回答问题，每个回答都附有可核对的原文引用；“核查”模式可核对一句说法是否与文件一致。');
  const exLabel = hant ? '範例問題' : '示例问题';
  const noscript = hant ? '此頁面需要啟用 JavaScript。' : '此页面需要启用 JavaScript。';
  const widgetSrc = opts.widgetSrc || '/widget.js';
  const examples = (opts.examples || [])
    .map((q) => `<li><button type="button" data-q="${escapeHtml(q)}" disabled>${escapeHtml(q)}</button></li>`)
    .join('');
  const css = `
*,*::before,*::after{box-sizing:border-box}
html,body{margin:0;height:100%}
body{font-family:${FONT};font-size:16px;line-height:1.6;color:#1f2328;background:#eef1f5}
.wrap{display:grid;grid-template-columns:minmax(240px,320px) minmax(0,1fr);gap:20px;max-width:1200px;height:100vh;height:100dvh;margin:0 auto;padding:20px}
.side{overflow:auto}
h1{margin:0 0 8px;font-size:24px;line-height:1.3;color:#1f4e99}
.lead{margin:0 0 20px;color:#3d4753}
h2{margin:0 0 8px;font-size:15px;color:#4a5561}
.ex{margin:0;padding:0;list-style:none;display:flex;flex-direction:column;gap:8px}
.ex button{width:100%;min-height:40px;padding:8px 12px;border:1px solid #c3ccd7;border-radius:10px;background:#fff;color:#1f2328;font:inherit;font-size:15px;text-align:left;cursor:pointer}
.ex button:hover{border-color:#1f4e99;background:#f5f8fd}
.ex button:disabled{cursor:progress;opacity:.7}
.ex button:focus-visible{outline:3px solid #e8a200;outline-offset:2px}
.chat{min-height:0;height:100%}
noscript{display:block;padding:16px;background:#fff3cd}
@media (max-width:760px){
.wrap{display:flex;flex-direction:column;gap:12px;padding:12px}
h1{font-size:20px}
.lead{margin-bottom:10px;font-size:14px}
.side{flex:none;overflow:visible}
.ex{flex-direction:row;overflow-x:auto;padding-bottom:4px}
.ex li{flex:none;max-width:80vw}
.ex button{white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.chat{flex:1;min-height:460px}
}`;
  const csp = demoPageCsp({ widgetSrc: opts.widgetSrc, endpoint: opts.endpoint });
  return `<!doctype html>
<html lang="${hant ? 'zh-Hant' : 'zh-CN'}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)}</title>
<style>${css}</style>
</head>
<body>
<div class="wrap">
<aside class="side">
<h1>${escapeHtml(title)}</h1>
<p class="lead">${escapeHtml(desc)}</p>
${examples ? `<h2 id="ex-h">${exLabel}</h2>\n<ul class="ex" aria-labelledby="ex-h">${examples}</ul>` : ''}
<noscript>${noscript}</noscript>
</aside>
<main class="chat" id="policyqa-chat"></main>
</div>
<script>${DEMO_PAGE_SCRIPT}</script>
<script src="${escapeHtml(widgetSrc)}" data-mode="inline" data-container="policyqa-chat" data-title="${escapeHtml(title)}"${
    opts.endpoint ? ` data-endpoint="${escapeHtml(opts.endpoint)}"` : ''
  }${hant ? ' data-lang="zh-Hant"' : ''} defer></script>
</body>
</html>
`;
}

/** A span is usable only when it is integral, non-empty and inside the text. */
export function validSpan(text: string, span: { start: number; end: number } | null | undefined): span is { start: number; end: number } {
  return (
    !!span &&
    Number.isInteger(span.start) &&
    Number.isInteger(span.end) &&
    span.start >= 0 &&
    span.start < span.end &&
    span.end <= text.length
  );
}

export function renderSourceViewer(doc: { docId: string; title: string; text: string }, span: { start: number; end: number } | null): string {
  const text = String(doc.text ?? '');
  const ok = validSpan(text, span);
  let body: string;
  if (ok) {
    body =
      escapeHtml(text.slice(0, span.start)) +
      `<mark id="hl" tabindex="-1">${escapeHtml(text.slice(span.start, span.end))}</mark>` +
      escapeHtml(text.slice(span.end));
  } else {
    body = escapeHtml(text);
  }
  const css = `
*,*::before,*::after{box-sizing:border-box}
body{margin:0;font-family:${FONT};font-size:17px;line-height:1.9;color:#1f2328;background:#f6f7f9}
header{position:sticky;top:0;z-index:1;padding:12px 20px;background:#fff;border-bottom:1px solid #d0d7de}
.in{max-width:50rem;margin:0 auto}
h1{margin:0;font-size:19px;line-height:1.4}
.meta{margin:2px 0 0;font-size:13px;color:#57606a;overflow-wrap:anywhere}
.meta a{color:#1f4e99}
.notice{max-width:50rem;margin:16px auto 0;padding:8px 12px;border:1px solid #e0c36a;border-radius:6px;background:#fff8e1;font-size:14px}
main{max-width:50rem;margin:16px auto 40px;padding:24px 28px;background:#fff;border:1px solid #d0d7de;border-radius:8px}
.doc{margin:0;white-space:pre-wrap;overflow-wrap:anywhere;word-break:break-word}
mark{padding:1px 0;background:#ffe58a;color:#1f2328;box-shadow:0 0 0 2px #e0a800;border-radius:2px;scroll-margin:30vh}
mark:focus{outline:none}
a:focus-visible{outline:3px solid #e8a200;outline-offset:2px}
@media (max-width:600px){body{font-size:16px}header{padding:10px 12px}main{margin:8px 0 24px;padding:14px 12px;border-left:0;border-right:0;border-radius:0}}
@media print{header{position:static}main{border:0}}`;
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(SOURCE_VIEWER_CSP)}">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(doc.title)}</title>
<style>${css}</style>
</head>
<body>
<header><div class="in">
<h1>${escapeHtml(doc.title)}</h1>
<p class="meta">原文 · ${escapeHtml(doc.docId)}${ok ? ` · 引用位置 ${span.start}–${span.end} · <a href="#hl">跳到引用</a>` : ''}</p>
</div></header>
${span && !ok ? '<p class="notice" role="status">未能定位所引用的位置，以下显示全文。</p>\n' : ''}<main>
<div class="doc">${body}</div>
</main>
${ok ? `<script>${SOURCE_VIEWER_SCRIPT}</script>\n` : ''}</body>
</html>
`;
}
