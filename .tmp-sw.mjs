import { unstable_startWorker } from 'wrangler';
process.env.CLOUDFLARE_CF_FETCH_ENABLED = 'false';
const t0 = Date.now();
const worker = await unstable_startWorker({ config: 'wrangler.toml', dev: { server: { port: 0 }, inspector: false, logLevel: 'warn', watch: false, persist: false } });
await worker.ready;
const t1 = Date.now();
console.log('ready in', t1 - t0);
let r = await worker.fetch('http://x/healthz');
console.log(r.status, await r.text(), 'first request', Date.now() - t1);
for (let i = 0; i < 3; i++) {
const t2 = Date.now();
r = await worker.fetch('http://x/api/ask', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ question: '邢台市2022年市场主体净增多少户？' }) });
console.log(r.status, (await r.text()).slice(0, 100), Date.now() - t2);
}
await worker.dispose();
