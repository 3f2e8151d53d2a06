/**
 * Embedding from another origin, server side (issue #7 part 4): ALLOWED_ORIGINS (CORS + the
 * server-side refusal), WIDGET_SECRET tokens (mint/verify, the middleware, the CLI, the README
 * snippets), and the per-client rate limit keyed by the socket address on the real Node server.
 * The same flows in a real browser: test/browser/real-server.e2e.test.ts.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import type { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appConfigFrom, readEnv } from '../src/node/config';
import { nodeClientId } from '../src/node/client-id';
import { tokenFromArgs } from '../src/node/cli/token-cli';
import { bearerToken, canonicalOrigin, mintWidgetToken, verifyWidgetToken } from '../src/http/widget-token';
import { freshRuntime, postJson } from './helpers';

const SECRET = 'test-widget-secret-0123456789-abcdefghij';
const HOST = 'https://intranet.example';
const Q = '邢台市2022年市场主体净增多少户？';
const NOW = Date.UTC(2025, 0, 1);

describe('widget tokens (src/http/widget-token.ts)', () => {
  it('round-trips origin, user and expiry; the format is base64url(payload).base64url(sig)', async () => {
    const t = await mintWidgetToken(SECRET, { origin: HOST, user: '张三/alice', ttlSeconds: 600, now: NOW });
    expect(t).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    const payload = JSON.parse(Buffer.from(t.split('.')[0], 'base64url').toString('utf8'));
    expect(payload).toEqual({ v: 1, o: HOST, u: '张三/alice', exp: NOW / 1000 + 600 });
    expect(t).not.toContain(SECRET);
    expect(await verifyWidgetToken(SECRET, t, { origin: HOST, now: NOW + 1000 })).toEqual({
      ok: true,
      claims: { origin: HOST, user: '张三/alice', exp: NOW / 1000 + 600 },
    });
    // No Origin header (a server-to-server call): the origin is not checked.
    expect((await verifyWidgetToken(SECRET, t, { now: NOW })).ok).toBe(true);
  });

  it('rejects expired, tampered, wrong-origin, wrong-secret and malformed tokens', async () => {
    const t = await mintWidgetToken(SECRET, { origin: HOST, user: 'alice', ttlSeconds: 60, now: NOW });
    const reason = async (tok: string | null, o: { origin?: string; now?: number; secret?: string } = {}) => {
      const r = await verifyWidgetToken(o.secret ?? SECRET, tok, { origin: o.origin ?? HOST, now: o.now ?? NOW });
      return r.ok ? 'ok' : r.reason;
    };
    expect(await reason(t, { now: NOW + 59_999 })).toBe('ok');
    expect(await reason(t, { now: NOW + 60_000 })).toBe('expired');
    expect(await reason(t, { origin: 'https://evil.example' })).toBe('wrong_origin');
    expect(await reason(t, { origin: 'http://intranet.example' })).toBe('wrong_origin');
    expect(await reason(t, { secret: SECRET + 'x' })).toBe('bad_signature');
    // A payload re-signed by nobody: longer expiry, another user.
    const [, sig] = t.split('.');
    const forged = Buffer.from(JSON.stringify({ v: 1, o: HOST, u: 'admin', exp: NOW / 1000 + 1e6 })).toString('base64url');
    expect(await reason(`${forged}.${sig}`)).toBe('bad_signature');
    const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
    expect(await reason(flip(t, 5))).toBe('bad_signature');
    expect(await reason(flip(t, t.length - 3))).toBe('bad_signature');
    for (const bad of ['', 'abc', 'a.b.c', `${t}.x`, `.${sig}`, `${t.split('.')[0]}.`, `${t.split('.')[0]}.${sig}==`, 'x'.repeat(5000)]) {
      expect(['missing', 'malformed', 'bad_signature']).toContain(await reason(bad));
    }
    expect(await reason(null)).toBe('missing');
  });

  it('mints only for an http(s) origin and a sane user and ttl', async () => {
    expect(canonicalOrigin('https://Intranet.Example:443/')).toBe(HOST);
    expect(canonicalOrigin('http://localhost:8080')).toBe('http://localhost:8080');
    for (const o of ['intranet.example', 'https://intranet.example/app', 'javascript:alert(1)', 'https://u:p@intranet.example']) {
      await expect(mintWidgetToken(SECRET, { origin: o, user: 'a' })).rejects.toThrow(/origin/);
    }
    await expect(mintWidgetToken(SECRET, { origin: HOST, user: '' })).rejects.toThrow(/user/);
    await expect(mintWidgetToken(SECRET, { origin: HOST, user: 'a', ttlSeconds: 0 })).rejects.toThrow(/ttl/);
  });

  it('reads the bearer token from the Authorization header', () => {
    expect(bearerToken('Bearer abc.def')).toBe('abc.def');
    expect(bearerToken('bearer  abc.def ')).toBe('abc.def');
    expect(bearerToken('Basic abc')).toBeNull();
    expect(bearerToken(undefined)).toBeNull();
  });

  it('src/http stays runtime-agnostic (no node:* imports)', () => {
    for (const f of ['widget-token.ts', 'app.ts', 'rate-limit.ts']) {
      const src = readFileSync(new URL(`../src/http/${f}`, import.meta.url), 'utf8');
      expect(src, f).not.toMatch(/from\s+['"]node:/);
    }
  });
});

describe('WIDGET_SECRET on the API', () => {
  let app: Hono;
  beforeAll(async () => {
    app = (await freshRuntime({ config: { widgetSecret: SECRET, allowedOrigins: [HOST] } })).app;
  });
  const token = (o: Partial<{ origin: string; ttl: number; now: number; secret: string }> = {}) =>
    mintWidgetToken(o.secret ?? SECRET, { origin: o.origin ?? HOST, user: 'alice', ttlSeconds: o.ttl ?? 600, now: o.now });
  const call = (path: string, body: unknown, headers: Record<string, string>) =>
    body === undefined ? app.request(path, { headers }) : postJson(app, path, body, headers);

  it('answers /api/ask, /api/search, /api/verify, /api/figures with a valid token from the right origin', async () => {
    const auth = { Authorization: `Bearer ${await token()}`, Origin: HOST };
    const ask = await call('/api/ask', { question: Q }, auth);
    expect(ask.status).toBe(200);
    expect(ask.headers.get('Access-Control-Allow-Origin')).toBe(HOST);
    expect((await ask.json()).answer).toContain('7.06万户');
    expect((await call('/api/search', { query: '市场主体' }, auth)).status).toBe(200);
    expect((await call('/api/verify', { claim: '邢台市2022年市场主体净增8万户' }, auth)).status).toBe(200);
    expect((await call('/api/figures?q=市场主体', undefined, auth)).status).toBe(200);
    // No Origin header (server-to-server): the token alone is enough.
    expect((await call('/api/ask', { question: Q }, { Authorization: auth.Authorization })).status).toBe(200);
  });

  it('refuses missing, expired, tampered and wrong-origin tokens with 401 unauthorized JSON (readable cross-origin)', async () => {
    const good = await token();
    const cases: Array<[string, Record<string, string>, RegExp]> = [
      ['missing', { Origin: HOST }, /token is required/],
      ['not bearer', { Origin: HOST, Authorization: `Basic ${good}` }, /token is required/],
      ['expired', { Origin: HOST, Authorization: `Bearer ${await token({ ttl: 60, now: Date.now() - 61_000 })}` }, /expired/],
      ['tampered', { Origin: HOST, Authorization: `Bearer ${good.slice(0, -2)}${good.endsWith('AA') ? 'BB' : 'AA'}` }, /invalid/],
      ['other secret', { Origin: HOST, Authorization: `Bearer ${await token({ secret: SECRET.toUpperCase() })}` }, /invalid/],
      ['wrong origin', { Origin: HOST, Authorization: `Bearer ${await token({ origin: 'https://other.example' })}` }, /another origin/],
    ];
    for (const [name, headers, msg] of cases) {
      for (const [path, body] of [
        ['/api/ask', { question: Q }],
        ['/api/search', { query: '市场主体' }],
        ['/api/verify', { claim: '净增8万户' }],
        ['/api/figures?q=x', undefined],
      ] as const) {
        const r = await call(path, body, headers);
        expect(r.status, `${name} ${path}`).toBe(401);
        expect(r.headers.get('Access-Control-Allow-Origin'), `${name} ${path}`).toBe(HOST);
        expect(r.headers.get('WWW-Authenticate')).toMatch(/^Bearer error=/);
        const j = await r.json();
        expect(j.error.code).toBe('unauthorized');
        expect(j.error.message).toMatch(msg);
      }
    }
  });

  it('keeps the preflight, the documents, the source viewer, the widget and the health check open', async () => {
    const pre = await app.request('/api/ask', {
      method: 'OPTIONS',
      headers: { Origin: HOST, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization,content-type' },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('Access-Control-Allow-Origin')).toBe(HOST);
    expect(pre.headers.get('Access-Control-Allow-Headers')).toMatch(/Authorization/i);
    expect((await app.request('/healthz')).status).toBe(200);
    expect((await app.request('/api/documents')).status).toBe(200);
    expect((await app.request('/doc/001_857d87e6a2c63903?start=0&end=5')).status).toBe(200);
    const js = await app.request('/widget.js');
    expect(js.status).toBe(200);
    expect(await js.text()).not.toContain(SECRET);
  });

  it('needs no token when WIDGET_SECRET is unset', async () => {
    const { app: open } = await freshRuntime({});
    expect((await postJson(open, '/api/ask', { question: Q })).status).toBe(200);
  });
});

describe('ALLOWED_ORIGINS', () => {
  let app: Hono;
  beforeAll(async () => {
    app = (await freshRuntime({ config: { allowedOrigins: [HOST] } })).app;
  });

  it('gives an allowed origin CORS headers (Retry-After exposed) and refuses others on the server with 403 JSON', async () => {
    const ok = await postJson(app, '/api/search', { query: '市场主体' }, { Origin: HOST });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('Access-Control-Allow-Origin')).toBe(HOST);
    expect(ok.headers.get('Access-Control-Expose-Headers')).toMatch(/Retry-After/);

    const bad = await postJson(app, '/api/ask', { question: Q }, { Origin: 'https://evil.example' });
    expect(bad.status).toBe(403);
    expect(bad.headers.get('Access-Control-Allow-Origin')).toBeNull();
    expect((await bad.json()).error.code).toBe('unauthorized');

    const pre = await app.request('/api/ask', { method: 'OPTIONS', headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST' } });
    expect(pre.headers.get('Access-Control-Allow-Origin')).toBeNull();
    // No Origin (curl, server-to-server) is not a browser: CORS does not apply.
    expect((await postJson(app, '/api/search', { query: '市场主体' })).status).toBe(200);
  });

  it('is parsed, validated and canonicalised from the environment', () => {
    expect(appConfigFrom(readEnv({ ALLOWED_ORIGINS: ' https://A.example/ , http://localhost:3000' })).allowedOrigins).toEqual([
      'https://a.example',
      'http://localhost:3000',
    ]);
    expect(appConfigFrom(readEnv({})).allowedOrigins).toBe('*');
    expect(() => readEnv({ ALLOWED_ORIGINS: 'https://a.example/path' })).toThrow(/ALLOWED_ORIGINS/);
    expect(() => readEnv({ ALLOWED_ORIGINS: 'intranet.example' })).toThrow(/ALLOWED_ORIGINS/);
  });
});

describe('configuration', () => {
  it('WIDGET_SECRET needs 32 characters and reaches the app config', () => {
    expect(() => readEnv({ WIDGET_SECRET: 'short' })).toThrow(/WIDGET_SECRET must be at least 32 characters/);
    expect(appConfigFrom(readEnv({ WIDGET_SECRET: SECRET })).widgetSecret).toBe(SECRET);
    expect(appConfigFrom(readEnv({})).widgetSecret).toBeNull();
  });

  it('TRUST_PROXY is a number of proxies, 0 by default', () => {
    expect(readEnv({}).TRUST_PROXY).toBe(0);
    expect(readEnv({ TRUST_PROXY: '1' }).TRUST_PROXY).toBe(1);
    expect(() => readEnv({ TRUST_PROXY: 'yes' })).toThrow(/TRUST_PROXY/);
  });
});

describe('npm run token (src/node/cli/token-cli.ts)', () => {
  const env = { WIDGET_SECRET: SECRET };

  it('mints a token the server accepts for that origin', async () => {
    const t = await tokenFromArgs(['--origin', 'https://Intranet.example/', '--user', 'alice', '--ttl', '120'], env, NOW);
    expect(t.origin).toBe(HOST);
    expect(t.expires.toISOString()).toBe(new Date(NOW + 120_000).toISOString());
    expect(await verifyWidgetToken(SECRET, t.token, { origin: HOST, now: NOW })).toMatchObject({ ok: true, claims: { user: 'alice' } });
  });

  it('explains what is missing', async () => {
    await expect(tokenFromArgs(['--origin', HOST, '--user', 'a'], {})).rejects.toThrow(/WIDGET_SECRET is not set/);
    await expect(tokenFromArgs(['--user', 'a'], env)).rejects.toThrow(/--origin is required/);
    await expect(tokenFromArgs(['--origin', HOST], env)).rejects.toThrow(/--user is required/);
    await expect(tokenFromArgs(['--origin', HOST, '--user', 'a', '--ttl', '0'], env)).rejects.toThrow(/--ttl/);
    await expect(tokenFromArgs(['--origin', HOST, '--user', 'a', '--ttl', '999999'], env)).rejects.toThrow(/--ttl/);
    await expect(tokenFromArgs(['--origin', HOST, '--user', 'a', '--secret', 'x'], env)).rejects.toThrow(/secret/);
  });
});

describe('README host-backend snippets mint tokens the server accepts', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const block = (lang: string, marker: string) => {
    const m = new RegExp('```' + lang + '\\n(' + marker.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') + '[\\s\\S]*?)```').exec(readme);
    if (!m) throw new Error(`README has no \`\`\`${lang} block starting with "${marker}"`);
    return m[1];
  };
  const dir = mkdtempSync(join(tmpdir(), 'pqa-snippet-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('Node', async () => {
    const code = block('js', '// Node');
    expect(code.trim().split('\n').length).toBeLessThanOrEqual(10);
    const file = join(dir, 'mint.mjs');
    writeFileSync(file, code);
    const { widgetToken } = (await import(pathToFileURL(file).href)) as { widgetToken: (s: string, o: string, u: string, ttl?: number) => string };
    const t = widgetToken(SECRET, HOST, '张三');
    expect(await verifyWidgetToken(SECRET, t, { origin: HOST })).toMatchObject({ ok: true, claims: { user: '张三' } });
  });

  let python = true;
  try {
    execFileSync('python3', ['--version'], { stdio: 'ignore' });
  } catch {
    python = false;
  }
  it.runIf(python)('Python', async () => {
    const code = block('python', '# Python');
    expect(code.trim().split('\n').length).toBeLessThanOrEqual(10);
    const out = execFileSync('python3', ['-c', `${code}\nprint(widget_token(${JSON.stringify(SECRET)}, ${JSON.stringify(HOST)}, "张三"))`], { encoding: 'utf8' }).trim();
    expect(await verifyWidgetToken(SECRET, out, { origin: HOST })).toMatchObject({ ok: true, claims: { user: '张三' } });
  });
});

describe('per-client rate limit on the Node server', () => {
  const servers: Array<{ close: () => void }> = [];
  afterAll(() => servers.forEach((s) => s.close()));

  async function listen(app: Hono): Promise<string> {
    return new Promise((done) => {
      const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => done(`http://127.0.0.1:${info.port}`));
      servers.push(s);
    });
  }
  const search = (url: string, headers: Record<string, string> = {}) =>
    fetch(`${url}/api/search`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify({ query: '市场主体' }) });

  it('counts by socket address: a forged X-Forwarded-For does not buy more requests', async () => {
    const { app } = await freshRuntime({ config: { rateLimitPerMin: 2 } });
    const url = await listen(app);
    expect((await search(url, { 'X-Forwarded-For': '203.0.113.1' })).status).toBe(200);
    expect((await search(url, { 'X-Forwarded-For': '203.0.113.2' })).status).toBe(200);
    const r = await search(url, { 'X-Forwarded-For': '203.0.113.3' });
    expect(r.status).toBe(429);
    const retry = Number(r.headers.get('Retry-After'));
    expect(retry).toBeGreaterThanOrEqual(1);
    expect(retry).toBeLessThanOrEqual(60);
    expect((await r.json()).error.code).toBe('rate_limited');
    // Preflights never count; pages and the widget are not limited.
    expect((await fetch(`${url}/api/search`, { method: 'OPTIONS', headers: { Origin: HOST, 'Access-Control-Request-Method': 'POST' } })).status).toBe(204);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
  });

  it('with TRUST_PROXY=1 counts the address the proxy appended, not what the client wrote', async () => {
    const { app } = await freshRuntime({ config: { rateLimitPerMin: 2 }, trustProxy: 1 });
    const url = await listen(app);
    // Two users behind the proxy get their own windows.
    for (const ip of ['198.51.100.7', '198.51.100.7', '198.51.100.8', '198.51.100.8']) {
      expect((await search(url, { 'X-Forwarded-For': ip })).status).toBe(200);
    }
    // A client prepending forged entries is still counted by the proxy's (last) entry.
    expect((await search(url, { 'X-Forwarded-For': '1.2.3.4, 198.51.100.7' })).status).toBe(429);
  });

  it('nodeClientId falls back to the socket, then to "unknown" outside @hono/node-server', async () => {
    const { app } = await freshRuntime({ config: { rateLimitPerMin: 1 } });
    // app.request() has no socket: every caller is "unknown", whatever X-Forwarded-For says.
    expect((await postJson(app, '/api/search', { query: 'x' }, { 'X-Forwarded-For': '10.0.0.1' })).status).toBe(200);
    expect((await postJson(app, '/api/search', { query: 'x' }, { 'X-Forwarded-For': '10.0.0.2' })).status).toBe(429);
    const fake = (xff?: string) => ({ req: { header: () => xff }, env: undefined }) as never;
    expect(nodeClientId(0)(fake('9.9.9.9'))).toBe('unknown');
    expect(nodeClientId(1)(fake('9.9.9.9, 8.8.8.8'))).toBe('8.8.8.8');
    expect(nodeClientId(2)(fake('9.9.9.9, 8.8.8.8, 7.7.7.7'))).toBe('8.8.8.8');
    expect(nodeClientId(3)(fake('8.8.8.8'))).toBe('8.8.8.8');
  });
});
