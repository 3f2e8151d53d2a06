/**
 * Starts the Worker in workerd, offline, through wrangler's `unstable_startWorker` (the same
 * path as `wrangler dev`: the [build] command writes build/worker/, wrangler bundles
 * src/worker/index.ts, Miniflare runs it in workerd). Needs Node ≥ 22.12 (wrangler 4): npm
 * scripts and npx get it from node_modules/.bin/node.
 */
import type { FetchLike } from '../contract/http-contract';

export interface RunningWorker {
  fetch: FetchLike;
  /** Milliseconds from start to ready (build + bundle + workerd start). */
  readyMs: number;
  dispose(): Promise<void>;
}

export const ROOT = new URL('../../', import.meta.url).pathname;

/** `entrypoint` replaces wrangler.toml's `main` (e.g. the fake-bindings entry); the build and rules stay. */
export async function startWorkerd(opts: { env?: string; entrypoint?: string } = {}): Promise<RunningWorker> {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major < 22 || (major === 22 && minor < 12)) {
    throw new Error(`wrangler 4 needs Node ≥ 22.12, this is ${process.version}: run the tests with npm test (or npx vitest), which use node_modules/.bin/node`);
  }
  // Offline: no Request.cf download, no telemetry.
  process.env.CLOUDFLARE_CF_FETCH_ENABLED = 'false';
  process.env.WRANGLER_SEND_METRICS = 'false';
  const { unstable_startWorker } = await import('wrangler');
  const t0 = Date.now();
  const worker = await unstable_startWorker({
    config: `${ROOT}wrangler.toml`,
    env: opts.env,
    ...(opts.entrypoint ? { entrypoint: opts.entrypoint } : {}),
    dev: { server: { hostname: '127.0.0.1', port: 0 }, inspector: false, logLevel: 'warn', watch: false, persist: false, remote: false },
  });
  await worker.ready;
  const readyMs = Date.now() - t0;
  const fetch: FetchLike = async (path, init) => (await worker.fetch(`http://127.0.0.1${path}`, init as never)) as unknown as Response;
  return { fetch, readyMs, dispose: () => worker.dispose() };
}
