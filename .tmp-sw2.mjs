import { unstable_startWorker } from 'wrangler';
process.env.CLOUDFLARE_CF_FETCH_ENABLED = 'false';
const t0 = Date.now();
const worker = await unstable_startWorker({ config: 'wrangler.toml', dev: { server: { port: 0 }, inspector: false, logLevel: 'warn', watch: false, persist: false } });
await worker.ready;
const t1 = Date.now();
console.log('ready in', t1 - t0);
for (const p of ['/__ping', '/__ping', '/healthz', '/healthz']) {
  const t = Date.now();
  const r = await worker.fetch('http://x' + p);
  await r.text();
  console.log(p, r.status, Date.now() - t);
}
await worker.dispose();
