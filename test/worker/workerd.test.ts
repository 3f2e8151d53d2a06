/**
 * The Worker in workerd (offline, default environment: bundled index, flat scan, extractive):
 * the full HTTP contract suite, and answers equal to the Node server's on the dev set.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpContract, postJson, type FetchLike } from '../contract/http-contract';
import { readJsonl, runtime } from '../helpers';
import { startWorkerd, type RunningWorker } from './workerd';

let worker: RunningWorker | undefined;
let starting: Promise<RunningWorker> | undefined;
const connect = async (): Promise<FetchLike> => {
  starting ??= startWorkerd().then((w) => (worker = w));
  return (await starting).fetch;
};

afterAll(async () => {
  await worker?.dispose();
});

httpContract('Cloudflare Worker (workerd)', connect);

describe('the Worker answers exactly as the Node server on the dev set', () => {
  let edge: FetchLike;
  let node: FetchLike;
  beforeAll(async () => {
    edge = await connect();
    const rt = await runtime();
    node = async (path, init) => rt.app.request(path, init);
  });

  const questions = readJsonl<{ id: string; question: string }>('./eval/dev-questions.jsonl');
  const claims = readJsonl<{ id: string; claim: string }>('./eval/dev-claims.jsonl');

  it.each(questions.map((q) => [q.id, q.question]))('ask %s', async (_id, question) => {
    const [a, b] = await Promise.all([postJson(node, '/api/ask', { question }), postJson(edge, '/api/ask', { question })]);
    expect(b.status).toBe(a.status);
    expect(await b.json()).toEqual(await a.json());
  });

  it('search results are identical for every dev question', async () => {
    for (const q of questions) {
      const [a, b] = await Promise.all([postJson(node, '/api/search', { query: q.question, k: 10 }), postJson(edge, '/api/search', { query: q.question, k: 10 })]);
      expect(await b.json(), q.id).toEqual(await a.json());
    }
  });

  it('verdicts and evidence are identical for every dev claim', async () => {
    for (const c of claims) {
      const [a, b] = await Promise.all([postJson(node, '/api/verify', { claim: c.claim }), postJson(edge, '/api/verify', { claim: c.claim })]);
      expect(await b.json(), c.id).toEqual(await a.json());
    }
  });

  it('started in bounded time', () => {
    expect(worker!.readyMs).toBeLessThan(90_000);
  });
});
