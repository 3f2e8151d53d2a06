/**
 * Deployment, offline: `wrangler deploy --dry-run --env production` bundles the Worker with its
 * bindings and reports the upload size (workerBundleReport, used by npm run bench); wrangler.toml
 * keeps the default environment local and declares the production bindings; `npm run
 * deploy:vectors -- --dry-run` writes the NDJSON and names the wrangler command it would run.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { workerBundleReport, wranglerNode } from '../../src/node/cli/bench-worker';
import { ROOT } from './workerd';

const readConfig = async (env?: string) => {
  const { unstable_readConfig } = await import('wrangler');
  return unstable_readConfig({ config: `${ROOT}wrangler.toml`, env }, { hideWarnings: true } as never);
};

describe('wrangler.toml', () => {
  it('points main at the Worker entry; the default environment is local, with no bindings', async () => {
    const c = await readConfig();
    expect(c.main).toMatch(/src\/worker\/index\.ts$/);
    expect(c.compatibility_date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(c.vars).toMatchObject({ VECTOR_BACKEND: 'local' });
    expect(c.ai).toBeUndefined();
    expect(c.vectorize).toEqual([]);
    expect(c.ratelimits).toEqual([]);
    expect(c.build.command).toContain('src/worker/build.ts');
  });

  it('declares Vectorize, Workers AI and the rate limiter in [env.production], and no secrets anywhere', async () => {
    const c = await readConfig('production');
    expect(c.vars).toMatchObject({ VECTOR_BACKEND: 'vectorize', EMBEDDING_MODEL: '@cf/baai/bge-m3' });
    expect(c.ai).toMatchObject({ binding: 'AI' });
    expect(c.vectorize).toEqual([expect.objectContaining({ binding: 'VECTORIZE', index_name: expect.any(String) })]);
    expect(c.ratelimits).toEqual([expect.objectContaining({ name: 'RATE_LIMITER', simple: expect.objectContaining({ period: 60 }) })]);
    const toml = readFileSync(`${ROOT}wrangler.toml`, 'utf8');
    expect(toml).not.toMatch(/^\s*(ADMIN_TOKEN|WIDGET_SECRET|CLOUDFLARE_API_TOKEN)\s*=/m);
    expect(readFileSync(`${ROOT}.gitignore`, 'utf8')).toMatch(/\.dev\.vars/);
  });
});

describe('wrangler deploy --dry-run --env production', () => {
  it('bundles the Worker and reports its size within the Workers limit', async () => {
    const r = await workerBundleReport();
    expect(r.error).toBeUndefined();
    expect(r.ok).toBe(true);
    expect(r.wranglerSummary).toMatch(/Total Upload/);
    expect(r.gzipBytes).toBeGreaterThan(1_000_000);
    expect(r.gzipBytes).toBeLessThan(r.bytes);
    const names = r.modules.map((m) => m.name).join(' ');
    for (const part of ['index.js', 'jieba_rs_wasm_bg.wasm', 'lsa.json.bin', 'corpus.json.bin', 'bm25.json.bin', 'vectors.f32.bin', 'manifest.json.bin', 'widget.js.txt']) expect(names).toContain(part);
  }, 180_000);
});

describe('npm run deploy:vectors -- --dry-run', () => {
  it('writes the NDJSON for the bundled index and prints the wrangler command without running it', () => {
    const r = spawnSync(wranglerNode(), ['--import', 'tsx', 'src/node/cli/deploy-vectors.ts', '--dry-run', '--embedder', 'lsa'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    const file = /wrote (build\/vectors\/\S+\.ndjson)/.exec(r.stdout)?.[1];
    expect(file).toBeTruthy();
    expect(r.stdout).toMatch(/would run: npx wrangler vectorize insert policy-qa --file=build\/vectors\/v-[0-9a-f]{12}\.lsa\.ndjson --env=production/);
    const lines = readFileSync(`${ROOT}${file}`, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const manifest = JSON.parse(readFileSync(`${ROOT}build/worker/index/manifest.json.bin`, 'utf8'));
    expect(lines).toHaveLength(manifest.counts.chunks);
    expect(lines[0]).toMatchObject({ id: expect.stringMatching(/^\d{3}_[0-9a-f]+:\d+-\d+$/), namespace: `${manifest.data}.lsa`, metadata: { chunk: 0 } });
    expect(lines.every((l) => l.values.length === manifest.embedder.dims)).toBe(true);
  }, 120_000);

  it('refuses to embed with Workers AI without Cloudflare credentials, naming them', () => {
    const env = { ...process.env };
    delete env.CLOUDFLARE_ACCOUNT_ID;
    delete env.CLOUDFLARE_API_TOKEN;
    const r = spawnSync(wranglerNode(), ['--import', 'tsx', 'src/node/cli/deploy-vectors.ts', '--dry-run'], { cwd: ROOT, encoding: 'utf8', env, timeout: 120_000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/CLOUDFLARE_ACCOUNT_ID and CLOUDFLARE_API_TOKEN/);
    expect(existsSync(`${ROOT}build/worker/index/manifest.json.bin`)).toBe(true);
  }, 120_000);
});
