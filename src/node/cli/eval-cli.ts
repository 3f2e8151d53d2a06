/**
 * `npm run eval`: starts the service on a free loopback port, runs the question and claim sets
 * in test/eval/ through the HTTP API, and prints accuracy, hit@5, MRR@10, abstention, verdicts
 * and latency.   --questions FILE… / --claims FILE… to run other sets (JSONL, dev-set format).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { evaluate, formatReport, type EvalClaim, type EvalQuestion } from '../evaluate';
import { createNodeRuntime } from '../runtime';

const { values } = parseArgs({
  options: { questions: { type: 'string', multiple: true }, claims: { type: 'string', multiple: true }, json: { type: 'boolean', default: false } },
});
const dir = 'test/eval';
const readJsonl = <T>(files: string[]) => files.flatMap((f) => readFileSync(f, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as T));
const questionFiles = values.questions ?? readdirSync(dir).filter((f) => f.endsWith('questions.jsonl')).map((f) => join(dir, f));
const claimFiles = values.claims ?? readdirSync(dir).filter((f) => f.endsWith('claims.jsonl')).map((f) => join(dir, f));

const runtime = await createNodeRuntime({ log: (m) => console.error(`[policy-qa] ${m}`) });
const server = serve({ fetch: runtime.app.fetch, port: 0, hostname: '127.0.0.1' });
await new Promise((r) => server.once('listening', r));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
console.error(`[eval] ${questionFiles.join(', ')} + ${claimFiles.join(', ')} against ${base}`);
const report = await evaluate((path, init) => fetch(base + path, init), readJsonl<EvalQuestion>(questionFiles), readJsonl<EvalClaim>(claimFiles));
server.close();
console.log(values.json ? JSON.stringify(report, null, 2) : formatReport(report));
