/**
 * Browser-test plumbing: loopback servers, the server under test, the host page, Chromium.
 *
 * `startRealServer()` serves the real app (createNodeRuntime); real-server.e2e.test.ts uses it.
 * `startServer()` is the swap point of widget.e2e.test.ts: the protocol fake (fake-api.ts) by
 * default, the real app with POLICY_QA_SERVER=real, or a running instance at POLICY_QA_URL
 * (it must serve /widget.js, /api/*, /doc/* and allow CORS from another origin).
 */

import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { existsSync } from 'node:fs';
import { Hono } from 'hono';
import { escapeHtml } from '../../src/http/pages';
import { createFakeApi } from './fake-api';

export interface RunningServer {
  /** Base URL, no trailing slash. */
  url: string;
  close(): Promise<void>;
}

type FetchFn = (req: Request, env?: unknown) => Response | Promise<Response>;

/** Serves a fetch handler on 127.0.0.1 at a free port. `publicHost` names it in the URL. */
export function serveApp(fetch: FetchFn, publicHost = '127.0.0.1'): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => {
      resolve({
        url: `http://${publicHost}:${info.port}`,
        close: () =>
          new Promise<void>((done) => {
            const s = server as unknown as { closeAllConnections?: () => void; close: (cb: () => void) => void };
            s.closeAllConnections?.();
            s.close(() => done());
          }),
      });
    });
    server.on('error', reject);
  });
}

/**
 * The API server the browser tests talk to. Served as http://localhost:PORT so that it is a
 * different origin from the host page (http://127.0.0.1:PORT), like a real embed.
 * POLICY_QA_SERVER=real runs the same suite against the real app over the committed index.
 */
export async function startServer(): Promise<RunningServer> {
  const external = process.env.POLICY_QA_URL;
  if (external) return { url: external.replace(/\/+$/, ''), close: async () => undefined };
  if (process.env.POLICY_QA_SERVER === 'real') return startRealServer({}, 'localhost');
  const app = createFakeApi();
  return serveApp(app.fetch, 'localhost');
}

export const REPO_ROOT = new URL('../../', import.meta.url).pathname;

/**
 * THE REAL APP: createNodeRuntime (index, engine, createApp, socket-address client id) served by
 * @hono/node-server on 127.0.0.1:0. Defaults to the committed index, never rebuilt here.
 * Imported lazily so that the fake-only suite does not load the native addons.
 */
export async function startRealServer(
  opts: import('../../src/node/runtime').NodeRuntimeOptions = {},
  publicHost = '127.0.0.1',
  /** Sees every request that reaches the server (to prove what the browser did not send). */
  tap?: (req: Request) => void,
): Promise<RunningServer & { runtime: import('../../src/node/runtime').NodeRuntime }> {
  const { createNodeRuntime } = await import('../../src/node/runtime');
  const runtime = await createNodeRuntime({
    indexDir: `${REPO_ROOT}index`,
    seedsDir: `${REPO_ROOT}seeds`,
    rebuild: false,
    embedder: null,
    ...opts,
  });
  const server = await serveApp((req, env) => {
    tap?.(req);
    return runtime.app.fetch(req, env);
  }, publicHost);
  return { ...server, runtime };
}

export interface HostPageOptions {
  lang?: string;
  dataLang?: string;
  token?: string;
  /** Aggressive page CSS that must not leak into the widget. */
  hostile?: boolean;
}

/** A third-party page embedding the widget with one script tag. */
export function hostPage(apiUrl: string, o: HostPageOptions = {}): string {
  const attrs = [
    `src="${escapeHtml(apiUrl)}/widget.js"`,
    `data-endpoint="${escapeHtml(apiUrl)}"`,
    'data-title="政策问答"',
    o.token ? `data-token="${escapeHtml(o.token)}"` : '',
    o.dataLang ? `data-lang="${escapeHtml(o.dataLang)}"` : '',
    'defer',
  ]
    .filter(Boolean)
    .join(' ');
  const hostile = o.hostile
    ? `<style>
*{font-size:40px!important;color:red!important;line-height:3!important;font-family:serif!important}
button{display:none!important;background:lime!important}
div{border:5px solid magenta!important;padding:30px!important}
textarea,mark{display:none!important}
</style>`
    : '';
  return `<!doctype html>
<html lang="${escapeHtml(o.lang ?? 'zh-CN')}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>某市人民政府门户网站</title>
<style>body{margin:0;font:16px/1.7 serif;background:#fafafa}main{max-width:760px;margin:0 auto;padding:24px}h1{color:#a40000}
#host-btn{font-size:18px;padding:6px 10px}</style>
${hostile}
</head>
<body>
<main>
<h1>某市人民政府门户网站</h1>
<p>这是一个嵌入了政策问答组件的第三方页面。页面自身的样式不应影响组件，组件也不应影响页面。</p>
<p><button id="host-btn" type="button">页面自己的按钮</button></p>
<p>${'政府信息公开。'.repeat(40)}</p>
</main>
<script ${attrs}></script>
</body>
</html>`;
}

/**
 * Serves host pages on http://<publicHost>:PORT/host?… for the given API; `?api=<url>` embeds
 * another API server instead (the real-server suite runs several, each with its own settings).
 */
export function startHostSite(apiUrl: string, publicHost = '127.0.0.1'): Promise<RunningServer> {
  const app = new Hono();
  app.get('/host', (c) =>
    c.html(
      hostPage(c.req.query('api') ?? apiUrl, {
        lang: c.req.query('lang'),
        dataLang: c.req.query('dataLang'),
        token: c.req.query('token'),
        hostile: c.req.query('hostile') === '1',
      }),
    ),
  );
  return serveApp(app.fetch, publicHost);
}

export const CHROME_PATH = process.env.CHROME_PATH ?? '/usr/bin/chromium';

export function chromeAvailable(): boolean {
  return existsSync(CHROME_PATH);
}

export const CHROME_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** Loopback only: 127.0.0.0/8, localhost, [::1]; plus in-page schemes. */
export function isLocalUrl(u: string): boolean {
  if (/^(data|blob|about|chrome-error):/.test(u)) return true;
  try {
    const h = new URL(u).hostname;
    return h === 'localhost' || h === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(h);
  } catch {
    return false;
  }
}
